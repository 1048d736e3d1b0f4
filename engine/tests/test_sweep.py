"""Parameter sweeps: every combination's metrics are those of a single run_backtest with its parameters (on
each window, those of the window's bars traded with the full-history signals), and the return statistics
match numpy's on the equity."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from engine.backtest import run_backtest, run_signals, warm_up_bars
from engine.catalogue import system_catalogue
from engine.errors import FlowError
from engine.evaluate import evaluate
from engine.flow import compile_flow
from engine.sweep import SweepRow, run_sweep, window_signals
from engine.synthetic import generate_bars
from engine.tests.flow_builders import edge

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CATALOGUE = system_catalogue()
CONFIG = {"initial_capital": 10_000, "commission": 0.001, "direction": "both"}
BASE = {"fast": 10, "slow": 30, "rsi_period": 14, "rsi_bound": 70, "stop": 2.0}
GRID = {"fast": [5, 10], "slow": [20, 40], "rsi_bound": [60, 75], "stop": [0.1, 0.3]}


def sweep_flow() -> dict:
    """The reference flow with its RSI bound a parameter, a stop loss bound to another, and a short side,
    so that entries, exits, stops and reversals all happen."""
    flow = copy.deepcopy(json.loads((EXAMPLES / "reference_flow.json").read_text()))
    for node in flow["nodes"]:
        if node["id"] == "rsi_below_70":
            node["params"] = {"value": {"$param": "rsi_bound"}}
    flow["nodes"] += [
        {"id": "stop", "template": "stop_loss", "params": {"percent": {"$param": "stop"}}},
        {"id": "enter_short", "template": "entry_short", "params": {}},
        {"id": "exit_short", "template": "exit_short", "params": {}},
    ]
    flow["edges"] += [
        edge("fast_crosses_below_slow", "value", "enter_short", "when", id="s1"),
        edge("fast_crosses_above_slow", "value", "exit_short", "when", id="s2"),
    ]
    return flow


def grid(values: dict[str, list]) -> list[dict]:
    return [dict(zip(values, combo, strict=True)) for combo in itertools.product(*values.values())]


@pytest.fixture(scope="module")
def bars():
    return generate_bars(3_000, seed=11)


def reference_window(bars, parameters, start, stop):
    """One window the long way: evaluate over all the bars, trade bars[start:stop] with the sliced signals."""
    evaluation = evaluate(compile_flow(sweep_flow(), CATALOGUE, parameters), bars)
    first = max(warm_up_bars(evaluation.values) - start, 0)
    signals = window_signals(evaluation.signals, start, stop)
    return run_signals(bars.slice(start, stop), signals, CONFIG, first_trading_bar=first)


def moments_of(returns):
    return np.array([len(returns), *(np.sum(returns**k) for k in (1, 2, 3, 4))])


def returns_of(equity, capital=CONFIG["initial_capital"]):
    """Bar returns the plain way: each close's equity over the one before, the first over the capital."""
    previous = np.concatenate(([capital], equity[:-1]))
    with np.errstate(invalid="ignore"):
        return equity / previous - 1


def test_every_combination_has_the_metrics_of_a_single_backtest(bars):
    combinations = grid(GRID)
    rows = run_sweep(sweep_flow(), bars, combinations, config=CONFIG, base_parameters=BASE)
    assert [row.parameters for row in rows] == combinations
    trades, reasons = set(), set()
    for row, combination in zip(rows, combinations, strict=True):
        single = run_backtest(sweep_flow(), bars, config=CONFIG, parameters={**BASE, **combination})
        assert row.metrics == [single.metrics]
        trades.add(single.metrics["trades"])
        reasons.update(single.simulation.trades.exit_reason_names)
    assert len(trades) > 4  # the combinations really differ
    assert {"stop_loss", "reversal"} <= reasons


def test_windows_trade_their_own_bars_with_full_history_indicators(bars):
    windows = [(0, 1_000), (1_000, 2_200), (25, 3_000)]
    combinations = grid({"fast": [5, 12], "slow": [25, 40]})
    rows = run_sweep(sweep_flow(), bars, combinations, config=CONFIG, base_parameters=BASE, windows=windows)
    for row, combination in zip(rows, combinations, strict=True):
        assert len(row.metrics) == len(windows)
        for metrics, (start, stop) in zip(row.metrics, windows, strict=True):
            expected = reference_window(bars, {**BASE, **combination}, start, stop)
            assert metrics == expected.metrics
    assert rows[0].metrics[1]["start"] == "2020-01-01T16:40:00Z"  # bar 1,000 of one-minute bars


