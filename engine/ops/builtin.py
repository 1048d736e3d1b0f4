"""Operations of the non-indicator nodes: price data, arithmetic, conditions, signals and risk rules.

Every operation is vectorised over whole arrays and causal: the value at bar i uses bars 0..i only.
Comparisons involving a missing value (NaN) are false.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from engine.bars import FIELDS

from .base import Call, Operation, expect_ports, shift

SIGNAL_KINDS = ("entry_long", "exit_long", "entry_short", "exit_short")
RISK_SETTINGS = ("stop_loss", "take_profit", "trailing_stop", "position_size")

_BINARY_SERIES = [("a", "series", True), ("b", "series", True)]
_OPTIONAL_B = [("a", "series", True), ("b", "series", False)]
_SERIES_OUT = [("value", "series")]
_BOOL_OUT = [("value", "bool")]


def _choice(hints: Mapping[str, Any], key: str, choices: Mapping[str, Any] | tuple[str, ...]) -> list[str]:
    if hints.get(key) not in choices:
        return [f'execution_hints["{key}"] must be one of {", ".join(choices)} (got {hints.get(key)!r})']
    return []


class FieldOp(Operation):
    """One OHLCV field of the bars."""

    name = "field"

    def check(self, hints, shape):
        problems = _choice(hints, "field", FIELDS)
        return problems or expect_ports(shape, inputs=[], outputs=[(hints["field"], "series")])

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        field = call.hints["field"]
        return {field: call.bars.field(field)}


class OhlcvOp(Operation):
    """All five fields of the bars."""

    name = "ohlcv"

    def check(self, hints, shape):
        return expect_ports(shape, inputs=[], outputs=[(f, "series") for f in FIELDS])

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {f: call.bars.field(f) for f in FIELDS}


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b with no value (NaN) where b is zero, never an infinity."""
    out = np.full(np.broadcast(a, b).shape, np.nan, dtype=np.float64)
    np.divide(a, b, out=out, where=b != 0)
    return out


