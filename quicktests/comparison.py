"""A side-by-side reading of 2-4 of a user's quick tests: what each ran on and found, and which of the
inputs (strategy, flow, data, range, backtest configuration, parameters) differ between them, so a trader
sees at once why two runs disagree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from engine.config import CONFIG_SCHEMA
from engine.limits import shown
from marketdata.selectors import dataset_list

from .choices import ComparedInputKind, QuickTestStatus
from .models import QuickTest
from .retention import ArchivedResultMissing, quicktest_result
from .selectors import quicktest_get_many

COMPARE_MIN, COMPARE_MAX = 2, 4
# The engine's configuration keys in the schema's order, with their defaults: a test stored before a key
# existed ran with its default, so it is compared as that.
_CONFIG_DEFAULTS = {key: spec["default"] for key, spec in CONFIG_SCHEMA["properties"].items()}


def compare_ids(raw: str | None) -> list[str]:
    """The ids of `?ids=a,b,c`, in their order; ValidationError on `ids` unless 2-4 distinct ids."""
    ids = [part.strip() for part in (raw or "").split(",")]
    if ids == [""]:
        raise ValidationError({"ids": ValidationError("Give 2 to 4 quick test ids, comma-separated.", "required")})
    if "" in ids:
        raise ValidationError({"ids": ValidationError("An id is empty: separate the ids by single commas.", "blank")})
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        message = f"Compare {COMPARE_MIN} to {COMPARE_MAX} quick tests, not {len(ids)}."
        raise ValidationError({"ids": ValidationError(message, "count")})
    repeated = [shown(i) for i in dict.fromkeys(i for i in ids if ids.count(i) > 1)]
    if repeated:
        message = f"Each test once: {', '.join(repeated)} is given more than once."
        raise ValidationError({"ids": ValidationError(message, "duplicate")})
    return ids


@dataclass(frozen=True)
class Input:
    """One input of the compared tests: its values in the tests' order, and whether they differ."""

    kind: ComparedInputKind
    name: str
    values: list[Any]

    @property
    def differs(self) -> bool:
        return any(value != self.values[0] for value in self.values[1:])


def quicktest_compare(*, user, quicktest_ids: Sequence[str]) -> dict[str, Any]:
    """The user's tests `quicktest_ids` in that order, each with its inputs and (when COMPLETED) its metrics
    and equity curve, and the inputs that differ between them and those that do not. 404 for any id not
    among the user's tests."""
    tests = quicktest_get_many(user=user, quicktest_ids=quicktest_ids)
    dataset_ids = {_dataset_id(test) for test in tests}
    datasets = {d.pk: d for d in dataset_list(user=user).filter(pk__in=dataset_ids)}
    inputs = compared_inputs(tests)
    return {
        "tests": [_test_entry(test, datasets.get(_dataset_id(test))) for test in tests],
        "differences": [_input_entry(i) | {"values": i.values} for i in inputs if i.differs],
        "same": [_input_entry(i) | {"value": i.values[0]} for i in inputs if not i.differs],
    }


def compared_inputs(tests: Sequence[QuickTest]) -> list[Input]:
    """Every input the tests ran on: strategy, flow (its fingerprint), dataset, start, end, each backtest
    configuration key, each parameter (by name, in order of first appearance; None where a test has none)."""
    configs = [config_of(test) for test in tests]
    names = list(dict.fromkeys(name for test in tests for name in (test.parameters_snapshot or {})))
    return [
        Input(ComparedInputKind.STRATEGY, "strategy", [test.instance_id for test in tests]),
        Input(ComparedInputKind.FLOW, "logic_flow", [flow_fingerprint(test.logic_flow_snapshot) for test in tests]),
        Input(ComparedInputKind.DATASET, "dataset", [_dataset_id(test) for test in tests]),
        Input(ComparedInputKind.START, "start", [test.test_config.get("start") for test in tests]),
        Input(ComparedInputKind.END, "end", [test.test_config.get("end") for test in tests]),
        *(Input(ComparedInputKind.CONFIG, key, [config[key] for config in configs]) for key in _CONFIG_DEFAULTS),
        *(
            Input(ComparedInputKind.PARAMETER, name, [(test.parameters_snapshot or {}).get(name) for test in tests])
            for name in names
        ),
    ]


def config_of(test: QuickTest) -> dict[str, Any]:
    """The backtest configuration a test ran with, defaults filled in (no dataset or range)."""
    stored = test.test_config or {}
    return {key: stored.get(key, default) for key, default in _CONFIG_DEFAULTS.items()}


def flow_fingerprint(flow: Any) -> str:
    """12 hex digits of the SHA-256 of the flow's logic: nodes by id and edges sorted, node positions left
    out (moving a node on the canvas changes nothing a test computes)."""
    flow = flow if isinstance(flow, dict) else {}
    nodes = sorted(
        (
            {k: v for k, v in node.items() if k != "position"}
            for node in flow.get("nodes", [])
            if isinstance(node, dict)
        ),
        key=lambda node: str(node.get("id")),
    )
    edges = sorted(flow.get("edges", []), key=lambda edge: json.dumps(edge, sort_keys=True))
    logic = {**flow, "nodes": nodes, "edges": edges}
    return hashlib.sha256(json.dumps(logic, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:12]


def _dataset_id(test: QuickTest) -> str | None:
    return (test.test_config or {}).get("dataset")


def _input_entry(item: Input) -> dict[str, Any]:
    return {"kind": item.kind, "name": item.name}


def _test_entry(test: QuickTest, dataset) -> dict[str, Any]:
    metrics, curve, no_result = _findings(test)
    return {
        "id": test.pk,
        "test_name": test.test_name,
        "status": test.status,
        "strategy": {"id": test.instance_id, "name": test.instance.name},
        "dataset": {
            "id": _dataset_id(test),
            "name": dataset.name if dataset else None,
            "symbol": dataset.symbol if dataset else None,
            "timeframe": dataset.timeframe if dataset else None,
        },
        "start": test.test_config.get("start"),
        "end": test.test_config.get("end"),
        "config": config_of(test),
        "parameters_snapshot": test.parameters_snapshot or {},
        "flow_fingerprint": flow_fingerprint(test.logic_flow_snapshot),
        "metrics_summary": metrics,
        "equity_curve": curve,
        "no_result": no_result,
        "created_at": test.created_at,
        "completed_at": test.completed_at,
    }


def _findings(test: QuickTest) -> tuple[dict | None, dict | None, str | None]:
    """(metrics, equity curve, why there are none): only a COMPLETED test has figures."""
    if test.status != QuickTestStatus.COMPLETED:
        return None, None, f"The test is {test.status}: only a completed test has figures."
    try:
        result = quicktest_result(test) or {}
    except ArchivedResultMissing as exc:
        return test.metrics_summary, None, str(exc)
    curve = result.get("equity_curve")
    curve = {key: curve[key] for key in ("bar", "time", "equity")} if curve else None
    return test.metrics_summary, curve, None if curve else "The test's result holds no equity curve."
