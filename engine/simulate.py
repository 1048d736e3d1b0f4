"""The trading simulation: turns per-bar signals into trades and an equity curve.

The loop is one numba kernel (compiled once, cached on disk). Semantics, per ARCHITECTURE §7, with every
detail §7 leaves open settled the way backtesting.py (0.6.6) behaves, so the two can be compared:

Timing
    Signals are decided at the close of bar i, looking at the position held at that moment.
    `fill="next_open"` fills them at the open of bar i+1; `fill="close"` fills them at the close of bar i
    (backtesting.py's `trade_on_close=True`). Signals decided on the last bar are not filled with
    `next_open` (there is no next bar); with `close`, exits on the last bar fill, entries are ignored
    (there would be nothing left to hold them for).

Warm-up
    There is no global warm-up period. A signal is decided from the first bar at which the inputs it
    depends on have values: an indicator has none (NaN) during its own warm-up, a comparison or crossing
    with a missing value is false, so each signal starts as soon as its own inputs allow, even while an
    indicator feeding only another signal is still warming up. backtesting.py instead calls `next()` only
    from the bar its slowest indicator has a value, for every signal alike; a strategy whose signals wait
    on indicators of different lengths can therefore trade earlier here. Buy & hold, in the metrics,
    starts at backtesting.py's point: the first bar at which every series the flow computed has a value
    (engine.backtest.warm_up_bars).

Entries, exits, reversals
    No pyramiding: an entry while a position is open is ignored. An exit of the held side together with
    an entry of the other side on one bar reverses the position: the old trade closes (exit reason
    "reversal") and the new one opens at the same fill price, sized on the equity after the close.
    An entry on a bar that also signals the exit of the same side is ignored, whether or not that side
    is held: in a position the exit wins (as in backtesting.py, where `if not self.position: self.buy()`
    still sees the position the exit is about to close); when flat the two signals conflict and nothing
    happens (vectorbt's default). Long and short entries on one bar conflict the same way. `direction`
    masks the signals of the side it excludes.

Prices, slippage, commission
    Every fill (entries, exits, stops, targets, the end-of-data close) moves `slippage_bps` against the
    trader: buys fill at price * (1 + bps/1e4), sells at price * (1 - bps/1e4). backtesting.py charges its
    `spread` on entries only, so the oracle tests run with zero slippage. Commission is
    `commission * |units| * fill price`, charged at entry and again at exit.

Sizing
    A position commits `size` (StrategySignals.position_size when the flow sets one, else the config's)
    of the equity at the fill, commission included: units = equity * size / (fill * (1 + commission)).
    With `whole_units` this is rounded down, as backtesting.py does for its fractional `size`
    (floor(cash * size / (price + price * commission))); an entry that cannot buy one unit is skipped
    and counted in `skipped_entries`.

Stops and targets
    Stop loss, take profit and trailing stop are fractions of the trade's entry (fill) price. They are
    checked inside every bar after the fill: with `next_open` that includes the rest of the entry bar
    itself (backtesting.py re-processes a new trade's SL/TP orders in the bar it opened); with `close`
    it starts at the following bar. A long stops out when the low reaches the level and fills at
    min(open, level), so a gap through it fills at the open; its target fills at max(open, level) when the
    high reaches it (mirrored for shorts). When stop and target both lie inside one bar, the stop is
    assumed hit first (backtesting.py processes SL orders before TP orders). A signal exit at the open
    comes before any intrabar stop.
    The trailing stop trails the highest close since entry for a long (lowest for a short), starting
    from the entry price, moved after each close and effective from the next price: backtesting.py's
    TrailingStrategy likewise moves `trade.sl` from the close in `next()`. When the fixed and trailing
    stops are both set, the tighter one is the stop and names the exit ("stop_loss" on a tie).

Equity
    Equity is cash plus the open position marked to each bar's close (backtesting.py's margin model: cash
    moves only by realised P&L and commissions). If it reaches zero or below at a close, the position is
    closed there (exit reason "liquidation"), equity stays 0 and the simulation stops, as backtesting.py
    stops a bankrupt run. A position still open after the last bar is closed at the last close (exit
    reason "end_of_data"), so the final equity is realised: it includes that exit's commission and
    slippage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from engine.bars import Bars
from engine.config import BacktestConfig
from engine.errors import ConfigError, DataError, Problem
from engine.signals import RISK_RANGES, StrategySignals

EXIT_REASONS = ("signal", "stop_loss", "take_profit", "trailing_stop", "reversal", "end_of_data", "liquidation")
SIGNAL, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, REVERSAL, END_OF_DATA, LIQUIDATION = range(len(EXIT_REASONS))
# Signals reach the kernel as one code per bar: a bit per signal, with the sides `direction` excludes cleared.
ENTRY_LONG_BIT, EXIT_LONG_BIT, ENTRY_SHORT_BIT, EXIT_SHORT_BIT = 1, 2, 4, 8
# Columns of the kernel's trade records.
_ENTRY_BAR, _EXIT_BAR, _ENTRY_PRICE, _EXIT_PRICE, _UNITS, _COMMISSION, _REASON = range(7)
_OPEN, _INSIDE, _CLOSE = range(3)  # the moments of a bar at which something can fill


@dataclass(frozen=True)
class Trades:
    """Closed trades as parallel arrays, in the order they closed. `units` is signed (negative = short);
    prices include slippage; `commission` is the trade's entry plus exit commission."""

    entry_bar: np.ndarray
    exit_bar: np.ndarray
    entry_price: np.ndarray
    exit_price: np.ndarray
    units: np.ndarray
    commission: np.ndarray
    exit_reason: np.ndarray

    def __len__(self) -> int:
        return len(self.entry_bar)

    @property
    def pnl(self) -> np.ndarray:
        """Profit or loss in cash, net of both commissions."""
        return self.units * (self.exit_price - self.entry_price) - self.commission

    @property
    def return_pct(self) -> np.ndarray:
        """Return on the entry notional in percent, net of commissions (backtesting.py's `ReturnPct` * 100)."""
        gross = np.sign(self.units) * (self.exit_price / self.entry_price - 1)
        return (gross - self.commission / (np.abs(self.units) * self.entry_price)) * 100

    @property
    def exit_reason_names(self) -> list[str]:
        return [EXIT_REASONS[code] for code in self.exit_reason]


