"""Evaluating a compiled flow over bars: every node's values and the strategy's signals, vectorised.

Each step computes whole arrays at once (TA-Lib for indicators). Values are causal: a node's value at bar i
depends on bars 0..i only, so evaluating the first k bars gives the same first k values as evaluating all.
A number output stays a scalar (a 0-d array) and is broadcast where a series or bool input reads it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .bars import Bars
from .errors import FlowError, Problem
from .flow import PASSTHROUGH_OP, Plan, Step
from .ops import OPERATIONS, PASSTHROUGH, SIGNAL_KINDS, Call, Operation, OperationError
from .signals import StrategySignals


@dataclass(frozen=True)
class Evaluation:
    """`signals` for the simulator; `values[node_id][port]` for every node with outputs (inner nodes of a
    composite are "<composite id>/<inner id>"), float64 series, bool conditions, 0-d arrays for numbers."""

    signals: StrategySignals
    values: dict[str, dict[str, np.ndarray]]


@dataclass(frozen=True)
class Computed:
    """What computing one step gave: its outputs, and the bars its first value needs when the bars are too
    few for it (None when they suffice), for the warning."""

    outputs: dict[str, np.ndarray]
    shortfall: tuple[str, int] | None  # (the operation as described, the bars needed)


class StepCache(Protocol):
    """Steps computed for earlier plans over the same bars, by a key naming everything a step's values depend
    on (engine.sweep keys them by operation, params and, recursively, inputs)."""

    def get(self, key: Hashable) -> Computed | None: ...

    def put(self, key: Hashable, computed: Computed) -> None: ...


def evaluate(
    plan: Plan, bars: Bars, *, cache: StepCache | None = None, keys: Sequence[Hashable] | None = None
) -> Evaluation:
    """Compute every step of `plan` over `bars`. Raises FlowError naming the node when an operation cannot compute (TA-Lib refusing a call).

    With a `cache` and `keys` (one per step of the plan), a step whose key the cache holds is not computed
    again, and the cache is offered every step computed; the values are the same either way.
    """
    n = len(bars)
    values: dict[str, dict[str, np.ndarray]] = {}
    signals = {kind: np.zeros(n, dtype=bool) for kind in SIGNAL_KINDS}
    signal_nodes: dict[str, list[str]] = {kind: [] for kind in SIGNAL_KINDS}
    warnings: list[str] = []

    for index, step in enumerate(plan.steps):
        inputs = {port: _read(values, step, port, n) for port in step.inputs}
        computed = cache.get(keys[index]) if cache is not None else None
        if computed is None:
            computed = _compute(step, inputs, bars)
            if cache is not None:
                cache.put(keys[index], computed)
        if computed.shortfall is not None:
            name, needed = computed.shortfall
            warnings.append(
                f"Not enough bars for {name} (node {step.node_id}): {n} bars, {needed} needed for the first value."
            )
        outputs = computed.outputs
        if step.outputs:
            values[step.node_id] = outputs
        if step.op == "signal":
            kind = step.hints["signal"]
            signals[kind] |= inputs["when"]
            signal_nodes[kind].append(step.node_id)

    for kind in SIGNAL_KINDS:
        if signal_nodes[kind] and not signals[kind].any():
            nodes = ", ".join(signal_nodes[kind])
            warnings.append(f"{kind} signal never fires on these {n} bars (node {nodes}).")
    return Evaluation(
        signals=StrategySignals(
            entry_long=signals["entry_long"],
            exit_long=signals["exit_long"],
            entry_short=signals["entry_short"],
            exit_short=signals["exit_short"],
            stop_loss=plan.risk.get("stop_loss"),
            take_profit=plan.risk.get("take_profit"),
            trailing_stop=plan.risk.get("trailing_stop"),
            position_size=plan.risk.get("position_size"),
            warnings=list(dict.fromkeys(warnings)),
        ),
        values=values,
    )


def _compute(step: Step, inputs: dict[str, np.ndarray | None], bars: Bars) -> Computed:
    operation = PASSTHROUGH if step.op == PASSTHROUGH_OP else OPERATIONS[step.op]
    shortfall = _warm_up_shortfall(operation, step, inputs, len(bars))
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            outputs = operation.compute(Call(step.hints, step.params, inputs, bars))
    except OperationError as exc:
        name = operation.describe(step.hints, step.params)
        raise FlowError(
            Problem(
                "evaluation_failed",
                f"Node {step.node_id}: {name} could not be computed: {exc}",
                node_id=step.node_id,
            )
        ) from exc
    return Computed(outputs, shortfall)


def _read(values: dict[str, dict[str, np.ndarray]], step: Step, port: str, n: int) -> np.ndarray | None:
    source = step.inputs[port]
    if source is None:
        return None
    value = values[source.node][source.port]
    if value.ndim == 0 and step.input_types[port] == "series":
        return np.full(n, value, dtype=np.float64)  # a number read as a series: the same value on every bar
    return value


def _first_value(series: np.ndarray) -> int | None:
    """Index of the first bar with a value (None when there is none)."""
    if series.dtype == bool or series.ndim == 0:
        return 0
    present = ~np.isnan(series)
    return int(present.argmax()) if present.any() else None


def _warm_up_shortfall(
    operation: Operation, step: Step, inputs: dict[str, np.ndarray | None], n: int
) -> tuple[str, int] | None:
    """The node described and the bars its first value needs, when the bars end before it (e.g. an SMA(200)
    on 150 bars): the warning's content."""
    lookback = operation.lookback(step.hints, step.params)
    if lookback <= 0:
        return None
    starts = [_first_value(x) for x in inputs.values() if x is not None]
    if any(start is None for start in starts):
        return None  # an input has no value at all: the warning belongs to the node feeding it
    needed = max(starts, default=0) + lookback + 1
    if needed <= n:
        return None
    return operation.describe(step.hints, step.params), needed
