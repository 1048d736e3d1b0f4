"""Flow validation: every problem at once, each with its code and the node, edge or field it concerns."""

from __future__ import annotations

import pytest

from engine.catalogue import system_catalogue
from engine.errors import FlowError
from engine.flow import FORMAT_CODES, compile_flow, flow_format_problems, flow_template_names, validate_flow
from engine.tests.flow_builders import edge, flow

CATALOGUE = system_catalogue()


def sma_cross(**overrides):
    """A valid flow: enter long when the close crosses above its SMA, exit when it crosses below."""
    nodes = [
        {"id": "px", "template": "close", "position": {"x": 0, "y": 0}},
        {"id": "avg", "template": "sma", "version": "1.0.0", "label": "Trend", "params": {"timeperiod": 50}},
        {"id": "up", "template": "cross_above"},
        {"id": "down", "template": "cross_below"},
        {"id": "buy", "template": "entry_long"},
        {"id": "sell", "template": "exit_long"},
    ]
    edges = [
        edge("px", "close", "avg", "series", id="px-avg"),
        edge("px", "close", "up", "a"),
        edge("avg", "value", "up", "b"),
        edge("px", "close", "down", "a"),
        edge("avg", "value", "down", "b"),
        edge("up", "value", "buy", "when"),
        edge("down", "value", "sell", "when"),
    ]
    result = flow(nodes, edges)
    result.update(overrides)
    return result


def problems(f, parameters=None):
    return [(p.code, p.node_id, p.edge_id, p.field) for p in validate_flow(f, CATALOGUE, parameters)]


def codes(f, parameters=None):
    return [p.code for p in validate_flow(f, CATALOGUE, parameters)]


def test_a_valid_flow_has_no_problems_and_compiles_in_dependency_order():
    assert validate_flow(sma_cross(), CATALOGUE) == []
    plan = compile_flow(sma_cross(), CATALOGUE)
    order = [s.node_id for s in plan.steps]
    assert order.index("px") < order.index("avg") < order.index("up") < order.index("buy")


@pytest.mark.parametrize(
    ("bad", "code", "field"),
    [
        ([], "invalid_type", None),
        ({"schema_version": 2, "nodes": [], "edges": []}, "unsupported_version", "schema_version"),
        ({"schema_version": 1.0, "nodes": [], "edges": []}, "unsupported_version", "schema_version"),
        ({"nodes": [], "edges": []}, "required", "schema_version"),
        ({"schema_version": 1, "edges": []}, "required", "nodes"),
        ({"schema_version": 1, "nodes": {}, "edges": []}, "invalid_type", "nodes"),
        ({"schema_version": 1, "nodes": [], "edges": [], "extra": 1}, "unknown_field", "extra"),
    ],
)
def test_a_flow_that_is_not_format_v1_is_refused_with_a_format_code(bad, code, field):
    found = flow_format_problems(bad)
    assert [(p.code, p.field) for p in found] == [(code, field)]
    assert found[0].code in FORMAT_CODES
    assert validate_flow(bad, CATALOGUE)[0] == found[0]


def test_malformed_nodes_and_edges_are_each_reported_with_their_full_path():
    f = sma_cross()
    f["nodes"] += ["not a node", {"template": "sma"}, {"id": "x", "template": 3, "params": [], "colour": "red"}]
    f["edges"] += [{"source": "px", "source_port": "close", "target": "avg"}, 7]
    found = problems(f)
    assert found == [
        ("invalid_type", None, None, "nodes[6]"),
        ("required", None, None, "nodes[7].id"),
        ("invalid_type", "x", None, "nodes[8].template"),
        ("unknown_field", "x", None, "nodes[8].colour"),
        ("invalid_type", "x", None, "nodes[8].params"),
        ("required", None, "e7", "edges[7].target_port"),
        ("invalid_type", None, None, "edges[8]"),
    ]
    assert [p.message for p in validate_flow(f, CATALOGUE)][1:4] == [
        "nodes[7] has no 'id': every node needs one.",
        "Node x: template must be a non-empty string, not a number.",
        "Node x has an unknown key 'colour' (format v1 allows: id, template, version, label, params, position).",
    ]


