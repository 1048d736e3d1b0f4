"""Small flows for the engine's tests: one template under test, every input wired to real bar data."""

from __future__ import annotations

from typing import Any

from engine.catalogue import TemplateSpec

# Which OHLCV field feeds an input of a given name when the flow under test has no better source.
INPUT_FIELDS = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "volume": "volume",
    "series": "close",
    "a": "close",
    "b": "open",
    "lower": "low",
    "upper": "high",
    "periods": "volume",
}


def edge(source: str, source_port: str, target: str, target_port: str, **extra: Any) -> dict[str, Any]:
    return {"source": source, "source_port": source_port, "target": target, "target_port": target_port, **extra}


def flow(nodes: list[dict[str, Any]], edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"schema_version": 1, "nodes": nodes, "edges": edges or []}


def flow_around(spec: TemplateSpec, *, params: dict[str, Any] | None = None, node_id: str = "n") -> dict[str, Any]:
    """A valid flow holding node `node_id` of template `spec`, every input connected: series inputs to an
    OHLCV field, bool inputs to "close > open". It always has an entry signal, so it compiles."""
    nodes = [
        {"id": "bars", "template": "ohlcv"},
        {"id": "up", "template": "greater_than"},
        {"id": "entry", "template": "entry_long"},
        {"id": node_id, "template": spec.name, "version": spec.version, "params": params or {}},
    ]
    edges = [
        edge("bars", "close", "up", "a"),
        edge("bars", "open", "up", "b"),
        edge("up", "value", "entry", "when"),
    ]
    for port in spec.inputs:
        if port.type == "bool":
            edges.append(edge("up", "value", node_id, port.name))
        else:
            edges.append(edge("bars", INPUT_FIELDS[port.name], node_id, port.name))
    return flow(nodes, edges)
