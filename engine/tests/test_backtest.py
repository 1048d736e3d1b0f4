"""run_signals and run_backtest end to end: JSON output, errors, and a real flow against backtesting.py."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from backtesting import Backtest
from backtesting.test import GOOG

from engine.backtest import BacktestResult, run_backtest, run_signals, warm_up_bars
from engine.config import BacktestConfig
from engine.errors import ConfigError, FlowError
from engine.signals import StrategySignals
from engine.synthetic import generate_bars
from engine.tests.test_oracle_backtesting import SIZE, SmaCrossRsi, bars_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def reference(name: str) -> dict:
    return json.loads((EXAMPLES / f"reference_{name}.json").read_text())


def random_signals(n: int, seed: int = 1, density: float = 0.02) -> StrategySignals:
    rng = np.random.default_rng(seed)
    entry, exit_ = rng.random(n) < density, rng.random(n) < density
    return StrategySignals(entry, exit_, exit_.copy(), entry.copy())


def test_reference_flow_trades_like_the_same_strategy_in_backtesting_py():
    """The reference flow (SMA 10/30 crossover, entries only while RSI(14) < 70) through compile_flow and
    evaluate, against SmaCrossRsi in backtesting.py. backtesting.py keeps the last position open, we close it
    at the last close: everything before that trade's exit agrees."""
    bars = bars_of(GOOG)
    config = {"initial_capital": 100_000, "commission": 0.001, "size": SIZE, "whole_units": True}
    result = run_backtest(reference("flow"), bars, config=config, parameters=reference("params"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = Backtest(GOOG, SmaCrossRsi, cash=100_000, commission=0.001).run(rsi_max=70, last_decision_bar=len(GOOG))
    expected = stats._trades
    trades = result.simulation.trades
    assert trades.exit_reason_names[-1] == "end_of_data"
    assert len(trades) - 1 == len(expected) > 5
    np.testing.assert_array_equal(trades.entry_bar[:-1], expected.EntryBar)
    np.testing.assert_array_equal(trades.exit_bar[:-1], expected.ExitBar)
    np.testing.assert_allclose(trades.pnl[:-1], expected.PnL, rtol=1e-9)
    np.testing.assert_allclose(result.equity[:-1], stats._equity_curve.Equity[:-1], rtol=1e-9)
    assert result.metrics["buy_and_hold_return_pct"] == pytest.approx(stats["Buy & Hold Return [%]"], rel=1e-12)


def test_warm_up_is_the_latest_first_value_of_any_series():
    values = {
        "sma": {"value": np.r_[np.nan, np.nan, 1.0, 2.0]},
        "cross": {"value": np.array([False, True, False, False])},
        "threshold": {"value": np.array(3.0)},
        "rsi": {"value": np.r_[np.nan, np.nan, np.nan, 50.0]},
    }
    assert warm_up_bars(values) == 3
    assert warm_up_bars({}) == 0


def test_run_backtest_reports_a_bad_config_before_evaluating_the_flow():
    with pytest.raises(ConfigError) as raised:
        run_backtest({"nodes": "not a list"}, generate_bars(50), config={"commission": 1})
    assert [p.field for p in raised.value.problems] == ["commission"]


def test_run_backtest_reports_an_invalid_flow():
    with pytest.raises(FlowError):
        run_backtest({"schema_version": 1, "nodes": [], "edges": []}, generate_bars(50))


def test_result_is_json_with_bounded_curves_and_every_trade():
    bars = generate_bars(20_000, seed=3)
    result = run_signals(bars, random_signals(len(bars)), {"direction": "both"}, max_points=200)
    data = json.loads(result.to_json())
    assert set(data) >= {"config", "metrics", "trades", "warnings", "equity_curve", "drawdown_curve", "counts"}
    assert set(data) >= {"performance_summary", "returns"}
    assert len(data["trades"]) == len(result.simulation.trades) == data["counts"]["trades"] > 100
    for curve, column in (("equity_curve", "equity"), ("drawdown_curve", "drawdown_pct")):
        points = data[curve]
        assert len(points["bar"]) == len(points["time"]) == len(points[column]) <= 200
        assert points["bar"][0] == 0 and points["bar"][-1] == len(bars) - 1
    assert min(data["drawdown_curve"]["drawdown_pct"]) == pytest.approx(data["metrics"]["max_drawdown_pct"])
    assert max(data["equity_curve"]["equity"]) == pytest.approx(data["metrics"]["equity_peak"])
    assert data["config"]["direction"] == "both"
    trade = data["trades"][0]
    assert set(trade) == {
        "entry_bar", "exit_bar", "entry_time", "exit_time", "side", "size", "entry_price", "exit_price",
        "pnl", "return_pct", "commission", "exit_reason", "duration_seconds",
        "run_up", "run_up_pct", "drawdown", "drawdown_pct",
    }  # fmt: skip
    assert trade["entry_time"].endswith("Z")


def test_no_trades_is_a_warning_and_metrics_without_trades_are_null():
    bars = generate_bars(500)
    none = np.zeros(len(bars), dtype=bool)
    result = run_signals(bars, StrategySignals(none, none, none, none))
    assert any(w.startswith("No trades") for w in result.warnings)
    assert result.metrics["trades"] == 0
    assert result.metrics["win_rate_pct"] is None
    assert result.metrics["sqn"] is None
    assert result.metrics["return_pct"] == 0
    json.loads(result.to_json())


def test_evaluation_warnings_are_carried_into_the_result():
    bars = generate_bars(100)
    signals = random_signals(len(bars))
    signals.warnings.append("sma_slow: needs 200 bars to warm up; the data has 100.")
    result = run_signals(bars, signals)
    assert result.warnings[0] == "sma_slow: needs 200 bars to warm up; the data has 100."


def test_run_signals_takes_a_config_object_a_dict_or_nothing():
    bars = generate_bars(300)
    signals = random_signals(len(bars))
    as_object = run_signals(bars, signals, BacktestConfig(commission=0.001))
    as_dict = run_signals(bars, signals, {"commission": 0.001})
    default = run_signals(bars, signals)
    assert isinstance(as_object, BacktestResult)
    assert as_object.metrics == as_dict.metrics
    assert default.config == BacktestConfig()
    assert default.metrics["equity_final"] != as_dict.metrics["equity_final"]