def test_buy_and_hold_of_a_window_starts_after_the_warm_up_left_in_it(bars):
    """SMA(40) has its first value at bar 39: a window from bar 25 holds from its bar 14, one from bar 1,000
    from its first bar."""
    parameters = {"fast": 5, "slow": 40}
    rows = run_sweep(
        sweep_flow(), bars, [parameters], config=CONFIG, base_parameters=BASE, windows=[(25, 500), (1_000, 1_500)]
    )
    close = bars.close
    early, late = rows[0].metrics
    assert early["buy_and_hold_return_pct"] == pytest.approx((close[499] / close[39] - 1) * 100, rel=1e-12)
    assert late["buy_and_hold_return_pct"] == pytest.approx((close[1_499] / close[1_000] - 1) * 100, rel=1e-12)


def test_moments_and_blocks_are_those_of_the_bar_returns_of_the_equity(bars):
    windows = [(0, 2_400), (2_400, 3_000)]
    parameters = {"fast": 5, "slow": 20}
    (row,) = run_sweep(
        sweep_flow(), bars, [parameters], config=CONFIG, base_parameters=BASE, windows=windows, n_blocks=8
    )
    assert isinstance(row, SweepRow)
    assert row.moments.shape == (2, 5) and row.blocks.shape == (8, 3)
    first = returns_of(reference_window(bars, {**BASE, **parameters}, *windows[0]).equity)
    second = returns_of(reference_window(bars, {**BASE, **parameters}, *windows[1]).equity)
    assert np.count_nonzero(first) > 100
    np.testing.assert_allclose(row.moments[0], moments_of(first), rtol=1e-10, atol=1e-18)
    np.testing.assert_allclose(row.moments[1], moments_of(second), rtol=1e-10, atol=1e-18)
    # 2,400 bars in 8 blocks of 300
    blocks = first.reshape(8, 300)
    expected = np.column_stack([np.full(8, 300), blocks.sum(axis=1), (blocks**2).sum(axis=1)])
    np.testing.assert_allclose(row.blocks, expected, rtol=1e-10, atol=1e-18)
    # the blocks add up to the window
    np.testing.assert_allclose(row.blocks.sum(axis=0), row.moments[0][:3], rtol=1e-10, atol=1e-18)


def test_uneven_blocks_put_the_extra_bars_first(bars):
    (row,) = run_sweep(sweep_flow(), bars, [{}], config=CONFIG, base_parameters=BASE, windows=[(0, 1_003)], n_blocks=4)
    assert row.blocks[:, 0].tolist() == [251, 251, 251, 250]


def test_a_liquidated_account_has_zero_returns_after_the_liquidation():
    """A short caught by a price tripling: equity reaches zero at bar 200 and stays there; its returns are
    -100 % on that bar and 0 (not NaN) after it."""
    bars = generate_bars(400, seed=3)
    for column in (bars.open, bars.high, bars.low, bars.close):
        column[200:] *= 3
    flow = {
        "schema_version": 1,
        "nodes": [
            {"id": "bars", "template": "ohlcv"},
            {"id": "up", "template": "greater_than", "params": {"value": 0}},
            {"id": "entry", "template": "entry_short"},
        ],
        "edges": [
            {"source": "bars", "source_port": "close", "target": "up", "target_port": "a"},
            {"source": "up", "source_port": "value", "target": "entry", "target_port": "when"},
        ],
    }
    (row,) = run_sweep(flow, bars, [{}], config=CONFIG, n_blocks=2)
    single = run_backtest(flow, bars, config=CONFIG)
    assert single.simulation.liquidated_at == 200
    assert row.metrics == [single.metrics]
    returns = returns_of(single.equity)
    assert returns[200] == -1 and np.isnan(returns[201:]).all()
    np.testing.assert_allclose(row.moments[0], moments_of(np.nan_to_num(returns, nan=0.0)), rtol=1e-10)
    np.testing.assert_allclose(row.blocks[1], [200, -1 + 0.0, 1], rtol=1e-10)


def test_a_combination_the_flow_refuses_names_the_node_and_parameter(bars):
    with pytest.raises(FlowError) as caught:
        run_sweep(sweep_flow(), bars, [{"fast": 0}], config=CONFIG, base_parameters=BASE)
    assert any(p.node_id == "sma_fast" for p in caught.value.problems)


@pytest.mark.parametrize(
    ("windows", "n_blocks", "message"),
    [
        ([], 16, "at least one"),
        ([(10, 10)], 16, "(10, 10)"),
        ([(0, 3_001)], 16, "(0, 3001)"),
        ([(-1, 5)], 16, "(-1, 5)"),
        (None, 0, "n_blocks"),
    ],
)
def test_bad_windows_are_refused(bars, windows, n_blocks, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_sweep(sweep_flow(), bars, [{}], config=CONFIG, base_parameters=BASE, windows=windows, n_blocks=n_blocks)