class ArithmeticOp(Operation):
    """a (+ - x / min max) b, bar by bar; a missing value on either side gives a missing value."""

    name = "arithmetic"
    OPERATORS = {
        "add": np.add,
        "subtract": np.subtract,
        "multiply": np.multiply,
        "divide": _divide,
        "min": np.minimum,
        "max": np.maximum,
    }

    def check(self, hints, shape):
        return _choice(hints, "operator", self.OPERATORS) or expect_ports(
            shape, inputs=_BINARY_SERIES, outputs=_SERIES_OUT
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {"value": self.OPERATORS[call.hints["operator"]](call.inputs["a"], call.inputs["b"])}

    def describe(self, hints, params):
        return hints["operator"]


class UnaryOp(Operation):
    """|a| or -a."""

    name = "unary"
    OPERATORS = {"abs": np.abs, "negate": np.negative}

    def check(self, hints, shape):
        return _choice(hints, "operator", self.OPERATORS) or expect_ports(
            shape, inputs=[("a", "series", True)], outputs=_SERIES_OUT
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {"value": self.OPERATORS[call.hints["operator"]](call.inputs["a"])}

    def describe(self, hints, params):
        return hints["operator"]


class LagOp(Operation):
    """The series `bars` bars ago."""

    name = "lag"

    def check(self, hints, shape):
        return expect_ports(shape, inputs=[("series", "series", True)], outputs=_SERIES_OUT, params=["bars"])

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {"value": shift(call.inputs["series"], call.params["bars"])}

    def lookback(self, hints, params):
        return params["bars"]


class ChangeOp(Operation):
    """The change over `bars` bars: a difference, or a percentage of the older value."""

    name = "change"
    MODES = ("difference", "percent")

    def check(self, hints, shape):
        return _choice(hints, "mode", self.MODES) or expect_ports(
            shape, inputs=[("series", "series", True)], outputs=_SERIES_OUT, params=["bars"]
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        series = call.inputs["series"]
        before = shift(series, call.params["bars"])
        if call.hints["mode"] == "difference":
            return {"value": series - before}
        return {"value": (_divide(series, before) - 1.0) * 100.0}

    def lookback(self, hints, params):
        return params["bars"]

    def describe(self, hints, params):
        return f"{'change' if hints['mode'] == 'difference' else 'pct_change'}({params['bars']})"


class ConstantOp(Operation):
    """A number (a scalar output, broadcast wherever a series is expected)."""

    name = "constant"

    def check(self, hints, shape):
        return expect_ports(shape, inputs=[], outputs=[("value", "number")], params=["value"])

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {"value": np.asarray(float(call.params["value"]), dtype=np.float64)}


def _b_or_value(call: Call) -> np.ndarray | float:
    b = call.inputs.get("b")
    return float(call.params["value"]) if b is None else b


class CompareOp(Operation):
    """a (> < >= <= ==) b, where b is the `value` param when nothing is connected to it. NaN compares false."""

    name = "compare"
    OPERATORS = {"gt": np.greater, "lt": np.less, "ge": np.greater_equal, "le": np.less_equal, "eq": np.equal}

    def check(self, hints, shape):
        return _choice(hints, "operator", self.OPERATORS) or expect_ports(
            shape, inputs=_OPTIONAL_B, outputs=_BOOL_OUT, params=["value"]
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return {"value": self.OPERATORS[call.hints["operator"]](call.inputs["a"], _b_or_value(call))}

    def describe(self, hints, params):
        return hints["operator"]


class CrossOp(Operation):
    """a crosses b (or the `value` param).

    cross_above[i] = a[i] > b[i] and a[i-1] <= b[i-1]; cross_below[i] = a[i] < b[i] and a[i-1] >= b[i-1].
    Bar 0 never crosses, and a missing value (NaN) on either bar means no cross.
    """

    name = "cross"
    DIRECTIONS = ("above", "below")

    def check(self, hints, shape):
        return _choice(hints, "direction", self.DIRECTIONS) or expect_ports(
            shape, inputs=_OPTIONAL_B, outputs=_BOOL_OUT, params=["value"]
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        a = call.inputs["a"]
        b = np.broadcast_to(np.asarray(_b_or_value(call), dtype=np.float64), a.shape)
        a_before, b_before = shift(a, 1), shift(b, 1)
        with np.errstate(invalid="ignore"):
            if call.hints["direction"] == "above":
                crossed = (a > b) & (a_before <= b_before)
            else:
                crossed = (a < b) & (a_before >= b_before)
        return {"value": crossed}

    def describe(self, hints, params):
        return f"cross_{hints['direction']}"


class BetweenOp(Operation):
    """lower <= series <= upper; each bound from its input when connected, else from its param."""

    name = "between"

    def check(self, hints, shape):
        return expect_ports(
            shape,
            inputs=[("series", "series", True), ("lower", "series", False), ("upper", "series", False)],
            outputs=_BOOL_OUT,
            params=["lower", "upper"],
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        series = call.inputs["series"]
        lower = call.inputs.get("lower")
        upper = call.inputs.get("upper")
        lower = float(call.params["lower"]) if lower is None else lower
        upper = float(call.params["upper"]) if upper is None else upper
        with np.errstate(invalid="ignore"):
            return {"value": (series >= lower) & (series <= upper)}

    def describe(self, hints, params):
        return "between"


class DirectionOp(Operation):
    """Strictly rising (or falling) on each of the last `bars` bars: s[i] > s[i-1] > ... > s[i-bars]."""

    name = "direction"
    DIRECTIONS = ("rising", "falling")

    def check(self, hints, shape):
        return _choice(hints, "direction", self.DIRECTIONS) or expect_ports(
            shape, inputs=[("series", "series", True)], outputs=_BOOL_OUT, params=["bars"]
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        series = call.inputs["series"]
        bars = call.params["bars"]
        before = shift(series, 1)
        with np.errstate(invalid="ignore"):
            step = series > before if call.hints["direction"] == "rising" else series < before
        # Count the qualifying steps among the last `bars` with a running sum: running[k] = sum(step[:k]).
        running = np.concatenate(([0], np.cumsum(step, dtype=np.int64)))
        window_start = np.maximum(np.arange(len(step)) + 1 - bars, 0)
        return {"value": running[1:] - running[window_start] == bars}

    def lookback(self, hints, params):
        return params["bars"]

    def describe(self, hints, params):
        return f"{hints['direction']}({params['bars']})"


class LogicOp(Operation):
    """a and b, a or b, not a."""

    name = "logic"
    OPERATORS = ("and", "or", "not")

    def check(self, hints, shape):
        problems = _choice(hints, "operator", self.OPERATORS)
        if problems:
            return problems
        inputs = [("a", "bool", True)] if hints["operator"] == "not" else [("a", "bool", True), ("b", "bool", True)]
        return expect_ports(shape, inputs=inputs, outputs=_BOOL_OUT)

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        operator = call.hints["operator"]
        a = call.inputs["a"]
        if operator == "not":
            return {"value": ~a}
        b = call.inputs["b"]
        return {"value": (a & b) if operator == "and" else (a | b)}

    def describe(self, hints, params):
        return hints["operator"]


class SignalOp(Operation):
    """An entry or exit: its `when` input is OR-ed into the strategy's signal of that kind by the evaluator."""

    name = "signal"

    def check(self, hints, shape):
        return _choice(hints, "signal", SIGNAL_KINDS) or expect_ports(
            shape, inputs=[("when", "bool", True)], outputs=[]
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {}

    def describe(self, hints, params):
        return hints["signal"]


class RiskOp(Operation):
    """A risk setting of the strategy: `param` times `scale` (percent -> fraction), fixed when the flow compiles."""

    name = "risk"

    def check(self, hints, shape):
        problems = _choice(hints, "setting", RISK_SETTINGS)
        if not isinstance(hints.get("scale"), int | float) or isinstance(hints.get("scale"), bool):
            problems.append('execution_hints["scale"] must be a number')
        param = hints.get("param")
        return problems + expect_ports(shape, inputs=[], outputs=[], params=[param] if isinstance(param, str) else [])

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return {}

    def setting(self, hints: Mapping[str, Any], params: Mapping[str, Any]) -> tuple[str, float]:
        return hints["setting"], float(params[hints["param"]]) * float(hints["scale"])

    def describe(self, hints, params):
        return hints["setting"]


class PassthroughOp(Operation):
    """The exposed outputs of an inlined composite: each output port is one inner node's output."""

    name = "passthrough"

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        return dict(call.inputs)

    def describe(self, hints, params):
        return "composite"
