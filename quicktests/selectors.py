"""Reads of quick_tests: a user only ever sees their own tests, and never soft-deleted ones."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import QuickTest
from .results import load_trades


def quicktest_list(*, user) -> QuerySet[QuickTest]:
    """The user's tests, newest first (ix_quicktest_user_created)."""
    return QuickTest.objects.recent_for_user(user)


def quicktest_get(*, user, quicktest_id: str) -> QuickTest:
    """The user's test `quicktest_id`; 404 for anyone else's."""
    try:
        return quicktest_list(user=user).get(pk=quicktest_id)
    except QuickTest.DoesNotExist as exc:
        raise Http404(f"No quick test {quicktest_id!r}.") from exc


def quicktest_trades(*, quicktest: QuickTest) -> list[dict]:
    return load_trades(quicktest.test_result)
