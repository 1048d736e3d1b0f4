"""Serializer pieces every app's API shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from engine.errors import Problem


class StrictInputMixin:
    """Input serializers refuse keys they do not know, so a misspelt field is an error, not a silent no-op.

    Unknown keys are reported together with every other problem in the body, each as an
    ``unknown_field`` problem naming the key.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown = self._unknown_keys(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value

    def _unknown_keys(self, data: Any) -> dict[str, list[ErrorDetail]]:
        if not isinstance(data, Mapping):
            return {}
        writable = {name for name, field in self.fields.items() if not field.read_only}
        return {
            key: [ErrorDetail(f"Unknown field '{key}'.", code="unknown_field")] for key in data if key not in writable
        }


class ProblemSerializer(serializers.Serializer):
    """One specific thing wrong, located by field path, node, edge or line when known."""

    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    node_id = serializers.CharField(required=False)
    edge_id = serializers.CharField(required=False)
    line = serializers.IntegerField(required=False)


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    problems = ProblemSerializer(many=True)


class ErrorResponseSerializer(serializers.Serializer):
    """The body of every error response (documentation only: the exception handler builds it)."""

    error = ErrorSerializer()


def problems_as_detail(problems: list[Problem]) -> dict[str, list[ErrorDetail]]:
    """Problems located by relative field path, as a field's ValidationError detail (root problems under "")."""
    detail: dict[str, list[ErrorDetail]] = {}
    for problem in problems:
        detail.setdefault(problem.field or "", []).append(ErrorDetail(problem.message, code=problem.code))
    return detail
