"""Reads of quick_tests: a user only ever sees their own tests, and never soft-deleted ones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from django.db.models import QuerySet
from django.http import Http404

from engine.limits import shown

from .models import QuickTest
from .results import load_trade_columns, load_trades


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


def quicktest_trade_columns(
    *, quicktest: QuickTest, types: dict[str, pa.DataType], limit: int
) -> tuple[int, dict[str, list[Any]]]:
    return load_trade_columns(quicktest.test_result, types, limit)
