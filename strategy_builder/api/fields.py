"""Serializer fields every app's API shares."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from strategy_builder.storable import JSONDecoder, json_problems

from .serializers import problems_as_detail


class JSONField(serializers.JSONField):
    """REST framework's JSONField, refusing what no row can hold (strategy_builder.storable) with a problem
    per value, named by its path inside the field. A JSON body was checked whole by the parser already; this
    also covers JSON sent as form text, parsed here with the same depth limit. In an HTML form it is JSON
    text, and an empty box means "not given" (null where null is allowed), as an empty box does for DRF's
    other fields; DRF's own JSONField would refuse it as bad JSON."""

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return None if self.allow_null else empty
        return super().get_value(dictionary)

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("decoder") is None:  # a ModelSerializer passes the model field's, None by default
            kwargs["decoder"] = JSONDecoder
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if self.binary or getattr(data, "is_json_string", False):
            try:
                value = json.loads(data.decode() if isinstance(data, bytes) else data, cls=self.decoder)
            except (TypeError, ValueError) as exc:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                raise serializers.ValidationError(f"Value must be valid JSON: {reason}", code="invalid") from None
        else:
            value = super().to_internal_value(data)
        problems = json_problems(value)
        if problems:
            raise serializers.ValidationError(problems_as_detail(problems))
        return value
