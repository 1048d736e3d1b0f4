from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from codegen.models import CodeGeneration
from strategies.api.fields import FlowJSONField, ParametersField
from strategy_builder.api import examples
from strategy_builder.api.serializers import StrictInputMixin


@extend_schema_serializer(examples=examples.CODE_GENERATION)
class CodeGenerationCreateSerializer(StrictInputMixin, serializers.Serializer):
    instance = serializers.CharField(max_length=36, help_text="Id of your strategy instance.")
    parameters = serializers.JSONField(
        required=False, help_text="Values overriding some of the strategy's parameters, for this code only."
    )


class CodeGenerationListSerializer(serializers.ModelSerializer):
    instance = serializers.CharField(source="instance_id")

    class Meta:
        model = CodeGeneration
        fields = [
            "id",
            "instance",
            "code_hash",
            "validation_status",
            "syntax_check_passed",
            "security_check_passed",
            "code_version",
            "line_count",
            "complexity_score",
            "generation_time",
            "created_at",
        ]


class CodeGenerationDetailSerializer(CodeGenerationListSerializer):
    logic_flow_snapshot = FlowJSONField(read_only=True, help_text="The flow as it was when this ran.")
    parameters_snapshot = ParametersField(read_only=True, help_text="The parameter values it ran with.")

    class Meta(CodeGenerationListSerializer.Meta):
        fields = [
            *CodeGenerationListSerializer.Meta.fields,
            "validation_result",
            "parameters_snapshot",
            "logic_flow_snapshot",
            "generated_code",
        ]


class CodeDiffSerializer(serializers.Serializer):
    generation = serializers.CharField(help_text="The generation diffed to (+ lines).")
    against = serializers.CharField(help_text="The generation diffed from (- lines).")
    identical = serializers.BooleanField()
    diff = serializers.CharField(help_text="Unified diff, empty when the code is identical.")
