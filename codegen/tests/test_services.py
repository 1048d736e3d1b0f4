"""Generating code for a strategy: what is stored, deduplication, flow errors and ownership."""

import hashlib

import pytest

from codegen.choices import ValidationStatus
from codegen.models import CodeGeneration
from codegen.services import EMPTY_CODE_HASH, codegen_delete, codegen_generate
from engine.codegen import GENERATOR_VERSION
from engine.errors import EngineError

pytestmark = pytest.mark.django_db


def test_a_generation_stores_the_code_its_hash_snapshots_and_check_results(trader, strategy):
    generation, created = codegen_generate(user=trader, instance_id=strategy.pk)

    generation.refresh_from_db()
    assert created
    assert generation.validation_status == ValidationStatus.VALID
    assert generation.code_hash == hashlib.sha256(generation.generated_code.encode()).hexdigest()
    assert generation.logic_flow_snapshot == strategy.logic_flow
    assert generation.parameters_snapshot == strategy.parameters
    assert (generation.syntax_check_passed, generation.security_check_passed) == (True, True)
    assert generation.code_version == GENERATOR_VERSION
    assert generation.line_count == generation.generated_code.count("\n")
    assert generation.complexity_score == generation.validation_result["complexity"]["strategy"] == 5
    assert 0 < generation.generation_time < 5
    assert generation.user_id == str(trader.pk) and generation.created_by == trader.get_username()
    assert '"""Strategy Golden cross: standalone backtest' in generation.generated_code
    assert generation.validation_result["security"] == {"passed": True, "violations": []}


def test_parameter_overrides_shape_the_code_and_the_snapshot_but_not_the_strategy(trader, strategy):
    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fast": 12})

    assert generation.parameters_snapshot == {"fast": 12, "slow": 30, "rsi_period": 14}
    assert '    "fast": 12,\n' in generation.generated_code
    strategy.refresh_from_db()
    assert strategy.parameters["fast"] == 10


def test_identical_code_for_the_same_strategy_returns_the_stored_generation(trader, strategy):
    first, _ = codegen_generate(user=trader, instance_id=strategy.pk)
    strategy.logic_flow["nodes"][0]["position"] = {"x": 500, "y": 500}  # moving a node changes no code
    strategy.save()

    again, created = codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fast": 10})

    assert not created
    assert again.pk == first.pk
    assert CodeGeneration.objects.count() == 1


def test_different_code_or_a_deleted_duplicate_makes_a_new_generation(trader, strategy):
    first, _ = codegen_generate(user=trader, instance_id=strategy.pk)
    other, created = codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fast": 5})
    assert created and other.code_hash != first.code_hash

    codegen_delete(generation=first, user=trader)
    again, created = codegen_generate(user=trader, instance_id=strategy.pk)

    assert created and again.pk != first.pk and again.code_hash == first.code_hash


def test_the_same_code_for_another_strategy_is_its_own_generation(trader, strategy):
    from quicktests.tests.factories import ReferenceStrategyFactory

    twin = ReferenceStrategyFactory(user=trader, name="Golden cross")
    first, _ = codegen_generate(user=trader, instance_id=strategy.pk)

    second, created = codegen_generate(user=trader, instance_id=twin.pk)

    assert created and second.code_hash == first.code_hash and second.instance_id == twin.pk


def test_an_invalid_flow_is_recorded_as_a_flow_error_with_every_problem_and_no_code(trader, strategy):
    strategy.logic_flow["nodes"][1]["template"] = "no_such_indicator"
    strategy.logic_flow["edges"] = strategy.logic_flow["edges"][:-1]  # the exit signal loses its input
    strategy.save()

    generation, created = codegen_generate(user=trader, instance_id=strategy.pk)
    codegen_generate(user=trader, instance_id=strategy.pk)

    assert created
    assert generation.validation_status == ValidationStatus.FLOW_ERROR
    assert generation.generated_code == "" and generation.code_hash == EMPTY_CODE_HASH
    assert generation.syntax_check_passed is None and generation.security_check_passed is None
    assert {(p["code"], p.get("node_id")) for p in generation.validation_result["problems"]} >= {
        ("unknown_template", "sma_fast"),
        ("missing_input", "exit_long"),
    }
    assert CodeGeneration.objects.filter(validation_status=ValidationStatus.FLOW_ERROR).count() == 2


def test_a_value_code_cannot_carry_is_a_flow_error_naming_the_node(trader, strategy):
    # "RSI below" an integer beyond 64 bits (a 400-digit one is not even stored: no JSON column holds it)
    strategy.logic_flow["nodes"][5]["params"]["value"] = 2**64
    strategy.save()

    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk)

    assert generation.validation_status == ValidationStatus.FLOW_ERROR
    assert [p["node_id"] for p in generation.validation_result["problems"]] == ["rsi_below_70"]


def test_another_users_strategy_or_an_unknown_parameter_is_refused_and_nothing_is_stored(
    trader, other_trader, strategy
):
    with pytest.raises(EngineError) as foreign:
        codegen_generate(user=other_trader, instance_id=strategy.pk)
    with pytest.raises(EngineError) as unknown:
        codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fastest": 3})

    assert [(p.code, p.field) for p in foreign.value.problems] == [("unknown_instance", "instance")]
    assert [(p.code, p.field) for p in unknown.value.problems] == [("unknown_parameter", "parameters.fastest")]
    assert not CodeGeneration.all_objects.exists()
