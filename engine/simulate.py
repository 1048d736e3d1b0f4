"""The trading simulation: turns per-bar signals into trades and an equity curve.

The loop is one numba kernel (compiled once, cached on disk). Semantics, per ARCHITECTURE §7, with every
detail §7 leaves open settled the way backtesting.py (0.6.6) behaves, so the two can be compared:

Timing
    Signals are decided at the close of bar i, looking at the position held at that moment.
    `fill="next_open"` fills them at the open of bar i+1; `fill="close"` fills them at the close of bar i
    (backtesting.py's `trade_on_close=True`). Signals decided on the last bar are not filled with
    `next_open` (there is no next bar); with `close`, exits on the last bar fill, entries are ignored
    (there would be nothing left to hold them for).

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
from engine.signals import StrategySignals

EXIT_REASONS = ("signal", "stop_loss", "take_profit", "trailing_stop", "reversal", "end_of_data", "liquidation")
SIGNAL, STOP_LOSS, TAKE_PROFIT, TRAILING_STOP, REVERSAL, END_OF_DATA, LIQUIDATION = range(len(EXIT_REASONS))


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
    """What the simulation produced: per-bar equity (marked at each close), the closed trades, and counts."""

    equity: np.ndarray
    trades: Trades
    initial_capital: float
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
    arrays = _signal_arrays(signals, n)
    risk = _risk_settings(signals)
    allow_long = config.direction in ("long", "both")
    allow_short = config.direction in ("short", "both")
    max_trades = int(allow_long) * int(np.count_nonzero(arrays[0])) + int(allow_short) * int(
        np.count_nonzero(arrays[2])
    )
    out = _run(
        _prices(bars.open),
        _prices(bars.high),
        _prices(bars.low),
        _prices(bars.close),
        *arrays,
        allow_long,
        allow_short,
        config.fill == "close",
        config.whole_units,
        config.initial_capital,
        config.commission,
        config.slippage_bps / 1e4,
        config.size if signals.position_size is None else signals.position_size,
        *risk,
        max_trades,
    )
    equity, tf, ti, count, skipped, liquidated = out
    trades = Trades(
        entry_bar=ti[:count, _T_ENTRY_BAR].copy(),
        exit_bar=ti[:count, _T_EXIT_BAR].copy(),
        entry_price=tf[:count, _T_ENTRY_PRICE].copy(),
        exit_price=tf[:count, _T_EXIT_PRICE].copy(),
        units=tf[:count, _T_UNITS].copy(),
        commission=tf[:count, _T_COMMISSION].copy(),
        exit_reason=ti[:count, _T_REASON].astype(np.int8),
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
        skipped_entries=int(skipped),
        liquidated_at=int(liquidated) if liquidated >= 0 else None,
        warnings=warnings,
    )


def _prices(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _signal_arrays(signals: StrategySignals, n: int) -> tuple[np.ndarray, ...]:
    arrays = []
    problems = []
    for name in ("entry_long", "exit_long", "entry_short", "exit_short"):
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
        arrays.append(np.ascontiguousarray(values, dtype=np.bool_))
    if problems:
        raise DataError(problems)
    return tuple(arrays)


def _risk_settings(signals: StrategySignals) -> tuple[float, float, float]:
    """Stop loss, take profit and trailing stop as fractions (NaN when unset), after checking their ranges."""
    problems = []
    values = []
    for name, upper in (("stop_loss", 1.0), ("take_profit", np.inf), ("trailing_stop", 1.0)):
        value = getattr(signals, name)
        if value is None:
            values.append(np.nan)
            continue
        if not (0 < value < upper):
            bound = "between 0 and 1 (exclusive)" if upper == 1.0 else "greater than 0"
            problems.append(Problem(code="out_of_range", message=f"{name}: must be {bound}, not {value}.", field=name))
        values.append(float(value))
    size = signals.position_size
    if size is not None and not (0 < size <= 1):
        problems.append(
            Problem(
                code="out_of_range", message=f"position_size: must be in (0, 1], not {size}.", field="position_size"
            )
        )
    if problems:
        raise ConfigError(problems)
    return values[0], values[1], values[2]


# Kernel state, kept in two small arrays so the helpers below can update it in place.
_CASH, _UNITS, _ENTRY_PRICE, _ENTRY_COMMISSION, _SL, _TP, _TRAIL = range(7)  # float state
_ENTRY_BAR, _COUNT, _SKIPPED = range(3)  # int state
_T_ENTRY_PRICE, _T_EXIT_PRICE, _T_UNITS, _T_COMMISSION = range(4)  # float trade columns
_T_ENTRY_BAR, _T_EXIT_BAR, _T_REASON = range(3)  # int trade columns


@njit(cache=True, nogil=True)
def _run(
    open_,
    high,
    low,
    close,
    entry_long,
    exit_long,
    entry_short,
    exit_short,
    allow_long,
    allow_short,
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
    tf = np.empty((max_trades, 4))
    ti = np.empty((max_trades, 3), np.int64)
    st = np.zeros(7)
    ist = np.zeros(3, np.int64)
    st[_CASH] = initial_capital
    risk = (stop_loss, take_profit, trailing_stop)
    liquidated = -1
    for j in range(n):
        if not fill_close:
            if j > 0:
                _act(
                    st,
                    ist,
                    tf,
                    ti,
                    j,
                    j - 1,
                    open_[j],
                    entry_long,
                    exit_long,
                    entry_short,
                    exit_short,
                    allow_long,
                    allow_short,
                    True,
                    whole_units,
                    commission,
                    slippage,
                    size,
                    risk,
                )
            if st[_UNITS] != 0.0:
                _check_stops(st, ist, tf, ti, j, open_[j], high[j], low[j], commission, slippage)
        else:
            if st[_UNITS] != 0.0:
                _check_stops(st, ist, tf, ti, j, open_[j], high[j], low[j], commission, slippage)
            _act(
                st,
                ist,
                tf,
                ti,
                j,
                j,
                close[j],
                entry_long,
                exit_long,
                entry_short,
                exit_short,
                allow_long,
                allow_short,
                j < n - 1,
                whole_units,
                commission,
                slippage,
                size,
                risk,
            )
        units = st[_UNITS]
        equity[j] = st[_CASH] + units * (close[j] - st[_ENTRY_PRICE])
        if equity[j] <= 0:
            if units != 0.0:
                _exit(st, ist, tf, ti, j, close[j], LIQUIDATION, commission, slippage)
            equity[j:] = 0.0
            liquidated = j
            break
        if trailing_stop != trailing_stop:  # unset (NaN)
            continue
        if units > 0:
            st[_TRAIL] = max(st[_TRAIL], close[j] * (1 - trailing_stop))
        elif units < 0:
            st[_TRAIL] = min(st[_TRAIL], close[j] * (1 + trailing_stop))
    if st[_UNITS] != 0.0:
        _exit(st, ist, tf, ti, n - 1, close[n - 1], END_OF_DATA, commission, slippage)
        equity[n - 1] = st[_CASH]
    return equity, tf, ti, ist[_COUNT], ist[_SKIPPED], liquidated


@njit(cache=True, nogil=True)
def _act(
    st,
    ist,
    tf,
    ti,
    j,
    i,
    price,
    entry_long,
    exit_long,
    entry_short,
    exit_short,
    allow_long,
    allow_short,
    may_enter,
    whole_units,
    commission,
    slippage,
    size,
    risk,
):
    """Fill at `price` (bar j) what the signals decided at the close of bar i: exit, entry or reversal."""
    units = st[_UNITS]
    enter_long = allow_long and entry_long[i] and not exit_long[i]
    enter_short = allow_short and entry_short[i] and not exit_short[i]
    if enter_long and enter_short:  # conflicting entries: neither
        enter_long = enter_short = False
    exit_now = (units > 0 and allow_long and exit_long[i]) or (units < 0 and allow_short and exit_short[i])
    if units != 0.0 and not exit_now:
        return  # no pyramiding, and no reversal without an exit
    side = 1 if enter_long else (-1 if enter_short else 0)
    if not may_enter:
        side = 0
    if exit_now:
        _exit(st, ist, tf, ti, j, price, REVERSAL if side != 0 else SIGNAL, commission, slippage)
    if side != 0:
        _enter(st, ist, j, side, price, whole_units, commission, slippage, size, risk)


@njit(cache=True, nogil=True)
def _enter(st, ist, j, side, price, whole_units, commission, slippage, size, risk):
    """Open a position of `side` (+1 long, -1 short) at `price` (slippage applied here), sized on the cash."""
    fill = price * (1 + slippage) if side > 0 else price * (1 - slippage)
    cash = st[_CASH]  # flat, so cash is the equity
    qty = 0.0
    if cash > 0:
        qty = (cash * size) // (fill + fill * commission) if whole_units else (cash * size) / (fill + fill * commission)
    if qty <= 0.0:
        ist[_SKIPPED] += 1
        return
    stop_loss, take_profit, trailing_stop = risk
    st[_ENTRY_COMMISSION] = qty * fill * commission
    st[_CASH] = cash - st[_ENTRY_COMMISSION]
    st[_UNITS] = qty * side
    st[_ENTRY_PRICE] = fill
    ist[_ENTRY_BAR] = j
    # Unset levels become -inf / +inf on the side where they can never trigger (NaN != NaN tests "unset").
    st[_SL] = fill * (1 - side * stop_loss) if stop_loss == stop_loss else -side * np.inf
    st[_TP] = fill * (1 + side * take_profit) if take_profit == take_profit else side * np.inf
    st[_TRAIL] = fill * (1 - side * trailing_stop) if trailing_stop == trailing_stop else -side * np.inf


@njit(cache=True, nogil=True)
def _check_stops(st, ist, tf, ti, j, open_, high, low, commission, slippage):
    """Exit inside bar j if the stop (fixed or trailing, the tighter) or the target is reached; stop first."""
    units = st[_UNITS]
    sl, tp, trail = st[_SL], st[_TP], st[_TRAIL]
    if units > 0:
        stop = max(sl, trail)
        if low <= stop:
            _exit(
                st, ist, tf, ti, j, min(open_, stop), STOP_LOSS if sl >= trail else TRAILING_STOP, commission, slippage
            )
        elif high >= tp:
            _exit(st, ist, tf, ti, j, max(open_, tp), TAKE_PROFIT, commission, slippage)
    else:
        stop = min(sl, trail)
        if high >= stop:
            _exit(
                st, ist, tf, ti, j, max(open_, stop), STOP_LOSS if sl <= trail else TRAILING_STOP, commission, slippage
            )
        elif low <= tp:
            _exit(st, ist, tf, ti, j, min(open_, tp), TAKE_PROFIT, commission, slippage)


@njit(cache=True, nogil=True)
def _exit(st, ist, tf, ti, j, price, reason, commission, slippage):
    """Close the open position at `price` (slippage applied here) in bar j and record the trade."""
    units = st[_UNITS]
    fill = price * (1 - slippage) if units > 0 else price * (1 + slippage)
    exit_commission = abs(units) * fill * commission
    st[_CASH] += units * (fill - st[_ENTRY_PRICE]) - exit_commission
    k = ist[_COUNT]
    tf[k, _T_ENTRY_PRICE] = st[_ENTRY_PRICE]
    tf[k, _T_EXIT_PRICE] = fill
    tf[k, _T_UNITS] = units
    tf[k, _T_COMMISSION] = st[_ENTRY_COMMISSION] + exit_commission
    ti[k, _T_ENTRY_BAR] = ist[_ENTRY_BAR]
    ti[k, _T_EXIT_BAR] = j
    ti[k, _T_REASON] = reason
    ist[_COUNT] = k + 1
    st[_UNITS] = 0.0
