"""Limits on password guessing for every way to log in, and who a request comes from.

Every password check goes through django.contrib.auth.authenticate with the request: the admin's and the
browsable API's login forms, the token endpoint, any Django LoginView (the browser app's sign-in).
django-axes counts each failure against the account and, separately, against the client's address; once
either has AXES_FAILURE_LIMIT failures within AXES_COOLOFF_TIME, every password for it, the right one too,
is refused until the cool-off has passed: 429 with Retry-After, in the API's error shape for API clients
and as a page (templates/login_locked.html) for browsers. The functions here are named by the AXES_*
settings in settings.py.
"""

from __future__ import annotations

import ipaddress
import math
import unicodedata
from datetime import timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials, get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import status

from strategy_builder.api.exceptions import ApiError, error_body

# AccessAttempt.username is a CharField(max_length=255).
_STORED_USERNAME_LENGTH = 255


class TooManyLoginAttempts(ApiError):
    """A login refused because its account or its address has too many recent failures."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_login_attempts"

    def __init__(self, wait: int) -> None:
        super().__init__(
            f"Too many failed login attempts for this account or from this address. Try again in {_duration(wait)}."
        )
        self.wait = wait  # the exception handler answers it as Retry-After


def client_address(request: HttpRequest) -> str | None:
    """The client's address, as far as the deployment can vouch for it.

    Each of the TRUSTED_PROXY_COUNT proxies in front of the app appends the address it was reached from to
    X-Forwarded-For, so the client is the Nth entry from the right: everything to its left was written by
    the client and proves nothing. With no trusted proxy (the default) it is the socket's address. A header
    shorter than N (a request that reached an inner proxy directly) gives its leftmost entry. REST
    framework's throttles pick the same entry (REST_FRAMEWORK["NUM_PROXIES"] is the same count); here an
    entry that is not a bare IP address cannot have been written by a proxy, so the socket's address
    stands in for it.
    """
    remote = _address(request.META.get("REMOTE_ADDR"))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if settings.TRUSTED_PROXY_COUNT <= 0 or not forwarded:
        return remote
    entries = forwarded.split(",")
    return _address(entries[-min(settings.TRUSTED_PROXY_COUNT, len(entries))]) or remote


def login_client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address failed logins are counted against.

    For IPv6 it is the client's /64 network: a subscriber is given a whole /64, and would otherwise have a
    fresh address for every guess.
    """
    address = client_address(request)
    if address is None or ipaddress.ip_address(address).version == 4:
        return address
    return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)


def login_account(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account failed logins are counted against, however its name is spelt.

    The name's NFKC form, stripped and case-folded: MySQL/MariaDB find an account ignoring case (and
    accents and trailing spaces, which axes' table, in the same collation, ignores alike), so "ALICE" is
    alice's count there; folding makes it so on every database. Cut to the 255 characters axes stores (a
    longer name would fail the insert on MySQL), with any text UTF-8 cannot encode replaced.
    """
    field = get_user_model().USERNAME_FIELD
    # Without credentials: axes' lockout answer, outside authenticate().
    typed = credentials.get(field) if credentials else getattr(request, "data", request.POST).get(field)
    if typed is None:
        return None
    name = unicodedata.normalize("NFKC", str(typed)).strip().casefold()
    return name.encode("utf-8", "replace").decode()[:_STORED_USERNAME_LENGTH]


def forget_account_failures(request: HttpRequest, user: Any) -> None:
    """After a successful login, forget the failures counted against this account (not its address's).

    AXES_RESET_ON_SUCCESS is off: it also clears the address's count, so a guesser with an account of
    his own could log into it between guesses at someone else's and never reach the limit.
    """
    account = login_account(request, get_credentials(user.get_username()))
    if settings.AXES_ENABLED and account:  # reset_attempts() without a username would forget everyone's
        AxesProxyHandler.get_implementation().reset_attempts(username=account)


def forget_failures_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receives user_logged_in, which every session login sends (the token endpoint calls the above)."""
    if request is not None:
        forget_account_failures(request, user)


def lockout_wait(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Seconds until neither the account nor the address of a locked-out request is over the limit.

    With the database handler each (account, address, user agent) has one row, its failures and the time
    of the last; a row stops counting once the cool-off has passed since that time. A lock therefore ends
    when, counting the newest rows first, the row that brought the total to the limit ages out.
    """
    cool_off = get_cool_off(request) or timedelta(0)
    limit = get_failure_limit(request, credentials)
    ends = []
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        total = 0
        for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
            "attempt_time", "failures_since_start"
        ):
            total += failures
            if total >= limit:
                ends.append(attempt_time + cool_off)
                break
    if not ends:
        return max(1, math.ceil(cool_off.total_seconds()))
    return max(1, math.ceil((max(ends) - request.axes_attempt_time).total_seconds()))


def locked_out(request: Any) -> TooManyLoginAttempts | None:
    """The error for a request that axes refused while it authenticated (None when it did not)."""
    if not getattr(request, "axes_locked_out", False):
        return None
    return TooManyLoginAttempts(lockout_wait(request, request.axes_credentials))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the answer to a locked-out login form (AxesMiddleware replaces the form's).

    JSON in the API's error shape for a client that asks for JSON or sends it, else a page; both 429 with
    Retry-After.
    """
    error = TooManyLoginAttempts(lockout_wait(request, getattr(request, "axes_credentials", None) or credentials))
    if _wants_json(request):
        response = JsonResponse(error_body(error), status=error.status_code)
    else:
        context = {"message": str(error.detail), "retry_after": _duration(error.wait), "login_url": request.path}
        response = render(request, "login_locked.html", context, status=error.status_code)
    response["Retry-After"] = str(error.wait)
    return response


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.content_type == "application/json"
        or request.get_preferred_type(["text/html", "application/json"]) == "application/json"
    )


def _address(text: str | None) -> str | None:
    """`text` as a canonical IP address (an IPv4-mapped IPv6 address as its IPv4 one), or None.

    A scoped IPv6 address (fe80::1%eth0) is refused: no proxy writes one for a remote client, and its
    scope may be any text, of any length.
    """
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
