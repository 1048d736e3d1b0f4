"""The API's JSON renderer (REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"]).

Nothing new can store a value JSON output cannot hold (strategy_builder.storable), but a row written before
that check, or past it by a bulk update, may still hold a lone surrogate or a NaN. REST framework's renderer
fails the whole response on one such value, so one row would break its owner's list for good. This one
renders such a response again with each lone surrogate shown as U+FFFD and each non-finite number as null,
and logs that it had to.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from rest_framework import renderers

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
