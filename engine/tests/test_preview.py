"""engine.preview: the live preview's run, candles, markers and node outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import talib

from engine.backtest import run_backtest
from engine.catalogue import system_catalogue
from engine.config import resolve_config
from engine.errors import EngineError, FlowError
from engine.preview import OutputRef, candle_starts, candles, markers, output_series, run_preview
from engine.synthetic import generate_bars
from engine.tests.flow_builders import edge, flow

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REFERENCE = json.loads((EXAMPLES / "reference_flow.json").read_text())
PARAMETERS = json.loads((EXAMPLES / "reference_params.json").read_text())
CONFIG = resolve_config(json.loads((EXAMPLES / "reference_config.json").read_text()))


def preview(bars, *, outputs=(), max_points=100, flow_=REFERENCE, parameters=PARAMETERS):
    return run_preview(
        flow_, bars, config=CONFIG, parameters=parameters, catalogue=system_catalogue(), outputs=outputs,
        max_points=max_points,
    )  # fmt: skip


@pytest.mark.parametrize(("n", "max_points"), [(1000, 100), (1003, 100), (999, 7), (50, 100)])
def test_candles_aggregate_equal_runs_of_bars_as_pandas_groupby_agg_does(n, max_points):
    bars = generate_bars(n, seed=3)
    starts = candle_starts(n, max_points)

    got = candles(bars, starts)

    size = -(-n // max_points)
    frame = pd.DataFrame({f: bars.field(f) for f in ("open", "high", "low", "close", "volume")})
    expected = frame.groupby(np.arange(n) // size).agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    assert len(got["bar"]) == len(expected) <= max_points
    assert got["bar"] == list(range(0, n, size))
    for column in expected:
        np.testing.assert_allclose(got[column], expected[column].to_numpy(), rtol=0, atol=1e-9)


def test_markers_are_the_trades_fills_in_time_order_an_exit_before_an_entry_on_its_bar():
    trades = [
        {"entry_bar": 3, "exit_bar": 9, "entry_time": "t3", "exit_time": "t9", "side": "long",
         "entry_price": 10.0, "exit_price": 11.0, "exit_reason": "signal"},
        {"entry_bar": 9, "exit_bar": 14, "entry_time": "t9", "exit_time": "t14", "side": "short",
         "entry_price": 11.0, "exit_price": 10.5, "exit_reason": "stop_loss"},
    ]  # fmt: skip

    found = markers(trades, candle_starts(20, 4))

    assert [(m["kind"], m["side"], m["bar"], m["candle"], m["exit_reason"]) for m in found] == [
        ("entry", "long", 3, 0, None),
        ("exit", "long", 9, 1, "signal"),
        ("entry", "short", 9, 1, None),
        ("exit", "short", 14, 2, "stop_loss"),
    ]


def test_a_series_output_is_its_value_at_each_candles_last_bar_with_null_for_no_value():
    values = np.array([np.nan, np.nan, 1.0, 2.0, 3.0, np.inf, 4.0])

    got = output_series(OutputRef("n", "value"), values, candle_starts(7, 3))

    assert got == {"node_id": "n", "port": "value", "type": "series", "values": [1.0, None, 4.0]}
    assert output_series(OutputRef("n", "value"), values, candle_starts(7, 7))["values"] == [
        None, None, 1.0, 2.0, 3.0, None, 4.0,
    ]  # fmt: skip


def test_a_bool_output_is_1_on_candles_where_it_is_true_on_any_bar():
    values = np.array([False, False, True, False, False, False, True])

    got = output_series(OutputRef("c", "value"), values, candle_starts(7, 3))

    assert got["type"] == "bool" and got["values"] == [1, 0, 1]


def test_preview_is_the_backtest_of_the_same_bars():
    bars = generate_bars(3000, seed=5)
    full = run_backtest(REFERENCE, bars, config=CONFIG, parameters=PARAMETERS, max_points=100)

    got = preview(bars)

    assert got["headline"]["trades"] == full.metrics["trades"] > 0
    assert got["headline"]["return_pct"] == full.metrics["return_pct"]
    assert got["equity_curve"] == full.details["equity_curve"]
    assert [m["bar"] for m in got["markers"] if m["kind"] == "entry"] == [t["entry_bar"] for t in full.trades]


def test_outputs_a_node_id_alone_gives_all_its_ports_and_numbers_are_one_value():
    graph = flow(
        [
            {"id": "bars", "template": "ohlcv"},
            {"id": "macd.v2", "template": "macd"},
            {"id": "zero", "template": "constant", "params": {"value": 0}},
            {"id": "up", "template": "greater_than"},
            {"id": "entry", "template": "entry_long"},
        ],
        [
            edge("bars", "close", "macd.v2", "series"),
            edge("macd.v2", "macdhist", "up", "a"),
            edge("zero", "value", "up", "b"),
            edge("up", "value", "entry", "when"),
        ],
    )
    bars = generate_bars(500, seed=2)

    got = preview(bars, flow_=graph, parameters={}, outputs=["macd.v2", "macd.v2.macd", "zero"], max_points=500)

    assert [(o["node_id"], o["port"], o["type"]) for o in got["outputs"]] == [
        ("macd.v2", "macd", "series"),
        ("macd.v2", "macdsignal", "series"),
        ("macd.v2", "macdhist", "series"),
        ("zero", "value", "number"),
    ]
    macd, signal, hist = talib.MACD(bars.close)
    for output, expected in zip(got["outputs"], (macd, signal, hist), strict=False):
        np.testing.assert_array_equal(np.array(output["values"], dtype=float), expected)
    assert got["outputs"][3]["value"] == 0


def test_outputs_that_the_flow_does_not_have_are_each_a_problem():
    with pytest.raises(EngineError) as caught:
        preview(generate_bars(100, seed=1), outputs=["rsi.nope", "exit_long", "ghost", "ghost.value"])

    assert [(p.code, p.field, p.node_id) for p in caught.value.problems] == [
        ("unknown_output", "outputs[0]", "rsi"),
        ("no_outputs", "outputs[1]", "exit_long"),
        ("unknown_node", "outputs[2]", None),
        ("unknown_node", "outputs[3]", None),
    ]


def test_an_invalid_flow_raises_its_problems_before_anything_runs():
    with pytest.raises(FlowError) as caught:
        preview(generate_bars(100, seed=1), flow_=flow([{"id": "x", "template": "nope"}]))

    assert {p.node_id for p in caught.value.problems} >= {"x"}
