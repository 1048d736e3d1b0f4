"""What evaluating a flow hands to the simulator."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StrategySignals:
    """Per-bar signals decided at each bar's close, plus the flow's risk settings.

    Arrays are bool and as long as the bars. Risk levels are fractions of the entry price
    (0.02 = 2 %); `position_size` is a fraction of equity and overrides the config's sizing when set.
    """

    entry_long: np.ndarray
    exit_long: np.ndarray
    entry_short: np.ndarray
    exit_short: np.ndarray
    stop_loss: float | None = None
    take_profit: float | None = None
    trailing_stop: float | None = None
    position_size: float | None = None
    warnings: list[str] = field(default_factory=list)
