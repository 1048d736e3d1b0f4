"""OpenAPI helpers: the one error shape on every operation that can answer it, and the flow format.

`AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) documents, on every operation, the errors that
follow from what the operation is — 400 when it reads a body or query parameters, 401, 403 on writes
(permissions, CSRF), 404 when its path names an object (or it pages a list), 415 when it reads a body,
429 when it is throttled — in the error shape. Errors particular to an operation (409, 412, 413, 423,
428 ...) are declared on it with `error_responses`. Input serializers that refuse unknown keys
(StrictInputMixin) say so (`additionalProperties: false`). It also puts the logic-flow format
(`engine.flowformat.flow_json_schema`, the engine's own definition) among the components, as `LogicFlow`.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse

from engine.flowformat import flow_json_schema

from .serializers import ErrorResponseSerializer, StrictInputMixin

_DESCRIPTIONS = {
    400: "Invalid input: every problem is listed in `error.problems`, each with its field path.",
    401: "No valid credentials were given.",
    403: "The credentials do not allow this.",
    404: "No such object among the caller's own.",
    409: "The request conflicts with the object's current state.",
    412: "The request was based on a version that is no longer current.",
    413: "The request body is larger than the server accepts; the message names the limit.",
    415: "The body is not in a media type this operation reads.",
    423: "The object is locked by someone else.",
    428: "The request must say which version it is based on.",
    429: "Too many requests: wait the seconds the Retry-After header gives.",
    503: "The task queue is not reachable: nothing was started or stored; try again in a moment.",
}
_IMPLIED = {
    401: "No valid credentials were given (a bad token, or none where the operation needs them).",
    403: "Not allowed: the credentials do not permit this, or a session-authenticated write lacks its CSRF token.",
    404: "No such object among the caller's own, or no such page.",
}
_WRITES = ("POST", "PUT", "PATCH", "DELETE")

LOGIC_FLOW_COMPONENT = "LogicFlow"
LOGIC_FLOW = {"$ref": f"#/components/schemas/{LOGIC_FLOW_COMPONENT}"}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses=` entries for `extend_schema`, one per error status an operation can answer."""
    return {code: OpenApiResponse(ErrorResponseSerializer, description=_DESCRIPTIONS[code]) for code in statuses}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for name, schema in flow_components().items():
            self.registry.register_on_missing(
                ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
            )
        responses = operation.setdefault("responses", {})
        for code in self._implied_errors(operation):
            if str(code) not in responses:
                description = _IMPLIED.get(code, _DESCRIPTIONS[code])
                response = OpenApiResponse(ErrorResponseSerializer, description=description)
                responses[str(code)] = self._get_response_for_code(response, str(code))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInputMixin):
            schema["additionalProperties"] = False  # an unknown key is refused (unknown_field)
        return schema

    def _implied_errors(self, operation: dict[str, Any]) -> list[int]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = [401]
        if has_body or any(p["in"] == "query" for p in parameters):
            codes.append(400)
        if self.method in _WRITES:
            codes.append(403)
        if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
            codes.append(404)
        if has_body:
            codes.append(415)
        if self.view.get_throttles():
            codes.append(429)
        return codes


_DOCUMENT_KEYS = ("$schema", "$id")


def flow_components() -> dict[str, dict[str, Any]]:
    """The engine's JSON Schema of a logic flow as OpenAPI 3.0 components: LogicFlow and its parts."""
    document = openapi_3_0(flow_json_schema())
    definitions = document.pop("$defs")
    document.pop("title", None)
    return {LOGIC_FLOW_COMPONENT: document, **definitions}


def openapi_3_0(schema: Any) -> Any:
    """JSON Schema 2020-12 as OpenAPI 3.0 reads it: `nullable` for null types, boolean exclusive bounds,
    refs into the components, no document keywords."""
    if isinstance(schema, list):
        return [openapi_3_0(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: openapi_3_0(value) for key, value in copy.deepcopy(schema).items() if key not in _DOCUMENT_KEYS}
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(exclusive), int | float) and not isinstance(schema[exclusive], bool):
            schema[bound] = schema[exclusive]
            schema[exclusive] = True
    if isinstance(schema.get("$ref"), str):
        schema["$ref"] = schema["$ref"].replace("#/$defs/", "#/components/schemas/")
    types = schema.get("type")
    if isinstance(types, list) and "null" in types:
        (schema["type"],) = [kind for kind in types if kind != "null"]
        schema["nullable"] = True
    alternatives = schema.get("anyOf")
    if isinstance(alternatives, list) and {"type": "null"} in alternatives:
        (only,) = [option for option in alternatives if option != {"type": "null"}]
        del schema["anyOf"]
        schema.update({"allOf": [only], "nullable": True})
    return schema
