"""OpenAPI helpers: document the one error shape on the operations that can answer it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorResponseSerializer

_DESCRIPTIONS = {
    400: "Invalid input: every problem is listed in `error.problems`, each with its field path.",
    401: "No valid credentials were given.",
    403: "The credentials do not allow this.",
    404: "No such object among the caller's own.",
    409: "The request conflicts with the object's current state.",
    412: "The request was based on a version that is no longer current.",
    413: "The request body is larger than the server accepts; the message names the limit.",
    423: "The object is locked by someone else.",
    429: "Too many requests: wait the seconds the Retry-After header gives.",
    503: "The task queue is not reachable: nothing was started or stored; try again in a moment.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses=` entries for `extend_schema`, one per error status an operation can answer."""
    return {code: OpenApiResponse(ErrorResponseSerializer, description=_DESCRIPTIONS[code]) for code in statuses}