def test_format_problems_do_not_hide_the_deeper_problems_of_the_well_formed_parts():
    f = sma_cross()
    f["nodes"][0]["position"] = {"x": "left", "y": 0}
    f["nodes"][1]["template"] = "smaa"
    f["edges"][0]["colour"] = "red"
    assert problems(f) == [
        ("invalid_type", "px", None, "nodes[0].position.x"),
        ("unknown_field", None, "px-avg", "edges[0].colour"),
        ("unknown_template", "avg", None, "template"),
    ]


def test_a_malformed_param_binding_is_a_format_problem_of_its_node():
    f = sma_cross()
    f["nodes"][1]["params"] = {"timeperiod": {"$param": "slow", "default": 9}}
    f["nodes"][2]["params"] = {"x": {"$param": 7}}
    assert problems(f, {"slow": 20}) == [
        ("invalid_param_binding", "avg", None, "nodes[1].params.timeperiod"),
        ("invalid_param_binding", "up", None, "nodes[2].params.x"),
    ]


def test_edges_without_an_id_are_named_by_their_index():
    f = sma_cross()
    f["edges"][3]["target_port"] = "nope"
    assert problems(f) == [("unknown_port", "down", "e3", "target_port"), ("missing_input", "down", None, "inputs.a")]


def test_optional_keys_set_to_null_count_as_absent():
    f = sma_cross()
    f["nodes"][1].update(version=None, label=None, params=None, position=None)
    f["edges"][0]["id"] = None
    assert validate_flow(f, CATALOGUE) == []
    assert compile_flow(f, CATALOGUE).step("avg").params == {"timeperiod": 30}


def test_two_nodes_with_one_id_is_duplicate_node_id():
    f = sma_cross()
    f["nodes"].append({"id": "avg", "template": "ema"})
    assert problems(f) == [("duplicate_node_id", "avg", None, "nodes[6].id")]
    assert "used twice: by nodes[1] and nodes[6]" in validate_flow(f, CATALOGUE)[0].message


def test_two_edges_with_one_id_is_duplicate_edge_id():
    f = sma_cross()
    f["edges"][1]["id"] = "px-avg"
    assert ("duplicate_edge_id", None, "px-avg", "edges[1].id") in problems(f)


def test_an_edge_id_may_clash_with_the_id_implied_for_an_edge_without_one():
    f = sma_cross()
    f["edges"][0]["id"] = "e2"
    found = validate_flow(f, CATALOGUE)
    assert [(p.code, p.edge_id, p.field) for p in found] == [("duplicate_edge_id", "e2", "edges[2].id")]
    assert "an edge without an id is called e<its index>" in found[0].message


def test_unknown_template_and_unknown_version_name_the_node():
    f = sma_cross()
    f["nodes"][1]["template"] = "smaa"
    f["nodes"][2]["version"] = "9.9.9"
    found = validate_flow(f, CATALOGUE)
    assert [(p.code, p.node_id, p.field) for p in found] == [
        ("unknown_template", "avg", "template"),
        ("unknown_version", "up", "version"),
    ]
    assert "has no version 9.9.9 (it has 1.0.0)" in found[1].message


def test_a_deleted_template_is_reported_as_deleted_not_unknown():
    catalogue = CATALOGUE.with_templates(
        [
            {
                "name": "my_trend",
                "display_name": "My trend",
                "node_type": "INDICATOR",
                "parameter_schema": {},
                "default_parameters": {},
                "execution_hints": {"op": "preset", "base": "sma", "fixed_params": {"timeperiod": 200}},
                "is_deleted": True,
                "user_id": "u1",
            }
        ]
    )
    f = sma_cross()
    f["nodes"][1] = {"id": "avg", "template": "my_trend"}
    found = validate_flow(f, catalogue)
    assert [(p.code, p.node_id) for p in found] == [("deleted_template", "avg")]


