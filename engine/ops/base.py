"""What every node operation looks like: it checks its declarative hints once and computes whole arrays."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.bars import Bars


class OperationError(ValueError):
    """An operation could not compute with these inputs and params (e.g. TA-Lib refused a parameter)."""


@dataclass(frozen=True)
class Call:
    """One node's computation: its hints, its resolved params and its inputs as float64/bool arrays as long as
    the bars (a number fed to a series input is already broadcast). An unconnected optional input is None."""

    hints: Mapping[str, Any]
    params: Mapping[str, Any]
    inputs: Mapping[str, np.ndarray | None]
    bars: Bars

    @property
    def n(self) -> int:
        return len(self.bars)


@dataclass(frozen=True)
class PortShape:
    """The ports a template declares, as the operation sees them when checking its hints."""

    inputs: Sequence[tuple[str, str, bool]]  # (name, type, required)
    outputs: Sequence[tuple[str, str]]  # (name, type)
    params: Sequence[str]  # names of the params in the template's schema


class Operation(ABC):
    """An implementation of one `execution_hints["op"]`.

    `check` returns every reason the hints and ports cannot be computed (empty when they can); `compute`
    returns the output arrays by port name. `lookback` is how many bars the node needs before its first value
    (beyond what its inputs need); `describe` names the node in warnings ("SMA(200)").
    """

    name: str = ""

    def check(self, hints: Mapping[str, Any], shape: PortShape) -> list[str]:
        return []

    @abstractmethod
    def compute(self, call: Call) -> dict[str, np.ndarray]: ...

    def lookback(self, hints: Mapping[str, Any], params: Mapping[str, Any]) -> int:
        return 0

    def describe(self, hints: Mapping[str, Any], params: Mapping[str, Any]) -> str:
        args = ", ".join(str(v) for v in params.values())
        return f"{self.name}({args})" if args else self.name


def expect_ports(
    shape: PortShape,
    *,
    inputs: Sequence[tuple[str, str, bool]],
    outputs: Sequence[tuple[str, str]],
    params: Sequence[str] = (),
) -> list[str]:
    """Problems when the declared ports or params differ from what an operation computes."""
    problems = []
    if list(shape.inputs) != list(inputs):
        problems.append(f"input ports must be {_ports(inputs)}, not {_ports(shape.inputs)}")
    if list(shape.outputs) != list(outputs):
        problems.append(f"output ports must be {_ports(outputs)}, not {_ports(shape.outputs)}")
    missing = [p for p in params if p not in shape.params]
    if missing:
        problems.append(f"parameter_schema must define {', '.join(missing)}")
    return problems


def _ports(ports: Sequence[tuple]) -> str:
    return "[" + ", ".join(":".join(str(x) for x in port[:2]) for port in ports) + "]" if ports else "none"


def shift(values: np.ndarray, bars: int) -> np.ndarray:
    """`values` moved `bars` later in time (causal): the first `bars` entries have no value (NaN)."""
    out = np.full(values.shape, np.nan, dtype=np.float64)
    if bars < len(values):
        out[bars:] = values[: len(values) - bars]
    return out
