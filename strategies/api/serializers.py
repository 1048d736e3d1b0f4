from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from strategies.models import StrategyInstance, StrategyTemplate
from strategy_builder.api import examples
from strategy_builder.api.serializers import ProblemSerializer, StrictInputMixin

from .fields import LogicFlowField, ParametersField


@extend_schema_serializer(examples=examples.STRATEGY)
class StrategyInputSerializer(StrictInputMixin, serializers.Serializer):
    """What a client may set on a template or a strategy; omitted fields keep their value (or default)."""

    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    logic_flow = LogicFlowField(required=False, help_text='Format v1: {"schema_version": 1, "nodes": [], "edges": []}.')
    parameters = ParametersField(required=False, help_text="Parameter values by name.")


class StrategyInstanceCreateSerializer(StrategyInputSerializer):
    template_id = serializers.CharField(
        max_length=36,
        required=False,
        allow_null=True,
        help_text="Start from this template of yours: its flow, parameters and description are copied.",
    )


class StrategyTemplateOutputSerializer(serializers.ModelSerializer):
    logic_flow = LogicFlowField(read_only=True)
    parameters = ParametersField(read_only=True)

    class Meta:
        model = StrategyTemplate
        fields = ("id", "name", "description", "logic_flow", "parameters", "status", "created_at", "updated_at")
        read_only_fields = fields


class StrategyInstanceOutputSerializer(serializers.ModelSerializer):
    template_id = serializers.CharField(allow_null=True, read_only=True)
    logic_flow = LogicFlowField(read_only=True)
    parameters = ParametersField(read_only=True)

    class Meta:
        model = StrategyInstance
        fields = (
            "id",
            "name",
            "description",
            "template_id",
            "logic_flow",
            "parameters",
            "status",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = ProblemSerializer(many=True)
