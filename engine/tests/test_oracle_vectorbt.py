"""Our simulation with fills at the close against vectorbt's `Portfolio.from_signals`.

vectorbt fills a signal at the close of the bar that produced it, never pyramids, and by default buys (or sells
short) with all available cash, fees included (size=inf): the same as our `fill="close"`, `size=1`, fractional
units. Its stop loss and take profit are fractions of the entry price, checked from the bar after the entry with the
bar's high and low, filling at the level or at the open when the open is already through it, stop first: ours too.

Where the conventions differ, the cases align them:
- vectorbt leaves a position open at the end (valued at the last close, no exit fee), we close it at the last close:
  the cases exit on the last bar on both sides, and `test_end_of_data_close_is_vectorbts_open_value_less_the_fee`
  checks the difference is exactly that exit fee.
- vectorbt's trailing stop trails the highest *high* since entry; ours, like backtesting.py's TrailingStrategy,
  trails the highest *close* (moved at each close, so it never depends on the order of prices inside a bar), so
  trailing stops are checked against backtesting.py (test_oracle_backtesting) and not here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import talib
import vectorbt as vbt

from engine.backtest import run_signals
from engine.signals import StrategySignals
from engine.tests.test_oracle_backtesting import DATASETS, bars_of, crosses_above

CASH = 100_000
STOPS = {"GOOG": (0.05, 0.15), "EURUSD": (0.004, 0.008), "generated": (0.05, 0.15)}


def signals_for(strategy: str, dataset: str, close: np.ndarray, *, exit_at_end: bool = True) -> StrategySignals:
    fast, slow = talib.SMA(close, 10), talib.SMA(close, 30)
    up, down = crosses_above(fast, slow), crosses_above(slow, fast)
    none = np.zeros(len(close), dtype=bool)
    risk = {}
    if strategy == "reversal":
        signals = {"entry_long": up, "exit_long": down.copy(), "entry_short": down, "exit_short": up.copy()}
    else:
        entry = up
        if strategy in ("rsi", "stops"):
            with np.errstate(invalid="ignore"):
                entry = up & (talib.RSI(close, 14) < 60)
        signals = {"entry_long": entry, "exit_long": down.copy(), "entry_short": none, "exit_short": none.copy()}
        if strategy == "stops":
            risk = dict(zip(("stop_loss", "take_profit"), STOPS[dataset], strict=True))
    if exit_at_end:
        for name in signals:
            signals[name] = signals[name].copy()
            signals[name][-1] = name.startswith("exit")
    return StrategySignals(**signals, **risk)


def run_both(strategy: str, dataset: str, commission: float, *, exit_at_end: bool = True):
    df = DATASETS[dataset]()
    bars = bars_of(df)
    signals = signals_for(strategy, dataset, bars.close, exit_at_end=exit_at_end)
    kwargs = {}
    if signals.stop_loss is not None:
        kwargs = {"open": df.Open, "high": df.High, "low": df.Low, "sl_stop": signals.stop_loss}
        kwargs["tp_stop"] = signals.take_profit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        portfolio = vbt.Portfolio.from_signals(
            pd.Series(bars.close, index=df.index),
            entries=signals.entry_long,
            exits=signals.exit_long,
            short_entries=signals.entry_short,
            short_exits=signals.exit_short,
            fees=commission,
            init_cash=CASH,
            freq=pd.Timedelta(df.index[1] - df.index[0]),
            **kwargs,
        )
    config = {
        "fill": "close",
        "commission": commission,
        "initial_capital": CASH,
        "direction": "both" if strategy == "reversal" else "long",
    }
    return df, portfolio, run_signals(bars, signals, config)


CASES = [
    pytest.param(strategy, dataset, commission, id=f"{strategy}-{dataset}-c{commission}")
    for strategy in ("sma_cross", "rsi", "stops", "reversal")
    for dataset in DATASETS
    for commission in (0.0, 0.002)
]


@pytest.mark.parametrize(("strategy", "dataset", "commission"), CASES)
def test_trades_and_equity_match_vectorbt(strategy, dataset, commission):
    df, portfolio, ours = run_both(strategy, dataset, commission)
    expected = portfolio.trades.records_readable
    trades = ours.simulation.trades

    assert len(trades) == len(expected) > 5
    np.testing.assert_array_equal(trades.entry_bar, df.index.get_indexer(expected["Entry Timestamp"]))
    np.testing.assert_array_equal(trades.exit_bar, df.index.get_indexer(expected["Exit Timestamp"]))
    np.testing.assert_array_equal(np.where(trades.units > 0, "Long", "Short"), expected["Direction"])
    np.testing.assert_allclose(np.abs(trades.units), expected["Size"], rtol=1e-12)
    np.testing.assert_allclose(trades.entry_price, expected["Avg Entry Price"], rtol=1e-12)
    np.testing.assert_allclose(trades.exit_price, expected["Avg Exit Price"], rtol=1e-12)
    np.testing.assert_allclose(trades.commission, expected["Entry Fees"] + expected["Exit Fees"], rtol=1e-9)
    np.testing.assert_allclose(trades.pnl, expected["PnL"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ours.equity, portfolio.value(), rtol=1e-9)
    assert ours.metrics["equity_final"] == pytest.approx(portfolio.final_value(), rel=1e-9)


def test_stop_case_exits_by_stop_target_and_signal():
    _, _, ours = run_both("stops", "GOOG", 0.002)
    reasons = ours.details["counts"]["exit_reasons"]
    assert min(reasons["stop_loss"], reasons["take_profit"], reasons["signal"]) > 3


@pytest.mark.parametrize("commission", [0.0, 0.002])
def test_end_of_data_close_is_vectorbts_open_value_less_the_fee(commission):
    df, portfolio, ours = run_both("sma_cross", "GOOG", commission, exit_at_end=False)
    expected = portfolio.trades.records_readable
    assert expected["Status"].iloc[-1] == "Open"
    trades = ours.simulation.trades
    assert ours.simulation.trades.exit_reason_names[-1] == "end_of_data"
    exit_fee = commission * abs(trades.units[-1]) * df.Close.iloc[-1]
    assert ours.metrics["equity_final"] == pytest.approx(portfolio.final_value() - exit_fee, rel=1e-9)
    np.testing.assert_allclose(ours.equity[:-1], portfolio.value()[:-1], rtol=1e-9)
