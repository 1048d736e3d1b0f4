"""marketdata.candles against pandas: the same candles as `resample().agg()` with calendar-aligned bins."""

import numpy as np
import pandas as pd
import pytest

from engine.bars import Bars
from engine.synthetic import generate_bars
from marketdata.candles import candles

# Our interval labels as pandas resample rules, with the bins' origin (weeks start on Monday).
_RULES = {
    "10m": ("10min", "epoch"),
    "15m": ("15min", "epoch"),
    "1h": ("1h", "epoch"),
    "4h": ("4h", "epoch"),
    "1D": ("1D", "epoch"),
    "1W": ("7D", pd.Timestamp("1970-01-05")),
    "1M": ("MS", None),
    "3M": ("QS", None),
    "1Y": ("YS", None),
}


def _frame(bars: Bars) -> pd.DataFrame:
    frame = pd.DataFrame({name: getattr(bars, name) for name in ("open", "high", "low", "close", "volume")})
    frame["first_bar"] = bars.timestamp // 1_000_000_000
    frame.index = pd.to_datetime(bars.timestamp)  # naive UTC: pandas ignores a Day rule's origin on aware times
    return frame


def _pandas_candles(bars: Bars, interval: str) -> pd.DataFrame:
    rule, origin = _RULES[interval]
    options = {"origin": origin} if origin is not None else {}
    resampled = _frame(bars).resample(rule, closed="left", label="left", **options)
    aggregated = resampled.agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum", "first_bar": "first"}
    )
    return aggregated[resampled.size() > 0]  # pandas keeps empty bins (NaN); a gap has no candle


def _with_gaps(bars: Bars, rng: np.random.Generator, holes: int) -> Bars:
    keep = np.ones(len(bars), dtype=bool)
    for start in rng.integers(0, len(bars) - 5_000, size=holes):
        keep[start : start + rng.integers(100, 5_000)] = False
    return Bars(*(getattr(bars, name)[keep] for name in ("timestamp", "open", "high", "low", "close", "volume")))


def _assert_same(found, expected: pd.DataFrame) -> None:
    np.testing.assert_array_equal(found.time, expected["first_bar"].to_numpy())
    for name in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(found, name), expected[name].to_numpy(), err_msg=name)
    np.testing.assert_allclose(found.volume, expected["volume"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("max_points", "interval"),
    [(20_000, "10m"), (8_000, "15m"), (2_000, "1h"), (600, "4h"), (100, "1D"), (20, "1W")],
)
def test_minute_bars_with_gaps_aggregate_as_pandas_resample(max_points, interval):
    bars = _with_gaps(generate_bars(100_000, seed=3, start="2021-03-04 05:06"), np.random.default_rng(1), holes=12)

    found = candles(bars, max_points=max_points)

    assert found.interval == interval
    expected = _pandas_candles(bars, interval)
    assert len(found) == len(expected) <= max_points
    _assert_same(found, expected)


@pytest.mark.parametrize(("max_points", "interval"), [(500, "1M"), (170, "3M"), (50, "1Y")])
def test_daily_bars_over_decades_aggregate_into_calendar_months_and_years(max_points, interval):
    bars = generate_bars(15_000, seed=5, start="1990-02-14", freq="1D")

    found = candles(bars, max_points=max_points)

    assert found.interval == interval
    expected = _pandas_candles(bars, interval)
    assert len(found) == len(expected) <= max_points
    _assert_same(found, expected)


def test_a_range_of_at_most_max_points_bars_is_the_bars_themselves():
    bars = generate_bars(300, seed=1)

    found = candles(bars, max_points=300)

    assert found.interval is None
    np.testing.assert_array_equal(found.time, bars.timestamp // 1_000_000_000)
    np.testing.assert_array_equal(found.close, bars.close)


def test_bars_within_one_second_are_joined_so_times_stay_strictly_increasing():
    bars = generate_bars(10, seed=1, freq="250ms")

    found = candles(bars, max_points=10)

    assert found.interval == "1s"
    assert list(found.time) == [1577836800, 1577836800 + 1, 1577836800 + 2]
    assert found.high[0] == bars.high[:4].max() and found.close[-1] == bars.close[-1]


def test_every_candle_count_fits_max_points_and_finer_ranges_get_finer_candles():
    bars = generate_bars(200_000, seed=2)

    whole = candles(bars, max_points=1_000)
    zoomed = candles(bars.slice(100_000, 102_000), max_points=1_000)

    assert len(whole) <= 1_000 and len(zoomed) <= 1_000
    assert (whole.interval, zoomed.interval) == ("4h", "2m")
    assert whole.volume.sum() == pytest.approx(bars.volume.sum())


def test_the_widest_range_int64_nanoseconds_hold_fits_two_candles():
    timestamps = np.array([np.iinfo(np.int64).min + 1, 0, np.iinfo(np.int64).max], dtype=np.int64)
    prices = np.array([1.0, 2.0, 3.0])
    bars = Bars(timestamps, prices, prices + 1, prices - 1, prices, prices)

    found = candles(bars, max_points=2)

    assert found.interval == "1000Y" and len(found) == 2
    assert list(found.open) == [1.0, 3.0] and list(found.close) == [2.0, 3.0]  # 1677 and 1970, then 2262
