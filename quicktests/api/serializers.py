import pyarrow as pa
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from engine.config import CONFIG_SCHEMA
from engine.sweepspec import MAX_FOLDS, OBJECTIVE_METRICS, OPERATORS
from quicktests.choices import ComparedInputKind, QuickTestStatus
from quicktests.models import QuickTest
from quicktests.retention import ArchivedResultMissing, quicktest_result
from quicktests.sweeps import sweep_progress
from strategies.api.fields import FlowJSONField, ParametersField
from strategy_builder.api import examples
from strategy_builder.api.fields import JSONField
from strategy_builder.api.schema import openapi_3_0
from strategy_builder.api.serializers import StrictInputMixin

_MOMENT = {
    "type": "string",
    "nullable": True,
    "description": "ISO 8601 date or datetime (UTC without an offset), inclusive; a date as `end` means its last instant.",
}
_NUMBER_OR_TEXT = {"oneOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}
_SWEEP = {
    "type": "object",
    "nullable": True,
    "description": (
        "Makes the test a parameter sweep: every combination of the swept strategy parameters is run (spread over "
        "the workers), at most SWEEP_MAX_COMBINATIONS (10,000 by default) after the parameter constraints. The "
        "result (`result.sweep`) has the best combination (its metrics are the test's `metrics_summary`), the top "
        "ten, the overfitting figures and, with `walk_forward`, the folds; the whole table is under `rows/` and a "
        "heatmap over two parameters under `heatmap/`. While it runs, `progress` counts the combinations done."
    ),
    "properties": {
        "parameters": {
            "type": "object",
            "description": (
                'Strategy parameter name -> its values: `{"values": [...]}` or a range `{"start", "stop", '
                '"step"}` (stop included, step > 0). Every value must be one the nodes bound to the parameter '
                "accept (their templates' parameter schemas)."
            ),
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "values": {"type": "array", "items": _NUMBER_OR_TEXT, "minItems": 1},
                    "start": {"type": "number"},
                    "stop": {"type": "number"},
                    "step": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                },
                "additionalProperties": False,
            },
        },
        "sample": {
            "type": "object",
            "nullable": True,
            "description": "Run a random sample of `n` of the grid's combinations (after the parameter constraints), "
            "drawn with `seed` (default 0): the same seed draws the same sample.",
            "properties": {"n": {"type": "integer", "minimum": 1}, "seed": {"type": "integer", "default": 0}},
            "required": ["n"],
            "additionalProperties": False,
        },
        "objective": {
            "type": "object",
            "description": "The metric the combinations are ranked by (a key of `metrics_summary`), maximised or "
            "minimised. Default: sharpe_ratio, max. A combination without a value for it ranks last.",
            "properties": {
                "metric": {"type": "string", "enum": list(OBJECTIVE_METRICS), "default": "sharpe_ratio"},
                "goal": {"type": "string", "enum": ["max", "min"], "default": "max"},
            },
            "additionalProperties": False,
        },
        "constraints": {
            "type": "array",
            "description": (
                'Each one of: `{"left": parameter, "op", "right": parameter}` or `{"left": parameter, '
                '"op", "value": number}` (combinations failing it are not run), or `{"metric", "op", '
                '"value"}` (a combination whose result fails it is not eligible as the best).'
            ),
            "items": {
                "type": "object",
                "properties": {
                    "left": {"type": "string"},
                    "right": {"type": "string"},
                    "metric": {"type": "string", "enum": list(OBJECTIVE_METRICS)},
                    "op": {"type": "string", "enum": list(OPERATORS)},
                    "value": {"type": "number"},
                },
                "required": ["op"],
                "additionalProperties": False,
            },
        },
        "walk_forward": {
            "type": "object",
            "nullable": True,
            "description": (
                "Walk-forward analysis: the bars are cut into `folds`; in each, the best combination on the in-sample "
                "part (`in_sample`, a share of the fold) is run on the out-of-sample part that follows. `anchored` "
                "in-sample windows all start at the first bar; rolling ones (the default) slide."
            ),
            "properties": {
                "folds": {"type": "integer", "minimum": 1, "maximum": MAX_FOLDS, "default": 5},
                "in_sample": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 1,
                    "exclusiveMinimum": True,
                    "exclusiveMaximum": True,
                    "default": 0.75,
                },
                "anchored": {"type": "boolean", "default": False},
            },
            "additionalProperties": False,
        },
    },
    "required": ["parameters"],
    "additionalProperties": False,
}
_TEST_CONFIG = {
    "type": "object",
    "description": "The data to test on, and the engine's backtest configuration (engine.config.CONFIG_SCHEMA).",
    "properties": {
        "dataset": {"type": "string", "description": "Id of the dataset: yours or a shared one."},
        "start": {**_MOMENT, "description": f"First bar: {_MOMENT['description']}"},
        "end": {**_MOMENT, "description": f"Last bar: {_MOMENT['description']}"},
        **openapi_3_0(CONFIG_SCHEMA)["properties"],
        "sweep": _SWEEP,
    },
    "required": ["dataset"],
    "additionalProperties": False,
}


