"""The numbers a run can use (engine.limits): flow validation, the backtest configuration and code generation
refuse the same ones, each naming the node and the param (or the config field), without echoing them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine.catalogue import system_catalogue
from engine.codegen import generate_module
from engine.codegen.literals import LiteralError, literal
from engine.config import resolve_config
from engine.errors import ConfigError, FlowError
from engine.flow import validate_flow
from engine.limits import MAX_INT, number_problem

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CATALOGUE = system_catalogue()
FLOW = json.loads((EXAMPLES / "reference_flow.json").read_text())
PARAMETERS = json.loads((EXAMPLES / "reference_params.json").read_text())

UNUSABLE = {
    "integer_of_400_digits": 10**400,
    "integer_beyond_64_bits": MAX_INT + 1,
    "negative_integer_beyond_64_bits": -(2**70),
    "nan": float("nan"),
    "infinity": float("-inf"),
}


def _with_threshold(value) -> dict:
    """The reference flow with `value` as the "RSI below" threshold (a number param with no maximum)."""
    flow = copy.deepcopy(FLOW)
    next(n for n in flow["nodes"] if n["id"] == "rsi_below_70")["params"]["value"] = value
    return flow


def _where(problems) -> list[tuple[str, str | None, str | None]]:
    return [(p.code, p.node_id, p.field) for p in problems]


@pytest.mark.parametrize("value", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_validation_refuses_a_param_no_run_can_use_naming_node_and_param(value):
    problems = validate_flow(_with_threshold(value), CATALOGUE, PARAMETERS)

    assert _where(problems) == [("invalid_params", "rsi_below_70", "params.value")]
    assert len(problems[0].message) < 120  # the number itself is not echoed


@pytest.mark.parametrize("value", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_bound_strategy_parameter_no_run_can_use_is_refused_on_the_node_it_feeds(value):
    problems = validate_flow(FLOW, CATALOGUE, {**PARAMETERS, "rsi_period": value})

    assert _where(problems) == [("invalid_params", "rsi", "params.timeperiod")]


@pytest.mark.parametrize("value", [*UNUSABLE.values(), MAX_INT, -MAX_INT, 1e308, 70, 70.5])
def test_validation_and_code_generation_accept_and_refuse_the_same_params(value):
    flow = _with_threshold(value)
    validation = _where(validate_flow(flow, CATALOGUE, PARAMETERS))
    try:
        generate_module(flow, CATALOGUE, PARAMETERS)
    except FlowError as exc:
        generation = _where(exc.problems)
    else:
        generation = []

    assert validation == generation
    assert bool(validation) == (number_problem(value) is not None)


@pytest.mark.parametrize("value", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_code_literals_refuse_exactly_the_unusable_numbers(value):
    with pytest.raises(LiteralError):
        literal(value)
    assert literal(MAX_INT) == str(MAX_INT)


@pytest.mark.parametrize("value", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_a_configuration_number_no_run_can_use_is_a_problem_naming_the_field(value):
    with pytest.raises(ConfigError) as refused:
        resolve_config({"initial_capital": value, "slippage_bps": value, "commission": 0.001})

    assert _where(refused.value.problems) == [
        ("out_of_range", None, "initial_capital"),
        ("out_of_range", None, "slippage_bps"),
    ]
    assert all(len(p.message) < 120 for p in refused.value.problems)


def test_a_configuration_message_does_not_echo_a_huge_number():
    with pytest.raises(ConfigError) as refused:
        resolve_config({"commission": 10**300})

    assert len(refused.value.problems[0].message) < 120