def test_params_failing_the_schema_name_the_param():
    f = sma_cross()
    f["nodes"][1]["params"] = {"timeperiod": 0, "colour": "red"}
    found = validate_flow(f, CATALOGUE)
    assert [(p.code, p.node_id, p.field) for p in found] == [
        ("invalid_params", "avg", "params.colour"),
        ("invalid_params", "avg", "params.timeperiod"),
    ]
    assert "0 is less than the minimum of 1" in found[1].message


def test_params_are_checked_after_defaults_and_whole_floats_become_integers():
    f = sma_cross()
    f["nodes"][1]["params"] = {"timeperiod": 20.0}
    plan = compile_flow(f, CATALOGUE)
    assert plan.step("avg").params == {"timeperiod": 20}
    assert isinstance(plan.step("avg").params["timeperiod"], int)
    assert plan.step("up").params == {"value": 0}


def test_a_template_without_params_rejects_any():
    f = sma_cross()
    f["nodes"][0]["params"] = {"symbol": "BTC"}
    assert problems(f) == [("invalid_params", "px", None, "params.symbol")]


def test_param_order_rules_are_enforced():
    f = sma_cross()
    f["nodes"].append({"id": "var", "template": "mavp", "params": {"minperiod": 20, "maxperiod": 10}})
    f["edges"] += [edge("px", "close", "var", "series"), edge("px", "close", "var", "periods")]
    assert problems(f) == [("invalid_params", "var", None, "params.maxperiod")]


def test_strategy_parameters_bind_params_and_missing_ones_are_unbound():
    f = sma_cross()
    f["nodes"][1]["params"] = {"timeperiod": {"$param": "period"}}
    assert problems(f) == [("unbound_param", "avg", None, "params.timeperiod")]
    assert validate_flow(f, CATALOGUE, {"period": 30}) == []
    assert compile_flow(f, CATALOGUE, {"period": 30}).step("avg").params == {"timeperiod": 30}
    assert problems(f, {"period": "long"}) == [("invalid_params", "avg", None, "params.timeperiod")]


def test_edges_to_missing_nodes_and_ports():
    f = sma_cross()
    f["edges"] += [edge("ghost", "value", "buy", "when"), edge("px", "open", "avg", "series")]
    found = problems(f)
    assert ("unknown_node", None, "e7", "source") in found
    assert ("unknown_port", "px", "e8", "source_port") in found


def test_an_edge_between_incompatible_ports():
    f = sma_cross()
    f["edges"][5] = edge("avg", "value", "buy", "when")
    assert problems(f) == [
        ("incompatible_ports", None, "e5", "target_port"),
        ("missing_input", "buy", None, "inputs.when"),
    ]


def test_a_number_may_feed_a_series_input_but_a_series_may_not_feed_a_number():
    f = sma_cross()
    f["nodes"].append({"id": "level", "template": "constant", "params": {"value": 100}})
    f["edges"][2] = edge("level", "value", "up", "b")
    assert validate_flow(f, CATALOGUE) == []


def test_a_second_edge_into_one_input_is_duplicate_input():
    f = sma_cross()
    f["edges"].append(edge("px", "close", "up", "b", id="again"))
    assert problems(f) == [("duplicate_input", "up", "again", "target_port")]


def test_a_cycle_names_every_node_in_it():
    f = sma_cross()
    f["nodes"] += [{"id": "s1", "template": "add"}, {"id": "s2", "template": "subtract"}]
    f["edges"] += [
        edge("s1", "value", "s2", "a"),
        edge("s2", "value", "s1", "a"),
        edge("px", "close", "s1", "b"),
        edge("px", "close", "s2", "b"),
    ]
    found = validate_flow(f, CATALOGUE)
    assert [(p.code, p.node_id) for p in found] == [("cycle", "s1")]
    assert "s1, s2" in found[0].message


