"""A password guesser cannot buy more guesses by looking like someone new.

The client's address is the socket's, or with TRUSTED_PROXY_COUNT proxies the address the outermost trusted
proxy saw; a header the client writes itself counts for nothing. An account is counted however its name is
spelt. Nothing in these requests answers 5xx. The default limits (settings.py) are the ones attacked.
"""

import unicodedata

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from strategy_builder.login_limits import client_address

from .corpus_auth import (
    ADDRESSES_OF_ONE_IPV6_NETWORK,
    FORGED_FORWARDED_FOR,
    FORWARDED_FOR_AND_CLIENT_BEHIND_ONE_PROXY,
    ONE_IPV4_CLIENT_TWO_WAYS,
    OVERLONG_USERNAMES,
    PREPENDED_BY_THE_CLIENT,
    PROXY,
    SPELLINGS_OF_ALICE,
)

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "a-long-test-password"
LIMIT = settings.AXES_FAILURE_LIMIT


@pytest.fixture
def alice():
    return get_user_model().objects.create_user(username="alice", password=PASSWORD)


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def guess(username, password="wrong-guess", **meta):  # noqa: S107 (a guess, not a secret)
    meta.setdefault("REMOTE_ADDR", "192.0.2.1")
    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, **meta)


def forged(n: int) -> str:
    return FORGED_FORWARDED_FOR[n % len(FORGED_FORWARDED_FOR)] + f", 198.18.{n // 256}.{n % 256}"


def test_a_new_forged_forwarded_for_on_each_guess_does_not_reset_the_count(alice):
    guesses = [guess(f"user-{n}", HTTP_X_FORWARDED_FOR=forged(n)) for n in range(LIMIT)]

    after = guess("alice", PASSWORD, HTTP_X_FORWARDED_FOR=forged(LIMIT))

    assert [response.status_code for response in guesses] == [400] * (LIMIT - 1) + [429]
    assert after.status_code == 429
    assert int(after["Retry-After"]) > 0


@pytest.mark.parametrize("header", FORGED_FORWARDED_FOR)
def test_without_a_trusted_proxy_the_socket_address_is_the_client_whatever_the_header_says(header):
    request = RequestFactory().post(TOKEN_URL, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=header)

    assert client_address(request) == "192.0.2.1"
    assert BaseThrottle().get_ident(request) == "192.0.2.1"  # REST framework's throttles agree


def test_behind_one_proxy_distinct_clients_are_counted_apart(alice, behind_one_proxy):
    for n in range(LIMIT):
        guess(f"user-{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")

    attacker = guess("alice", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    someone_else = guess("alice", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert attacker.status_code == 429
    assert someone_else.status_code == 200


@pytest.mark.parametrize("prepended", PREPENDED_BY_THE_CLIENT)
def test_behind_one_proxy_a_client_cannot_escape_by_prepending_addresses(alice, behind_one_proxy, prepended):
    for n in range(LIMIT):
        guess(f"user-{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.18.0.{n}, 198.51.100.7")

    escaped = guess("alice", PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{prepended}, 198.51.100.7")

    assert escaped.status_code == 429


@pytest.mark.parametrize(("header", "client"), FORWARDED_FOR_AND_CLIENT_BEHIND_ONE_PROXY)
def test_behind_one_proxy_the_client_is_the_address_the_proxy_wrote(behind_one_proxy, header, client):
    request = RequestFactory().post(TOKEN_URL, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)

    assert client_address(request) == client


@pytest.mark.parametrize("header", ["198.51.100.7", "203.0.113.1, 198.51.100.7", "2001:db8::7"])
def test_rest_frameworks_throttles_see_the_same_client_behind_one_proxy(behind_one_proxy, header):
    request = RequestFactory().post(TOKEN_URL, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header)

    assert BaseThrottle().get_ident(request) == client_address(request)


def test_addresses_of_one_ipv6_network_are_one_client(alice):
    for n, address in enumerate(ADDRESSES_OF_ONE_IPV6_NETWORK[:LIMIT]):
        guess(f"user-{n}", REMOTE_ADDR=address)

    same_network = guess("alice", PASSWORD, REMOTE_ADDR=ADDRESSES_OF_ONE_IPV6_NETWORK[-1])
    next_network = guess("alice", PASSWORD, REMOTE_ADDR="2001:db8:1:3::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 200


def test_an_ipv4_client_and_its_ipv4_mapped_form_are_one_client(alice):
    for n in range(LIMIT):
        guess(f"user-{n}", REMOTE_ADDR=ONE_IPV4_CLIENT_TWO_WAYS[n % 2])

    assert guess("alice", PASSWORD, REMOTE_ADDR=ONE_IPV4_CLIENT_TWO_WAYS[0]).status_code == 429
    assert guess("alice", PASSWORD, REMOTE_ADDR=ONE_IPV4_CLIENT_TWO_WAYS[1]).status_code == 429


def _one_failure_with(spelling):
    """LIMIT - 1 failures for alice and one for `spelling`, each from its own address."""
    for n in range(LIMIT - 1):
        guess("alice", REMOTE_ADDR=f"192.0.2.{n + 10}")
    guess(spelling, REMOTE_ADDR="198.51.100.200")


@pytest.mark.parametrize(
    "spelling", [s for s in SPELLINGS_OF_ALICE if unicodedata.normalize("NFKC", s).strip().casefold() == "alice"]
)
def test_case_space_and_compatibility_variants_of_a_name_count_against_the_account(alice, spelling):
    _one_failure_with(spelling)

    assert guess("alice", PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 429


@pytest.mark.parametrize("spelling", SPELLINGS_OF_ALICE)
def test_no_spelling_of_a_name_buys_extra_guesses_at_the_account(alice, spelling):
    """On every database: a spelling that logs in as alice counts against alice."""
    logs_in_as_alice = ModelBackend().authenticate(None, username=spelling.strip(), password=PASSWORD) == alice
    _one_failure_with(spelling)

    locked = guess("alice", PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 429

    assert locked or not logs_in_as_alice


def test_a_mixed_case_account_is_counted_under_any_case(alice):
    get_user_model().objects.create_user(username="BobSmith", password=PASSWORD)
    for n in range(LIMIT):
        guess(["bobsmith", "BOBSMITH", "BobSmith"][n % 3], REMOTE_ADDR=f"192.0.2.{n + 10}")

    assert guess("BobSmith", PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 429


@pytest.mark.parametrize("username", OVERLONG_USERNAMES)
def test_an_overlong_username_is_refused_and_still_counted(username):
    failures = [guess(username, REMOTE_ADDR=f"192.0.2.{n + 10}") for n in range(LIMIT)]

    assert [response.status_code for response in failures] == [400] * (LIMIT - 1) + [429]
    assert guess(username, REMOTE_ADDR="203.0.113.50").status_code == 429


@pytest.mark.parametrize("header", FORGED_FORWARDED_FOR)
def test_no_forged_header_makes_a_login_form_fail(behind_one_proxy, header):
    response = APIClient().post(
        "/admin/login/", {"username": "alice", "password": "guess"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=header
    )

    assert response.status_code == 200


def test_an_attackers_own_successful_login_does_not_clear_the_count_of_his_address(alice):
    get_user_model().objects.create_user(username="mallory", password=PASSWORD, is_staff=True)
    for n in range(LIMIT - 1):
        guess(f"user-{n}")
    own_login = APIClient().post(
        "/admin/login/", {"username": "mallory", "password": PASSWORD}, format="multipart", REMOTE_ADDR="192.0.2.1"
    )
    assert own_login.status_code == 302

    guess("user-last")

    assert guess("alice", PASSWORD).status_code == 429
