"""Every way to log in with a password is limited per account and per address (django-axes).

The admin's and the browsable API's login forms, any Django LoginView (the browser app's sign-in) and the
token endpoint: the failure that makes AXES_FAILURE_LIMIT for one account (from any addresses) or from one
address (for any accounts) within the cool-off is answered 429 with Retry-After, and so is every password
after it, the right one too, until the cool-off has passed. The passing of time is simulated by ageing the recorded
failures, never by waiting.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.views import LoginView
from django.db.models import F
from django.urls import path
from rest_framework.test import APIClient

from strategy_builder.urls import urlpatterns as project_urlpatterns

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
COOL_OFF = timedelta(minutes=15)
LIMIT = 3
ADMIN_LOGIN = "/admin/login/"
API_LOGIN = "/api/auth/login/"
SIGN_IN = "/accounts/login/"  # the browser app's sign-in will be Django's LoginView here
TOKEN_URL = "/api/v1/auth/token/"

# The project's URLs plus a plain LoginView, as the browser app's sign-in page will be.
urlpatterns = [
    *project_urlpatterns,
    path("accounts/login/", LoginView.as_view(template_name="rest_framework/login.html")),
]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF


@pytest.fixture
def alice():
    return get_user_model().objects.create_user(username="alice", password=PASSWORD, is_staff=True)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def form_login(url, username, password, address="192.0.2.1"):
    """The sign-in form posted as a browser posts it (a browser asks for HTML)."""
    return APIClient().post(
        url,
        {"username": username, "password": password},
        format="multipart",
        REMOTE_ADDR=address,
        HTTP_ACCEPT=BROWSER_ACCEPT,
    )


def token_request(username, password, address="192.0.2.1"):
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def cool_off_passes():
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - COOL_OFF)


def assert_locked_page(response):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "login_locked.html" in [template.name for template in response.templates]
    page = response.content.decode()
    assert "Too many failed login attempts" in page
    assert "Try again in 15 minutes" in page
    assert 0 < int(response["Retry-After"]) <= COOL_OFF.total_seconds()


@pytest.mark.parametrize("url", [ADMIN_LOGIN, API_LOGIN, SIGN_IN])
@pytest.mark.urls(__name__)
def test_a_login_form_locks_an_account_after_bad_passwords_from_varying_addresses(alice, url):
    failures = [form_login(url, "alice", f"guess-{n}", address=f"192.0.2.{n + 10}") for n in range(LIMIT)]

    locked = form_login(url, "alice", PASSWORD, address="198.51.100.1")

    # The form again with its error, until the failure that reaches the limit, which is answered as locked.
    assert [response.status_code for response in failures] == [200] * (LIMIT - 1) + [429]
    assert_locked_page(failures[-1])
    assert_locked_page(locked)


@pytest.mark.parametrize("url", [ADMIN_LOGIN, API_LOGIN, SIGN_IN])
@pytest.mark.urls(__name__)
def test_a_login_form_locks_an_address_across_varying_usernames(alice, url):
    for n in range(LIMIT):
        form_login(url, f"someone-{n}", "guess", address="203.0.113.5")

    from_that_address = form_login(url, "alice", PASSWORD, address="203.0.113.5")
    from_elsewhere = form_login(url, "alice", PASSWORD, address="203.0.113.6")

    assert_locked_page(from_that_address)
    assert from_elsewhere.status_code == 302  # alice's own account is not locked


def test_the_lockout_lasts_the_cool_off_and_then_the_right_password_works(alice):
    for n in range(LIMIT):
        form_login(ADMIN_LOGIN, "alice", f"guess-{n}")
    assert form_login(ADMIN_LOGIN, "alice", PASSWORD).status_code == 429

    cool_off_passes()
    response = form_login(ADMIN_LOGIN, "alice", PASSWORD)

    assert response.status_code == 302  # logged in (a refused login shows the form again)


def test_retrying_during_the_lockout_does_not_move_the_time_given(alice):
    for n in range(LIMIT):
        form_login(ADMIN_LOGIN, "alice", f"guess-{n}")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))

    retried = [form_login(ADMIN_LOGIN, "alice", "another-guess") for _ in range(3)]

    assert all(response.status_code == 429 for response in retried)
    assert all(int(response["Retry-After"]) <= 5 * 60 for response in retried)
    assert "Try again in 5 minutes" in retried[-1].content.decode()


def test_a_lockout_asked_for_as_json_answers_in_the_error_shape(alice):
    for n in range(LIMIT):
        form_login(ADMIN_LOGIN, "alice", f"guess-{n}")

    response = APIClient().post(
        ADMIN_LOGIN, {"username": "alice", "password": PASSWORD}, format="multipart", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= COOL_OFF.total_seconds()
    assert response.json() == {
        "error": {
            "status": 429,
            "code": "too_many_login_attempts",
            "message": "Too many failed login attempts for this account or from this address. Try again in 15 minutes.",
            "problems": [],
        }
    }


def test_the_token_endpoint_locks_an_account_with_429_in_the_error_shape(alice):
    failures = [token_request("alice", f"guess-{n}", address=f"192.0.2.{n + 10}") for n in range(LIMIT)]

    locked = token_request("alice", PASSWORD, address="198.51.100.1")

    assert [response.status_code for response in failures] == [400] * (LIMIT - 1) + [429]
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= COOL_OFF.total_seconds()
    error = locked.json()["error"]
    assert (error["status"], error["code"]) == (429, "too_many_login_attempts")
    assert error["message"].endswith("Try again in 15 minutes.")


def test_the_token_endpoint_locks_an_address_across_varying_usernames(alice):
    for n in range(LIMIT):
        token_request(f"someone-{n}", "guess", address="203.0.113.5")

    assert token_request("alice", PASSWORD, address="203.0.113.5").status_code == 429
    assert token_request("alice", PASSWORD, address="203.0.113.6").status_code == 200


def test_the_token_endpoint_issues_a_token_again_after_the_cool_off(alice):
    for n in range(LIMIT):
        token_request("alice", f"guess-{n}")
    assert token_request("alice", PASSWORD).status_code == 429

    cool_off_passes()
    response = token_request("alice", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"]


def test_a_successful_login_clears_the_accounts_own_failures(alice):
    for n in range(LIMIT - 1):
        token_request("alice", f"guess-{n}")
    assert token_request("alice", PASSWORD).status_code == 200

    for n in range(LIMIT - 1):
        token_request("alice", f"typo-{n}")

    assert token_request("alice", PASSWORD).status_code == 200


def test_staff_see_a_lockout_in_the_admin_and_lift_it_by_deleting_its_rows(alice, client):
    for n in range(LIMIT):
        token_request("alice", f"guess-{n}", address=f"192.0.2.{n + 10}")
    client.force_login(get_user_model().objects.create_superuser(username="root", password=PASSWORD))

    listing = client.get("/admin/axes/accessattempt/")
    AccessAttempt.objects.filter(username="alice").delete()

    assert listing.status_code == 200
    assert listing.content.decode().count("192.0.2.") == LIMIT
    assert token_request("alice", PASSWORD).status_code == 200
