"""Reading, checking and expanding a sweep's configuration (engine.sweepspec)."""

import json
from pathlib import Path

import pytest

from engine.catalogue import system_catalogue
from engine.sweepspec import MAX_GRID, flow_value_problems, read_sweep

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLOW = json.loads((EXAMPLES / "reference_flow.json").read_text())
PARAMETERS = {"fast": 10, "slow": 30, "rsi_period": 14}


def read(raw, *, max_combinations=10_000, parameters=PARAMETERS, flow=None):
    checker = flow_value_problems(flow, system_catalogue(), parameters) if flow else None
    return read_sweep(raw, strategy_parameters=parameters, max_combinations=max_combinations, value_problems=checker)


def fields(problems):
    return sorted(p.field for p in problems)


def test_a_grid_of_a_list_and_a_range_expands_in_sorted_name_order_with_stop_included():
    spec, problems = read({"parameters": {"slow": {"start": 20, "stop": 60, "step": 20}, "fast": {"values": [5, 10]}}})
    assert problems == []
    assert list(spec.parameters) == ["fast", "slow"]
    assert spec.combinations(PARAMETERS) == [
        {"fast": 5, "slow": 20},
        {"fast": 5, "slow": 40},
        {"fast": 5, "slow": 60},
        {"fast": 10, "slow": 20},
        {"fast": 10, "slow": 40},
        {"fast": 10, "slow": 60},
    ]


def test_a_decimal_range_has_exact_values_and_a_stop_off_the_step_is_not_passed():
    spec, _ = read({"parameters": {"fast": {"start": 0.1, "stop": 0.45, "step": 0.1}}})
    assert spec.parameters["fast"] == (0.1, 0.2, 0.3, 0.4)


def test_defaults_fill_in_and_the_stored_form_reads_back_the_same():
    spec, _ = read({"parameters": {"fast": {"start": 5, "stop": 15, "step": 5}}})
    stored = spec.as_dict()
    assert stored == {
        "parameters": {"fast": {"start": 5, "stop": 15, "step": 5}},
        "sample": None,
        "objective": {"metric": "sharpe_ratio", "goal": "max"},
        "constraints": [],
        "walk_forward": None,
    }
    again, problems = read(stored)
    assert problems == [] and again.as_dict() == stored


def test_parameter_constraints_drop_combinations_and_compare_with_unswept_parameters_too():
    spec, _ = read(
        {
            "parameters": {"fast": {"values": [10, 20, 30, 40]}, "rsi_period": {"values": [10, 20]}},
            "constraints": [
                {"left": "fast", "op": "<", "right": "slow"},
                {"left": "rsi_period", "op": "<=", "value": 10},
            ],
        }
    )
    # slow is 30 (not swept): fast 30 and 40 are not below it; rsi_period 20 is above 10.
    assert spec.combinations(PARAMETERS) == [{"fast": 10, "rsi_period": 10}, {"fast": 20, "rsi_period": 10}]


def test_a_sample_is_seeded_in_grid_order_and_a_different_seed_draws_another():
    raw = {"parameters": {"fast": {"start": 1, "stop": 20, "step": 1}, "slow": {"start": 21, "stop": 40, "step": 1}}}
    spec, _ = read({**raw, "sample": {"n": 7, "seed": 3}})
    drawn = spec.combinations(PARAMETERS)
    grid = read(raw)[0].combinations(PARAMETERS)
    assert len(drawn) == 7 and len({json.dumps(c) for c in drawn}) == 7
    assert drawn == sorted(drawn, key=grid.index)
    assert spec.combinations(PARAMETERS) == drawn
    assert read({**raw, "sample": {"n": 7, "seed": 4}})[0].combinations(PARAMETERS) != drawn


def test_metric_constraints_and_the_objective_rank_results():
    spec, _ = read(
        {
            "parameters": {"fast": {"values": [5]}},
            "objective": {"metric": "max_drawdown_pct", "goal": "min"},
            "constraints": [{"metric": "trades", "op": ">=", "value": 10}],
        }
    )
    assert spec.meets_metric_constraints({"trades": 10}) and not spec.meets_metric_constraints({"trades": 9})
    assert not spec.meets_metric_constraints({"trades": None})
    ranked = sorted(
        [{"max_drawdown_pct": -5}, {"max_drawdown_pct": None}, {"max_drawdown_pct": -20}], key=spec.objective.sort_key
    )
    assert ranked == [{"max_drawdown_pct": -20}, {"max_drawdown_pct": -5}, {"max_drawdown_pct": None}]


