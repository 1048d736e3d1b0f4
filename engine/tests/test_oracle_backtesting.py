"""Our simulation and metrics against backtesting.py 0.6.6, the reference our quick tests document.

Each case runs one strategy twice: as an idiomatic backtesting.py Strategy (TA-Lib indicators through
`self.I`, `backtesting.lib.crossover`, `buy`/`sell`/`position.close`) and as StrategySignals computed with
the same TA-Lib indicators, run through `run_signals`. Fills are at the next open on both sides.

Conventions are aligned, not assumed:
- sizing: backtesting.py's fractional `size` buys whole units with that fraction of the available cash, commission
  included (floor(cash * size / (price + price * commission))), so our side runs with `whole_units=True` and the
  same `size`. A size of exactly 1 means "one unit" to backtesting.py, so the cases use 0.95.
- commission: both charge a fraction of the traded notional on entry and on exit.
- slippage: backtesting.py's `spread` is charged on entries only, ours on every fill, so both run with none.
- the end: backtesting.py leaves a position open at the end out of its trades (or, with `finalize_trades`, closes
  it at the last bar's open), while we close it at the last close. Both strategies therefore close any position
  on the second-to-last bar, so that it fills at the last bar's open on both sides.
- stop loss / take profit / trailing stop: ours are fractions of the entry price; backtesting.py takes price levels when the order
  is placed. The backtesting.py strategy derives them from the next bar's open (its entry price, since fills are at
  the next open without spread), which it reads from the full data: a test-only look-ahead that reproduces
  "a fraction of the entry price" exactly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import talib
from backtesting import Backtest, Strategy
from backtesting._util import _indicator_warmup_nbars
from backtesting.lib import crossover
from backtesting.test import EURUSD, GOOG

from engine.backtest import run_signals
from engine.bars import Bars
from engine.metrics import BACKTESTING_PY_NAMES, metrics_summary
from engine.signals import StrategySignals
from engine.synthetic import generate_bars

SIZE = 0.95
REL = 1e-9


def bars_of(df: pd.DataFrame) -> Bars:
    ts = df.index.as_unit("ns").asi8
    return Bars(*(np.ascontiguousarray(v) for v in (ts, df.Open, df.High, df.Low, df.Close, df.Volume)))


def frame_of(bars: Bars) -> pd.DataFrame:
    index = pd.DatetimeIndex(bars.timestamp.astype("datetime64[ns]"))
    columns = {"Open": bars.open, "High": bars.high, "Low": bars.low, "Close": bars.close, "Volume": bars.volume}
    return pd.DataFrame(columns, index=index)


def crosses_above(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """backtesting.lib.crossover at every bar: a[i-1] < b[i-1] and a[i] > b[i]."""
    out = np.zeros(len(a), dtype=bool)
    out[1:] = (a[:-1] < b[:-1]) & (a[1:] > b[1:])
    return out


def generated_frame(n: int, seed: int) -> pd.DataFrame:
    return frame_of(generate_bars(n, seed=seed, freq="1D"))


DATASETS = {
    "GOOG": lambda: GOOG,
    "EURUSD": lambda: EURUSD,
    "generated": lambda: generated_frame(3000, seed=7),
}
# Stop loss and take profit per dataset, wide enough for signal exits and tight enough for stops and targets
# to close trades too (hourly EURUSD barely moves half a percent).
STOPS = {"GOOG": (0.05, 0.15), "EURUSD": (0.004, 0.008), "generated": (0.05, 0.15)}
TRAILING = {"GOOG": 0.08, "EURUSD": 0.005, "generated": 0.08}


class SignalStrategy(Strategy):
    """Base: SMA crossover indicators, and a forced close on the second-to-last bar (see the module docstring)."""

    fast = 10
    slow = 30
    last_decision_bar = 0

    def init(self):
        close = self.data.Close
        self.sma_fast = self.I(talib.SMA, close, self.fast)
        self.sma_slow = self.I(talib.SMA, close, self.slow)

    def at_end(self) -> bool:
        if len(self.data) - 1 >= self.last_decision_bar:
            self.position.close()
            return True
        return False


class SmaCross(SignalStrategy):
    def next(self):
        if self.at_end():
            return
        if self.position and crossover(self.sma_slow, self.sma_fast):
            self.position.close()
        elif not self.position and crossover(self.sma_fast, self.sma_slow):
            self.buy(size=SIZE)


class SmaCrossRsi(SignalStrategy):
    rsi_period = 14
    rsi_max = 60

    def init(self):
        super().init()
        self.rsi = self.I(talib.RSI, self.data.Close, self.rsi_period)

    def next(self):
        if self.at_end():
            return
        if self.position and crossover(self.sma_slow, self.sma_fast):
            self.position.close()
        elif not self.position and crossover(self.sma_fast, self.sma_slow) and self.rsi[-1] < self.rsi_max:
            self.buy(size=SIZE)


class SmaCrossRsiStops(SmaCrossRsi):
    stop_loss = 0.0
    take_profit = 0.0
    next_open: np.ndarray = np.empty(0)

    def next(self):
        if self.at_end():
            return
        if self.position and crossover(self.sma_slow, self.sma_fast):
            self.position.close()
        elif not self.position and crossover(self.sma_fast, self.sma_slow) and self.rsi[-1] < self.rsi_max:
            entry = self.next_open[len(self.data) - 1]
            self.buy(size=SIZE, sl=entry * (1 - self.stop_loss), tp=entry * (1 + self.take_profit))


class SmaCrossTrailing(SignalStrategy):
    """A trailing stop as backtesting.lib.TrailingStrategy moves one: `trade.sl` raised from each close in
    `next()`, effective from the next bar; its first level is a fraction below the entry price."""

    trailing_stop = 0.0
    next_open: np.ndarray = np.empty(0)

    def next(self):
        for trade in self.trades:
            trade.sl = max(trade.sl, self.data.Close[-1] * (1 - self.trailing_stop))
        if self.at_end():
            return
        if self.position and crossover(self.sma_slow, self.sma_fast):
            self.position.close()
        elif not self.position and crossover(self.sma_fast, self.sma_slow):
            entry = self.next_open[len(self.data) - 1]
            self.buy(size=SIZE, sl=entry * (1 - self.trailing_stop))


class Reversal(SignalStrategy):
    def next(self):
        if self.at_end():
            return
        if crossover(self.sma_fast, self.sma_slow):
            self.position.close()
            self.buy(size=SIZE)
        elif crossover(self.sma_slow, self.sma_fast):
            self.position.close()
            self.sell(size=SIZE)


def our_signals(strategy: type[SignalStrategy], bars: Bars, params: dict) -> StrategySignals:
    """The same strategy as StrategySignals, from the same TA-Lib indicators."""
    n = len(bars)
    fast = talib.SMA(bars.close, strategy.fast)
    slow = talib.SMA(bars.close, strategy.slow)
    up, down = crosses_above(fast, slow), crosses_above(slow, fast)
    none = np.zeros(n, dtype=bool)
    risk = {}
    if strategy is Reversal:
        signals = {"entry_long": up, "exit_long": down, "entry_short": down, "exit_short": up}
    else:
        entry = up
        if issubclass(strategy, SmaCrossRsi):
            with np.errstate(invalid="ignore"):
                entry = up & (talib.RSI(bars.close, strategy.rsi_period) < strategy.rsi_max)
        signals = {"entry_long": entry, "exit_long": down.copy(), "entry_short": none, "exit_short": none.copy()}
        if strategy is SmaCrossRsiStops:
            risk = {"stop_loss": params["stop_loss"], "take_profit": params["take_profit"]}
        if strategy is SmaCrossTrailing:
            risk = {"trailing_stop": params["trailing_stop"]}
    for name in signals:
        signals[name] = signals[name].copy()
        signals[name][params["last_decision_bar"] :] = name.startswith("exit")
    return StrategySignals(**signals, **risk)


def run_both(strategy: type[SignalStrategy], dataset: str, *, commission: float):
    df = DATASETS[dataset]()
    cash = 1_000_000 if dataset == "EURUSD" else 100_000
    bars = bars_of(df)
    params = {"last_decision_bar": len(df) - 2}
    if strategy in (SmaCrossRsiStops, SmaCrossTrailing):
        params["next_open"] = np.r_[df.Open.to_numpy()[1:], np.nan]
    if strategy is SmaCrossRsiStops:
        params["stop_loss"], params["take_profit"] = STOPS[dataset]
    if strategy is SmaCrossTrailing:
        params["trailing_stop"] = TRAILING[dataset]
    backtest = Backtest(df, strategy, cash=cash, commission=commission, finalize_trades=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = backtest.run(**params)
    config = {
        "initial_capital": cash,
        "commission": commission,
        "size": SIZE,
        "whole_units": True,
        "direction": "both" if strategy is Reversal else "long",
    }
    ours = run_signals(bars, our_signals(strategy, bars, params), config)
    return bars, stats, ours


CASES = [
    pytest.param(strategy, dataset, commission, id=f"{strategy.__name__}-{dataset}-c{commission}")
    for strategy in (SmaCross, SmaCrossRsi, SmaCrossRsiStops, SmaCrossTrailing, Reversal)
    for dataset in DATASETS
    for commission in (0.0, 0.002)
]


@pytest.mark.parametrize(("strategy", "dataset", "commission"), CASES)
def test_trades_and_equity_match_backtesting_py(strategy, dataset, commission):
    _, stats, ours = run_both(strategy, dataset, commission=commission)
    expected = stats._trades
    trades = ours.simulation.trades

    assert len(trades) == len(expected) > 5
    np.testing.assert_array_equal(trades.entry_bar, expected.EntryBar)
    np.testing.assert_array_equal(trades.exit_bar, expected.ExitBar)
    np.testing.assert_array_equal(trades.units, expected.Size)
    np.testing.assert_allclose(trades.entry_price, expected.EntryPrice, rtol=1e-12)
    np.testing.assert_allclose(trades.exit_price, expected.ExitPrice, rtol=1e-12)
    np.testing.assert_allclose(trades.commission, expected.Commission, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(trades.pnl, expected.PnL, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(trades.return_pct, expected.ReturnPct * 100, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.equity, stats._equity_curve.Equity, rtol=REL)
    assert ours.metrics["equity_final"] == pytest.approx(stats["Equity Final [$]"], rel=REL)


@pytest.mark.parametrize("dataset", DATASETS)
def test_stop_loss_and_take_profit_both_fire_in_the_oracle_runs(dataset):
    """The stop case is only a test of stops if stops, targets and signals all close trades."""
    _, _, ours = run_both(SmaCrossRsiStops, dataset, commission=0.002)
    reasons = ours.details["counts"]["exit_reasons"]
    assert reasons["stop_loss"] > 3
    assert reasons["take_profit"] > 3
    assert reasons["signal"] > 3


@pytest.mark.parametrize("dataset", DATASETS)
def test_trailing_stop_and_signals_both_close_trades_in_the_oracle_runs(dataset):
    _, _, ours = run_both(SmaCrossTrailing, dataset, commission=0.002)
    reasons = ours.details["counts"]["exit_reasons"]
    assert min(reasons["trailing_stop"], reasons["signal"]) > 3


def test_reversal_trades_alternate_sides_like_backtesting_py():
    _, _, ours = run_both(Reversal, "GOOG", commission=0.001)
    sides = np.sign(ours.simulation.trades.units)
    assert set(sides) == {-1.0, 1.0}
    np.testing.assert_array_equal(sides[1:], -sides[:-1])
    assert ours.details["counts"]["exit_reasons"]["reversal"] == len(sides) - 1


METRIC_CASES = [
    pytest.param(strategy, dataset, id=f"{strategy.__name__}-{dataset}")
    for strategy in (SmaCross, SmaCrossRsiStops, SmaCrossTrailing, Reversal)
    for dataset in DATASETS
]


@pytest.mark.parametrize(("strategy", "dataset"), METRIC_CASES)
def test_metrics_match_backtesting_py_stats(strategy, dataset):
    """Every figure of metrics_summary equals backtesting.py's, given its buy & hold start (indicator warm-up).

    Durations are compared in seconds; backtesting.py omits "Commissions [$]" when they are zero.
    """
    bars, stats, ours = run_both(strategy, dataset, commission=0.001)
    ours_metrics = metrics_summary(bars, ours.simulation, first_trading_bar=_indicator_warmup_nbars(stats._strategy))
    for key, name in BACKTESTING_PY_NAMES.items():
        expected = stats[name]
        got = ours_metrics[key]
        if isinstance(expected, pd.Timestamp):
            assert got == expected.tz_localize("UTC").isoformat().replace("+00:00", "Z"), key
        elif isinstance(expected, pd.Timedelta):
            assert got == pytest.approx(expected.total_seconds(), rel=1e-12), key
        elif expected is None or (isinstance(expected, float) and not np.isfinite(expected)):
            assert got is None, key
        else:
            assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-9), key


def test_sharpe_and_sortino_use_the_risk_free_rate_like_backtesting_py():
    df = GOOG
    bars, stats, ours = run_both(SmaCross, "GOOG", commission=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from backtesting._stats import compute_stats

        expected = compute_stats(
            stats._trades, stats._equity_curve.Equity.to_numpy(), df, stats._strategy, risk_free_rate=0.03
        )
    got = metrics_summary(bars, ours.simulation, risk_free_rate=0.03)
    assert got["sharpe_ratio"] == pytest.approx(expected["Sharpe Ratio"], rel=1e-9)
    assert got["sortino_ratio"] == pytest.approx(expected["Sortino Ratio"], rel=1e-9)
    assert got["alpha_pct"] != metrics_summary(bars, ours.simulation)["alpha_pct"]
