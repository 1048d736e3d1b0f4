"""Every error under /api/ answers in the API's one error shape, whatever produced it.

REST framework's views already do (the exception handler). What reaches a client from outside them is
Django's own: the URL resolver's 404 (with DEBUG on, the HTML technical 404 page, which bypasses
`handler404`), a plain Django view's 405, a CSRF failure's 403. This middleware turns any such 4xx
response under /api/ into the shape, keeping its status and headers (Allow, WWW-Authenticate ...), and
so does a REST framework error its view rendered as HTML for a client that does not take HTML (the docs
pages' 405/406). Server errors are left alone: with DEBUG on, Django's technical 500 page is what a
developer needs, and without it `handler500` already answers in the shape.

A POST (PUT, PATCH, DELETE) to an API URL without its trailing slash is redirected with 308, which keeps
the method and the body: CommonMiddleware's 301 makes clients resend it as a GET (and with DEBUG on it
raises an error instead).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.middleware.common import CommonMiddleware
from django.utils.http import escape_leading_slashes
from rest_framework.response import Response

from .exceptions import API_PREFIX, shown_path
from .exceptions import _body as error_shape

# The codes REST framework's exceptions use for the same statuses, so a client sees one vocabulary.
_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary")


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_slash_redirect(request):
            redirect = HttpResponsePermanentRedirect(
                escape_leading_slashes(request.get_full_path(force_append_slash=True))
            )
            redirect.status_code = 308
            return redirect
        response = self.get_response(request)
        if not _needs_shape(request, response):
            return response
        shaped = JsonResponse(_body(request, response.status_code), status=response.status_code)
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped

    def _needs_slash_redirect(self, request: HttpRequest) -> bool:
        return (
            request.path.startswith(API_PREFIX)
            and request.method not in ("GET", "HEAD")
            and CommonMiddleware(self.get_response).should_redirect_with_slash(request)
        )


BROWSABLE_LOGIN_PREFIX = "/api/auth/"


def _needs_shape(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        request.path.startswith(API_PREFIX)
        and 400 <= response.status_code < 500
        and not response.get("Content-Type", "").startswith("application/json")
        # The browsable API renders REST framework's errors as HTML for a browser: leave those, and what its
        # sign-in pages show a browser (the login lockout page among them).
        and not (
            (isinstance(response, Response) or request.path.startswith(BROWSABLE_LOGIN_PREFIX))
            and "text/html" in request.headers.get("Accept", "")
        )
    )


def _body(request: HttpRequest, status: int) -> dict:
    if status == 404:
        message = f"No API endpoint at {shown_path(request.path)}."
    elif status == 405:
        message = f'Method "{request.method}" not allowed.'
    else:
        message = f"{HTTPStatus(status).phrase}."
    return error_shape(status, _CODES.get(status, "error"), message, [])