@dataclass(frozen=True)
class Simulation:
    """What the simulation produced: per-bar equity (marked at each close), the closed trades, and counts.
    `fill` is the configuration's ("next_open" or "close"): when in its bars each trade entered and exited."""

    equity: np.ndarray
    trades: Trades
    initial_capital: float
    fill: str = "next_open"
    skipped_entries: int = 0
    liquidated_at: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def commissions(self) -> float:
        return float(self.trades.commission.sum())


def simulate(bars: Bars, signals: StrategySignals, config: BacktestConfig) -> Simulation:
    """Run the trading simulation of `signals` over `bars` under `config` (see the module docstring)."""
    n = len(bars)
    if n == 0:
        raise DataError(Problem(code="no_bars", message="There are no bars to backtest."))
    codes = _signal_codes(signals, n, config.direction)
    risk = _risk_settings(signals)
    # at most one trade per entry signal
    max_trades = int(np.count_nonzero(codes & (ENTRY_LONG_BIT | ENTRY_SHORT_BIT)))
    equity, records, skipped, liquidated = _run(
        _prices(bars.open),
        _prices(bars.high),
        _prices(bars.low),
        _prices(bars.close),
        codes,
        config.fill == "close",
        config.whole_units,
        config.initial_capital,
        config.commission,
        config.slippage_bps / 1e4,
        config.size if signals.position_size is None else signals.position_size,
        *risk,
        max_trades,
    )
    trades = Trades(
        entry_bar=records[:, _ENTRY_BAR].astype(np.int64),
        exit_bar=records[:, _EXIT_BAR].astype(np.int64),
        entry_price=records[:, _ENTRY_PRICE].copy(),
        exit_price=records[:, _EXIT_PRICE].copy(),
        units=records[:, _UNITS].copy(),
        commission=records[:, _COMMISSION].copy(),
        exit_reason=records[:, _REASON].astype(np.int8),
    )
    warnings = []
    if skipped:
        warnings.append(f"{skipped} entr{'y' if skipped == 1 else 'ies'} skipped: equity too small for one whole unit.")
    if liquidated >= 0:
        warnings.append(f"Equity reached zero at bar {liquidated}; the position was closed and trading stopped.")
    return Simulation(
        equity=equity,
        trades=trades,
        initial_capital=config.initial_capital,
        fill=config.fill,
        skipped_entries=int(skipped),
        liquidated_at=int(liquidated) if liquidated >= 0 else None,
        warnings=warnings,
    )


