"""The editor's live preview: a flow backtested over a short window of bars, and what its pane draws.

One call compiles the flow, evaluates it once and simulates its signals exactly as a quick test over the
same bars would (`run_backtest`), then returns, JSON-ready:

- `candles`: the window's bars, columnar, aggregated into at most `max_points` candles of equal numbers of
  bars (first open, highest high, lowest low, last close, summed volume; `time` and `bar` are those of the
  candle's first bar); raw bars when the window has no more than `max_points`;
- `markers`: one per trade entry and exit, at the bar and price it filled, with the candle it falls in;
- `equity_curve`: downsampled as a quick test's is (engine.result.equity_curve);
- `headline`: return, Sharpe ratio, max drawdown, trades and win rate (engine.metrics names);
- `outputs`: the values of the node outputs asked for, one per candle: a series' value at the candle's last
  bar (null where it has none yet, or none that is finite), a condition's 1 when it is true on any of the candle's bars, else 0;
  a number output is one value;
- `warnings` and `counts` as the quick test's result has them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.backtest import run_signals, warm_up_bars
from engine.bars import Bars
from engine.catalogue import Catalogue
from engine.config import BacktestConfig
from engine.errors import EngineError, Problem
from engine.evaluate import evaluate
from engine.flow import Plan, compile_flow
from engine.limits import shown
from engine.metrics import iso_utc_array, json_number

HEADLINE = ("return_pct", "sharpe_ratio", "max_drawdown_pct", "trades", "win_rate_pct")
MAX_OUTPUTS = 20


@dataclass(frozen=True)
class OutputRef:
    """One output of one node: `node_id.port`, or a node id alone for all of its outputs."""

    node_id: str
    port: str


def run_preview(
    flow: Mapping[str, Any],
    bars: Bars,
    *,
    config: BacktestConfig,
    parameters: Mapping[str, Any] | None,
    catalogue: Catalogue,
    outputs: Sequence[str] = (),
    max_points: int,
) -> dict[str, Any]:
    """The preview of `flow` over `bars` (see the module docstring).

    Raises FlowError with every problem of an invalid flow, and EngineError naming each `outputs[i]` that
    is not an output of the flow.
    """
    plan = compile_flow(flow, catalogue, parameters)
    refs = resolve_outputs(plan, outputs)
    evaluation = evaluate(plan, bars)
    result = run_signals(
        bars,
        evaluation.signals,
        config,
        first_trading_bar=warm_up_bars(evaluation.values),
        max_points=max_points,
    )
    starts = candle_starts(len(bars), max_points)
    return {
        "candles": candles(bars, starts),
        "markers": markers(result.trades, starts),
        "equity_curve": result.details["equity_curve"],
        "headline": {key: result.metrics[key] for key in HEADLINE},
        "outputs": [output_series(ref, evaluation.values[ref.node_id][ref.port], starts) for ref in refs],
        "counts": result.details["counts"],
        "warnings": result.warnings,
    }


def resolve_outputs(plan: Plan, requested: Sequence[str]) -> list[OutputRef]:
    """The node outputs `requested` names, in order, without repeats. A name is a node id (all its outputs) or
    `node_id.port`; a node id is tried whole first, since ids may themselves contain dots."""
    ports = {step.node_id: step.outputs for step in plan.steps if step.outputs}
    flow_nodes = {step.node_id for step in plan.steps} | set(plan.risk_nodes.values())
    problems: list[Problem] = []
    refs: list[OutputRef] = []
    if len(requested) > MAX_OUTPUTS:
        problems.append(
            Problem("too_many_outputs", f"At most {MAX_OUTPUTS} outputs, not {len(requested)}.", field="outputs")
        )
    for index, name in enumerate(requested[:MAX_OUTPUTS]):
        found, problem = _resolve(name, ports, flow_nodes, f"outputs[{index}]")
        if problem:
            problems.append(problem)
        refs.extend(ref for ref in found if ref not in refs)
    if problems:
        raise EngineError(problems)
    return refs


def _resolve(
    name: str, ports: Mapping[str, tuple[str, ...]], flow_nodes: set[str], field: str
) -> tuple[list[OutputRef], Problem | None]:
    if name in ports:
        return [OutputRef(name, port) for port in ports[name]], None
    node_id, dot, port = name.rpartition(".")
    if dot and node_id in ports:
        if port in ports[node_id]:
            return [OutputRef(node_id, port)], None
        known = ", ".join(ports[node_id])
        message = f"Node {shown(node_id)} has no output {shown(port)!r}; its outputs are {known}."
        return [], Problem("unknown_output", message, node_id=node_id, field=field)
    node = node_id if dot and node_id in flow_nodes else name
    if node in flow_nodes:
        message = f"Node {shown(node)} has no output to show (signal and risk nodes have none)."
        return [], Problem("no_outputs", message, node_id=node, field=field)
    return [], Problem("unknown_node", f"The flow has no node {shown(name)!r}.", field=field)


def candle_starts(n: int, max_points: int) -> np.ndarray:
    """The first bar of each candle: every bar when `n` <= `max_points`, else candles of ceil(n / max_points)."""
    size = max(1, -(-n // max_points))
    return np.arange(0, n, size, dtype=np.int64)


def candles(bars: Bars, starts: np.ndarray) -> dict[str, list]:
    """OHLCV candles starting at `starts`, columnar. A local aggregation for the preview pane."""
    if not len(starts):
        return {"bar": [], "time": [], "open": [], "high": [], "low": [], "close": [], "volume": []}
    lasts = np.r_[starts[1:], len(bars)] - 1
    return {
        "bar": starts.tolist(),
        "time": iso_utc_array(bars.timestamp[starts]),
        "open": bars.open[starts].tolist(),
        "high": np.maximum.reduceat(bars.high, starts).tolist(),
        "low": np.minimum.reduceat(bars.low, starts).tolist(),
        "close": bars.close[lasts].tolist(),
        "volume": np.add.reduceat(bars.volume, starts).tolist(),
    }


def markers(trades: list[dict[str, Any]], starts: np.ndarray) -> list[dict[str, Any]]:
    """An entry and an exit marker per trade, in time order (an exit before an entry on the same bar)."""
    found = []
    for trade in trades:
        for kind in ("entry", "exit"):
            bar = trade[f"{kind}_bar"]
            found.append(
                {
                    "kind": kind,
                    "side": trade["side"],
                    "bar": bar,
                    "candle": int(np.searchsorted(starts, bar, side="right")) - 1,
                    "time": trade[f"{kind}_time"],
                    "price": trade[f"{kind}_price"],
                    "exit_reason": trade["exit_reason"] if kind == "exit" else None,
                }
            )
    found.sort(key=lambda marker: (marker["bar"], marker["kind"] == "entry"))
    return found


def output_series(ref: OutputRef, values: np.ndarray, starts: np.ndarray) -> dict[str, Any]:
    """One node output as the pane draws it, aligned with the candles (see the module docstring)."""
    where = {"node_id": ref.node_id, "port": ref.port}
    if values.ndim == 0:
        return {**where, "type": "number", "value": json_number(values.item())}
    if values.dtype == bool:
        per_candle = np.logical_or.reduceat(values, starts) if len(starts) else values[:0]
        return {**where, "type": "bool", "values": per_candle.astype(np.int8).tolist()}
    lasts = np.r_[starts[1:], len(values)] - 1 if len(starts) else starts
    at_last = values[lasts]
    picked = at_last.astype(object)
    picked[~np.isfinite(at_last)] = None
    return {**where, "type": "series", "values": picked.tolist()}
