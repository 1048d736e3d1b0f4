"""Candles for charts: a range of bars aggregated into at most `max_points` calendar-aligned candles.

The candle interval is the finest of a ladder of chart timeframes (1s ... 1m, 5m, 15m, 1h, 4h, 1D, 1W, 1M,
3M, 1Y ...) whose buckets in the range number at most `max_points`; a range of at most `max_points` bars is
returned as the bars themselves. Buckets are calendar-aligned (UTC: minutes and hours on the clock, days at
midnight, weeks on Monday, months and years on their first day), not runs of so many bars, because:

- a candle is one the trader knows ("4h"), as TradingView and every exchange draws them;
- its edges are fixed in time, so panning or zooming at the same interval redraws the same candles;
- a gap in the data (a weekend, a halt) ends a candle instead of being hidden inside one.

Each candle has the first open, the highest high, the lowest low, the last close and the summed volume of
its bars, and the timestamp of its first bar. Only the bucket edges are searched for (O(max_points log n));
the prices are reduced in one pass each with numpy's `reduceat`, so a million bars take a few milliseconds.
Plain numpy: no Django here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.bars import Bars

NS_PER_SECOND = 1_000_000_000
_MONDAY_OFFSET_NS = 4 * 86_400 * NS_PER_SECOND  # 1970-01-01 was a Thursday; weeks start on Monday 1970-01-05
_EPOCH_MONTH = 1970 * 12

# (label, seconds) for fixed intervals, then (label, months) for calendar months and years.
_FIXED = (
    ("1s", 1),
    ("5s", 5),
    ("15s", 15),
    ("30s", 30),
    ("1m", 60),
    ("2m", 120),
    ("3m", 180),
    ("5m", 300),
    ("10m", 600),
    ("15m", 900),
    ("30m", 1_800),
    ("1h", 3_600),
    ("2h", 7_200),
    ("4h", 14_400),
    ("6h", 21_600),
    ("12h", 43_200),
    ("1D", 86_400),
    ("1W", 7 * 86_400),
)
_MONTHLY = (
    ("1M", 1),
    ("3M", 3),
    ("6M", 6),
    ("1Y", 12),
    ("2Y", 24),
    ("5Y", 60),
    ("10Y", 120),
    ("25Y", 300),
    ("50Y", 600),
    ("100Y", 1_200),
    ("250Y", 3_000),
    ("1000Y", 12_000),  # int64 nanoseconds span 1677-2262: at most two such buckets
)


@dataclass(frozen=True)
class Candles:
    """Columns of candles; `time` in UTC epoch seconds. `interval` is the candle's timeframe label ("4h"),
    None when each candle is one bar."""

    time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    interval: str | None

    def __len__(self) -> int:
        return len(self.time)


def candles(bars: Bars, *, max_points: int) -> Candles:
    """At most `max_points` (>= 2) candles of `bars`, as the module docstring describes."""
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    timestamps = bars.timestamp
    if len(bars) <= max_points and np.all(np.diff(seconds := timestamps // NS_PER_SECOND) > 0):
        return Candles(seconds, bars.open, bars.high, bars.low, bars.close, bars.volume, interval=None)
    label, edges = _interval(int(timestamps[0]), int(timestamps[-1]), max_points)
    starts = np.searchsorted(timestamps, edges, side="left")
    starts = np.concatenate(([0], starts))
    starts = starts[np.concatenate(([True], np.diff(starts) > 0))]  # a bucket without bars has no candle
    ends = np.append(starts[1:], len(bars)) - 1
    return Candles(
        time=timestamps[starts] // NS_PER_SECOND,
        open=bars.open[starts],
        high=np.maximum.reduceat(bars.high, starts),
        low=np.minimum.reduceat(bars.low, starts),
        close=bars.close[ends],
        volume=np.add.reduceat(bars.volume, starts),
        interval=label,
    )


def _interval(first: int, last: int, max_points: int) -> tuple[str, np.ndarray]:
    """The finest interval with at most `max_points` buckets from `first` to `last` (ns), and the start of
    every bucket after the first one (ns)."""
    for label, seconds in _FIXED:
        width = seconds * NS_PER_SECOND
        offset = _MONDAY_OFFSET_NS if label == "1W" else 0
        first_bucket, last_bucket = (first - offset) // width, (last - offset) // width
        if last_bucket - first_bucket + 1 <= max_points:
            return label, np.arange(first_bucket + 1, last_bucket + 1, dtype=np.int64) * width + offset
    first_month, last_month = (_calendar_month(moment) for moment in (first, last))
    for label, months in _MONTHLY:
        first_bucket, last_bucket = first_month // months, last_month // months
        if last_bucket - first_bucket + 1 <= max_points:
            month_starts = np.arange(first_bucket + 1, last_bucket + 1, dtype=np.int64) * months - _EPOCH_MONTH
            return label, month_starts.astype("datetime64[M]").astype("datetime64[ns]").astype(np.int64)
    raise AssertionError("a 1000-year bucket holds any int64 nanosecond range in two")


def _calendar_month(ns: int) -> int:
    """Months since year 0 of the month holding `ns`, so that quarters and years align on the calendar."""
    return int(np.datetime64(ns, "ns").astype("datetime64[M]").astype(np.int64)) + _EPOCH_MONTH
