"""Serializer fields for what a strategy (or a draft of one) stores: a logic flow and parameter values."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine.flow import flow_format_problems
from strategies.validators import parameters_problems
from strategy_builder.api.fields import JSONField
from strategy_builder.api.schema import LOGIC_FLOW
from strategy_builder.api.serializers import problems_as_detail


@extend_schema_field(LOGIC_FLOW)
class FlowJSONField(JSONField):
    """A logic flow in format v1, documented as the LogicFlow schema; checked by the service that stores it
    (a draft's, for one), or output only (snapshots)."""


class LogicFlowField(FlowJSONField):
    """A logic flow in format v1: {"schema_version": 1, "nodes": [...], "edges": [...]}, checked here."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problems = flow_format_problems(value)
        if problems:
            raise serializers.ValidationError(problems_as_detail(problems))
        return value


@extend_schema_field(
    {"type": "object", "additionalProperties": {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}}
)
class ParametersField(JSONField):
    """Strategy parameter values by name: numbers, strings or booleans."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problems = parameters_problems(value)
        if problems:
            raise serializers.ValidationError(problems_as_detail(problems))
        return value