@extend_schema_field(_TEST_CONFIG)
class TestConfigField(JSONField):
    """The data to test on (quicktests.services.DATA_KEYS) and the engine's backtest configuration."""


@extend_schema_serializer(examples=examples.QUICK_TEST)
class QuickTestCreateSerializer(StrictInputMixin, serializers.Serializer):
    instance = serializers.CharField(max_length=36, help_text="Id of your strategy instance to test.")
    test_name = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    test_config = TestConfigField(
        help_text=(
            "dataset (id), start and end (ISO 8601 date or datetime, both optional, inclusive), and the backtest "
            "configuration: initial_capital, commission, slippage_bps, fill, direction, size, whole_units, "
            "risk_free_rate; with `sweep`, a parameter sweep."
        )
    )
    parameters = JSONField(required=False, help_text="Values overriding the strategy's parameters for this test only.")


class QuickTestCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuickTest
        fields = ["id", "status"]


class QuickTestListSerializer(serializers.ModelSerializer):
    instance = serializers.CharField(source="instance_id")

    class Meta:
        model = QuickTest
        fields = [
            "id",
            "instance",
            "test_name",
            "status",
            "test_config",
            "metrics_summary",
            "error_message",
            "execution_time",
            "created_at",
            "started_at",
            "completed_at",
        ]


class QuickTestDetailSerializer(QuickTestListSerializer):
    logic_flow_snapshot = FlowJSONField(read_only=True, help_text="The flow as it was when this ran.")
    parameters_snapshot = ParametersField(read_only=True, help_text="The parameter values it ran with.")
    result = serializers.SerializerMethodField(
        help_text=(
            "Curves (downsampled), counts, warnings, performance_summary (TradingView's Performance Summary for all, "
            "long and short trades) and returns (by calendar month and year, in percent). A sweep's is `sweep`: "
            "combinations, eligible, parameters (the values swept), objective, best, top (ten rows), overfitting "
            "(Deflated Sharpe Ratio, Probability of Backtest Overfitting, verdict) and walk_forward."
        )
    )
    progress = serializers.SerializerMethodField(
        help_text="A running sweep's progress: combinations done (in finished chunks) of the total. Null for a test "
        "that is not a sweep or not running."
    )

    class Meta(QuickTestListSerializer.Meta):
        fields = [
            *QuickTestListSerializer.Meta.fields,
            "parameters_snapshot",
            "logic_flow_snapshot",
            "result",
            "progress",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}},
            "required": ["done", "total"],
        }
    )
    def get_progress(self, quicktest: QuickTest) -> dict | None:
        return sweep_progress(quicktest)

    def get_result(self, quicktest: QuickTest) -> dict | None:
        try:
            result = quicktest_result(quicktest)
        except ArchivedResultMissing as exc:
            return {"archived": True, "error": str(exc)}
        if result is None:
            return None
        return {key: value for key, value in result.items() if key not in ("trades_file", "rows_file")}


