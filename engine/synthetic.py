"""Synthetic OHLCV bars for tests, examples and benchmarks: reproducible and shaped like real market data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.bars import Bars

ANNUAL_VOLATILITY = 0.30
START_PRICE = 100.0
_SECONDS_PER_YEAR = 365.25 * 24 * 3600


def generate_bars(n: int, seed: int = 0, start: str = "2020-01-01", freq: str = "1min") -> Bars:
    """`n` bars of a driftless geometric random walk with 30 % annual volatility, starting at 100.

    Each bar opens near the previous close (a small gap), closes one log-normal step further, and its high and
    low reach beyond both by a random amount; volume is log-normal and rises with the size of the move. Prices
    are rounded to 4 decimals, volume to whole units. `freq` is a fixed bar length ("1min", "1h", "1D").
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    step = pd.Timedelta(freq)
    if step <= pd.Timedelta(0):
        raise ValueError(f"freq must be a positive duration, got {freq!r}")
    sigma = ANNUAL_VOLATILITY * np.sqrt(step.total_seconds() / _SECONDS_PER_YEAR)
    rng = np.random.default_rng(seed)

    moves = rng.normal(0.0, sigma, n)
    gaps = rng.normal(0.0, sigma / 5, n)
    log_close = np.log(START_PRICE) + np.cumsum(moves + gaps)
    log_open = log_close - moves
    reach = np.abs(rng.normal(0.0, sigma / 2, (2, n)))

    close = np.round(np.exp(log_close), 4)
    open_ = np.round(np.exp(log_open), 4)
    # Rounding is monotonic, so rounding the extremes after taking them keeps low <= open, close <= high.
    high = np.round(np.exp(np.maximum(log_open, log_close) + reach[0]), 4)
    low = np.round(np.exp(np.minimum(log_open, log_close) - reach[1]), 4)
    volume = np.round(rng.lognormal(np.log(1_000.0), 0.5, n) * (1.0 + np.abs(moves) / sigma))

    first = (
        pd.Timestamp(start, tz="UTC") if pd.Timestamp(start).tzinfo is None else pd.Timestamp(start).tz_convert("UTC")
    )
    timestamp = first.as_unit("ns").value + np.arange(n, dtype=np.int64) * step.as_unit("ns").value
    return Bars(timestamp, open_, high, low, close, volume)
