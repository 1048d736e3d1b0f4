"""The shape of a logic flow in format v1, checked once for everyone who reads or stores one.

    {"schema_version": 1,
     "nodes": [{"id", "template", "version"?, "label"?, "params"?, "position"?}],
     "edges": [{"id"?, "source", "source_port", "target", "target_port"}]}

`id`, `template` and the four edge ends are non-empty strings; `version` and `label` strings; `params` an
object whose values are literals or a binding {"$param": "<strategy parameter name>"}; `position`
{"x": number, "y": number}. An optional key set to null counts as absent. An edge without an id is called
"e<index>" (0-based, its place in the list); node ids and edge ids are each unique within the flow.

`flow_format_problems` reports every way a flow departs from this, all at once. Each problem's `field` is
the full path inside the flow ("nodes[2].params", "edges[0].source_port"), with `node_id` / `edge_id` set
when the item has a usable id, and one of these codes (together FORMAT_CODES):

    required               a required key is missing
    invalid_type           a value of the wrong type (an empty string where a name is needed, a position
                           that is not {"x": number, "y": number}, ...)
    unknown_field          a key format v1 does not have
    unsupported_version    schema_version is not 1
    invalid_param_binding  a {"$param": ...} binding that is not {"$param": "<name>"}
    duplicate_node_id      two nodes share an id
    duplicate_edge_id      two edges share an id (given or implied by their place)

`read_flow` also hands back the items that passed, so flow validation can go on to check those parts in
depth while it reports the malformed ones. `flow_json_schema` is the same format as a JSON Schema (for API
documentation and clients), built from the same key lists, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Problem

SCHEMA_VERSION = 1
FLOW_KEYS = ("schema_version", "nodes", "edges")
NODE_REQUIRED = ("id", "template")
NODE_OPTIONAL = ("version", "label", "params", "position")
EDGE_REQUIRED = ("source", "source_port", "target", "target_port")
EDGE_OPTIONAL = ("id",)
PARAM_BINDING = "$param"
FORMAT_CODES = frozenset(
    {
        "required",
        "invalid_type",
        "unknown_field",
        "unsupported_version",
        "invalid_param_binding",
        "duplicate_node_id",
        "duplicate_edge_id",
    }
)


_NAME = {"type": "string", "minLength": 1}
_DEFS: dict[str, dict[str, Any]] = {
    "ParamBinding": {
        "type": "object",
        "description": "A node param taking the value of the strategy parameter it names (from `parameters`).",
        "properties": {PARAM_BINDING: {**_NAME, "description": "The strategy parameter's name."}},
        "required": [PARAM_BINDING],
        "additionalProperties": False,
    },
    "NodePosition": {
        "type": "object",
        "description": "Where the editor draws the node.",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"],
        "additionalProperties": False,
    },
}
# Each key of a node or an edge: its JSON Schema and what it means.
_KEY_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {
        **_NAME,
        "description": "A node's id is unique among the nodes, an edge's among the edges (e<index> when absent).",
    },
    "template": {**_NAME, "description": "The node template's name, as in the catalogue."},
    "version": {"type": "string", "description": "The template version; the current one when absent."},
    "label": {"type": "string", "description": "What the editor shows on the node."},
    "params": {
        "type": "object",
        "description": 'The template\'s params by name: a value, or {"$param": "<strategy parameter name>"}.',
        "additionalProperties": {
            "anyOf": [
                {"$ref": "#/$defs/ParamBinding"},
                {"not": {"type": "object", "required": [PARAM_BINDING]}, "description": "A literal value."},
            ]
        },
    },
    "position": {"$ref": "#/$defs/NodePosition"},
    "source": {**_NAME, "description": "Id of the node the edge leaves."},
    "source_port": {**_NAME, "description": "Output port of the source node."},
    "target": {**_NAME, "description": "Id of the node the edge enters."},
    "target_port": {**_NAME, "description": "Input port of the target node."},
}


def flow_json_schema() -> dict[str, Any]:
    """Format v1 as a JSON Schema (draft 2020-12), sub-schemas under `$defs`.

    JSON Schema cannot say that ids are unique (duplicate_node_id, duplicate_edge_id); everything else
    `flow_format_problems` checks, it says too.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "LogicFlow",
        "description": (
            f"A strategy's logic flow, format v{SCHEMA_VERSION}: nodes (each an instance of a node template, "
            "with its params) and edges (from an output port of one node to an input port of another). "
            "Node ids are unique, and so are edge ids; an edge without an id is called e<its index>. "
            "An optional key set to null counts as absent."
        ),
        "type": "object",
        "properties": {
            "schema_version": {"type": "integer", "enum": [SCHEMA_VERSION]},
            "nodes": {"type": "array", "items": {"$ref": "#/$defs/FlowNode"}},
            "edges": {"type": "array", "items": {"$ref": "#/$defs/FlowEdge"}},
        },
        "required": list(FLOW_KEYS),
        "additionalProperties": False,
        "$defs": {
            "FlowNode": _item_schema("A node of the flow.", NODE_REQUIRED, NODE_OPTIONAL),
            "FlowEdge": _item_schema(
                "An edge: source.source_port -> target.target_port.", EDGE_REQUIRED, EDGE_OPTIONAL
            ),
            **_DEFS,
        },
    }


