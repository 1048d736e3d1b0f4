"""Evaluating flows: indicator values are TA-Lib's, conditions and arithmetic behave as documented, signals and
risk settings reach the simulator, and the user is warned when the bars cannot support the flow."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from talib import abstract

from engine.bars import Bars
from engine.catalogue import system_catalogue
from engine.errors import FlowError
from engine.evaluate import evaluate
from engine.flow import Plan, Source, Step, compile_flow
from engine.synthetic import generate_bars
from engine.tests.flow_builders import INPUT_FIELDS, edge, flow, flow_around

CATALOGUE = system_catalogue()
INDICATORS = sorted(s.name for s in CATALOGUE if s.execution_hints.get("op") == "talib")


def bars_of(close: list[float], *, open_: list[float] | None = None) -> Bars:
    close_arr = np.asarray(close, dtype=np.float64)
    open_arr = np.asarray(open_ if open_ is not None else close, dtype=np.float64)
    n = len(close_arr)
    return Bars(
        timestamp=np.arange(n, dtype=np.int64) * 60_000_000_000,
        open=open_arr,
        high=np.maximum(open_arr, close_arr) + 1.0,
        low=np.minimum(open_arr, close_arr) - 1.0,
        close=close_arr,
        volume=np.full(n, 1000.0),
    )


def run(nodes, edges, bars, parameters=None):
    return evaluate(compile_flow(flow(nodes, edges), CATALOGUE, parameters), bars)


def with_entry(nodes, edges, condition_node: str):
    """The nodes plus an Enter Long fed by `condition_node`, so the flow compiles."""
    return [*nodes, {"id": "entry", "template": "entry_long"}], [*edges, edge(condition_node, "value", "entry", "when")]


def condition(template: str, a: list[float], b: list[float] | None = None, params=None) -> np.ndarray:
    """Evaluate one condition node with A = close and B = open (or B unconnected)."""
    bars = bars_of(a, open_=b)
    nodes = [{"id": "bars", "template": "ohlcv"}, {"id": "c", "template": template, "params": params or {}}]
    edges = [edge("bars", "close", "c", "a")]
    if b is not None:
        edges.append(edge("bars", "open", "c", "b"))
    nodes, edges = with_entry(nodes, edges, "c")
    return run(nodes, edges, bars).values["c"]["value"]


@pytest.mark.parametrize("name", INDICATORS)
def test_every_indicator_equals_a_direct_talib_call_on_each_output(name):
    spec = CATALOGUE.get(name)
    bars = generate_bars(600, seed=7, freq="1h")
    values = evaluate(compile_flow(flow_around(spec), CATALOGUE), bars).values["n"]

    function = abstract.Function(spec.execution_hints["function"])
    prices = {f: bars.field(f) for f in ("open", "high", "low", "close", "volume")}
    # Wire TA-Lib's named inputs the way the flow wires the ports: "price" is the close, "periods" the volume.
    function.set_input_names(
        {key: INPUT_FIELDS["series"] if key == "price" else value for key, value in function.input_names.items()}
    )
    if "periods" in function.input_names:
        prices["periods"] = bars.volume
        function.set_input_names({**function.input_names, "periods": "periods"})
    expected = function(prices, **spec.default_parameters)
    expected = expected if isinstance(expected, list) else [expected]
    assert [p.name for p in spec.outputs] == (["value"] if len(function.output_names) == 1 else function.output_names)
    for port, want in zip(spec.outputs, expected, strict=True):
        got = values[port.name]
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, np.asarray(want, dtype=np.float64), err_msg=f"{name}.{port.name}")
    assert any(np.isfinite(values[p.name]).any() for p in spec.outputs), "600 bars give at least one value"


def test_indicator_params_and_strategy_parameters_reach_talib():
    bars = generate_bars(300, seed=3)
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "bb", "template": "bbands", "params": {"timeperiod": {"$param": "period"}, "nbdevup": 1.5}},
        {"id": "above", "template": "greater_than"},
    ]
    edges = [
        edge("px", "close", "bb", "series"),
        edge("px", "close", "above", "a"),
        edge("bb", "upperband", "above", "b"),
    ]
    nodes, edges = with_entry(nodes, edges, "above")
    result = run(nodes, edges, bars, {"period": 30})
    upper, middle, lower = talib.BBANDS(bars.close, timeperiod=30, nbdevup=1.5, nbdevdn=2.0, matype=0)
    np.testing.assert_array_equal(result.values["bb"]["upperband"], upper)
    np.testing.assert_array_equal(result.values["bb"]["middleband"], middle)
    np.testing.assert_array_equal(result.values["bb"]["lowerband"], lower)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(result.values["above"]["value"], bars.close > upper)


def test_comparisons_with_a_missing_value_are_false():
    a = [1.0, np.nan, 3.0, 2.0]
    b = [0.0, 0.0, np.nan, 2.0]
    assert condition("greater_than", a, b).tolist() == [True, False, False, False]
    assert condition("less_equal", a, b).tolist() == [False, False, False, True]
    assert condition("equal", a, b).tolist() == [False, False, False, True]


def test_an_unconnected_b_compares_with_the_value_param():
    assert condition("greater_than", [1.0, 5.0, 3.0], params={"value": 2.5}).tolist() == [False, True, True]
    assert condition("less_than", [1.0, 5.0, 3.0], params={"value": 3}).tolist() == [True, False, False]
    assert condition("greater_equal", [1.0, 5.0, 3.0], params={"value": 3}).tolist() == [False, True, True]


def test_cross_above_is_true_only_on_the_bar_a_moves_from_at_or_below_to_above():
    # cross_above[i] = a[i] > b[i] and a[i-1] <= b[i-1]
    a = [1.0, 2.0, 3.0, 3.0, 1.0, 2.0, 5.0, np.nan, 5.0]
    b = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert condition("cross_above", a, b).tolist() == [False, False, True, False, False, False, True, False, False]
    assert condition("cross_below", a, b).tolist() == [False, False, False, False, True, False, False, False, False]
    assert condition("cross_above", a, params={"value": 2}).tolist() == condition("cross_above", a, b).tolist()


def test_between_uses_connected_bounds_or_its_params_inclusively():
    bars = bars_of([10.0, 30.0, 50.0, 70.0, 90.0])
    nodes = [{"id": "px", "template": "close"}, {"id": "in", "template": "between"}]
    nodes, edges = with_entry(nodes, [edge("px", "close", "in", "series")], "in")
    assert run(nodes, edges, bars).values["in"]["value"].tolist() == [False, True, True, True, False]

    nodes = [
        {"id": "bars", "template": "ohlcv"},
        {"id": "top", "template": "constant", "params": {"value": 60}},
        {"id": "in", "template": "between", "params": {"lower": 40}},
    ]
    edges = [edge("bars", "close", "in", "series"), edge("top", "value", "in", "upper")]
    nodes, edges = with_entry(nodes, edges, "in")
    assert run(nodes, edges, bars).values["in"]["value"].tolist() == [False, False, True, False, False]


def test_rising_and_falling_need_strict_moves_on_each_of_the_last_n_bars():
    bars = bars_of([1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 5.0])
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "up2", "template": "rising", "params": {"bars": 2}},
        {"id": "down1", "template": "falling"},
    ]
    edges = [edge("px", "close", "up2", "series"), edge("px", "close", "down1", "series")]
    nodes, edges = with_entry(nodes, edges, "up2")
    values = run(nodes, edges, bars).values
    assert values["up2"]["value"].tolist() == [False, False, True, False, False, True, True, False]
    assert values["down1"]["value"].tolist() == [False, False, False, False, False, False, False, True]


def test_logic_nodes_combine_conditions():
    bars = bars_of([1.0, 5.0, 3.0, 7.0])
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "gt2", "template": "greater_than", "params": {"value": 2}},
        {"id": "lt6", "template": "less_than", "params": {"value": 6}},
        {"id": "both", "template": "and"},
        {"id": "either", "template": "or"},
        {"id": "neither", "template": "not"},
    ]
    edges = [
        edge("px", "close", "gt2", "a"),
        edge("px", "close", "lt6", "a"),
        edge("gt2", "value", "both", "a"),
        edge("lt6", "value", "both", "b"),
        edge("gt2", "value", "either", "a"),
        edge("lt6", "value", "either", "b"),
        edge("both", "value", "neither", "a"),
    ]
    nodes, edges = with_entry(nodes, edges, "both")
    values = run(nodes, edges, bars).values
    assert values["both"]["value"].tolist() == [False, True, True, False]
    assert values["either"]["value"].tolist() == [True, True, True, True]
    assert values["neither"]["value"].tolist() == [True, False, False, True]


def test_arithmetic_broadcasts_numbers_and_never_divides_into_infinity():
    bars = bars_of([2.0, 0.0, -4.0], open_=[1.0, 0.0, 2.0])
    nodes = [
        {"id": "bars", "template": "ohlcv"},
        {"id": "two", "template": "constant", "params": {"value": 2}},
        {"id": "sum", "template": "add"},
        {"id": "ratio", "template": "divide"},
        {"id": "low", "template": "min"},
        {"id": "size", "template": "abs"},
        {"id": "neg", "template": "negate"},
        {"id": "pos", "template": "greater_than"},
    ]
    edges = [
        edge("bars", "close", "sum", "a"),
        edge("two", "value", "sum", "b"),
        edge("bars", "close", "ratio", "a"),
        edge("bars", "open", "ratio", "b"),
        edge("bars", "close", "low", "a"),
        edge("bars", "open", "low", "b"),
        edge("bars", "close", "size", "a"),
        edge("bars", "close", "neg", "a"),
        edge("sum", "value", "pos", "a"),
    ]
    nodes, edges = with_entry(nodes, edges, "pos")
    values = run(nodes, edges, bars).values
    assert values["two"]["value"].ndim == 0 and float(values["two"]["value"]) == 2.0
    assert values["sum"]["value"].tolist() == [4.0, 2.0, -2.0]
    np.testing.assert_array_equal(values["ratio"]["value"], [2.0, np.nan, -2.0])
    assert values["low"]["value"].tolist() == [1.0, 0.0, -4.0]
    assert values["size"]["value"].tolist() == [2.0, 0.0, 4.0]
    assert values["neg"]["value"].tolist() == [-2.0, -0.0, 4.0]


def test_lag_change_and_percent_change_look_back_n_bars():
    bars = bars_of([100.0, 110.0, 99.0, 0.0, 50.0])
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "lag", "template": "lag", "params": {"bars": 2}},
        {"id": "chg", "template": "change"},
        {"id": "pct", "template": "pct_change"},
        {"id": "up", "template": "greater_than"},
    ]
    edges = [
        edge("px", "close", "lag", "series"),
        edge("px", "close", "chg", "series"),
        edge("px", "close", "pct", "series"),
        edge("chg", "value", "up", "a"),
    ]
    nodes, edges = with_entry(nodes, edges, "up")
    values = run(nodes, edges, bars).values
    np.testing.assert_array_equal(values["lag"]["value"], [np.nan, np.nan, 100.0, 110.0, 99.0])
    np.testing.assert_array_equal(values["chg"]["value"], [np.nan, 10.0, -11.0, -99.0, 50.0])
    np.testing.assert_allclose(values["pct"]["value"], [np.nan, 10.0, -10.0, -100.0, np.nan])


def test_signals_of_one_kind_are_ored_and_risk_percentages_become_fractions():
    bars = bars_of([1.0, 5.0, 3.0, 7.0, 2.0])
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "high", "template": "greater_than", "params": {"value": 6}},
        {"id": "rise", "template": "rising"},
        {"id": "fall", "template": "falling"},
        {"id": "in1", "template": "entry_long"},
        {"id": "in2", "template": "entry_long"},
        {"id": "out", "template": "exit_long"},
        {"id": "short", "template": "entry_short"},
        {"id": "sl", "template": "stop_loss", "params": {"percent": 2.5}},
        {"id": "tp", "template": "take_profit", "params": {"percent": {"$param": "target"}}},
        {"id": "trail", "template": "trailing_stop"},
        {"id": "size", "template": "position_size", "params": {"fraction": 0.5}},
    ]
    edges = [
        edge("px", "close", "high", "a"),
        edge("px", "close", "rise", "series"),
        edge("px", "close", "fall", "series"),
        edge("high", "value", "in1", "when"),
        edge("rise", "value", "in2", "when"),
        edge("fall", "value", "out", "when"),
        edge("high", "value", "short", "when"),
    ]
    signals = run(nodes, edges, bars, {"target": 10}).signals
    assert signals.entry_long.tolist() == [False, True, False, True, False]
    assert signals.exit_long.tolist() == [False, False, True, False, True]
    assert signals.entry_short.tolist() == [False, False, False, True, False]
    assert signals.exit_short.tolist() == [False] * 5
    assert (signals.stop_loss, signals.take_profit, signals.trailing_stop, signals.position_size) == (
        0.025,
        0.1,
        0.03,
        0.5,
    )


def test_without_risk_nodes_the_settings_are_left_to_the_config():
    nodes, edges = with_entry(
        [{"id": "px", "template": "close"}, {"id": "c", "template": "rising"}],
        [edge("px", "close", "c", "series")],
        "c",
    )
    signals = run(nodes, edges, bars_of([1.0, 2.0])).signals
    assert (signals.stop_loss, signals.take_profit, signals.trailing_stop, signals.position_size) == (None,) * 4


def test_too_few_bars_for_an_indicator_is_a_warning_naming_it_and_the_bars_needed():
    bars = generate_bars(150, seed=1)
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "slow", "template": "sma", "params": {"timeperiod": 200}},
        {"id": "over", "template": "greater_than"},
    ]
    edges = [
        edge("px", "close", "slow", "series"),
        edge("px", "close", "over", "a"),
        edge("slow", "value", "over", "b"),
    ]
    nodes, edges = with_entry(nodes, edges, "over")
    warnings = run(nodes, edges, bars).signals.warnings
    assert "Not enough bars for SMA(200) (node slow): 150 bars, 200 needed for the first value." in warnings
    assert "entry_long signal never fires on these 150 bars (node entry)." in warnings


def test_warm_up_of_a_chain_adds_up_along_the_chain():
    bars = generate_bars(40, seed=1)
    nodes = [
        {"id": "px", "template": "close"},
        {"id": "fast", "template": "ema", "params": {"timeperiod": 20}},
        {"id": "smooth", "template": "sma", "params": {"timeperiod": 30}},
        {"id": "up", "template": "rising"},
    ]
    edges = [
        edge("px", "close", "fast", "series"),
        edge("fast", "value", "smooth", "series"),
        edge("smooth", "value", "up", "series"),
    ]
    nodes, edges = with_entry(nodes, edges, "up")
    warnings = run(nodes, edges, bars).signals.warnings
    # EMA(20) has its first value at bar 19, so SMA(30) of it needs 19 + 29 + 1 bars.
    assert warnings[0] == "Not enough bars for SMA(30) (node smooth): 40 bars, 49 needed for the first value."
    assert not any("EMA" in w or "rising" in w for w in warnings)


def test_a_flow_that_fires_gives_no_warnings():
    bars = generate_bars(500, seed=2)
    nodes = [{"id": "px", "template": "close"}, {"id": "up", "template": "rising"}]
    nodes, edges = with_entry(nodes, [edge("px", "close", "up", "series")], "up")
    assert run(nodes, edges, bars).signals.warnings == []


def test_talib_rejecting_a_call_is_an_error_naming_the_node():
    bars = generate_bars(50, seed=1)
    mavp = CATALOGUE.get("mavp")
    plan = Plan(
        steps=(
            Step("px", "close", "field", {"op": "field", "field": "close"}, {}, {}, {}, ("close",)),
            Step(
                "m",
                "mavp",
                "talib",
                mavp.execution_hints,
                {"minperiod": 10, "maxperiod": 5, "matype": 0},
                {"series": Source("px", "close"), "periods": Source("px", "close")},
                {"series": "series", "periods": "series"},
                ("value",),
            ),
        ),
        risk={},
        risk_nodes={},
    )
    with pytest.raises(FlowError) as caught:
        evaluate(plan, bars)
    (problem,) = caught.value.problems
    assert (problem.code, problem.node_id) == ("evaluation_failed", "m")
    assert "MAVP(10, 5, 0)" in problem.message