def test_every_problem_is_reported_at_once_each_naming_its_field():
    spec, problems = read(
        {
            "parameters": {
                "fast": {"start": 5, "stop": 50, "step": 0},
                "slow": {"start": 50, "stop": 20, "step": 5},
                "rsi_period": {"values": []},
                "nope": {"values": [1]},
            },
            "objective": {"metric": "luck", "goal": "most"},
            "constraints": [
                {"left": "fast", "op": "<<", "right": "slow"},
                {"left": "fast", "op": "<", "right": "ghost"},
                {"metric": "trades", "op": ">=", "value": "ten"},
                {"left": "fast", "op": "<"},
            ],
            "sample": {"n": 0},
            "walk_forward": {"folds": 0, "in_sample": 1.5, "anchored": "yes"},
            "extra": 1,
        }
    )
    assert spec is None
    assert fields(problems) == sorted(
        [
            "parameters.fast.step",
            "parameters.slow.stop",
            "parameters.rsi_period.values",
            "parameters.nope",
            "objective.metric",
            "objective.goal",
            "constraints[0].op",
            "constraints[1].right",
            "constraints[2].value",
            "constraints[3]",
            "sample.n",
            "walk_forward.folds",
            "walk_forward.in_sample",
            "walk_forward.anchored",
            "extra",
        ]
    )
    by_field = {p.field: p for p in problems}
    assert by_field["parameters.fast.step"].code == "invalid_step"
    assert by_field["parameters.slow.stop"].code == "empty_range"
    assert by_field["parameters.nope"].code == "unknown_parameter"
    assert "fast, rsi_period, slow" in by_field["parameters.nope"].message


def test_non_numeric_range_bounds_and_values_of_no_json_scalar_are_refused():
    _, problems = read(
        {"parameters": {"fast": {"start": "5", "stop": 10, "step": True}, "slow": {"values": [20, [30]]}}}
    )
    assert fields(problems) == ["parameters.fast.start", "parameters.fast.step", "parameters.slow.values[1]"]
    assert {p.code for p in problems} == {"invalid_type"}


def test_more_combinations_than_allowed_after_the_parameter_constraints_is_refused():
    raw = {"parameters": {"fast": {"start": 1, "stop": 10, "step": 1}, "slow": {"start": 1, "stop": 10, "step": 1}}}
    assert read(raw, max_combinations=99)[1][0].code == "too_many_combinations"
    assert read(raw, max_combinations=100)[1] == []
    # fast < slow leaves 45 of the 100.
    constrained = {**raw, "constraints": [{"left": "fast", "op": "<", "right": "slow"}]}
    spec, problems = read(constrained, max_combinations=45)
    assert problems == [] and len(spec.combinations(PARAMETERS)) == 45
    _, problems = read(constrained, max_combinations=44)
    assert [(p.code, p.field) for p in problems] == [("too_many_combinations", "parameters")]
    assert "45 combinations" in problems[0].message


def test_a_grid_too_big_to_enumerate_is_refused_without_enumerating_it():
    _, problems = read({"parameters": {"fast": {"start": 1, "stop": MAX_GRID * 10, "step": 1}}})
    assert [(p.code, p.field) for p in problems] == [("too_many_combinations", "parameters.fast")]


def test_values_outside_the_bound_templates_schema_are_named_with_their_place():
    # SMA's timeperiod takes 1..100000 (its schema): 0 is below, at the range's start; 200000 above.
    spec, problems = read(
        {"parameters": {"fast": {"start": 0, "stop": 5, "step": 1}, "slow": {"values": [30, 200_000, 40]}}}, flow=FLOW
    )
    assert spec is None
    assert [(p.code, p.field) for p in problems] == [
        ("invalid_value", "parameters.fast.start"),
        ("invalid_value", "parameters.slow.values[1]"),
    ]
    assert "sma_fast" in problems[0].message and "timeperiod" in problems[0].message


def test_values_inside_the_schema_pass():
    _, problems = read({"parameters": {"fast": {"start": 1, "stop": 100_000, "step": 1000}}}, flow=FLOW)
    assert problems == []


@pytest.mark.parametrize("raw", [None, [], "fast", {"parameters": {}}])
def test_a_sweep_that_is_not_an_object_or_sweeps_nothing_is_refused(raw):
    spec, problems = read(raw)
    assert spec is None and len(problems) == 1