def _item_schema(description: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
    properties = {key: _KEY_SCHEMAS[key] for key in required} | {key: _nullable(_KEY_SCHEMAS[key]) for key in optional}
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


@dataclass(frozen=True)
class FlowNode:
    """A node with a usable id that no earlier node has. `well_formed` is False when the node has format
    problems: it still exists (edges to it are not "unknown"), but nothing more can be read from it."""

    id: str
    index: int
    well_formed: bool
    template: str = ""
    version: str | None = None
    label: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FlowEdge:
    """A well-formed edge with an id no earlier edge has (its own, or "e<index>")."""

    id: str
    index: int
    source: str
    source_port: str
    target: str
    target_port: str


@dataclass(frozen=True)
class FlowReading:
    """What `read_flow` found: every format problem, whether the top level can be read at all (a JSON
    object of version 1 with lists of nodes and edges), and the nodes and edges that can be."""

    problems: list[Problem]
    readable: bool
    nodes: list[FlowNode]
    edges: list[FlowEdge]


def flow_format_problems(flow: Any) -> list[Problem]:
    """Every way `flow` departs from format v1; empty when it is well-formed."""
    return read_flow(flow).problems


def read_flow(flow: Any) -> FlowReading:
    """Check the shape of `flow` and read its nodes and edges (see the module's docstring)."""
    problems: list[Problem] = []
    if not isinstance(flow, dict):
        problems.append(
            Problem(
                "invalid_type",
                f"A logic flow must be a JSON object with schema_version, nodes and edges, not {json_kind(flow)}.",
            )
        )
        return FlowReading(problems, readable=False, nodes=[], edges=[])
    problems += _top_level_problems(flow)
    readable = not problems
    problems += _unknown_keys(flow, FLOW_KEYS, "", "The logic flow")
    nodes: list[FlowNode] = []
    edges: list[FlowEdge] = []
    if isinstance(flow.get("nodes"), list):
        nodes = _read_nodes(flow["nodes"], problems)
    if isinstance(flow.get("edges"), list):
        edges = _read_edges(flow["edges"], problems)
    return FlowReading(problems, readable=readable, nodes=nodes, edges=edges)


def json_kind(value: Any) -> str:
    """How JSON would name the type of `value`, for messages ("a string", "null", "an object" ...)."""
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


def _top_level_problems(flow: dict[str, Any]) -> Iterator[Problem]:
    version = flow.get("schema_version")
    if version is None:
        yield Problem(
            "required",
            f"The logic flow has no schema_version: it must say which format it is in ({SCHEMA_VERSION}).",
            field="schema_version",
        )
    elif type(version) is not int or version != SCHEMA_VERSION:
        yield Problem(
            "unsupported_version",
            f"Unsupported logic flow schema_version {version!r}: only format version {SCHEMA_VERSION} can be read.",
            field="schema_version",
        )
    for key in ("nodes", "edges"):
        value = flow.get(key)
        if value is None:
            yield Problem(
                "required", f"The logic flow has no {key}: it needs a list of {key}, which may be empty.", field=key
            )
        elif not isinstance(value, list):
            yield Problem("invalid_type", f"{key} must be a list of {key}, not {json_kind(value)}.", field=key)


def _read_nodes(raw_nodes: list[Any], problems: list[Problem]) -> list[FlowNode]:
    nodes: dict[str, FlowNode] = {}
    for index, at, raw in _objects(raw_nodes, "nodes", "a node", NODE_OPTIONAL, problems):
        node_id = raw.get("id")
        usable_id = node_id if _is_name(node_id) else None
        who = f"Node {usable_id}" if usable_id else at
        found = [
            *_required_strings(raw, NODE_REQUIRED, at, who, "node", node_id=usable_id),
            *_unknown_keys(raw, (*NODE_REQUIRED, *NODE_OPTIONAL), at, who, node_id=usable_id),
            *_node_value_problems(raw, at, who, usable_id),
        ]
        problems += found
        if usable_id is None:
            continue
        if usable_id in nodes:
            first = nodes[usable_id].index
            problems.append(
                Problem(
                    "duplicate_node_id",
                    f"Node id {usable_id!r} is used twice: by nodes[{first}] and {at}.",
                    node_id=usable_id,
                    field=f"{at}.id",
                )
            )
            continue
        if found:
            nodes[usable_id] = FlowNode(usable_id, index, well_formed=False)
        else:
            nodes[usable_id] = FlowNode(
                usable_id,
                index,
                well_formed=True,
                template=raw["template"],
                version=raw.get("version"),
                label=raw.get("label"),
                params=raw.get("params", {}),
            )
    return list(nodes.values())


def _node_value_problems(raw: dict[str, Any], at: str, who: str, node_id: str | None) -> Iterator[Problem]:
    for key in ("version", "label"):
        if key in raw and not isinstance(raw[key], str):
            yield Problem(
                "invalid_type",
                f"{who}: {key} must be a string, not {json_kind(raw[key])}.",
                node_id=node_id,
                field=f"{at}.{key}",
            )
    if "params" in raw:
        params = raw["params"]
        if not isinstance(params, dict):
            yield Problem(
                "invalid_type",
                f"{who}: params must be a JSON object of name -> value, not {json_kind(params)}.",
                node_id=node_id,
                field=f"{at}.params",
            )
        else:
            for name, value in params.items():
                if _is_binding(value) and (set(value) != {PARAM_BINDING} or not _is_name(value[PARAM_BINDING])):
                    yield Problem(
                        "invalid_param_binding",
                        f'{who}: params.{name} must be {{"$param": "<strategy parameter name>"}}.',
                        node_id=node_id,
                        field=f"{at}.params.{name}",
                    )
    if "position" in raw:
        yield from _position_problems(raw["position"], f"{at}.position", who, node_id)


def _position_problems(position: Any, at: str, who: str, node_id: str | None) -> Iterator[Problem]:
    shape = '{"x": <number>, "y": <number>}'
    if not isinstance(position, dict) or set(position) != {"x", "y"}:
        if isinstance(position, dict):
            got = f"keys {', '.join(sorted(position))}" if position else "no keys"
        else:
            got = json_kind(position)
        yield Problem("invalid_type", f"{who}: position must be {shape}, not {got}.", node_id=node_id, field=at)
        return
    for key in ("x", "y"):
        value = position[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield Problem(
                "invalid_type",
                f"{who}: position.{key} must be a number, not {json_kind(value)}.",
                node_id=node_id,
                field=f"{at}.{key}",
            )


def _read_edges(raw_edges: list[Any], problems: list[Problem]) -> list[FlowEdge]:
    edges: list[FlowEdge] = []
    seen: dict[str, tuple[int, bool]] = {}  # edge id -> (index of the first edge with it, whether it was implied)
    for index, at, raw in _objects(raw_edges, "edges", "an edge", EDGE_OPTIONAL, problems):
        implied = "id" not in raw
        edge_id = raw.get("id", f"e{index}")
        found: list[Problem] = []
        if not _is_name(edge_id):
            found.append(
                Problem(
                    "invalid_type",
                    f"{at}: id must be a non-empty string, not {json_kind(edge_id)}.",
                    field=f"{at}.id",
                )
            )
            edge_id = None
        who = f"Edge {edge_id}" if edge_id else at
        found += _required_strings(raw, EDGE_REQUIRED, at, who, "edge", edge_id=edge_id)
        found += _unknown_keys(raw, (*EDGE_OPTIONAL, *EDGE_REQUIRED), at, who, edge_id=edge_id)
        problems += found
        if edge_id is None:
            continue
        if edge_id in seen:
            first, first_implied = seen[edge_id]
            problems.append(
                Problem(
                    "duplicate_edge_id",
                    f"Edge id {edge_id!r} is used twice: by edges[{first}] and {at}"
                    + (" (an edge without an id is called e<its index>)." if implied or first_implied else "."),
                    edge_id=edge_id,
                    field=f"{at}.id",
                )
            )
            continue
        seen[edge_id] = (index, implied)
        if not found:
            edges.append(FlowEdge(edge_id, index, *(raw[key] for key in EDGE_REQUIRED)))
    return edges


def _objects(
    items: list[Any], key: str, noun: str, optional: tuple[str, ...], problems: list[Problem]
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(index, path, the item without its optional keys set to null) for each JSON object in `items`,
    reporting any other value in the list as a problem."""
    for index, item in enumerate(items):
        at = f"{key}[{index}]"
        if isinstance(item, dict):
            yield index, at, _without_nulls(item, optional)
        else:
            problems.append(
                Problem("invalid_type", f"{at} must be a JSON object ({noun}), not {json_kind(item)}.", field=at)
            )


def _required_strings(
    item: dict[str, Any], keys: tuple[str, ...], at: str, who: str, what: str, **where: str | None
) -> Iterator[Problem]:
    for key in keys:
        if key not in item:
            yield Problem("required", f"{who} has no {key!r}: every {what} needs one.", field=f"{at}.{key}", **where)
        elif not _is_name(item[key]):
            yield Problem(
                "invalid_type",
                f"{who}: {key} must be a non-empty string, not {json_kind(item[key])}.",
                field=f"{at}.{key}",
                **where,
            )


def _unknown_keys(
    item: dict[str, Any], known: tuple[str, ...], at: str, who: str, **where: str | None
) -> Iterator[Problem]:
    for key in sorted(set(item) - set(known), key=str):
        yield Problem(
            "unknown_field",
            f"{who} has an unknown key {key!r} (format v1 allows: {', '.join(known)}).",
            field=f"{at}.{key}" if at else key,
            **where,
        )


def _without_nulls(item: dict[str, Any], optional: tuple[str, ...]) -> dict[str, Any]:
    """`item` without its optional keys set to null: those count as absent."""
    return {key: value for key, value in item.items() if value is not None or key not in optional}


def _is_binding(value: Any) -> bool:
    """Whether a param value is meant as a binding: an object with a "$param" key (well-formed or not)."""
    return isinstance(value, dict) and PARAM_BINDING in value


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and bool(value)