def test_a_node_feeding_itself_is_a_cycle():
    f = sma_cross()
    f["nodes"].append({"id": "loop", "template": "add"})
    f["edges"] += [edge("loop", "value", "loop", "a"), edge("px", "close", "loop", "b")]
    assert problems(f) == [("cycle", "loop", None, None)]


def test_required_inputs_must_be_connected_but_optional_ones_need_not():
    f = sma_cross()
    del f["edges"][2]  # up.b is optional: it compares with its value param instead
    assert validate_flow(f, CATALOGUE) == []
    del f["edges"][0]  # avg.series is required
    assert problems(f) == [("missing_input", "avg", None, "inputs.series")]


def test_a_flow_without_an_entry_signal_is_refused():
    f = sma_cross()
    f["nodes"] = [n for n in f["nodes"] if n["id"] != "buy"]
    f["edges"] = [e for e in f["edges"] if e["target"] != "buy"]
    assert problems(f) == [("no_entry_signal", None, None, None)]
    assert problems(flow([], [])) == [("no_entry_signal", None, None, None)]


def test_an_entry_short_alone_is_an_entry_signal():
    f = sma_cross()
    f["nodes"][4]["template"] = "entry_short"
    assert validate_flow(f, CATALOGUE) == []


def test_two_risk_rules_of_one_kind_are_duplicate_risk():
    f = sma_cross()
    f["nodes"] += [
        {"id": "sl1", "template": "stop_loss"},
        {"id": "tp", "template": "take_profit"},
        {"id": "sl2", "template": "stop_loss", "params": {"percent": 5}},
    ]
    assert problems(f) == [("duplicate_risk", "sl2", None, "template")]


def test_risk_percent_must_be_above_zero_and_at_most_100():
    f = sma_cross()
    f["nodes"] += [
        {"id": "sl", "template": "stop_loss", "params": {"percent": 0}},
        {"id": "tp", "template": "take_profit", "params": {"percent": 150}},
        {"id": "size", "template": "position_size", "params": {"fraction": 1.5}},
    ]
    assert problems(f) == [
        ("invalid_params", "sl", None, "params.percent"),
        ("invalid_params", "tp", None, "params.percent"),
        ("invalid_params", "size", None, "params.fraction"),
    ]


def test_every_problem_is_reported_at_once():
    f = sma_cross()
    f["nodes"][1]["params"] = {"timeperiod": -1}
    f["nodes"].append({"id": "mystery", "template": "nope"})
    f["edges"].append(edge("up", "value", "avg", "series"))
    f["nodes"] = [n for n in f["nodes"] if n["id"] != "buy"]
    assert codes(f) == ["invalid_params", "unknown_template", "unknown_node", "incompatible_ports", "no_entry_signal"]


def test_compile_raises_flow_error_carrying_every_problem():
    f = sma_cross()
    f["nodes"][1]["template"] = "nope"
    f["nodes"][0]["params"] = {"x": 1}
    with pytest.raises(FlowError) as caught:
        compile_flow(f, CATALOGUE)
    assert [p.code for p in caught.value.problems] == ["invalid_params", "unknown_template"]
    assert caught.value.as_dicts()[1] == {
        "code": "unknown_template",
        "message": "Node avg: there is no template 'nope'.",
        "node_id": "avg",
        "field": "template",
    }


def test_flow_template_names_lists_the_templates_used():
    assert flow_template_names(sma_cross()) == {"close", "sma", "cross_above", "cross_below", "entry_long", "exit_long"}
    assert flow_template_names({"nodes": [{"template": "rsi"}, "junk", {"id": "x"}]}) == {"rsi"}
    assert flow_template_names(None) == set()
