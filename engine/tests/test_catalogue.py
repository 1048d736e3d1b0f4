"""The catalogue: every system template has an implementation; custom presets and composites resolve to system
operations, and custom templates that cannot be used say why."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from engine.catalogue import Catalogue, implementation_problems, system_catalogue
from engine.errors import TemplateError
from engine.evaluate import evaluate
from engine.flow import compile_flow, validate_flow
from engine.library import load_system_templates
from engine.ops import OPERATIONS
from engine.synthetic import generate_bars
from engine.tests.flow_builders import edge, flow

SYSTEM = system_catalogue()


def custom(name, hints, **fields):
    return {
        "name": name,
        "display_name": name.replace("_", " ").title(),
        "node_type": fields.pop("node_type", "INDICATOR"),
        "parameter_schema": fields.pop("parameter_schema", {}),
        "default_parameters": fields.pop("default_parameters", {}),
        "input_ports": fields.pop("input_ports", []),
        "output_ports": fields.pop("output_ports", []),
        "execution_hints": hints,
        "user_id": "u1",
        **fields,
    }


TREND_200 = custom("trend_200", {"op": "preset", "base": "sma", "fixed_params": {"timeperiod": 200}})
FAST_EMA = custom(
    "fast_ema",
    {"op": "preset", "base": "ema"},
    parameter_schema={
        "type": "object",
        "properties": {"timeperiod": {"type": "integer", "minimum": 2, "maximum": 50, "default": 9}},
        "additionalProperties": False,
    },
    default_parameters={"timeperiod": 9},
)


def strategy_using(template, params=None, output="value", input_port="series"):
    return flow(
        [
            {"id": "px", "template": "close"},
            {"id": "node", "template": template, "params": params or {}},
            {"id": "up", "template": "greater_than"},
            {"id": "buy", "template": "entry_long"},
        ],
        [
            edge("px", "close", "node", input_port),
            edge("node", output, "up", "a"),
            edge("up", "value", "buy", "when"),
        ],
    )


def test_every_system_template_has_a_working_implementation():
    assert len(SYSTEM) == len(load_system_templates())
    for spec in SYSTEM:
        assert spec.op in OPERATIONS, spec.name
        assert implementation_problems(spec) == [], spec.name
        assert SYSTEM.problems(spec) == []


def test_a_system_template_without_an_implementation_is_refused():
    templates = load_system_templates()
    sma = next(t for t in templates if t["name"] == "sma")
    sma["execution_hints"] = {"op": "magic"}
    rsi = next(t for t in templates if t["name"] == "rsi")
    rsi["execution_hints"]["outputs"] = ["value", "extra"]
    with pytest.raises(TemplateError) as caught:
        Catalogue.from_system_templates(templates)
    messages = [p.message for p in caught.value.problems]
    assert any("'sma'" in m and "no operation implements" in m for m in messages)
    assert any("'rsi'" in m and "outputs" in m for m in messages)


def test_lookup_by_name_and_version_prefers_the_newest_live_version():
    catalogue = SYSTEM.with_templates(
        [
            {**TREND_200, "version": "1.0.0"},
            {**TREND_200, "version": "1.2.0"},
            {**TREND_200, "version": "1.10.0", "is_deleted": True},
        ]
    )
    assert catalogue.get("trend_200").version == "1.2.0"
    assert catalogue.get("trend_200", "1.0.0").version == "1.0.0"
    assert catalogue.get("trend_200", "1.10.0").is_deleted
    assert catalogue.get("trend_200", "2.0.0") is None
    assert catalogue.versions("trend_200") == ["1.0.0", "1.2.0", "1.10.0"]
    assert catalogue.get("nothing") is None
    assert "trend_200" not in SYSTEM  # adding templates never changes the catalogue it came from


def test_a_preset_computes_its_base_with_fixed_params_and_inherits_its_ports():
    catalogue = SYSTEM.with_templates([TREND_200])
    spec = catalogue.get("trend_200")
    assert catalogue.problems(spec) == []
    assert [p.name for p in spec.inputs] == ["series"] and [p.name for p in spec.outputs] == ["value"]
    plan = compile_flow(strategy_using("trend_200"), catalogue)
    step = plan.step("node")
    assert (step.template, step.op, step.params) == ("trend_200", "talib", {"timeperiod": 200})
    bars = generate_bars(400, seed=5)
    np.testing.assert_array_equal(evaluate(plan, bars).values["node"]["value"], talib.SMA(bars.close, 200))


def test_a_preset_has_its_own_params_and_fixed_params_cannot_be_set_by_a_node():
    catalogue = SYSTEM.with_templates([TREND_200, FAST_EMA])
    assert compile_flow(strategy_using("fast_ema"), catalogue).step("node").params == {"timeperiod": 9}
    assert compile_flow(strategy_using("fast_ema", {"timeperiod": 12}), catalogue).step("node").params == {
        "timeperiod": 12
    }
    found = validate_flow(strategy_using("fast_ema", {"timeperiod": 80}), catalogue)
    assert [(p.code, p.node_id, p.field) for p in found] == [("invalid_params", "node", "params.timeperiod")]
    found = validate_flow(strategy_using("trend_200", {"timeperiod": 50}), catalogue)
    assert [(p.code, p.node_id, p.field) for p in found] == [("invalid_params", "node", "params.timeperiod")]


def test_a_preset_of_a_preset_resolves_down_to_the_system_operation():
    catalogue = SYSTEM.with_templates(
        [FAST_EMA, custom("ema_5", {"op": "preset", "base": "fast_ema", "fixed_params": {"timeperiod": 5}})]
    )
    assert compile_flow(strategy_using("ema_5"), catalogue).step("node").params == {"timeperiod": 5}


def test_presets_with_an_unknown_base_or_foreign_params_cannot_be_used():
    catalogue = SYSTEM.with_templates(
        [
            custom("ghost", {"op": "preset", "base": "no_such_indicator"}),
            custom("odd", {"op": "preset", "base": "sma", "fixed_params": {"window": 5}}),
            custom(
                "wrong_ports",
                {"op": "preset", "base": "sma"},
                input_ports=[{"name": "x", "type": "series"}],
                output_ports=[{"name": "value", "type": "series"}],
            ),
        ]
    )
    assert [p.code for p in catalogue.problems(catalogue.get("ghost"))] == ["unknown_base"]
    assert [(p.code, p.field) for p in catalogue.problems(catalogue.get("odd"))] == [
        ("invalid_params", "execution_hints.fixed_params.window")
    ]
    assert [(p.code, p.field) for p in catalogue.problems(catalogue.get("wrong_ports"))] == [
        ("invalid_ports", "input_ports")
    ]
    found = validate_flow(strategy_using("ghost"), catalogue)
    assert (found[0].code, found[0].node_id) == ("invalid_template", "node")
    assert "no_such_indicator" in found[0].message


def composite_gap(**changes):
    """A composite "series minus its SMA", with both inner inputs fed by the exposed series input."""
    hints = {
        "op": "composite",
        "flow": flow(
            [
                {"id": "avg", "template": "sma", "params": {"timeperiod": {"$param": "period"}}},
                {"id": "copy", "template": "lag", "params": {"bars": 1}},
                {"id": "diff", "template": "subtract"},
            ],
            [edge("avg", "value", "diff", "b"), edge("copy", "value", "diff", "a")],
        ),
        "inputs": {"series": {"node": "avg", "port": "series"}, "previous": {"node": "copy", "port": "series"}},
        "outputs": {"gap": {"node": "diff", "port": "value"}},
    }
    hints.update(changes)
    return custom(
        "lagged_gap",
        hints,
        parameter_schema={
            "type": "object",
            "properties": {"period": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20}},
            "additionalProperties": False,
        },
        default_parameters={"period": 20},
        input_ports=[
            {"name": "series", "type": "series", "required": True},
            {"name": "previous", "type": "series", "required": True},
        ],
        output_ports=[{"name": "gap", "type": "series"}],
    )


def composite_strategy(params=None):
    return flow(
        [
            {"id": "px", "template": "close"},
            {"id": "gap", "template": "lagged_gap", "params": params or {}},
            {"id": "up", "template": "greater_than"},
            {"id": "buy", "template": "entry_long"},
        ],
        [
            edge("px", "close", "gap", "series"),
            edge("px", "close", "gap", "previous"),
            edge("gap", "gap", "up", "a"),
            edge("up", "value", "buy", "when"),
        ],
    )


def test_composite_nodes_are_inlined_with_prefixed_ids_and_their_params_bound():
    catalogue = SYSTEM.with_templates([composite_gap()])
    assert catalogue.problems(catalogue.get("lagged_gap")) == []
    plan = compile_flow(composite_strategy({"period": 10}), catalogue)
    ids = [s.node_id for s in plan.steps]
    assert {"gap/avg", "gap/copy", "gap/diff", "gap"} <= set(ids)
    assert ids.index("gap/diff") < ids.index("gap") < ids.index("up")
    assert plan.step("gap/avg").params == {"timeperiod": 10}

    bars = generate_bars(300, seed=9)
    values = evaluate(plan, bars).values
    expected = np.concatenate(([np.nan], bars.close[:-1])) - talib.SMA(bars.close, 10)
    np.testing.assert_array_equal(values["gap"]["gap"], expected)
    np.testing.assert_array_equal(values["gap/diff"]["value"], expected)


def test_composite_params_are_checked_against_its_schema_and_down_in_its_sub_flow():
    catalogue = SYSTEM.with_templates([composite_gap()])
    found = validate_flow(composite_strategy({"period": 501}), catalogue)
    assert [(p.code, p.node_id, p.field) for p in found] == [("invalid_params", "gap", "params.period")]

    lenient = composite_gap()
    lenient["parameter_schema"]["properties"]["period"]["minimum"] = 0
    found = validate_flow(composite_strategy({"period": 0}), SYSTEM.with_templates([lenient]))
    assert [(p.code, p.node_id, p.field) for p in found] == [("invalid_params", "gap", "params.timeperiod")]
    assert "inside 'lagged_gap': Node avg: params.timeperiod: 0 is less than the minimum of 1" in found[0].message


def test_composite_mappings_must_name_real_ports_and_cover_every_port():
    broken = composite_gap(
        inputs={"series": {"node": "avg", "port": "nope"}},
        outputs={"gap": {"node": "diff", "port": "value"}, "spare": {"node": "diff", "port": "value"}},
    )
    catalogue = SYSTEM.with_templates([broken])
    found = [(p.code, p.field) for p in catalogue.problems(catalogue.get("lagged_gap"))]
    assert ("invalid_hints", "execution_hints.inputs") in found  # "previous" is not mapped
    assert ("invalid_hints", "execution_hints.outputs") in found  # "spare" is not a declared port


def test_a_composite_with_a_broken_sub_flow_or_signals_inside_cannot_be_used():
    inner = composite_gap()
    inner["execution_hints"]["flow"]["nodes"].append({"id": "buy", "template": "entry_long"})
    inner["execution_hints"]["flow"]["nodes"].append({"id": "what", "template": "unknown_thing"})
    catalogue = SYSTEM.with_templates([inner])
    found = [(p.code, p.node_id) for p in catalogue.problems(catalogue.get("lagged_gap"))]
    assert ("not_allowed_in_composite", "buy") in found
    assert ("unknown_template", "what") in found
    assert ("missing_input", "buy") in found


def test_recursive_composites_are_rejected_with_the_path():
    def wrapper(name, uses):
        return custom(
            name,
            {
                "op": "composite",
                "flow": flow([{"id": "inner", "template": uses}]),
                "inputs": {"series": {"node": "inner", "port": "series"}},
                "outputs": {"value": {"node": "inner", "port": "value"}},
            },
            input_ports=[{"name": "series", "type": "series", "required": True}],
            output_ports=[{"name": "value", "type": "series"}],
        )

    catalogue = SYSTEM.with_templates(
        [wrapper("loop_a", "loop_b"), wrapper("loop_b", "loop_a"), wrapper("selfish", "selfish")]
    )
    for name in ("loop_a", "loop_b", "selfish"):
        problems = catalogue.problems(catalogue.get(name))
        assert [p.code for p in problems] == ["recursive_template"], name
        assert "uses itself" in problems[0].message
    assert "loop_a -> loop_b -> loop_a" in catalogue.problems(catalogue.get("loop_b"))[0].message
    found = validate_flow(strategy_using("selfish"), catalogue)
    assert [(p.code, p.node_id) for p in found] == [("recursive_template", "node")]


def test_recursive_presets_are_rejected():
    catalogue = SYSTEM.with_templates(
        [custom("p1", {"op": "preset", "base": "p2"}), custom("p2", {"op": "preset", "base": "p1"})]
    )
    assert [p.code for p in catalogue.problems(catalogue.get("p1"))] == ["recursive_template"]


def test_custom_templates_cannot_bring_their_own_operation_or_take_a_system_name():
    catalogue = SYSTEM.with_templates(
        [
            custom("my_rsi", {"op": "talib", "function": "RSI", "inputs": ["series"], "outputs": ["value"]}),
            custom("sma", {"op": "preset", "base": "ema"}),
            {"name": 42},
        ]
    )
    assert [p.code for p in catalogue.problems(catalogue.get("my_rsi"))] == ["invalid_hints"]
    assert catalogue.get("sma").is_system
    assert [(t.get("name"), [p.code for p in found]) for t, found in catalogue.rejected] == [
        ("sma", ["duplicate_template"]),
        (42, ["invalid_name"]),
    ]


def test_a_custom_template_cannot_shadow_a_system_one_with_a_newer_version():
    catalogue = SYSTEM.with_templates([{**custom("rsi", {"op": "preset", "base": "ema"}), "version": "9.0.0"}])
    assert catalogue.get("rsi").is_system
    assert catalogue.versions("rsi") == ["1.0.0"]
    ((_, found),) = catalogue.rejected
    assert "system template" in found[0].message


def library_row(library_name: str, **changes) -> dict:
    row = next(t for t in load_system_templates() if t["name"] == library_name)
    return {**row, "is_system_template": True, **changes}


def test_a_system_template_staff_deleted_is_reported_as_deleted():
    catalogue = SYSTEM.with_templates([library_row("kama", is_deleted=True)])
    assert catalogue.get("kama").is_deleted
    assert not SYSTEM.get("kama").is_deleted
    f = strategy_using("kama")
    assert [(p.code, p.node_id) for p in validate_flow(f, catalogue)] == [("deleted_template", "node")]


def test_staff_edits_to_a_system_template_reach_validation():
    row = library_row("kama")
    row["parameter_schema"]["properties"]["timeperiod"]["maximum"] = 50
    catalogue = SYSTEM.with_templates([row])
    f = strategy_using("kama")
    f["nodes"][1]["params"] = {"timeperiod": 60}
    assert [(p.code, p.node_id) for p in validate_flow(f, catalogue)] == [("invalid_params", "node")]
    assert validate_flow(f, SYSTEM) == []


def test_staff_may_add_a_system_template_that_a_system_operation_implements():
    catalogue = SYSTEM.with_templates([library_row("kama", name="kama_staff", display_name="Staff KAMA")])
    assert catalogue.get("kama_staff").is_system
    assert catalogue.rejected == []


def test_a_broken_system_row_is_rejected_and_the_library_definition_stays():
    catalogue = SYSTEM.with_templates([library_row("kama", execution_hints={"op": "no_such_op"})])
    assert catalogue.get("kama") == SYSTEM.get("kama")
    assert [(t["name"], [p.code for p in found]) for t, found in catalogue.rejected] == [
        ("kama", ["no_implementation"])
    ]


def test_a_malformed_custom_template_keeps_its_problems_for_the_flow_to_report():
    catalogue = SYSTEM.with_templates([custom("half", {"op": "preset", "base": "sma"}, node_type="GADGET")])
    assert [p.field for p in catalogue.problems(catalogue.get("half"))] == ["node_type"]


def test_a_preset_of_a_composite_fixes_the_composite_params():
    catalogue = SYSTEM.with_templates(
        [composite_gap(), custom("gap_50", {"op": "preset", "base": "lagged_gap", "fixed_params": {"period": 50}})]
    )
    assert [p.name for p in catalogue.get("gap_50").inputs] == ["series", "previous"]
    f = composite_strategy()
    f["nodes"][1]["template"] = "gap_50"
    assert compile_flow(f, catalogue).step("gap/avg").params == {"timeperiod": 50}
