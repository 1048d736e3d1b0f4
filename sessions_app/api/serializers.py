from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from engine.preview import MAX_OUTPUTS
from sessions_app.choices import SessionType
from sessions_app.drafts import draft_version, ui_metadata
from sessions_app.models import BuilderSession
from strategies.api.fields import FlowJSONField
from strategy_builder.api import examples
from strategy_builder.api.fields import JSONField
from strategy_builder.api.serializers import ErrorSerializer, ProblemSerializer, StrictInputMixin

_DRAFT_HELP = {
    "draft_logic_flow": "The flow being edited (format v1); it may be unfinished or invalid.",
    "draft_parameters": "Parameter values by name.",
    "draft_metadata": "The editor's UI state (viewport, selection ...), stored as given.",
}


@extend_schema_field({"type": "object", "additionalProperties": {}})
class DraftParametersField(JSONField):
    """A draft's parameter values by name (any JSON values: a draft may be unfinished)."""


@extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
class UIMetadataField(JSONField):
    """The editor's UI state: a JSON object, or null."""


@extend_schema_serializer(examples=examples.SESSION_START)
class SessionStartSerializer(StrictInputMixin, serializers.Serializer):
    instance = serializers.CharField(
        max_length=36, required=False, allow_null=True, help_text="One of your strategies; omit for a new one."
    )
    session_type = serializers.ChoiceField(choices=SessionType.choices, default=SessionType.DRAFT)
    session_name = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    draft_logic_flow = FlowJSONField(
        required=False, help_text="Defaults to the strategy's flow, or an empty flow for a new strategy."
    )
    draft_parameters = DraftParametersField(required=False, help_text="Defaults to the strategy's parameters.")
    draft_metadata = UIMetadataField(required=False, allow_null=True, help_text=_DRAFT_HELP["draft_metadata"])


@extend_schema_serializer(examples=examples.SESSION_SAVE)
class SessionSaveSerializer(StrictInputMixin, serializers.Serializer):
    """An autosave: the parts of the draft that changed, and the version they were based on."""

    base_version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The version this save is based on, for clients that cannot send If-Match (sendBeacon).",
    )
    draft_logic_flow = FlowJSONField(required=False, help_text=_DRAFT_HELP["draft_logic_flow"])
    draft_parameters = DraftParametersField(required=False, help_text=_DRAFT_HELP["draft_parameters"])
    draft_metadata = UIMetadataField(required=False, allow_null=True, help_text=_DRAFT_HELP["draft_metadata"])
    session_name = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)

    def to_representation(self, session: BuilderSession) -> dict:
        """The save that would store the draft as it is (what the browsable API's autosave box starts with)."""
        return {
            "base_version": draft_version(session),
            "draft_logic_flow": session.draft_logic_flow,
            "draft_parameters": session.draft_parameters,
            "draft_metadata": ui_metadata(session),
            "session_name": session.session_name,
        }


@extend_schema_serializer(examples=examples.SESSION_COMMIT)
class SessionCommitSerializer(StrictInputMixin, serializers.Serializer):
    base_version = serializers.IntegerField(
        required=False, min_value=0, help_text="Commit only if the draft is still at this version."
    )
    name = serializers.CharField(
        max_length=255, required=False, help_text="Name of the strategy (defaults to the session's name)."
    )
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    overwrite = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Replace the strategy even if it changed after this draft was based on it (otherwise 409).",
    )


@extend_schema_serializer(examples=examples.COLLABORATORS)
class CollaboratorsSerializer(StrictInputMixin, serializers.Serializer):
    collaborator_ids = serializers.ListField(
        child=serializers.CharField(max_length=255), allow_empty=True, max_length=100, help_text="User ids."
    )


class LockSerializer(serializers.Serializer):
    holder = serializers.CharField()
    since = serializers.DateTimeField()
    until = serializers.DateTimeField()


