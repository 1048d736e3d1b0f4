"""OHLCV bars: the one input every backtest runs on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Bars:
    """Bars in time order. `timestamp` is int64 nanoseconds since the epoch, UTC, strictly increasing;
    price and volume columns are float64 arrays of the same length."""

    timestamp: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.close)

    def field(self, name: str) -> np.ndarray:
        if name not in FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def slice(self, start: int, stop: int) -> Bars:
        return Bars(*(getattr(self, f)[start:stop] for f in ("timestamp", *FIELDS)))
