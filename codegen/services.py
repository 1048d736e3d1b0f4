"""Writes to code_generations: generate (snapshot, emit, check, hash, deduplicate) and delete.

Generation is synchronous: emitting and checking a 50-node flow takes milliseconds (bench/codegen_bench.py),
less than a round trip through a queue would.

What a generation stores, by outcome:

- VALID / SYNTAX_ERROR / SECURITY_ERROR: the emitted code, its SHA-256, the checks' results and details.
  Code identical to a live generation of the same strategy is not stored twice: that generation is returned
  instead (the spec's "check for duplicate code" query on ix_codegen_hash_instance).
- FLOW_ERROR (the flow, with these parameters, is invalid or holds a value code cannot carry): a record of
  the attempt with empty `generated_code` (so nothing unusable can be downloaded), the SHA-256 of that empty
  code, and every problem in `validation_result["problems"]`, each naming its node, edge or field. Failed
  attempts are never deduplicated (each is a record of what was tried) and retention deletes them after
  90 days.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from engine.codegen import GENERATOR_VERSION, check_code, generate_module
from engine.errors import EngineError, FlowError, Problem
from quicktests.catalogue import quicktest_catalogue
from strategies.models import StrategyInstance
from strategies.validators import parameter_override_problems
from strategy_builder.actors import actor_name

from .choices import ValidationStatus
from .models import CodeGeneration

EMPTY_CODE_HASH = hashlib.sha256(b"").hexdigest()


@transaction.atomic
def codegen_generate(
    *, user, instance_id: str, parameters: Mapping[str, Any] | None = None
) -> tuple[CodeGeneration, bool]:
    """Generate code for the user's strategy instance, with `parameters` overriding some of its parameter
    values. Returns (generation, created): created is False when identical code for this instance was
    already stored, and that generation is returned.

    Raises EngineError (nothing stored) when the instance is not the user's or an override names a
    parameter the strategy does not have.
    """
    # The instance row is locked so two identical requests cannot both miss the duplicate and store twice.
    instance = StrategyInstance.objects.for_user(user).select_for_update().filter(pk=instance_id).first()
    if instance is None:
        raise EngineError(
            Problem(code="unknown_instance", message=f"No strategy instance {instance_id!r}.", field="instance")
        )
    problems = parameter_override_problems(instance.parameters, parameters)
    if problems:
        raise EngineError(problems)
    flow = copy.deepcopy(instance.logic_flow)
    values = {**instance.parameters, **(parameters or {})}
    actor = actor_name(user)
    record = {
        "instance": instance,
        "user_id": str(user.pk),
        "logic_flow_snapshot": flow,
        "parameters_snapshot": values,
        "code_version": GENERATOR_VERSION,
        "created_by": actor,
        "updated_by": actor,
    }

    started = time.perf_counter()
    try:
        module = generate_module(
            flow, quicktest_catalogue(user), values, strategy_name=instance.name, description=instance.description
        )
    except FlowError as exc:
        return _flow_error(record, exc, time.perf_counter() - started), True
    report = check_code(module.code)
    elapsed = time.perf_counter() - started

    existing = CodeGeneration.objects.duplicate_of(module.code_hash, instance.pk).first()
    if existing is not None:
        return existing, False
    generation = CodeGeneration.objects.create(
        **record,
        generated_code=module.code,
        code_hash=module.code_hash,
        validation_status=report.status,
        validation_result={**report.as_dict(), "flow_hash": module.flow_hash},
        syntax_check_passed=report.syntax_ok,
        security_check_passed=report.security_ok,
        line_count=report.line_count,
        complexity_score=report.complexity,
        generation_time=elapsed,
    )
    return generation, True


def _flow_error(record: dict[str, Any], exc: FlowError, elapsed: float) -> CodeGeneration:
    return CodeGeneration.objects.create(
        **record,
        generated_code="",
        code_hash=EMPTY_CODE_HASH,
        validation_status=ValidationStatus.FLOW_ERROR,
        validation_result={"status": ValidationStatus.FLOW_ERROR, "problems": exc.as_dicts()},
        generation_time=elapsed,
    )


def codegen_delete(*, generation: CodeGeneration, user) -> None:
    """Soft delete: the generation disappears from the API; it no longer counts as a duplicate."""
    generation.soft_delete(by=actor_name(user))
