"""A parameter sweep's configuration (a quick test's `test_config.sweep`): reading it, checking it, and
expanding it into the combinations to run. Framework-free, like the rest of the engine.

    {"parameters": {"fast": {"values": [5, 10, 20]},              # a list of values ...
                    "slow": {"start": 20, "stop": 200, "step": 20}},  # ... or a range, stop included
     "sample": {"n": 200, "seed": 1},                            # optional: a random sample of the grid
     "objective": {"metric": "sharpe_ratio", "goal": "max"},     # any numeric metrics_summary key
     "constraints": [{"left": "fast", "op": "<", "right": "slow"},      # between parameters
                     {"left": "fast", "op": ">=", "value": 5},          # a parameter and a number
                     {"metric": "trades", "op": ">=", "value": 10}],    # on a result (applied after the run)
     "walk_forward": {"folds": 5, "in_sample": 0.75, "anchored": false}}  # optional

`read_sweep` reports every problem at once, each naming its field relative to the sweep
("parameters.fast.step"); a caller puts its own prefix in front. The combinations are the grid of the
swept parameters (names in sorted order, so the expansion never depends on how a database orders JSON
keys), less those failing a parameter constraint, then sampled (seeded, in grid order) when asked.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import Problem
from .flowformat import PARAM_BINDING, json_kind
from .limits import number_problem, shown
from .metrics import BACKTESTING_PY_NAMES

# The grid is enumerated (to apply constraints and to sample) only up to this many points.
MAX_GRID = 1_000_000
MAX_FOLDS = 20  # each fold keeps two full metrics in the row: 5 folds make a row of some 36 KB
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
# Metrics a sweep can rank by or constrain: every numeric figure of engine.metrics.metrics_summary.
OBJECTIVE_METRICS = tuple(key for key in BACKTESTING_PY_NAMES if key not in ("start", "end"))
DEFAULT_OBJECTIVE = {"metric": "sharpe_ratio", "goal": "max"}
_KEYS = ("parameters", "sample", "objective", "constraints", "walk_forward")
_MAX_REPORTED_VALUES = 3  # out-of-schema values named per parameter; the rest are counted


@dataclass(frozen=True)
class Objective:
    metric: str
    goal: str  # "max" or "min"

    def sort_key(self, metrics: Mapping[str, Any]) -> tuple[int, float]:
        """Ascending order puts the best first; a missing figure (None: no trades, no variance) goes last."""
        value = metrics.get(self.metric)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return (1, 0.0)
        return (0, -value if self.goal == "max" else value)


@dataclass(frozen=True)
class ParameterConstraint:
    """`left op right` between two strategy parameters, or `left op value` against a number."""

    left: str
    op: str
    right: str | None = None
    value: float | None = None

    def holds(self, parameters: Mapping[str, Any]) -> bool:
        other = parameters[self.right] if self.right is not None else self.value
        try:
            return bool(OPERATORS[self.op](parameters[self.left], other))
        except TypeError:  # a string parameter against a number: never true
            return False

    def as_dict(self) -> dict[str, Any]:
        side = {"right": self.right} if self.right is not None else {"value": self.value}
        return {"left": self.left, "op": self.op, **side}

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right if self.right is not None else self.value}"


@dataclass(frozen=True)
class MetricConstraint:
    """`metric op value` on a combination's result; a missing figure never meets it."""

    metric: str
    op: str
    value: float

    def holds(self, metrics: Mapping[str, Any]) -> bool:
        figure = metrics.get(self.metric)
        if not isinstance(figure, int | float) or isinstance(figure, bool):
            return False
        return bool(OPERATORS[self.op](figure, self.value))

    def as_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "op": self.op, "value": self.value}

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.value}"


@dataclass(frozen=True)
class WalkForward:
    folds: int
    in_sample: float
    anchored: bool

    def as_dict(self) -> dict[str, Any]:
        return {"folds": self.folds, "in_sample": self.in_sample, "anchored": self.anchored}


