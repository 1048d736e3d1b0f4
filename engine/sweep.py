"""Parameter sweeps: one flow backtested over many combinations of its strategy parameters, and over windows
of the bars (walk-forward folds), giving each combination's metrics and the return statistics the overfitting
measures need (engine.overfitting: the Deflated Sharpe Ratio from `moments`, PBO by CSCV from `blocks`).

Indicators are causal, so they are evaluated once over all the bars and each window is simulated on its slice
with the signals sliced the same way: a window's trading starts flat at its first bar, its indicators have the
full history before it. For windows=None every row's metrics are those of run_backtest with the combination.

What makes it fast on one core, the results staying those of single backtests:
- a flow compiles once per distinct value of each node's bound parameters, not once per combination: a node's
  compiled steps, and whether its params are valid, depend on its own params only (`_Plans`);
- each distinct step (operation, params and, recursively, inputs: `step_keys`) is computed once per sweep and
  kept only while a later combination still reads it (`_SharedSteps`): a grid fast x slow x bound computes
  SMA(fast) once per fast value, not once per combination;
- the simulation builds no trade list or curves, and what the metrics need of the bars alone is computed once
  per window (engine.metrics.bars_basis).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from engine.backtest import warm_up_bars
from engine.bars import Bars
from engine.config import BacktestConfig, resolve_config
from engine.errors import FlowError
from engine.flowformat import PARAM_BINDING
from engine.metrics import bars_basis, metrics_summary
from engine.signals import StrategySignals
from engine.simulate import simulate

SIGNAL_NAMES = ("entry_long", "exit_long", "entry_short", "exit_short")


@dataclass(frozen=True)
class SweepRow:
    """One combination's results. `parameters` holds the swept names only; `metrics[k]` is the
    metrics_summary of window k; `moments[k]` is (n, Σr, Σr², Σr³, Σr⁴) of the per-bar returns of window k
    (see `bar_returns`); `blocks[b]` is (n, Σr, Σr²) of the returns in the b-th of `n_blocks` equal
    consecutive slices of the first window (np.array_split's slices: the first len % n_blocks have one more)."""

    parameters: dict[str, Any]
    metrics: list[dict[str, Any]]
    moments: np.ndarray
    blocks: np.ndarray


def run_sweep(
    flow: dict[str, Any],
    bars: Bars,
    combinations: Sequence[Mapping[str, Any]],
    *,
    config: BacktestConfig | dict[str, Any] | None,
    base_parameters: Mapping[str, Any] | None = None,
    catalogue: Any = None,
    windows: Sequence[tuple[int, int]] | None = None,
    n_blocks: int = 16,
) -> list[SweepRow]:
    """Backtest `flow` with each combination ({param name: value}, merged over `base_parameters`) on each
    window ((start, stop) bar ranges; all the bars by default), one row per combination in their order.
    Raises ConfigError for a bad config, FlowError for a combination the flow refuses (the first such, with
    every problem of it), ValueError for an empty or out-of-range window."""
    from engine.evaluate import evaluate  # imported on use: the flow machinery loads TA-Lib

    resolved = config if isinstance(config, BacktestConfig) else resolve_config(config)
    if catalogue is None:
        from engine.catalogue import system_catalogue

        catalogue = system_catalogue()
    spans = _checked_windows(windows, len(bars), n_blocks)
    parts = [(start, stop, bars.slice(start, stop)) for start, stop in spans]
    bases = [bars_basis(part) for _, _, part in parts]
    block_starts = _block_starts(spans[0][1] - spans[0][0], n_blocks)
    base = dict(base_parameters or {})

    plans = _Plans(flow, catalogue)
    compiled = [plans.plan({**base, **combination}) for combination in combinations]
    keys = [step_keys(plan) for plan in compiled]
    shared = _SharedSteps(Counter(key for plan_keys in keys for key in plan_keys))

    rows = []
    for combination, plan, plan_keys in zip(combinations, compiled, keys, strict=True):
        evaluation = evaluate(plan, bars, cache=shared, keys=plan_keys)
        warm_up = warm_up_bars(evaluation.values)
        metrics, moments = [], []
        for index, ((start, stop, part), basis) in enumerate(zip(parts, bases, strict=True)):
            simulation = simulate(part, window_signals(evaluation.signals, start, stop), resolved)
            metrics.append(
                metrics_summary(
                    part,
                    simulation,
                    risk_free_rate=resolved.risk_free_rate,
                    first_trading_bar=max(warm_up - start, 0),
                    basis=basis,
                )
            )
            sums, window_blocks = _return_sums(
                simulation.equity, resolved.initial_capital, block_starts if index == 0 else _NO_BLOCKS
            )
            moments.append(sums)
            if index == 0:
                blocks = window_blocks
        rows.append(SweepRow(parameters=dict(combination), metrics=metrics, moments=np.array(moments), blocks=blocks))
    return rows


def window_signals(signals: StrategySignals, start: int, stop: int) -> StrategySignals:
    """The signals of bars[start:stop] (views, not copies), with the same risk settings."""
    return StrategySignals(
        *(getattr(signals, name)[start:stop] for name in SIGNAL_NAMES),
        stop_loss=signals.stop_loss,
        take_profit=signals.take_profit,
        trailing_stop=signals.trailing_stop,
        position_size=signals.position_size,
        warnings=signals.warnings,
    )


def bar_returns(equity: np.ndarray, initial_capital: float) -> np.ndarray:
    """The simple return of the equity over each bar, the first against the initial capital: one per bar.
    After a liquidation the equity stays 0 and so does its return (0/0 counts as 0)."""
    previous = np.r_[initial_capital, equity[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = equity / previous - 1
    returns[previous == 0] = 0.0
    return returns


def _block_starts(n: int, n_blocks: int) -> np.ndarray:
    """Where each of np.array_split(range(n), n_blocks)'s slices starts (empty ones, at the end, at n)."""
    sizes = np.full(n_blocks, n // n_blocks, dtype=np.int64)
    sizes[: n % n_blocks] += 1
    return np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)


_NO_BLOCKS = np.empty(0, dtype=np.int64)


@njit(cache=True, nogil=True)
def _return_sums(equity, initial_capital, block_starts):
    """In one pass over the equity: (n, Σr, Σr², Σr³, Σr⁴) of its bar returns (see `bar_returns`), and
    (n, Σr, Σr²) of those in each block, block b running from block_starts[b] to the next start."""
    n = equity.shape[0]
    moments = np.zeros(5)
    blocks = np.zeros((block_starts.shape[0], 3))
    block = -1
    previous = initial_capital
    for i in range(n):
        while block + 1 < block_starts.shape[0] and block_starts[block + 1] <= i:
            block += 1
        r = equity[i] / previous - 1.0 if previous != 0.0 else 0.0
        previous = equity[i]
        r2 = r * r
        moments[0] += 1.0
        moments[1] += r
        moments[2] += r2
        moments[3] += r2 * r
        moments[4] += r2 * r2
        if block >= 0:
            blocks[block, 0] += 1.0
            blocks[block, 1] += r
            blocks[block, 2] += r2
    return moments, blocks


class _Plans:
    """Compiled plans of one flow for many parameter values, each node compiled once per distinct value of
    the strategy parameters it binds.

    compile_flow orders steps by the flow's structure alone, and a node's steps (its op and params, or for a
    composite its inner steps) and its params' problems depend only on its own params: so the plan of any
    combination takes each node's steps from a plan compiled with that node's values. That plan is compiled
    from the first combination with only this node's parameters changed. When one of those compilations is
    refused, the combination itself is compiled, so the error is exactly compile_flow's.
    """

    def __init__(self, flow: dict[str, Any], catalogue: Any):
        self.flow = flow
        self.catalogue = catalogue
        self.reference: dict[str, Any] | None = None
        self.reference_plan: Any = None
        self.bound: dict[str, tuple[str, ...]] = {}  # top-level node id -> the parameters its params bind
        self.owners: list[str] = []  # the top-level node of each step of the reference plan
        self.compiled: dict[tuple[str, str], Any] = {}  # (node id, its parameters' values) -> a plan

    def plan(self, parameters: dict[str, Any]) -> Any:
        from engine.flow import Plan, compile_flow

        if self.reference is None:
            self.reference_plan = compile_flow(self.flow, self.catalogue, parameters)  # raises for a bad flow
            self.reference = parameters
            self.bound = {
                node["id"]: tuple(
                    sorted({v[PARAM_BINDING] for v in (node.get("params") or {}).values() if _is_binding(v)})
                )
                for node in self.flow["nodes"]
            }
            self.owners = [self._owner(step.node_id) for step in self.reference_plan.steps]
            return self.reference_plan
        sources = {node_id: self._plan_for(node_id, parameters) for node_id in self.bound}
        if any(source is None for source in sources.values()):
            return compile_flow(self.flow, self.catalogue, parameters)  # raises with every problem
        steps = tuple(
            sources[owner].steps[index] for index, owner in enumerate(self.owners)
        )  # same structure, same order
        risk = {setting: sources[node].risk[setting] for setting, node in self.reference_plan.risk_nodes.items()}
        return Plan(steps=steps, risk=risk, risk_nodes=self.reference_plan.risk_nodes)

    def _plan_for(self, node_id: str, parameters: dict[str, Any]) -> Any:
        """A plan whose steps for `node_id` are those of `parameters`, or None when they are refused."""
        from engine.flow import compile_flow

        names = self.bound[node_id]
        if all(_same(parameters, self.reference, name) for name in names):
            return self.reference_plan
        values = {name: parameters[name] for name in names if name in parameters}
        key = (node_id, _canonical([[name, values.get(name, _MISSING)] for name in names]))
        if key not in self.compiled:
            changed = {k: v for k, v in self.reference.items() if k not in names} | values
            try:
                plan = compile_flow(self.flow, self.catalogue, changed)
            except FlowError:
                plan = None
            if plan is not None and not self._aligned(plan):
                plan = None
            self.compiled[key] = plan
        return self.compiled[key]

    def _aligned(self, plan: Any) -> bool:
        reference = self.reference_plan
        return [s.node_id for s in plan.steps] == [s.node_id for s in reference.steps] and dict(
            plan.risk_nodes
        ) == dict(reference.risk_nodes)

    def _owner(self, step_id: str) -> str:
        """The top-level node a step belongs to (a composite's inner steps are "<composite id>/<inner id>")."""
        if step_id in self.bound:
            return step_id
        return next(node_id for node_id in self.bound if step_id.startswith(node_id + "/"))


_MISSING = "<no value>"


def _is_binding(value: Any) -> bool:
    return isinstance(value, dict) and PARAM_BINDING in value


def _same(a: Mapping[str, Any], b: Mapping[str, Any], name: str) -> bool:
    return (name in a) == (name in b) and (name not in a or _canonical(a[name]) == _canonical(b[name]))


def _canonical(value: Any) -> str:
    """A value as text that tells apart what compiles differently (10 and 10.0, True and 1)."""
    return json.dumps(value, sort_keys=True, default=repr)


def step_keys(plan: Any) -> list[Hashable]:
    """A key for each step of `plan` naming everything its values depend on: its operation, hints and params,
    and where its inputs come from, recursively. Two steps with equal keys compute equal values over the same
    bars, whatever their node ids or flows."""
    by_node: dict[str, Hashable] = {}
    keys = []
    for step in plan.steps:
        inputs = tuple(
            (port, step.input_types[port], None if source is None else (by_node[source.node], source.port))
            for port, source in sorted(step.inputs.items())
        )
        key = (step.op, _canonical(step.hints), _canonical(step.params), inputs)
        by_node[step.node_id] = key
        keys.append(key)
    return keys


class _SharedSteps:
    """The evaluate() cache of a sweep: a step's values are kept from their first computation until the last
    plan that reads them has read them (`uses` counts every step of every plan by key), and not kept at all
    when only one plan reads them, so memory holds what is still to be reused, not every combination's."""

    def __init__(self, uses: Counter):
        self.uses = uses
        self.values: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        found = self.values.get(key)
        if found is not None:
            self._used(key)
        return found

    def put(self, key: Hashable, computed: Any) -> None:
        self._used(key)
        if self.uses[key] > 0:
            self.values[key] = computed

    def _used(self, key: Hashable) -> None:
        self.uses[key] -= 1
        if self.uses[key] <= 0:
            self.values.pop(key, None)


def _checked_windows(windows: Sequence[tuple[int, int]] | None, n: int, n_blocks: int) -> list[tuple[int, int]]:
    if n_blocks < 1:
        raise ValueError(f"n_blocks must be at least 1, not {n_blocks}.")
    spans = [(0, n)] if windows is None else [(int(start), int(stop)) for start, stop in windows]
    if not spans:
        raise ValueError("windows must hold at least one (start, stop) range.")
    for start, stop in spans:
        if not 0 <= start < stop <= n:
            raise ValueError(f"window ({start}, {stop}) is not a non-empty range of the {n} bars.")
    return spans
