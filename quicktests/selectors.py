"""Reads of quick_tests: a user only ever sees their own tests, and never soft-deleted ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from engine.limits import shown

from .choices import QuickTestStatus
from .models import QuickTest
from .results import load_trade_columns, load_trades
from .sweeps import heatmap, is_sweep, load_rows


def quicktest_list(*, user) -> QuerySet[QuickTest]:
    """The user's tests, newest first (ix_quicktest_user_created)."""
    return QuickTest.objects.recent_for_user(user)


def quicktest_get(*, user, quicktest_id: str) -> QuickTest:
    """The user's test `quicktest_id`; 404 for anyone else's."""
    try:
        return quicktest_list(user=user).get(pk=quicktest_id)
    except QuickTest.DoesNotExist as exc:
        raise Http404(f"No quick test {quicktest_id!r}.") from exc


def quicktest_get_many(*, user, quicktest_ids: Sequence[str]) -> list[QuickTest]:
    """The user's tests `quicktest_ids`, in that order, with their strategies; 404 naming the ids not among
    the user's tests (unknown, deleted or anyone else's alike)."""
    found = quicktest_list(user=user).select_related("instance").in_bulk(quicktest_ids)
    missing = [repr(shown(quicktest_id)) for quicktest_id in quicktest_ids if quicktest_id not in found]
    if missing:
        raise Http404(f"No quick test {', '.join(missing)} among yours.")
    return [found[quicktest_id] for quicktest_id in quicktest_ids]


def quicktest_trades(*, quicktest: QuickTest) -> list[dict]:
    return load_trades(quicktest.test_result)


def quicktest_sweep_rows(*, quicktest: QuickTest) -> list[dict[str, Any]]:
    """A completed sweep's combinations, best first ([] for any other test)."""
    return load_rows(quicktest.test_result) if quicktest.status == QuickTestStatus.COMPLETED else []


def sorted_rows(rows: list[dict[str, Any]], order_by: str) -> list[dict[str, Any]]:
    """`rows` by `order_by`: "rank", a metric key, or "p.<parameter>"; "-" in front for descending. Rows
    without a value go last either way. KeyError (saying why) for a key the rows do not have."""
    descending, key = order_by.startswith("-"), order_by.lstrip("-")
    if key == "rank":
        return sorted(rows, key=lambda row: row["rank"], reverse=descending)
    part, name = ("parameters", key[2:]) if key.startswith("p.") else ("metrics", key)
    if rows and name not in rows[0][part]:
        known = ", ".join(["rank", *rows[0]["metrics"], *(f"p.{p}" for p in rows[0]["parameters"])])
        raise KeyError(f"the rows have {known}.")
    present = [row for row in rows if row[part].get(name) is not None]
    missing = [row for row in rows if row[part].get(name) is None]
    return sorted(present, key=lambda row: row[part][name], reverse=descending) + missing


def quicktest_sweep_heatmap(
    *, quicktest: QuickTest, x: str | None, y: str | None, metric: str | None, statistic: str
) -> dict[str, Any]:
    """The heatmap of a COMPLETED sweep over parameters x and y (quicktests.sweeps.heatmap)."""
    if not is_sweep(quicktest):
        raise ValidationError("This quick test is not a sweep: it has no heatmap.", code="not_a_sweep")
    summary = quicktest.test_result["sweep"]
    swept = list(summary["parameters"])
    metric = metric or summary["objective"]["metric"]
    errors = {}
    for axis, name in (("x", x), ("y", y)):
        if name not in swept:
            errors[axis] = [f"Choose a swept parameter ({', '.join(swept)}), not {name!r}."]
    if x is not None and x == y:
        errors["y"] = ["Choose a parameter other than x."]
    if metric not in summary["metrics"]:
        errors["metric"] = [f"Choose one of the rows' metrics ({', '.join(summary['metrics'])}), not {metric!r}."]
    if statistic not in ("best", "mean"):
        errors["statistic"] = [f"Choose best or mean, not {statistic!r}."]
    if errors:
        raise ValidationError(errors)
    goal = summary["objective"]["goal"] if metric == summary["objective"]["metric"] else "max"
    return heatmap(load_rows(quicktest.test_result), x=x, y=y, metric=metric, statistic=statistic, goal=goal)


def quicktest_trade_columns(
    *, quicktest: QuickTest, types: dict[str, pa.DataType], limit: int
) -> tuple[int, dict[str, list[Any]]]:
    return load_trade_columns(quicktest.test_result, types, limit)