class BuilderSessionListSerializer(serializers.ModelSerializer):
    instance = serializers.CharField(source="instance_id", allow_null=True, read_only=True)
    version = serializers.SerializerMethodField()
    lock = LockSerializer(source="lock_info", allow_null=True, read_only=True)

    class Meta:
        model = BuilderSession
        fields = (
            "id",
            "user_id",
            "instance",
            "session_type",
            "session_name",
            "version",
            "is_active",
            "last_activity_at",
            "expires_at",
            "collaborator_ids",
            "lock",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_version(self, session: BuilderSession) -> int:
        return draft_version(session)


class BuilderSessionSerializer(BuilderSessionListSerializer):
    """A session with its draft. `version` is also the response's ETag; `problems` is what full
    validation finds wrong with the draft (an unfinished draft is stored all the same)."""

    draft_logic_flow = FlowJSONField(read_only=True, help_text=_DRAFT_HELP["draft_logic_flow"])
    draft_parameters = DraftParametersField(read_only=True, help_text=_DRAFT_HELP["draft_parameters"])
    draft_metadata = serializers.SerializerMethodField(help_text=_DRAFT_HELP["draft_metadata"])
    committed_version = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta(BuilderSessionListSerializer.Meta):
        fields = (
            *BuilderSessionListSerializer.Meta.fields,
            "draft_logic_flow",
            "draft_parameters",
            "draft_metadata",
            "committed_version",
            "problems",
        )
        read_only_fields = fields

    @extend_schema_field(UIMetadataField(allow_null=True))
    def get_draft_metadata(self, session: BuilderSession):
        return ui_metadata(session)

    def get_committed_version(self, session: BuilderSession) -> int | None:
        return (session.draft_metadata or {}).get("committed_version")

    @extend_schema_field(ProblemSerializer(many=True))
    def get_problems(self, session: BuilderSession) -> list[dict]:
        return [problem.as_dict() for problem in self.context.get("problems", [])]


class StaleDraftErrorSerializer(serializers.Serializer):
    """412 on a save or commit based on an old version: the error, and the draft as it is now."""

    error = ErrorSerializer()
    current = BuilderSessionSerializer(help_text="The session with its current draft (ETag: its version).")


class SessionLockedErrorSerializer(serializers.Serializer):
    """423: someone else holds the session's edit lock."""

    error = ErrorSerializer()
    lock = LockSerializer(help_text="Who holds the lock, and until when.")


PREVIEW_DEFAULT_POINTS = 1000
PREVIEW_MAX_POINTS = 5000


@extend_schema_serializer(examples=examples.SESSION_PREVIEW)
class SessionPreviewSerializer(StrictInputMixin, serializers.Serializer):
    """A live preview: the draft as the editor has it now, the data and configuration to run it with, and the
    node outputs to show."""

    draft_logic_flow = JSONField(
        required=False,
        help_text="The flow to preview, checked as an autosave checks it (it may be ahead of the last autosave); "
        "defaults to the session's draft.",
    )
    draft_parameters = JSONField(required=False, help_text="Parameter values by name; default: the draft's.")
    test_config = JSONField(
        help_text=(
            "As a quick test's: dataset (id), start and end (ISO 8601, optional, inclusive), and the backtest "
            "configuration (initial_capital, commission, slippage_bps, fill, direction, size, whole_units, "
            "risk_free_rate). With start, the window is start..end and must hold at most PREVIEW_MAX_BARS bars."
        )
    )
    bars = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Preview the last this many bars up to end (or the dataset's last bar); at most and by default "
        "PREVIEW_MAX_BARS. Not with start.",
    )
    outputs = serializers.ListField(
        child=serializers.CharField(max_length=255),
        required=False,
        default=list,
        max_length=MAX_OUTPUTS,
        help_text="Node outputs to return, aligned with the candles: a node id (all its outputs) or node_id.port.",
    )
    max_points = serializers.IntegerField(
        required=False,
        default=PREVIEW_DEFAULT_POINTS,
        min_value=10,
        max_value=PREVIEW_MAX_POINTS,
        help_text="At most this many candles (and equity points); more bars are aggregated into candles.",
    )

    def validate_bars(self, value: int) -> int:
        limit = settings.PREVIEW_MAX_BARS
        if value > limit:
            raise serializers.ValidationError(
                f"A preview runs on at most {limit:,} bars, not {value:,}; run a quick test for more.",
                code="max_value",
            )
        return value


class PreviewWindowSerializer(serializers.Serializer):
    bars = serializers.IntegerField(help_text="Bars previewed.")
    start = serializers.CharField(help_text="Time of the first bar (ISO 8601, UTC).")
    end = serializers.CharField(help_text="Time of the last bar.")
    max_bars = serializers.IntegerField(help_text="PREVIEW_MAX_BARS: the most bars a preview runs on.")
    bars_per_candle = serializers.IntegerField(help_text="1 when the candles are the bars themselves.")


class PreviewCandlesSerializer(serializers.Serializer):
    """Columnar: the i-th candle is bar[i], time[i], open[i] ... Aggregated candles: first open, highest high,
    lowest low, last close, summed volume; `bar` and `time` are those of the candle's first bar."""

    bar = serializers.ListField(child=serializers.IntegerField())
    time = serializers.ListField(child=serializers.CharField())
    open = serializers.ListField(child=serializers.FloatField())
    high = serializers.ListField(child=serializers.FloatField())
    low = serializers.ListField(child=serializers.FloatField())
    close = serializers.ListField(child=serializers.FloatField())
    volume = serializers.ListField(child=serializers.FloatField())


class PreviewMarkerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["entry", "exit"])
    side = serializers.ChoiceField(choices=["long", "short"])
    bar = serializers.IntegerField(help_text="The bar the fill happened on (0 = the window's first).")
    candle = serializers.IntegerField(help_text="Index of the candle that bar falls in.")
    time = serializers.CharField()
    price = serializers.FloatField(help_text="Fill price, slippage included.")
    exit_reason = serializers.CharField(allow_null=True, help_text="For an exit: signal, stop_loss, ...")