@dataclass(frozen=True)
class Sample:
    n: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "seed": self.seed}


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep. `parameters` maps each swept name (sorted) to its values; `raw_parameters` keeps
    them as the user gave them (a range stays a range) for `as_dict`."""

    parameters: Mapping[str, tuple[Any, ...]]
    raw_parameters: Mapping[str, Mapping[str, Any]]
    objective: Objective
    parameter_constraints: tuple[ParameterConstraint, ...] = ()
    metric_constraints: tuple[MetricConstraint, ...] = ()
    sample: Sample | None = None
    walk_forward: WalkForward | None = None

    @property
    def grid_size(self) -> int:
        return math.prod(len(values) for values in self.parameters.values())

    def combinations(self, base_parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The combinations to run, each {name: value} over the swept names only, in grid order.
        `base_parameters` supplies the unswept parameters a constraint may compare with."""
        names = list(self.parameters)
        kept = []
        for values in itertools.product(*self.parameters.values()):
            combination = dict(zip(names, values, strict=True))
            merged = {**base_parameters, **combination}
            if all(constraint.holds(merged) for constraint in self.parameter_constraints):
                kept.append(combination)
        if self.sample is not None and self.sample.n < len(kept):
            chosen = sorted(random.Random(self.sample.seed).sample(range(len(kept)), self.sample.n))
            kept = [kept[i] for i in chosen]
        return kept

    def meets_metric_constraints(self, metrics: Mapping[str, Any]) -> bool:
        return all(constraint.holds(metrics) for constraint in self.metric_constraints)

    def as_dict(self) -> dict[str, Any]:
        """The sweep as stored in `test_config`, defaults filled in; `read_sweep` reads it back unchanged."""
        constraints = [c.as_dict() for c in (*self.parameter_constraints, *self.metric_constraints)]
        return {
            "parameters": {name: dict(raw) for name, raw in self.raw_parameters.items()},
            "sample": self.sample.as_dict() if self.sample else None,
            "objective": {"metric": self.objective.metric, "goal": self.objective.goal},
            "constraints": constraints,
            "walk_forward": self.walk_forward.as_dict() if self.walk_forward else None,
        }


def read_sweep(
    raw: Any,
    *,
    strategy_parameters: Mapping[str, Any],
    max_combinations: int,
    value_problems: Callable[[str, Any], list[Problem]] | None = None,
) -> tuple[SweepSpec | None, list[Problem]]:
    """The sweep `raw` describes and every problem with it (the spec is None when there is any).

    `strategy_parameters` are the strategy's parameter values (the names a sweep may vary and a
    constraint may compare); `value_problems(name, value)` says what is wrong with one value of a
    parameter (e.g. outside the bound node template's schema: see `flow_value_problems`).
    """
    if not isinstance(raw, Mapping):
        return None, [Problem("invalid_type", f"must be a JSON object, not {json_kind(raw)}.")]
    problems = [
        Problem(
            "unknown_field", f"unknown field {shown(str(key))!r} (a sweep has: {', '.join(_KEYS)}).", field=str(key)
        )
        for key in raw
        if key not in _KEYS
    ]
    parameters, raw_parameters = _parameters(raw.get("parameters"), strategy_parameters, problems, value_problems)
    objective = _objective(raw.get("objective"), problems)
    parameter_constraints, metric_constraints = _constraints(raw.get("constraints"), strategy_parameters, problems)
    sample = _sample(raw.get("sample"), max_combinations, problems)
    walk_forward = _walk_forward(raw.get("walk_forward"), problems)
    if problems:
        return None, problems
    spec = SweepSpec(
        parameters=parameters,
        raw_parameters=raw_parameters,
        objective=objective,
        parameter_constraints=parameter_constraints,
        metric_constraints=metric_constraints,
        sample=sample,
        walk_forward=walk_forward,
    )
    if spec.grid_size > MAX_GRID:
        message = f"the grid has {spec.grid_size:,} points; at most {MAX_GRID:,} can be swept, even sampled."
        return None, [Problem("too_many_combinations", message, field="parameters")]
    count = len(spec.combinations(strategy_parameters))
    if count == 0:
        return None, [
            Problem("no_combinations", "no combination meets the parameter constraints.", field="constraints")
        ]
    if count > max_combinations:
        message = (
            f"{count:,} combinations (after the parameter constraints); at most {max_combinations:,} can run. "
            "Narrow the ranges, add constraints or take a sample."
        )
        return None, [Problem("too_many_combinations", message, field="parameters")]
    return spec, []


