from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from codegen.models import CodeGeneration
from codegen.selectors import code_generation_run_instructions
from strategies.api.fields import FlowJSONField, ParametersField
from strategy_builder.api import examples
from strategy_builder.api.fields import JSONField
from strategy_builder.api.serializers import StrictInputMixin


@extend_schema_serializer(examples=examples.CODE_GENERATION)
class CodeGenerationCreateSerializer(StrictInputMixin, serializers.Serializer):
    instance = serializers.CharField(max_length=36, help_text="Id of your strategy instance.")
    parameters = JSONField(
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
        # Output only: read-only fields carry no write bounds (which would follow the database's integer range,
        # so the schema would differ between SQLite and MySQL).
        read_only_fields = fields


class RunInstructionsSerializer(serializers.Serializer):
    module = serializers.CharField(help_text="The module's file name, as downloaded.")
    module_url = serializers.CharField(help_text="Where to download the module.")
    quick_test = serializers.CharField(
        allow_null=True, help_text="The completed quick test of this exact flow and these parameter values, if any."
    )
    dataset = serializers.CharField(allow_null=True, help_text="The dataset that quick test ran on.")
    bars_url = serializers.CharField(allow_null=True, help_text="Its bars as CSV, with its start and end.")
    datasets_url = serializers.CharField(help_text="Your datasets and the shared ones.")
    config = serializers.JSONField(allow_null=True, help_text="That quick test's configuration, for --config.")
    commands = serializers.ListField(child=serializers.CharField(), help_text="Shell commands, in order.")
    description = serializers.CharField()


class CodeGenerationDetailSerializer(CodeGenerationListSerializer):
    run_instructions = serializers.SerializerMethodField(
        help_text="How to run the module on the bars of the quick test it reproduces (null without valid code)."
    )
    logic_flow_snapshot = FlowJSONField(read_only=True, help_text="The flow as it was when this ran.")
    parameters_snapshot = ParametersField(read_only=True, help_text="The parameter values it ran with.")

    class Meta(CodeGenerationListSerializer.Meta):
        fields = [
            *CodeGenerationListSerializer.Meta.fields,
            "validation_result",
            "parameters_snapshot",
            "logic_flow_snapshot",
            "generated_code",
            "run_instructions",
        ]
        read_only_fields = fields

    @extend_schema_field(RunInstructionsSerializer(allow_null=True))
    def get_run_instructions(self, generation: CodeGeneration) -> dict | None:
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request is not None else str
        return code_generation_run_instructions(generation, absolute=absolute)


class CodeDiffSerializer(serializers.Serializer):
    generation = serializers.CharField(help_text="The generation diffed to (+ lines).")
    against = serializers.CharField(help_text="The generation diffed from (- lines).")
    identical = serializers.BooleanField()
    diff = serializers.CharField(help_text="Unified diff, empty when the code is identical.")