def _prices(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _signal_codes(signals: StrategySignals, n: int, direction: str) -> np.ndarray:
    """One uint8 per bar with a bit per signal; the signals of a side `direction` excludes are left out."""
    codes = np.zeros(n, dtype=np.uint8)
    problems = []
    sides = {"long": ("long",), "short": ("short",), "both": ("long", "short")}[direction]
    for name, bit in (
        ("entry_long", ENTRY_LONG_BIT),
        ("exit_long", EXIT_LONG_BIT),
        ("entry_short", ENTRY_SHORT_BIT),
        ("exit_short", EXIT_SHORT_BIT),
    ):
        values = np.asarray(getattr(signals, name))
        if values.shape != (n,):
            problems.append(
                Problem(
                    code="signal_length",
                    message=f"{name}: has shape {values.shape}, expected ({n},) to match the bars.",
                    field=name,
                )
            )
            continue
        if name.endswith(sides):
            np.bitwise_or(codes, bit, out=codes, where=values.astype(bool, copy=False))
    if problems:
        raise DataError(problems)
    return codes


def _risk_settings(signals: StrategySignals) -> tuple[float, float, float]:
    """Stop loss, take profit and trailing stop as fractions (NaN when unset), after checking them and the
    position size against RISK_RANGES (the ranges the node library's schemas declare)."""
    problems = []
    for name in ("stop_loss", "take_profit", "trailing_stop", "position_size"):
        value = getattr(signals, name)
        if value is not None and (message := RISK_RANGES[name].problem(name, value)):
            problems.append(Problem(code="out_of_range", message=message, field=name))
    if problems:
        raise ConfigError(problems)
    levels = (signals.stop_loss, signals.take_profit, signals.trailing_stop)
    stop_loss, take_profit, trailing_stop = (np.nan if value is None else float(value) for value in levels)
    return stop_loss, take_profit, trailing_stop


@njit(cache=True, nogil=True)
def _run(
    open_,
    high,
    low,
    close,
    codes,
    fill_close,
    whole_units,
    initial_capital,
    commission,
    slippage,
    size,
    stop_loss,
    take_profit,
    trailing_stop,
    max_trades,
):
    n = close.shape[0]
    equity = np.empty(n)
    trades = np.empty((max_trades, 7))
    count = 0
    skipped = 0
    liquidated = -1
    cash = initial_capital
    units = 0.0  # signed: > 0 long, < 0 short
    entry_price = 0.0
    entry_commission = 0.0
    entry_bar = 0
    sl = tp = trail = 0.0  # price levels of the open position; -inf / +inf where they can never trigger

    for j in range(n):
        for moment in range(3):
            do_exit = False
            exit_price = 0.0
            reason = SIGNAL
            side = 0
            price = 0.0
            if moment == _INSIDE:  # stops and targets, checked with this bar's range
                if units > 0:
                    stop = max(sl, trail)
                    if low[j] <= stop:
                        do_exit, exit_price = True, min(open_[j], stop)
                        reason = STOP_LOSS if sl >= trail else TRAILING_STOP
                    elif high[j] >= tp:
                        do_exit, exit_price, reason = True, max(open_[j], tp), TAKE_PROFIT
                elif units < 0:
                    stop = min(sl, trail)
                    if high[j] >= stop:
                        do_exit, exit_price = True, max(open_[j], stop)
                        reason = STOP_LOSS if sl <= trail else TRAILING_STOP
                    elif low[j] <= tp:
                        do_exit, exit_price, reason = True, min(open_[j], tp), TAKE_PROFIT
                if not do_exit:
                    continue
            else:  # signals decided at a close: the previous one at this open, or this one at this close
                if (moment == _CLOSE) != fill_close or (moment == _OPEN and j == 0):
                    continue
                code = codes[j - 1] if moment == _OPEN else codes[j]
                if code == 0:
                    continue
                price = open_[j] if moment == _OPEN else close[j]
                do_exit = (units > 0 and (code & EXIT_LONG_BIT) != 0) or (units < 0 and (code & EXIT_SHORT_BIT) != 0)
                if units != 0.0 and not do_exit:
                    continue  # no pyramiding, and no reversal without an exit
                # an entry needs no exit signal of its own side, nor an entry of the other side, on its bar
                enter_long = (code & (ENTRY_LONG_BIT | EXIT_LONG_BIT)) == ENTRY_LONG_BIT
                enter_short = (code & (ENTRY_SHORT_BIT | EXIT_SHORT_BIT)) == ENTRY_SHORT_BIT
                if enter_long != enter_short and not (moment == _CLOSE and j == n - 1):
                    side = 1 if enter_long else -1
                exit_price = price
                reason = REVERSAL if side != 0 else SIGNAL
            if do_exit:
                cash = _close(trades, count, j, exit_price, reason, cash, units, entry_price, entry_bar,
                              entry_commission, commission, slippage)  # fmt: skip
                count += 1
                units = 0.0
            if side != 0:
                fill = price * (1 + slippage) if side > 0 else price * (1 - slippage)
                qty = 0.0
                if cash > 0:
                    budget = cash * size  # flat, so the cash is the equity
                    unit_cost = fill + fill * commission
                    qty = budget // unit_cost if whole_units else budget / unit_cost
                if qty <= 0.0:
                    skipped += 1
                    continue
                entry_commission = qty * fill * commission
                cash -= entry_commission
                units = qty * side
                entry_price = fill
                entry_bar = j
                sl = fill * (1 - side * stop_loss) if stop_loss == stop_loss else -side * np.inf
                tp = fill * (1 + side * take_profit) if take_profit == take_profit else side * np.inf
                trail = fill * (1 - side * trailing_stop) if trailing_stop == trailing_stop else -side * np.inf

        equity[j] = cash + units * (close[j] - entry_price)
        if equity[j] <= 0:
            if units != 0.0:
                _close(trades, count, j, close[j], LIQUIDATION, cash, units, entry_price, entry_bar,
                       entry_commission, commission, slippage)  # fmt: skip
                count += 1
                units = 0.0
            equity[j:] = 0.0
            liquidated = j
            break
        if trailing_stop == trailing_stop:  # the trailing stop follows the close
            if units > 0:
                trail = max(trail, close[j] * (1 - trailing_stop))
            elif units < 0:
                trail = min(trail, close[j] * (1 + trailing_stop))

    if units != 0.0:
        cash = _close(trades, count, n - 1, close[n - 1], END_OF_DATA, cash, units, entry_price, entry_bar,
                      entry_commission, commission, slippage)  # fmt: skip
        count += 1
        equity[n - 1] = cash
    return equity, trades[:count], skipped, liquidated


@njit(cache=True, nogil=True)
def _close(trades, k, j, price, reason, cash, units, entry_price, entry_bar, entry_commission, commission, slippage):
    """Close the position at `price` in bar j (slippage applied here), record it as trade k; the new cash."""
    fill = price * (1 - slippage) if units > 0 else price * (1 + slippage)
    exit_commission = abs(units) * fill * commission
    trades[k, _ENTRY_BAR] = entry_bar
    trades[k, _EXIT_BAR] = j
    trades[k, _ENTRY_PRICE] = entry_price
    trades[k, _EXIT_PRICE] = fill
    trades[k, _UNITS] = units
    trades[k, _COMMISSION] = entry_commission + exit_commission
    trades[k, _REASON] = reason
    return cash + units * (fill - entry_price) - exit_commission