class PreviewEquityCurveSerializer(serializers.Serializer):
    bar = serializers.ListField(child=serializers.IntegerField())
    time = serializers.ListField(child=serializers.CharField())
    equity = serializers.ListField(child=serializers.FloatField())


class PreviewHeadlineSerializer(serializers.Serializer):
    return_pct = serializers.FloatField(allow_null=True)
    sharpe_ratio = serializers.FloatField(allow_null=True)
    max_drawdown_pct = serializers.FloatField(allow_null=True)
    trades = serializers.IntegerField()
    win_rate_pct = serializers.FloatField(allow_null=True)


class PreviewOutputSerializer(serializers.Serializer):
    node_id = serializers.CharField()
    port = serializers.CharField()
    type = serializers.CharField(help_text="series (a float per bar), bool (a condition) or number (one value).")
    values = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        required=False,
        help_text="One per candle. series: the value at the candle's last bar (null: none yet); bool: 1 when "
        "true on any of the candle's bars, else 0. Absent for a number.",
    )
    value = serializers.FloatField(allow_null=True, required=False, help_text="A number output's value.")


class SessionPreviewResultSerializer(serializers.Serializer):
    """What the editor's preview pane draws. Built by the service as plain data; this describes it."""

    dataset = serializers.CharField()
    window = PreviewWindowSerializer()
    candles = PreviewCandlesSerializer()
    markers = PreviewMarkerSerializer(many=True)
    equity_curve = PreviewEquityCurveSerializer()
    headline = PreviewHeadlineSerializer()
    outputs = PreviewOutputSerializer(many=True)
    counts = serializers.DictField(help_text="As a quick test's result: bars, trades, exit reasons ...")
    warnings = serializers.ListField(child=serializers.CharField())
