"""Shape checks for what a strategy stores: a logic flow in format v1 and its parameter values.

These check structure only (types, required keys, unique ids), so that every stored flow can be read
by the engine. Whether the flow makes sense (templates exist, ports fit, no cycles) is the engine's
validation, run on demand by `strategy_validate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError

from engine.errors import Problem

FLOW_SCHEMA_VERSION = 1

_FLOW_KEYS = {"schema_version", "nodes", "edges"}
_NODE_REQUIRED = ("id", "template")
_NODE_OPTIONAL = {"version", "label", "params", "position"}
_EDGE_REQUIRED = ("source", "source_port", "target", "target_port")
_EDGE_OPTIONAL = {"id"}
_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


def empty_flow() -> dict[str, Any]:
    return {"schema_version": FLOW_SCHEMA_VERSION, "nodes": [], "edges": []}


def logic_flow_problems(flow: Any) -> list[Problem]:
    """Every structural problem in `flow`, each with `field` a path relative to the flow (e.g. ``nodes[2].id``)."""
    return list(_flow_problems(flow))


def parameters_problems(parameters: Any) -> list[Problem]:
    """Every problem in a parameters object (name -> number, string or boolean), `field` being the name."""
    if not isinstance(parameters, dict):
        return [Problem("invalid_type", f"Must be a JSON object of name -> value, not {_kind(parameters)}.")]
    problems = []
    for name, value in parameters.items():
        if not _PARAMETER_NAME.match(name):
            problems.append(
                Problem(
                    "invalid_name",
                    f"'{name}' is not a valid parameter name: use letters, digits and underscores, "
                    "not starting with a digit, at most 100 characters.",
                    field=name,
                )
            )
        elif not isinstance(value, bool | int | float | str):
            problems.append(
                Problem("invalid_type", f"Must be a number, string or boolean, not {_kind(value)}.", field=name)
            )
    return problems


def parameter_override_problems(defined: Mapping[str, Any], overrides: Any) -> list[Problem]:
    """Problems with parameter overrides for one run (a quick test, a code generation): each must name a
    parameter the strategy defines. None means no overrides."""
    if overrides is None:
        return []
    if not isinstance(overrides, Mapping):
        return [Problem(code="invalid_type", message="must be a JSON object of parameter values.", field="parameters")]
    return [
        Problem(
            code="unknown_parameter",
            message=f"The strategy has no parameter {name!r} (it has: {', '.join(sorted(defined)) or 'none'}).",
            field=f"parameters.{name}",
        )
        for name in overrides
        if name not in defined
    ]


def validate_logic_flow(flow: Any, *, field: str = "logic_flow") -> None:
    """Raise a ValidationError keyed by full field path (``logic_flow.nodes[2].id``) if `flow` is malformed."""
    _raise_if_any(logic_flow_problems(flow), field)


def validate_parameters(parameters: Any, *, field: str = "parameters") -> None:
    _raise_if_any(parameters_problems(parameters), field)


def _raise_if_any(problems: list[Problem], field: str) -> None:
    if not problems:
        return
    errors: dict[str, list[ValidationError]] = {}
    for problem in problems:
        path = f"{field}.{problem.field}" if problem.field else field
        errors.setdefault(path, []).append(ValidationError(problem.message, code=problem.code))
    raise ValidationError(errors)


def _flow_problems(flow: Any) -> Iterator[Problem]:
    if not isinstance(flow, dict):
        yield Problem(
            "invalid_type",
            f"Must be a JSON object with schema_version, nodes and edges, not {_kind(flow)}.",
        )
        return
    for key in sorted(set(flow) - _FLOW_KEYS):
        yield Problem("unknown_field", f"Unknown key '{key}' in a logic flow.", field=key)
    version = flow.get("schema_version")
    if version is None:
        yield Problem(
            "required", f"Required: the logic flow format version, {FLOW_SCHEMA_VERSION}.", field="schema_version"
        )
    elif type(version) is not int or version != FLOW_SCHEMA_VERSION:
        yield Problem(
            "unsupported_version",
            f"Unsupported logic flow version {version!r}; this server reads version {FLOW_SCHEMA_VERSION}.",
            field="schema_version",
        )
    nodes = flow.get("nodes")
    edges = flow.get("edges")
    for key, value in (("nodes", nodes), ("edges", edges)):
        if value is None:
            yield Problem("required", f"Required: a list of {key} (it may be empty).", field=key)
        elif not isinstance(value, list):
            yield Problem("invalid_type", f"Must be a list of {key}, not {_kind(value)}.", field=key)
    if isinstance(nodes, list):
        yield from _nodes_problems(nodes)
    if isinstance(edges, list):
        yield from _edges_problems(edges)


def _nodes_problems(nodes: list[Any]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, node in enumerate(nodes):
        at = f"nodes[{index}]"
        if not isinstance(node, dict):
            yield Problem("invalid_type", f"A node must be a JSON object, not {_kind(node)}.", field=at)
            continue
        yield from _keys_problems(node, at, _NODE_REQUIRED, _NODE_OPTIONAL, "node")
        node_id = node.get("id")
        if isinstance(node_id, str) and node_id:
            if node_id in seen:
                yield Problem("duplicate_id", f"Node id '{node_id}' is used twice.", node_id=node_id, field=f"{at}.id")
            seen.add(node_id)
        for key in ("version", "label"):
            if key in node and not isinstance(node[key], str):
                yield Problem("invalid_type", f"Must be a string, not {_kind(node[key])}.", field=f"{at}.{key}")
        if "params" in node and not isinstance(node["params"], dict):
            yield Problem(
                "invalid_type",
                f"Must be a JSON object of name -> value, not {_kind(node['params'])}.",
                field=f"{at}.params",
            )
        if "position" in node:
            yield from _position_problems(node["position"], f"{at}.position")


def _edges_problems(edges: list[Any]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, edge in enumerate(edges):
        at = f"edges[{index}]"
        if not isinstance(edge, dict):
            yield Problem("invalid_type", f"An edge must be a JSON object, not {_kind(edge)}.", field=at)
            continue
        yield from _keys_problems(edge, at, _EDGE_REQUIRED, _EDGE_OPTIONAL, "edge")
        edge_id = edge.get("id")
        if "id" in edge and (not isinstance(edge_id, str) or not edge_id):
            yield Problem("invalid_type", "An edge id must be a non-empty string.", field=f"{at}.id")
        elif isinstance(edge_id, str):
            if edge_id in seen:
                yield Problem("duplicate_id", f"Edge id '{edge_id}' is used twice.", edge_id=edge_id, field=f"{at}.id")
            seen.add(edge_id)


def _keys_problems(
    item: dict[str, Any], at: str, required: tuple[str, ...], optional: set[str], what: str
) -> Iterator[Problem]:
    for key in required:
        value = item.get(key)
        if key not in item:
            yield Problem("required", f"Required: every {what} has a '{key}'.", field=f"{at}.{key}")
        elif not isinstance(value, str) or not value:
            yield Problem("invalid_type", f"Must be a non-empty string, not {_kind(value)}.", field=f"{at}.{key}")
    for key in sorted(set(item) - set(required) - optional):
        yield Problem("unknown_field", f"Unknown key '{key}' in a {what}.", field=f"{at}.{key}")


def _position_problems(position: Any, at: str) -> Iterator[Problem]:
    if not isinstance(position, dict) or set(position) != {"x", "y"}:
        yield Problem("invalid_type", 'A position must be {"x": number, "y": number}.', field=at)
        return
    for key in ("x", "y"):
        value = position[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield Problem("invalid_type", f"Must be a number, not {_kind(value)}.", field=f"{at}.{key}")


def _kind(value: Any) -> str:
    """How JSON would name the type of `value`, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