@extend_schema_serializer(examples=examples.RUN_COMBINATION)
class RunCombinationSerializer(StrictInputMixin, serializers.Serializer):
    parameters = JSONField(help_text="Values of the sweep's parameters, e.g. a row's `parameters`.")


class SweepRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 = the best (by the objective, eligible rows first).")
    parameters = JSONField(help_text="The combination: swept parameter name -> value.")
    metrics = JSONField(help_text="Its headline figures over the whole range (keys of `metrics_summary`).")
    meets_constraints = serializers.BooleanField(help_text="False when it fails a constraint on the results.")


class HeatmapSerializer(serializers.Serializer):
    x = serializers.CharField()
    y = serializers.CharField()
    metric = serializers.CharField()
    statistic = serializers.CharField()
    x_values = JSONField(help_text="The values of parameter x, ascending.")
    y_values = JSONField(help_text="The values of parameter y, ascending.")
    z = JSONField(help_text="z[j][i]: the metric at y_values[j], x_values[i] (null where there is none).")


class TradeSerializer(serializers.Serializer):
    entry_bar = serializers.IntegerField()
    exit_bar = serializers.IntegerField()
    entry_time = serializers.CharField()
    exit_time = serializers.CharField()
    side = serializers.CharField()
    size = serializers.FloatField()
    entry_price = serializers.FloatField()
    exit_price = serializers.FloatField()
    pnl = serializers.FloatField()
    return_pct = serializers.FloatField()
    commission = serializers.FloatField()
    exit_reason = serializers.CharField(
        help_text="signal, stop_loss, take_profit, trailing_stop, reversal, end_of_data or liquidation."
    )
    duration_seconds = serializers.FloatField()
    # Trades of tests run before these figures existed have none: null.
    run_up = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Maximum favourable excursion (TradingView's Run-up), in money, >= 0: size times the best price the trade "
            "was exposed to (from the bars' highs and lows while it was open) less the entry price (the other way "
            "round for a short), before commission. The entry bar counts when the fill was at its open; the exit bar "
            "counts whole when the exit was at its close, else only its open and the exit price."
        ),
    )
    run_up_pct = serializers.FloatField(allow_null=True, help_text="run_up in percent of the entry value.")
    drawdown = serializers.FloatField(
        allow_null=True,
        help_text="Maximum adverse excursion (TradingView's Drawdown), in money, <= 0; measured as run_up is.",
    )
    drawdown_pct = serializers.FloatField(allow_null=True, help_text="drawdown in percent of the entry value.")


TRADE_COLUMNS_MAX = 20_000
# Each trade field's type in `trades-columns/`, as TradeSerializer renders it (pyarrow casts the file's columns).
TRADE_COLUMN_TYPES = {
    name: {serializers.IntegerField: pa.int64(), serializers.FloatField: pa.float64()}.get(type(field), pa.string())
    for name, field in TradeSerializer().fields.items()
}


class TradeColumnsQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=TRADE_COLUMNS_MAX,
        default=TRADE_COLUMNS_MAX,
        help_text=f"How many trades, from the first: at most {TRADE_COLUMNS_MAX:,} (the default).",
    )


TradeColumnsListsSerializer = type(
    "TradeColumnsListsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "One list per field of a trade (as `trades/` gives it), all as long, trade i at index i.",
        **{
            name: serializers.ListField(child=type(field)(allow_null=field.allow_null), help_text=field.help_text)
            for name, field in TradeSerializer().fields.items()
        },
    },
)


class TradeColumnsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many trades the test has; `columns` hold the first `limit`.")
    columns = TradeColumnsListsSerializer()


