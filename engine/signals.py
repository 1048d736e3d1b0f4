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


@dataclass(frozen=True)
class RiskRange:
    """The values a risk setting may take, as a fraction: greater than `low`, and below `high` (or at it,
    when `high_inclusive`). The one definition the node library's schemas, the flow validation, the
    simulation and the backtest configuration (`size`) agree on."""

    low: float
    high: float
    high_inclusive: bool
    why: str  # why the upper bound, for the message

    def contains(self, fraction: float) -> bool:
        return self.low < fraction and (fraction <= self.high if self.high_inclusive else fraction < self.high)

    def json_schema(self, scale: float = 1.0) -> dict[str, float]:
        """The bounds as JSON Schema keywords, in the units of a parameter that is `scale` times smaller."""
        upper = "maximum" if self.high_inclusive else "exclusiveMaximum"
        return {"exclusiveMinimum": _in_units(self.low, scale), upper: _in_units(self.high, scale)}

    def problem(self, name: str, value: float, *, scale: float = 1.0) -> str | None:
        """None when `value` (in the parameter's units: percent when `scale` is 0.01) is in range, else a
        message in those same units."""
        if self.contains(float(value) * scale):
            return None
        unit = " %" if scale == 0.01 else ""
        low, high = _in_units(self.low, scale), _in_units(self.high, scale)
        upper = f"at most {high:g}{unit}" if self.high_inclusive else f"less than {high:g}{unit}"
        why = f" ({self.why})" if float(value) * scale >= self.high else ""
        return f"{name}: must be greater than {low:g}{unit} and {upper}{why}, not {value:g}{unit}."


def _in_units(fraction: float, scale: float) -> float:
    value = fraction / scale
    return int(value) if float(value).is_integer() else value


RISK_RANGES: dict[str, RiskRange] = {
    "stop_loss": RiskRange(0, 1, False, "a long's stop the whole entry price below it is never reached"),
    "trailing_stop": RiskRange(0, 1, False, "a long's trail the whole price below it is never reached"),
    "take_profit": RiskRange(0, 1, True, "a short's target further than its entry price away is a negative price"),
    "position_size": RiskRange(0, 1, True, "a position cannot use more than all of the equity"),
}
