from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from engine.errors import Problem
from strategies.models import StrategyBase, StrategyInstance, StrategyTemplate
from strategies.services import StrategyChecker
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


class StrategyProblemsMixin(serializers.Serializer):
    """A stored strategy may be unfinished: every response says what is wrong with it, and whether it runs."""

    problems = serializers.SerializerMethodField(
        help_text="Everything wrong with the flow and its parameters, as validate/ reports it, each tied to a "
        "node, an edge or a field. Saving an unfinished strategy is allowed; running it is not."
    )
    runnable = serializers.SerializerMethodField(
        help_text="No problems: the strategy can be quick-tested and turned into code."
    )

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, strategy: StrategyBase) -> list[dict]:
        return [problem.as_dict() for problem in self._problems(strategy)]

    def get_runnable(self, strategy: StrategyBase) -> bool:
        return not self._problems(strategy)

    def _problems(self, strategy: StrategyBase) -> list[Problem]:
        # One checker per response (a list's rows share the context), so the catalogue is built once.
        checker = self.context.get("strategy_checker")
        if checker is None:
            request = self.context.get("request")
            owner = request.user if request else get_user_model().objects.get(pk=strategy.user_id)
            checker = self.context["strategy_checker"] = StrategyChecker(owner)
        return checker.problems(strategy)


class StrategyTemplateOutputSerializer(StrategyProblemsMixin, serializers.ModelSerializer):
    logic_flow = LogicFlowField(read_only=True)
    parameters = ParametersField(read_only=True)

    class Meta:
        model = StrategyTemplate
        fields = (
            "id",
            "name",
            "description",
            "logic_flow",
            "parameters",
            "status",
            "problems",
            "runnable",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class StrategyInstanceOutputSerializer(StrategyProblemsMixin, serializers.ModelSerializer):
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
            "problems",
            "runnable",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    problems = ProblemSerializer(many=True)
