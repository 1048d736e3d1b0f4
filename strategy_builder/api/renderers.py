"""The API's renderers (REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]).

JSONRenderer: nothing new can store a value JSON output cannot hold (strategy_builder.storable), but a row
written before that check, or past it by a bulk update, may still hold a lone surrogate or a NaN. REST
framework's renderer fails the whole response on one such value, so one row would break its owner's list for
good. This one renders such a response again with each lone surrogate shown as U+FFFD and each non-finite
number as null, and logs that it had to.

FastJSONRenderer: orjson, for the few responses that are megabytes of plain lists and numbers.

BrowsableAPIRenderer: the browsable API, with its forms always built from the input serializer of the write
they send.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework import renderers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request, override_method

logger = logging.getLogger(__name__)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except (UnicodeEncodeError, ValueError) as exc:  # a lone surrogate; NaN or an infinity ("not compliant")
            view = (renderer_context or {}).get("view")
            logger.warning("A response held a value JSON cannot carry (%s); it was replaced. View: %r", exc, view)
            return super().render(_renderable(data), accepted_media_type, renderer_context)


class FastJSONRenderer(JSONRenderer):
    """The same JSON, written by orjson: about ten times faster than the json module on a response of
    hundreds of thousands of numbers (a million-bar test's trades, as columns). orjson writes a non-finite
    number as null, as JSONRenderer's fallback does; anything else it refuses (a lone surrogate) goes the
    JSONRenderer way."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return super().render(data, accepted_media_type, renderer_context)


def _renderable(data: Any) -> Any:
    """A copy of `data` with lone surrogates replaced and non-finite floats as None, walked without recursion."""
    root = [data]
    pending: list[tuple[list | dict, Any]] = [(root, 0)]
    while pending:
        container, key = pending.pop()
        value = container[key]
        if isinstance(value, Mapping):
            copy = {_text(k) if isinstance(k, str) else k: v for k, v in value.items()}
            container[key] = copy
            pending += [(copy, k) for k in copy]
        elif isinstance(value, list | tuple):
            copy = list(value)
            container[key] = copy
            pending += [(copy, index) for index in range(len(copy))]
        elif isinstance(value, str):
            container[key] = _text(value)
        elif isinstance(value, float) and not math.isfinite(value):
            container[key] = None
    return root[0]


def _text(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", str(text))


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_rendered_html_form(self, data: Any, view: Any, method: str, request: Request) -> Any:
        """The form for `method`, also on the page that answers a `method` request.

        There DRF would build the form from the response's serializer. After a write that is an output
        serializer: the page would offer a form of read-only or refused fields, so the form is built as for a
        GET of the same object instead (a blank create form, or the object's update form). After a refused
        write the response is the API's error shape, which carries no serializer, and the form would come
        back blank: it is bound to what was sent instead, each problem beside its field.
        """
        if request.method != method:
            return super().get_rendered_html_form(data, view, method, request)
        response = self.renderer_context.get("response")
        if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
            return self._refused_form(view, method, request)
        if getattr(data, "serializer", None) is None:
            return super().get_rendered_html_form(data, view, method, request)
        with override_method(view, request, "GET") as as_get:
            return super().get_rendered_html_form(data, view, method, as_get)

    def _refused_form(self, view: Any, method: str, request: Request) -> Any:
        with override_method(view, request, method) as request:
            if not self.show_form_for_method(view, method, request, None):
                return None
            try:
                sent = request.data
            except ParseError:
                return None
            return self.render_form_for_serializer(view.get_serializer(data=sent))
