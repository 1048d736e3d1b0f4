"""Serializer pieces every app's API shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty
from rest_framework.utils import html
from rest_framework.utils.serializer_helpers import BoundField, JSONBoundField

from engine.errors import Problem

# What Django and the browsable API put into an HTML form besides the fields it edits: Django's CSRF token,
# and the browsable API's raw-data tunnel and method override. They say how a form was sent, not what it
# sends, so in form data they are never fields of the API's (in a JSON body they would be misspelt fields).
FORM_FRAMEWORK_FIELDS = frozenset({"csrfmiddlewaretoken", "_content_type", "_content", "_method"})


class StrictInputMixin:
    """Input serializers refuse keys they do not know, so a misspelt field is an error, not a silent no-op.

    Unknown keys are reported together with every other problem in the body, each as an
    ``unknown_field`` problem naming the key.
    """

    def get_initial(self) -> Any:
        """What a blank form starts with. The browsable API builds its forms and raw-data boxes from the input
        serializer of a write, so they hold what can be sent back as is: the required fields, and the optional
        ones that have a default (DRF's own would put `null` in every optional JSON field, refused on return)."""
        if hasattr(self, "initial_data") or getattr(self, "instance", None) is not None:
            return super().get_initial()
        initial = {}
        for name, field in self.fields.items():
            if field.read_only:
                continue
            if field.default is not empty:
                initial[name] = field.get_default()
            elif field.required:
                initial[name] = field.get_initial()
        return initial

    def __getitem__(self, key: str) -> BoundField:
        bound = super().__getitem__(key)
        if isinstance(bound, JSONBoundField) and bound.value is None:
            # An empty box, which JSONField reads as "not given", rather than the text `null`.
            return BoundField(bound._field, None, bound.errors, bound._prefix)
        return bound

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
        known = {name for name, field in self.fields.items() if not field.read_only}
        if html.is_html_input(data):
            known |= FORM_FRAMEWORK_FIELDS
        return {key: [ErrorDetail(f"Unknown field '{key}'.", code="unknown_field")] for key in data if key not in known}


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