def flow_value_problems(flow: Any, catalogue: Any, base_parameters: Mapping[str, Any]) -> Callable[[str, Any], list]:
    """A `value_problems` for `read_sweep`: the problems validate_flow finds, with `name` set to the value, in
    the params bound to `name` ({"$param": name}), i.e. the value against each bound template's schema."""
    from .flow import validate_flow  # imported on use: the flow machinery loads TA-Lib

    bound = _bindings(flow)
    # Only the nodes bound to a parameter are checked (a flow of them alone, 20 times quicker than the whole).
    alone = {
        name: {**flow, "nodes": [n for n in flow["nodes"] if str(n.get("id")) in {i for i, _ in places}], "edges": []}
        for name, places in bound.items()
    }
    seen: dict[tuple[str, str], list[Problem]] = {}

    def problems(name: str, value: Any) -> list[Problem]:
        key = (name, repr(value))
        if name in alone and key not in seen:
            found = validate_flow(alone[name], catalogue, {**base_parameters, name: value})
            seen[key] = [p for p in found if (p.node_id, p.field) in bound[name]]
        return seen.get(key, [])

    return problems


def _bindings(flow: Any) -> dict[str, set[tuple[str, str]]]:
    """Strategy parameter name -> the (node id, "params.<key>") places bound to it."""
    bound: dict[str, set[tuple[str, str]]] = {}
    nodes = flow.get("nodes") if isinstance(flow, Mapping) else None
    for node in nodes if isinstance(nodes, list) else []:
        params = node.get("params") if isinstance(node, Mapping) else None
        for key, value in (params or {}).items() if isinstance(params, Mapping) else ():
            if isinstance(value, Mapping) and isinstance(value.get(PARAM_BINDING), str):
                bound.setdefault(value[PARAM_BINDING], set()).add((str(node.get("id")), f"params.{key}"))
    return bound


def _parameters(
    raw: Any,
    strategy_parameters: Mapping[str, Any],
    problems: list[Problem],
    value_problems: Callable[[str, Any], list[Problem]] | None,
) -> tuple[dict[str, tuple[Any, ...]], dict[str, dict[str, Any]]]:
    if not isinstance(raw, Mapping) or not raw:
        message = "name at least one strategy parameter to sweep, each with its values or a range."
        problems.append(Problem("required", message, field="parameters"))
        return {}, {}
    parameters, raw_parameters = {}, {}
    for name in sorted(raw, key=str):
        field = f"parameters.{name}"
        if name not in strategy_parameters:
            known = ", ".join(sorted(strategy_parameters)) or "none"
            message = f"the strategy has no parameter {shown(str(name))!r} (it has: {known})."
            problems.append(Problem("unknown_parameter", message, field=field))
            continue
        found: list[Problem] = []
        values, given = _values(raw[name], field, found)
        if values is not None and not found and value_problems is not None:
            found += _schema_problems(name, values, given, field, value_problems)
        problems += found
        if values is not None and not found:
            parameters[name], raw_parameters[name] = tuple(values), given
    return parameters, raw_parameters


