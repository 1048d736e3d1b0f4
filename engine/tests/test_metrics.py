"""metrics_summary against backtesting.py's compute_stats on the same trades and equity, at every bar interval,
and the JSON conventions (None for undefined figures, ISO 8601 UTC times, durations in seconds)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from backtesting._stats import compute_drawdown_duration_peaks, compute_stats

from engine.backtest import run_signals
from engine.bars import Bars
from engine.metrics import BACKTESTING_PY_NAMES, iso_utc, iso_utc_array, json_number, metrics_summary
from engine.signals import StrategySignals
from engine.simulate import Simulation
from engine.synthetic import generate_bars
from engine.tests.test_oracle_backtesting import frame_of


def bars_at(index: pd.DatetimeIndex, seed: int = 0) -> Bars:
    bars = generate_bars(len(index), seed=seed)
    return Bars(index.as_unit("ns").asi8, bars.open, bars.high, bars.low, bars.close, bars.volume)


def random_run(bars: Bars, seed: int = 5, **config):
    rng = np.random.default_rng(seed)
    n = len(bars)
    entry, exit_ = rng.random(n) < 0.05, rng.random(n) < 0.05
    signals = StrategySignals(entry, exit_, exit_.copy(), entry.copy())
    return run_signals(bars, signals, {"direction": "both", "commission": 0.001, **config})


def backtesting_py_stats(bars: Bars, result, risk_free_rate: float = 0.0) -> pd.Series:
    """compute_stats given our trades and equity, in the shape backtesting.py passes a finished run's trades."""
    trades = result.simulation.trades
    index = pd.DatetimeIndex(bars.timestamp.astype("datetime64[ns]"))
    trades_df = pd.DataFrame(
        {
            "EntryBar": trades.entry_bar,
            "ExitBar": trades.exit_bar,
            "PnL": trades.pnl,
            "ReturnPct": trades.return_pct / 100,
            "Duration": index[trades.exit_bar] - index[trades.entry_bar],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compute_stats(trades_df, result.equity, frame_of(bars), None, risk_free_rate=risk_free_rate)


INTERVALS = {
    "minutes": pd.date_range("2021-03-01", periods=5000, freq="1min"),
    "hours-24/7": pd.date_range("2021-03-01", periods=5000, freq="1h"),
    "days-24/7": pd.date_range("2015-01-01", periods=1500, freq="1D"),
    "business-days": pd.bdate_range("2015-01-01", periods=1500),
    "weeks": pd.date_range("2000-01-02", periods=600, freq="W"),
    "months": pd.date_range("1990-01-31", periods=300, freq="ME"),
    "years": pd.date_range("1900-12-31", periods=120, freq="YE"),
}


@pytest.mark.parametrize("interval", INTERVALS)
def test_every_figure_matches_compute_stats_at_every_bar_interval(interval):
    bars = bars_at(INTERVALS[interval])
    result = random_run(bars)
    expected = backtesting_py_stats(bars, result, risk_free_rate=0.01)
    ours = metrics_summary(bars, result.simulation, risk_free_rate=0.01)
    assert ours["trades"] > 5
    for key, name in BACKTESTING_PY_NAMES.items():
        if name not in expected:  # commissions: only shown by backtesting.py for a finished Backtest.run()
            continue
        value = expected[name]
        if isinstance(value, pd.Timestamp):
            assert ours[key] == value.tz_localize("UTC").isoformat().replace("+00:00", "Z"), key
        elif isinstance(value, pd.Timedelta):
            assert ours[key] == pytest.approx(value.total_seconds(), rel=1e-12), key
        elif pd.isna(value) or not np.isfinite(value):
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(float(value), rel=1e-9, abs=1e-12), key


def test_drawdown_durations_and_peaks_match_backtesting_py():
    bars = bars_at(pd.date_range("2020-01-01", periods=3000, freq="1h"))
    equity = random_run(bars).equity
    dd = 1 - equity / np.maximum.accumulate(equity)
    index = pd.DatetimeIndex(bars.timestamp.astype("datetime64[ns]"))
    durations, peaks = compute_drawdown_duration_peaks(pd.Series(dd, index=index))
    ours = metrics_summary(bars, random_run(bars).simulation)
    assert ours["max_drawdown_pct"] == pytest.approx(-dd.max() * 100)
    assert ours["avg_drawdown_pct"] == pytest.approx(-peaks.mean() * 100)
    assert ours["max_drawdown_duration_seconds"] == pytest.approx(durations.max().ceil("h").total_seconds())


def test_a_drawdown_still_open_at_the_end_lasts_until_the_last_bar():
    bars = bars_at(pd.date_range("2020-01-01", periods=6, freq="1D"))
    equity = np.array([100.0, 110, 105, 120, 90, 95])
    simulation = Simulation(equity=equity, trades=random_run(bars).simulation.trades, initial_capital=100.0)
    metrics = metrics_summary(bars, simulation)
    assert metrics["max_drawdown_duration_seconds"] == 2 * 86_400  # from the peak at bar 3 to the last bar
    assert metrics["max_drawdown_pct"] == pytest.approx(-25)
    assert metrics["avg_drawdown_pct"] == pytest.approx(-(5 / 110 + 0.25) / 2 * 100)


def test_buy_and_hold_starts_at_the_first_trading_bar():
    bars = generate_bars(100)
    simulation = random_run(bars).simulation
    from_start = metrics_summary(bars, simulation)["buy_and_hold_return_pct"]
    from_bar_10 = metrics_summary(bars, simulation, first_trading_bar=10)["buy_and_hold_return_pct"]
    assert from_start == pytest.approx((bars.close[-1] / bars.close[0] - 1) * 100)
    assert from_bar_10 == pytest.approx((bars.close[-1] / bars.close[10] - 1) * 100)


def test_metrics_are_json_numbers_times_and_seconds():
    bars = generate_bars(2000, freq="1h")
    metrics = random_run(bars).metrics
    json.dumps(metrics, allow_nan=False)
    assert list(metrics) == list(BACKTESTING_PY_NAMES)
    assert metrics["start"] == "2020-01-01T00:00:00Z"
    assert metrics["duration_seconds"] == 1999 * 3600
    assert isinstance(metrics["trades"], int)
    assert all(isinstance(v, (int, float, str)) or v is None for v in metrics.values())


def test_undefined_figures_are_none():
    bars = generate_bars(50)
    none = np.zeros(len(bars), dtype=bool)
    metrics = run_signals(bars, StrategySignals(none, none, none, none)).metrics
    for key in ("win_rate_pct", "best_trade_pct", "avg_trade_duration_seconds", "profit_factor", "sqn", "sharpe_ratio"):
        assert metrics[key] is None, key
    assert metrics["exposure_time_pct"] == 0
    assert metrics["max_drawdown_pct"] == 0


def test_json_number_turns_nan_and_infinity_into_none():
    assert json_number(np.float64("nan")) is None
    assert json_number(float("inf")) is None
    assert json_number(np.float32(1.5)) == 1.5
    assert type(json_number(np.int64(3))) is int
    assert json_number(np.bool_(True)) is True
    assert json_number("2020-01-01T00:00:00Z") == "2020-01-01T00:00:00Z"


def test_iso_times_show_sub_seconds_only_when_some_time_has_them():
    second = 1_600_000_000 * 10**9
    assert iso_utc(second) == "2020-09-13T12:26:40Z"
    assert iso_utc(second + 1_500_000_000) == "2020-09-13T12:26:41.500Z"
    assert iso_utc_array(np.array([second, second + 1_500_000_000])) == [
        "2020-09-13T12:26:40.000Z",
        "2020-09-13T12:26:41.500Z",
    ]