class QuickTestResultDownloadSerializer(serializers.ModelSerializer):
    """A COMPLETED test's whole result, as one file: what it ran on and everything it found."""

    instance = serializers.CharField(source="instance_id")
    config = JSONField(source="test_config", help_text="The test's configuration: dataset, range, backtest settings.")
    test_result = serializers.SerializerMethodField(
        help_text="Curves, counts, warnings and configuration as the engine gave them, with the full trade list "
        "under `trades` (TradeSerializer's columns)."
    )

    class Meta:
        model = QuickTest
        fields = [
            "id",
            "instance",
            "test_name",
            "status",
            "created_at",
            "started_at",
            "completed_at",
            "execution_time",
            "config",
            "parameters_snapshot",
            "logic_flow_snapshot",
            "metrics_summary",
            "test_result",
        ]

    def get_test_result(self, quicktest: QuickTest) -> dict:
        return self.context["test_result"]


_BACKTEST_CONFIG = openapi_3_0(CONFIG_SCHEMA)
_BACKTEST_CONFIG = {
    "type": "object",
    "properties": _BACKTEST_CONFIG["properties"],
    "required": list(_BACKTEST_CONFIG["properties"]),
    "additionalProperties": False,
}


@extend_schema_field(_BACKTEST_CONFIG)
class BacktestConfigField(serializers.JSONField):
    """The engine's backtest configuration, every key present."""


class StrategyRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class DatasetRefSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField(allow_null=True, help_text="null when the dataset is gone or no longer yours.")
    symbol = serializers.CharField(allow_null=True)
    timeframe = serializers.CharField(allow_null=True)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "Equity at the bars the engine kept (downsampled, peaks and troughs included), in step.",
        "properties": {
            "bar": {"type": "array", "items": {"type": "integer"}, "description": "Index of the bar in the range."},
            "time": {"type": "array", "items": {"type": "string"}, "description": "The bar's time, ISO 8601 UTC."},
            "equity": {"type": "array", "items": {"type": "number"}},
        },
        "required": ["bar", "time", "equity"],
    }
)
class EquityCurveField(serializers.JSONField):
    """Passed through as stored: thousands of numbers, each one a field would be slow for nothing."""


class ComparedTestSerializer(serializers.Serializer):
    id = serializers.CharField()
    test_name = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=QuickTestStatus.choices)
    strategy = StrategyRefSerializer(help_text="The strategy instance tested.")
    dataset = DatasetRefSerializer()
    start = serializers.CharField(allow_null=True, help_text="First bar asked for (null: from the first bar).")
    end = serializers.CharField(allow_null=True, help_text="Last bar asked for (null: to the last bar).")
    config = BacktestConfigField(
        help_text="The backtest configuration it ran with, every key present (defaults filled in); no dataset or range."
    )
    parameters_snapshot = ParametersField(help_text="The parameter values it ran with.")
    flow_fingerprint = serializers.CharField(
        help_text="12 hex digits of the SHA-256 of the flow it ran (node positions left out): equal flows, equal "
        "fingerprints."
    )
    metrics_summary = JSONField(allow_null=True, help_text="The headline figures; null unless COMPLETED.")
    equity_curve = EquityCurveField(allow_null=True)
    no_result = serializers.CharField(
        allow_null=True, help_text="Why there are no figures or no curve (a test not COMPLETED); null when both are."
    )
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


_INPUT_NAME = (
    "`strategy`, `logic_flow` (compared by fingerprint), `dataset`, `start`, `end`, a configuration key "
    "(initial_capital, commission ...) or a parameter's name."
)


class DifferingInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ComparedInputKind.choices)
    name = serializers.CharField(help_text=_INPUT_NAME)
    values = serializers.ListField(
        child=JSONField(allow_null=True),
        help_text="Its value in each test, in the order of `tests`: the strategy's id, the flow's fingerprint, the "
        "dataset's id, the moment, the setting or the parameter's value (null where a test has no such parameter).",
    )


class SameInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ComparedInputKind.choices)
    name = serializers.CharField(help_text=_INPUT_NAME)
    value = JSONField(allow_null=True, help_text="The value every test shares.")


class QuickTestComparisonSerializer(serializers.Serializer):
    tests = ComparedTestSerializer(many=True, help_text="The tests, in the order `ids` gave them.")
    differences = DifferingInputSerializer(many=True, help_text="The inputs whose values differ between the tests.")
    same = SameInputSerializer(many=True, help_text="The inputs every test shares.")