def _values(raw: Any, field: str, problems: list[Problem]) -> tuple[list[Any] | None, dict[str, Any]]:
    """The values of one swept parameter: {"values": [...]} or {"start", "stop", "step"} (stop included)."""
    if not isinstance(raw, Mapping):
        problems.append(Problem("invalid_type", 'must be {"values": [...]} or {"start", "stop", "step"}.', field=field))
        return None, {}
    if "values" in raw:
        extra = [key for key in raw if key != "values"]
        if extra:
            problems.append(
                Problem("unknown_field", f"a list of values takes no {extra[0]!r}.", field=f"{field}.{extra[0]}")
            )
        values = raw["values"]
        if not isinstance(values, list) or not values:
            problems.append(Problem("empty", "must be a non-empty list of values.", field=f"{field}.values"))
            return None, {}
        for i, value in enumerate(values):
            if not isinstance(value, bool | int | float | str):
                problem = Problem(
                    "invalid_type",
                    f"must be a number, string or boolean, not {json_kind(value)}.",
                    field=f"{field}.values[{i}]",
                )
                problems.append(problem)
            elif why := number_problem(value):
                problems.append(Problem("invalid_number", f"{why}.", field=f"{field}.values[{i}]"))
        duplicates = len(values) - len({repr(v) for v in values})
        if duplicates:
            problems.append(Problem("duplicate_values", "lists a value more than once.", field=f"{field}.values"))
        return (None, {}) if problems else (list(values), {"values": list(values)})
    bounds = {}
    for key in ("start", "stop", "step"):
        value = raw.get(key)
        if key not in raw:
            problems.append(
                Problem("required", f"a range needs {key} (or give values instead).", field=f"{field}.{key}")
            )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                Problem("invalid_type", f"must be a number, not {json_kind(value)}.", field=f"{field}.{key}")
            )
        elif why := number_problem(value):
            problems.append(Problem("invalid_number", f"{why}.", field=f"{field}.{key}"))
        else:
            bounds[key] = value
    for key in raw:
        if key not in ("start", "stop", "step"):
            problems.append(
                Problem(
                    "unknown_field",
                    f"a range takes start, stop and step, not {shown(str(key))!r}.",
                    field=f"{field}.{key}",
                )
            )
    if len(bounds) < 3:
        return None, {}
    start, stop, step = bounds["start"], bounds["stop"], bounds["step"]
    if step <= 0:
        problems.append(Problem("invalid_step", f"must be greater than 0, not {step}.", field=f"{field}.step"))
        return None, {}
    if stop < start:
        problems.append(
            Problem(
                "empty_range", f"the range is empty: stop ({stop}) is below start ({start}).", field=f"{field}.stop"
            )
        )
        return None, {}
    count = int((Decimal(str(stop)) - Decimal(str(start))) // Decimal(str(step))) + 1
    if count > MAX_GRID:
        problems.append(
            Problem("too_many_combinations", f"the range has {count:,} values; at most {MAX_GRID:,}.", field=field)
        )
        return None, {}
    return _range(start, step, count), {"start": start, "stop": stop, "step": step}


def _range(start: float, step: float, count: int) -> list[int | float]:
    """start, start + step, ... (count values), exact in decimal: 0.1 steps give 0.3, not 0.30000000000000004."""
    if isinstance(start, int) and isinstance(step, int):
        return [start + i * step for i in range(count)]
    first, increment = Decimal(str(start)), Decimal(str(step))
    return [float(first + i * increment) for i in range(count)]


def _schema_problems(
    name: str, values: list[Any], given: dict[str, Any], field: str, value_problems: Callable[[str, Any], list[Problem]]
) -> list[Problem]:
    bad = [(i, value, found) for i, value in enumerate(values) if (found := value_problems(name, value))]
    problems = []
    for i, value, found in bad[:_MAX_REPORTED_VALUES]:
        where = f"{field}.values[{i}]" if "values" in given else _range_field(field, given, value)
        reasons = "; ".join(p.message for p in found)
        problems.append(Problem("invalid_value", f"{value!r} is not accepted: {reasons}", field=where))
    if len(bad) > _MAX_REPORTED_VALUES:
        more = len(bad) - _MAX_REPORTED_VALUES
        problems.append(Problem("invalid_value", f"and {more} more of its values are not accepted.", field=field))
    return problems


def _range_field(field: str, given: dict[str, Any], value: Any) -> str:
    for key in ("start", "stop"):
        if value == given[key]:
            return f"{field}.{key}"
    return field


def _objective(raw: Any, problems: list[Problem]) -> Objective:
    if raw is None:
        return Objective(**DEFAULT_OBJECTIVE)
    if not isinstance(raw, Mapping):
        problems.append(Problem("invalid_type", 'must be {"metric": ..., "goal": "max" or "min"}.', field="objective"))
        return Objective(**DEFAULT_OBJECTIVE)
    for key in raw:
        if key not in ("metric", "goal"):
            problems.append(
                Problem(
                    "unknown_field",
                    f"an objective takes metric and goal, not {shown(str(key))!r}.",
                    field=f"objective.{key}",
                )
            )
    metric = raw.get("metric", DEFAULT_OBJECTIVE["metric"])
    goal = raw.get("goal", DEFAULT_OBJECTIVE["goal"])
    if metric not in OBJECTIVE_METRICS:
        problems.append(_unknown_metric(metric, "objective.metric"))
    if goal not in ("max", "min"):
        problems.append(
            Problem("invalid_choice", f'must be "max" or "min", not {shown(repr(goal))}.', field="objective.goal")
        )
    return Objective(metric=str(metric), goal=str(goal))


def _unknown_metric(metric: Any, field: str) -> Problem:
    return Problem(
        "unknown_metric",
        f"{shown(repr(metric))} is not a metric of the results (they are: {', '.join(OBJECTIVE_METRICS)}).",
        field=field,
    )


def _constraints(
    raw: Any, strategy_parameters: Mapping[str, Any], problems: list[Problem]
) -> tuple[tuple[ParameterConstraint, ...], tuple[MetricConstraint, ...]]:
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        problems.append(
            Problem("invalid_type", f"must be a list of constraints, not {json_kind(raw)}.", field="constraints")
        )
        return (), ()
    on_parameters, on_metrics = [], []
    for i, constraint in enumerate(raw):
        field = f"constraints[{i}]"
        if not isinstance(constraint, Mapping):
            problems.append(Problem("invalid_type", f"must be an object, not {json_kind(constraint)}.", field=field))
            continue
        found: list[Problem] = []
        op = constraint.get("op")
        if op not in OPERATORS:
            found.append(
                Problem(
                    "invalid_choice",
                    f"op must be one of {', '.join(OPERATORS)}, not {shown(repr(op))}.",
                    field=f"{field}.op",
                )
            )
        if "metric" in constraint:
            made = _metric_constraint(constraint, field, found)
            if not found:
                on_metrics.append(made)
        else:
            made = _parameter_constraint(constraint, strategy_parameters, field, found)
            if not found:
                on_parameters.append(made)
        problems += found
    return tuple(on_parameters), tuple(on_metrics)


def _metric_constraint(raw: Mapping[str, Any], field: str, problems: list[Problem]) -> MetricConstraint:
    _only(raw, ("metric", "op", "value"), field, problems)
    metric, value = raw.get("metric"), raw.get("value")
    if metric not in OBJECTIVE_METRICS:
        problems.append(_unknown_metric(metric, f"{field}.metric"))
    _number(value, f"{field}.value", problems)
    return MetricConstraint(metric=metric, op=raw.get("op"), value=value)


def _parameter_constraint(
    raw: Mapping[str, Any], strategy_parameters: Mapping[str, Any], field: str, problems: list[Problem]
) -> ParameterConstraint:
    _only(raw, ("left", "op", "right", "value"), field, problems)
    known = ", ".join(sorted(strategy_parameters)) or "none"
    for side in ("left", "right"):
        name = raw.get(side)
        if side == "right" and "right" not in raw:
            continue
        if name not in strategy_parameters:
            message = f"{shown(repr(name))} is not a strategy parameter (they are: {known})."
            problems.append(Problem("unknown_parameter", message, field=f"{field}.{side}"))
    if ("right" in raw) == ("value" in raw):
        message = "compare with another parameter (right) or a number (value): one of the two."
        problems.append(Problem("required", message, field=field))
    elif "value" in raw:
        _number(raw["value"], f"{field}.value", problems)
    return ParameterConstraint(left=raw.get("left"), op=raw.get("op"), right=raw.get("right"), value=raw.get("value"))


def _only(raw: Mapping[str, Any], keys: tuple[str, ...], field: str, problems: list[Problem]) -> None:
    for key in raw:
        if key not in keys:
            message = f"a constraint takes {', '.join(keys)}, not {shown(str(key))!r}."
            problems.append(Problem("unknown_field", message, field=f"{field}.{key}"))


def _number(value: Any, field: str, problems: list[Problem]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.append(Problem("invalid_type", f"must be a number, not {json_kind(value)}.", field=field))
    elif why := number_problem(value):
        problems.append(Problem("invalid_number", f"{why}.", field=field))


def _sample(raw: Any, max_combinations: int, problems: list[Problem]) -> Sample | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(Problem("invalid_type", 'must be {"n": count, "seed": integer} or null.', field="sample"))
        return None
    for key in raw:
        if key not in ("n", "seed"):
            problems.append(
                Problem("unknown_field", f"a sample takes n and seed, not {shown(str(key))!r}.", field=f"sample.{key}")
            )
    found = len(problems)
    n, seed = raw.get("n"), raw.get("seed", 0)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= max_combinations:
        message = f"must be a whole number from 1 to {max_combinations:,}, not {shown(repr(n))}."
        problems.append(Problem("invalid_sample", message, field="sample.n"))
    if isinstance(seed, bool) or not isinstance(seed, int) or number_problem(seed):
        problems.append(
            Problem("invalid_type", f"must be a whole number, not {shown(repr(seed))}.", field="sample.seed")
        )
    return Sample(n=n, seed=seed) if len(problems) == found else None


def _walk_forward(raw: Any, problems: list[Problem]) -> WalkForward | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.append(
            Problem("invalid_type", 'must be {"folds", "in_sample", "anchored"} or null.', field="walk_forward")
        )
        return None
    found = []
    for key in raw:
        if key not in ("folds", "in_sample", "anchored"):
            found.append(
                Problem(
                    "unknown_field",
                    f"walk-forward takes folds, in_sample and anchored, not {shown(str(key))!r}.",
                    field=f"walk_forward.{key}",
                )
            )
    folds, in_sample, anchored = raw.get("folds", 5), raw.get("in_sample", 0.75), raw.get("anchored", False)
    if isinstance(folds, bool) or not isinstance(folds, int) or not 1 <= folds <= MAX_FOLDS:
        found.append(
            Problem(
                "invalid_folds",
                f"must be a whole number from 1 to {MAX_FOLDS}, not {shown(repr(folds))}.",
                field="walk_forward.folds",
            )
        )
    if isinstance(in_sample, bool) or not isinstance(in_sample, int | float) or not 0 < in_sample < 1:
        message = (
            f"the in-sample share of each fold: a number between 0 and 1 (exclusive), not {shown(repr(in_sample))}."
        )
        found.append(Problem("invalid_in_sample", message, field="walk_forward.in_sample"))
    if not isinstance(anchored, bool):
        found.append(
            Problem("invalid_type", f"must be true or false, not {json_kind(anchored)}.", field="walk_forward.anchored")
        )
    problems += found
    return None if found else WalkForward(folds=folds, in_sample=float(in_sample), anchored=anchored)
