"""The stored result of a quick test (`test_result`): curves, trades, counts and warnings, all JSON-ready.

- `equity_curve` / `drawdown_curve` are columnar: {"bar": [...], "time": [...], "equity": [...]} and
  {"bar": [...], "time": [...], "drawdown_pct": [...]}, downsampled to at most `max_points` points. Each
  curve keeps its first and last points and, in every bucket of bars between them, the bucket's lowest
  and highest values, so peaks, troughs and the maximum drawdown survive downsampling.
- `trades` lists every closed trade (see `trade_list`), with its run-up and drawdown (`trade_excursions`).
- `performance_summary` has TradingView's Performance Summary figures for all, long and short trades, and
  `returns` the returns by calendar month and year (engine.metrics.performance_summary / calendar_returns).
- `counts` has bars, trades, long/short, winning/losing trades, trades by exit reason, skipped entries
  and the number of bars with each signal.
- `warnings` are sentences for people: the evaluation's, the simulation's, and notes such as "no trades".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.bars import Bars
from engine.metrics import calendar_returns, iso_utc_array, performance_summary
from engine.signals import StrategySignals
from engine.simulate import END_OF_DATA, EXIT_REASONS, LIQUIDATION, REVERSAL, SIGNAL, Simulation

DEFAULT_MAX_POINTS = 1000


def test_result(
    bars: Bars, signals: StrategySignals, simulation: Simulation, *, max_points: int = DEFAULT_MAX_POINTS
) -> dict[str, Any]:
    """Everything a quick test shows beyond the headline metrics (see the module docstring)."""
    return {
        "equity_curve": equity_curve(bars, simulation.equity, max_points=max_points),
        "drawdown_curve": drawdown_curve(bars, simulation.equity, max_points=max_points),
        "trades": trade_list(bars, simulation),
        "performance_summary": performance_summary(simulation),
        "returns": calendar_returns(bars, simulation),
        "counts": counts(bars, signals, simulation),
        "warnings": result_warnings(signals, simulation),
    }


test_result.__test__ = False  # a result builder, not a pytest test


def equity_curve(bars: Bars, equity: np.ndarray, *, max_points: int = DEFAULT_MAX_POINTS) -> dict[str, list]:
    index = downsample_indices(equity, max_points)
    return {"bar": index.tolist(), "time": iso_utc_array(bars.timestamp[index]), "equity": equity[index].tolist()}


def drawdown_curve(bars: Bars, equity: np.ndarray, *, max_points: int = DEFAULT_MAX_POINTS) -> dict[str, list]:
    """Drawdown from the running equity peak, in percent (0 at a peak, negative below it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = np.nan_to_num((equity / np.maximum.accumulate(equity) - 1) * 100)
    index = downsample_indices(drawdown, max_points)
    return {
        "bar": index.tolist(),
        "time": iso_utc_array(bars.timestamp[index]),
        "drawdown_pct": drawdown[index].tolist(),
    }


def downsample_indices(values: np.ndarray, max_points: int = DEFAULT_MAX_POINTS) -> np.ndarray:
    """Sorted indices of at most `max_points` points of `values`: the first, the last, and the lowest and
    highest point of each of (max_points - 2) // 2 equal buckets in between (first occurrence on ties)."""
    n = len(values)
    if max_points < 4:
        raise ValueError(f"max_points must be at least 4, not {max_points}.")
    if n <= max_points:
        return np.arange(n)
    buckets = (max_points - 2) // 2
    inner = values[1 : n - 1]
    starts = np.linspace(0, len(inner), buckets + 1).astype(np.int64)[:-1]
    bucket_of = np.repeat(np.arange(buckets), np.diff(np.r_[starts, len(inner)]))
    picked = [np.array([0, n - 1])]
    for reduce in (np.minimum, np.maximum):
        extreme = reduce.reduceat(inner, starts)
        hits = np.flatnonzero(inner == extreme[bucket_of])
        _, first = np.unique(bucket_of[hits], return_index=True)
        picked.append(hits[first] + 1)
    return np.unique(np.concatenate(picked))


def trade_list(bars: Bars, simulation: Simulation) -> list[dict[str, Any]]:
    """Every closed trade: bars, times and prices of entry and exit, side, size (units), P&L (cash, net of
    commission), return % (net), commission, exit reason, duration in seconds, and its run-up and drawdown
    in money and in percent of the entry price (see `trade_excursions`)."""
    trades = simulation.trades
    if not len(trades):
        return []
    entry_time = iso_utc_array(bars.timestamp[trades.entry_bar])
    exit_time = iso_utc_array(bars.timestamp[trades.exit_bar])
    duration = (bars.timestamp[trades.exit_bar] - bars.timestamp[trades.entry_bar]) / 1e9
    run_up, drawdown = trade_excursions(bars, simulation)
    entry_value = np.abs(trades.units) * trades.entry_price
    columns = {
        "entry_bar": trades.entry_bar.tolist(),
        "exit_bar": trades.exit_bar.tolist(),
        "entry_time": entry_time,
        "exit_time": exit_time,
        "side": np.where(trades.units > 0, "long", "short").tolist(),
        "size": np.abs(trades.units).tolist(),
        "entry_price": trades.entry_price.tolist(),
        "exit_price": trades.exit_price.tolist(),
        "pnl": trades.pnl.tolist(),
        "return_pct": trades.return_pct.tolist(),
        "commission": trades.commission.tolist(),
        "exit_reason": trades.exit_reason_names,
        "duration_seconds": duration.tolist(),
        "run_up": run_up.tolist(),
        "run_up_pct": (run_up / entry_value * 100).tolist(),
        "drawdown": drawdown.tolist(),
        "drawdown_pct": (drawdown / entry_value * 100).tolist(),
    }
    keys = tuple(columns)
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def trade_excursions(bars: Bars, simulation: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """Each trade's run-up (maximum favourable excursion, >= 0) and drawdown (maximum adverse excursion, <= 0)
    in money: size * (the best / the worst price it was exposed to - entry price), for a short the other way
    round; before commission. TradingView's "Run-up" and "Drawdown" of its List of Trades, whose percent forms
    (of the entry price) `trade_list` adds.

    The prices a trade was exposed to are its entry and exit fills and the highs and lows of the bars it held
    after its fill and until its exit:
    - the entry bar counts whole when the trade filled at its open (fill "next_open"), not at all when it filled
      at its close (fill "close");
    - the exit bar counts whole when the trade closed at its close (a signal or reversal with fill "close",
      end of data, liquidation); when it closed at the open (a signal or reversal with fill "next_open") or
      inside the bar (stop loss, take profit, trailing stop), only the bar's open and the exit fill count: the
      price is taken to have gone straight from the open to the exit, as the simulation takes it to.
    """
    trades = simulation.trades
    fill_close = simulation.fill == "close"
    reason = trades.exit_reason
    at_close = (
        (reason == END_OF_DATA) | (reason == LIQUIDATION) | (fill_close & ((reason == SIGNAL) | (reason == REVERSAL)))
    )
    first = trades.entry_bar + int(fill_close)
    last = np.where(at_close, trades.exit_bar, trades.exit_bar - 1)
    held = first <= last
    high, low = np.asarray(bars.high, dtype=np.float64), np.asarray(bars.low, dtype=np.float64)
    n = len(high)
    # the extremes over high[first:last+1] for each trade; reduceat's slots between trades are discarded
    bounds = np.minimum(np.column_stack((first, last + 1)).ravel(), n)
    highest = np.where(held, np.maximum.reduceat(np.r_[high, -np.inf], bounds)[::2], -np.inf)
    lowest = np.where(held, np.minimum.reduceat(np.r_[low, np.inf], bounds)[::2], np.inf)
    exit_open = np.asarray(bars.open, dtype=np.float64)[trades.exit_bar]
    exit_path = np.where(at_close, trades.exit_price, exit_open)  # a whole exit bar is in highest/lowest already
    points = np.column_stack((trades.entry_price, trades.exit_price, exit_path))
    highest = np.maximum(highest, points.max(axis=1))
    lowest = np.minimum(lowest, points.min(axis=1))
    long = trades.units > 0
    # + 0.0 turns the -0.0 of a short without excursion into 0.0
    run_up = trades.units * (np.where(long, highest, lowest) - trades.entry_price) + 0.0
    drawdown = trades.units * (np.where(long, lowest, highest) - trades.entry_price) + 0.0
    return run_up, drawdown


def counts(bars: Bars, signals: StrategySignals, simulation: Simulation) -> dict[str, Any]:
    trades = simulation.trades
    pnl = trades.pnl
    by_reason = np.bincount(trades.exit_reason.astype(np.int64), minlength=len(EXIT_REASONS))
    return {
        "bars": len(bars),
        "trades": len(trades),
        "long_trades": int(np.count_nonzero(trades.units > 0)),
        "short_trades": int(np.count_nonzero(trades.units < 0)),
        "winning_trades": int(np.count_nonzero(pnl > 0)),
        "losing_trades": int(np.count_nonzero(pnl < 0)),
        "exit_reasons": {reason: int(count) for reason, count in zip(EXIT_REASONS, by_reason, strict=True)},
        "skipped_entries": simulation.skipped_entries,
        "signal_bars": {
            name: int(np.count_nonzero(getattr(signals, name)))
            for name in ("entry_long", "exit_long", "entry_short", "exit_short")
        },
    }


def result_warnings(signals: StrategySignals, simulation: Simulation) -> list[str]:
    warnings = [*signals.warnings, *simulation.warnings]
    trades = simulation.trades
    if not len(trades):
        warnings.append("No trades: the entry conditions were never met (or never filled) on these bars.")
    elif trades.exit_reason[-1] == END_OF_DATA:
        warnings.append("The position still open at the end was closed at the last close (exit reason end_of_data).")
    return warnings
