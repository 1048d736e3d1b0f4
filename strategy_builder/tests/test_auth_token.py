import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

TOKEN_URL = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return get_user_model().objects.create_user(username="alice", password="a-long-test-password")


def test_a_token_is_issued_for_a_valid_password_and_then_authenticates(alice):
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": "a-long-test-password"})

    assert response.status_code == 200
    token = response.json()["token"]
    again = APIClient().post(TOKEN_URL, {"username": "alice", "password": "a-long-test-password"})
    assert again.json()["token"] == token
    listing = APIClient().get("/api/v1/strategy-instances/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listing.status_code == 200


def test_a_wrong_password_answers_400_in_the_error_shape(alice):
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": "wrong"})

    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [
        {"code": "authorization", "message": "Unable to log in with provided credentials."}
    ]


def test_unknown_fields_are_refused(alice):
    response = APIClient().post(TOKEN_URL, {"username": "alice", "password": "a-long-test-password", "otp": "1"})

    assert response.status_code == 400
    assert response.json()["error"]["problems"] == [
        {"code": "unknown_field", "message": "Unknown field 'otp'.", "field": "otp"}
    ]


def test_password_attempts_are_limited_per_client_with_429_and_retry_after(alice, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    attempts = [client.post(TOKEN_URL, {"username": "alice", "password": f"guess-{n}"}) for n in range(3)]

    blocked = client.post(TOKEN_URL, {"username": "alice", "password": "a-long-test-password"})

    assert [response.status_code for response in attempts] == [400, 400, 429]  # the third failure locks
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "too_many_login_attempts"
    assert int(blocked["Retry-After"]) > 0
