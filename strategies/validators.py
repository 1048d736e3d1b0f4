"""Shape checks for what a strategy stores: a logic flow in format v1 and its parameter values.

These check structure only (types, required keys, unique ids), so that every stored flow can be read
by the engine. The flow's shape is the engine's own check (`engine.flow.flow_format_problems`); whether
the flow makes sense (templates exist, ports fit, no cycles) is the engine's validation, run on demand
by `strategy_validate`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from engine.errors import Problem
from engine.flow import SCHEMA_VERSION, flow_format_problems
from engine.flowformat import json_kind

_PARAMETER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


def empty_flow() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "nodes": [], "edges": []}


def parameters_problems(parameters: Any) -> list[Problem]:
    """Every problem in a parameters object (name -> number, string or boolean), `field` being the name."""
    if not isinstance(parameters, dict):
        return [Problem("invalid_type", f"Must be a JSON object of name -> value, not {json_kind(parameters)}.")]
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
                Problem("invalid_type", f"Must be a number, string or boolean, not {json_kind(value)}.", field=name)
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
    _raise_if_any(flow_format_problems(flow), field)


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
