"""One error shape for the whole API.

Every error, whatever raised it, answers::

    {"error": {"status": 400, "code": "invalid", "message": "Invalid input: name: This field is required.",
               "problems": [{"code": "required", "message": "This field is required.", "field": "name"}]}}

`problems` lists each specific thing wrong (possibly none), located by `field` (a path such as
``logic_flow.nodes[2].id``), `node_id`, `edge_id` or `line` when known. The handler is installed as
REST_FRAMEWORK["EXCEPTION_HANDLER"]; `handler404`/`handler500` give URLs outside any DRF view under
/api/ the same shape.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.http import Http404, HttpRequest, JsonResponse
from django.views import defaults as django_defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from engine.errors import EngineError, Problem

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class ApiError(exceptions.APIException):
    """A project error that carries problems; subclasses fix the status and code."""

    def __init__(self, message: str | None = None, *, problems: list[Problem] | None = None) -> None:
        super().__init__(detail=message)
        self.problems: list[Problem] = list(problems or [])


class PreconditionFailed(ApiError):
    """The request was based on a version of the resource that is no longer current (If-Match, stale saves)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource has changed since the version this request was based on."
    default_code = "precondition_failed"


class PayloadTooLarge(ApiError):
    """The request body is larger than the server accepts."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


class Locked(ApiError):
    """Someone else holds the edit lock on the resource."""

    status_code = status.HTTP_423_LOCKED
    default_detail = "The resource is locked by someone else."
    default_code = "locked"


class QueueUnavailable(ApiError):
    """The task queue (Celery's broker) did not take the message, so the work was not started."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The task queue is not reachable, so nothing was started. Try again in a moment."
    default_code = "queue_unavailable"


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """REST framework's EXCEPTION_HANDLER: render `exc` in the one error shape."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        if settings.DEBUG:
            return None  # Django's technical 500 page is more use to a developer than a JSON line.
        logger.error("Unhandled error in an API view", exc_info=exc)
        set_rollback()
        return Response(_server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    headers = {}
    if isinstance(api_exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        _challenge(api_exc, context.get("request"))
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(math.ceil(api_exc.wait))
    set_rollback()
    return Response(error_body(api_exc), status=api_exc.status_code, headers=headers)


def _challenge(exc: exceptions.APIException, request: Any) -> None:
    """Answer 401 with a challenge whenever any configured scheme can give one.

    REST framework asks only the first authentication class (session, which has no challenge) and so
    answers 403; a client without credentials should be told 401 and how to authenticate (a token).
    """
    if getattr(exc, "auth_header", None):
        return
    for authenticator in getattr(request, "authenticators", None) or ():
        header = authenticator.authenticate_header(request)
        if header:
            exc.auth_header = header
            exc.status_code = status.HTTP_401_UNAUTHORIZED
            return


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    """The response body for a REST framework exception (after `_as_api_exception`)."""
    problems = _problems_of(exc)
    code, message = _code_and_message(exc, problems)
    return _body(exc.status_code, code, message, problems)


def _body(status_code: int, code: str, message: str, problems: list[dict[str, Any]]) -> dict[str, Any]:
    return {"error": {"status": status_code, "code": code, "message": message, "problems": problems}}


def not_found(request: HttpRequest, exception: Exception) -> Any:
    """handler404: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(_body(404, "not_found", f"No API endpoint at {shown_path(request.path)}.", []), status=404)
    return django_defaults.page_not_found(request, exception)


def shown_path(path: str, limit: int = 200) -> str:
    """A requested path as an error message echoes it: at most `limit` characters."""
    return path if len(path) <= limit else f"{path[:limit]}..."


def server_error(request: HttpRequest) -> Any:
    """handler500: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(_server_error_body(), status=500)
    return django_defaults.server_error(request)


def _server_error_body() -> dict[str, Any]:
    return _body(500, "server_error", "The server failed to handle this request; the error has been logged.", [])


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    """Translate the exceptions services and Django raise into REST framework ones."""
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, _REQUEST_LIMITS):
        return _request_limit_error(exc)
    if isinstance(exc, django_exceptions.ValidationError):
        return _DjangoValidationError(exc)
    if isinstance(exc, EngineError):
        return _EngineValidationError(exc)
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, django_exceptions.ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, django_exceptions.PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return None


_REQUEST_LIMITS = (
    django_exceptions.RequestDataTooBig,
    django_exceptions.TooManyFieldsSent,
    django_exceptions.TooManyFilesSent,
)


def _request_limit_error(exc: Exception) -> exceptions.APIException:
    """Django's own limits on what it parses of a request body (DATA_UPLOAD_MAX_*)."""
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return PayloadTooLarge(f"The request body is larger than the {limit:,} bytes accepted (uploaded files aside).")
    if isinstance(exc, django_exceptions.TooManyFilesSent):
        message = f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files."
        return exceptions.ValidationError(message, code="too_many_files")
    message = f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields."
    return exceptions.ValidationError(message, code="too_many_fields")


class _DjangoValidationError(exceptions.ValidationError):
    """A django.core.exceptions.ValidationError raised by a service or model, kept with its codes."""

    def __init__(self, exc: django_exceptions.ValidationError) -> None:
        super().__init__(detail="Invalid input.")
        self.problems = list(_django_problems(exc))


class _EngineValidationError(exceptions.ValidationError):
    def __init__(self, exc: EngineError) -> None:
        super().__init__(detail=str(exc))
        self.default_code = exc.default_code
        self.problems = [p.as_dict() for p in exc.problems]


def _problems_of(exc: exceptions.APIException) -> list[dict[str, Any]]:
    explicit = getattr(exc, "problems", None)
    if explicit is not None:
        return [p.as_dict() if isinstance(p, Problem) else dict(p) for p in explicit]
    if isinstance(exc, exceptions.ValidationError):
        return list(_flatten(exc.detail, ""))
    if isinstance(exc, exceptions.ParseError):
        return [_parse_problem(exc)]
    return []


def _code_and_message(exc: exceptions.APIException, problems: list[dict[str, Any]]) -> tuple[str, str]:
    if isinstance(exc, _EngineValidationError):
        return exc.default_code, _summary(problems, fallback=str(exc.detail))
    if isinstance(exc, exceptions.ValidationError):
        return "invalid", _summary(problems, fallback="Invalid input.")
    code = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else exc.default_code
    return str(code or exc.default_code), str(exc.detail)


def _summary(problems: list[dict[str, Any]], *, fallback: str) -> str:
    if not problems:
        return fallback
    if len(problems) > 1:
        return f"Invalid input: {len(problems)} problems, listed in `problems`."
    only = problems[0]
    where = _location(only)
    return f"Invalid input: {where}: {only['message']}" if where else f"Invalid input: {only['message']}"


def _location(problem: Mapping[str, Any]) -> str | None:
    if "field" in problem:
        return problem["field"]
    if "node_id" in problem:
        return f"node {problem['node_id']}"
    if "edge_id" in problem:
        return f"edge {problem['edge_id']}"
    if "line" in problem:
        return f"line {problem['line']}"
    return None


def _flatten(detail: Any, path: str) -> Iterator[dict[str, Any]]:
    """Walk REST framework's nested error detail, yielding one problem per message with its field path.

    Dict keys become dotted paths, integer keys (ListField) and list positions (nested list serializers)
    become ``[i]``; a key already starting with ``[`` (a relative path such as ``[2].id``) is appended as is.
    """
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from _flatten(value, _join(path, key))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list):
                yield from _flatten(item, f"{path}[{index}]")
            else:
                yield from _flatten(item, path)
    else:
        code = getattr(detail, "code", None) or "invalid"
        problem: dict[str, Any] = {"code": str(code), "message": str(detail)}
        if path:
            problem["field"] = path
        yield problem


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    key = str(key)
    if key in (api_settings.NON_FIELD_ERRORS_KEY, django_exceptions.NON_FIELD_ERRORS, ""):
        return path
    if key.startswith("[") or not path:
        return f"{path}{key}"
    return f"{path}.{key}"


def _django_problems(exc: django_exceptions.ValidationError) -> Iterator[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                yield from _django_error_problems(error, _join("", field))
    else:
        for error in exc.error_list:
            yield from _django_error_problems(error, "")


def _django_error_problems(error: django_exceptions.ValidationError, field: str) -> Iterator[dict[str, Any]]:
    for message in error:  # iterating a single ValidationError formats its message with its params
        problem: dict[str, Any] = {"code": error.code or "invalid", "message": str(message)}
        if field:
            problem["field"] = field
        yield problem


def _parse_problem(exc: exceptions.ParseError) -> dict[str, Any]:
    """Point at the line of a malformed JSON body when the parser said where."""
    problem: dict[str, Any] = {"code": "parse_error", "message": str(exc.detail)}
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, json.JSONDecodeError):
        problem["line"] = cause.lineno
    return problem
