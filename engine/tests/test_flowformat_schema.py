"""`flow_json_schema` and `flow_format_problems` are two statements of one format: they must agree on
every input (except id uniqueness, which JSON Schema cannot state)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.flowformat import (
    EDGE_OPTIONAL,
    EDGE_REQUIRED,
    NODE_OPTIONAL,
    NODE_REQUIRED,
    flow_format_problems,
    flow_json_schema,
)

VALIDATOR = jsonschema.Draft202012Validator(flow_json_schema())
UNIQUENESS = {"duplicate_node_id", "duplicate_edge_id"}
REFERENCE_FLOW = json.loads((Path(__file__).parent.parent / "examples" / "reference_flow.json").read_text())


def agree(flow: Any) -> None:
    schema_errors = [error.message for error in VALIDATOR.iter_errors(flow)]
    codes = {problem.code for problem in flow_format_problems(flow)}
    if codes <= UNIQUENESS:
        assert not schema_errors, f"the engine accepts {flow!r}, the JSON Schema does not: {schema_errors}"
    else:
        assert schema_errors, f"the engine refuses {flow!r} ({sorted(codes)}), the JSON Schema accepts it"


def test_the_schema_is_a_valid_json_schema_that_accepts_the_reference_flow():
    jsonschema.Draft202012Validator.check_schema(flow_json_schema())

    assert not list(VALIDATOR.iter_errors(REFERENCE_FLOW))
    assert not flow_format_problems(REFERENCE_FLOW)


def test_the_schema_names_every_key_the_format_has():
    defs = flow_json_schema()["$defs"]

    assert list(defs["FlowNode"]["properties"]) == [*NODE_REQUIRED, *NODE_OPTIONAL]
    assert defs["FlowNode"]["required"] == list(NODE_REQUIRED)
    assert list(defs["FlowEdge"]["properties"]) == [*EDGE_REQUIRED, *EDGE_OPTIONAL]
    assert defs["FlowEdge"]["required"] == list(EDGE_REQUIRED)


# JSON values, floats never integral: JSON Schema counts 1.0 as the integer 1, Python's json does not.
_scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "n1", "$param"])
_scalars |= st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
_keys = st.sampled_from(["", "a", "x", "y", "id", "$param", "extra"])
_json = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3), max_leaves=6
)
_names = st.sampled_from(["n1", "n2", "close", "e0"])
# Values that are each wrong somewhere in a flow (and right elsewhere).
DEFECTS = [None, "", "n3", 0, 2, 1.5, True, [], {}, {"$param": ""}, {"$param": "a", "b": 1}, {"x": 1}, {"x": 1, "y": 2}]
_defects = st.sampled_from(DEFECTS)
_param_values = st.integers() | st.text(max_size=2) | st.booleans() | st.fixed_dictionaries({"$param": _names})


def _optional(key: str, value: st.SearchStrategy) -> st.SearchStrategy:
    """The key with a value, the key set to null, or no key."""
    return st.one_of(st.just({}), st.just({key: None}), value.map(lambda v: {key: v}))


@st.composite
def _valid_node(draw) -> dict:
    node = {"id": draw(_names), "template": draw(st.sampled_from(["sma", "close"]))}
    node |= draw(_optional("version", st.sampled_from(["1.0.0", ""])))
    node |= draw(_optional("label", st.text(max_size=3)))
    node |= draw(_optional("params", st.dictionaries(st.sampled_from(["timeperiod", "value"]), _param_values)))
    node |= draw(_optional("position", st.fixed_dictionaries({"x": st.integers(), "y": st.floats(-1e6, 1e6)})))
    return node


@st.composite
def _valid_edge(draw) -> dict:
    edge = {key: draw(_names) for key in EDGE_REQUIRED}
    return edge | draw(_optional("id", _names))


def _objects_in(value: Any) -> list[dict]:
    found = [value] if isinstance(value, dict) else []
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for child in children:
        found += _objects_in(child)
    return found


@st.composite
def _flows(draw) -> Any:
    """A well-formed flow with up to two defects: a value replaced by any JSON, a key removed or added."""
    flow = {"schema_version": 1, "nodes": draw(st.lists(_valid_node(), max_size=3))}
    flow["edges"] = draw(st.lists(_valid_edge(), max_size=3))
    for _ in range(draw(st.integers(0, 2))):
        slots = [(target, key) for target in _objects_in(flow) for key in target]
        target, key = draw(st.sampled_from(slots)) if slots else (flow, "nodes")
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "replace":
            target[key] = draw(_defects | _json)
        elif action == "remove":
            del target[key]
        else:
            target[draw(_keys)] = draw(_defects | _json)
    return flow if draw(st.integers(0, 19)) else draw(_json)


SMALL_FLOW = {
    "schema_version": 1,
    "nodes": [
        {
            "id": "px",
            "template": "close",
            "version": "1.0.0",
            "label": "Close",
            "params": {},
            "position": {"x": 0, "y": 1.5},
        },
        {"id": "avg", "template": "sma", "params": {"timeperiod": {"$param": "fast"}, "note": "x"}},
    ],
    "edges": [
        {"id": "px-avg", "source": "px", "source_port": "close", "target": "avg", "target_port": "series"},
        {"source": "avg", "source_port": "value", "target": "px", "target_port": "x"},
    ],
}


def _single_defects() -> list[Any]:
    """SMALL_FLOW with each of its values replaced by each defect, each key removed, a key added anywhere."""
    flows = []
    for path in _paths(SMALL_FLOW):
        for defect in [*DEFECTS, "REMOVE"]:
            flow = copy.deepcopy(SMALL_FLOW)
            target = _at(flow, path[:-1])
            if defect == "REMOVE":
                del target[path[-1]]
            else:
                target[path[-1]] = defect
            flows.append(flow)
    for path in [(), *(p for p in _paths(SMALL_FLOW) if isinstance(_at(SMALL_FLOW, p), dict))]:
        flow = copy.deepcopy(SMALL_FLOW)
        _at(flow, path)["extra"] = 1
        flows.append(flow)
    return flows


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths to every value inside dicts (list items are reached through their index)."""
    paths = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        if isinstance(value, dict):
            paths.append((*prefix, key))
        paths += _paths(child, (*prefix, key))
    return paths


def _at(value: Any, path: tuple) -> Any:
    for key in path:
        value = value[key]
    return value


def test_the_schema_and_the_engine_agree_on_every_single_defect():
    flows = _single_defects()

    assert len(flows) > 300
    for flow in flows:
        agree(flow)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_flows())
def test_the_schema_and_the_engine_agree_on_any_input(flow):
    agree(flow)
