"""Retention of quick_tests (spec, Data Retention Policies): hot for QUICKTEST_ARCHIVE_AFTER (90 days),
then archived; deleted after QUICKTEST_DELETE_AFTER (a year) when their strategy instance is ARCHIVED.

Archiving moves the bulky `test_result` (equity curve, trades ...) out of the hot row into
default_storage as gzip JSON and leaves a small pointer in its place::

    {"archived": true, "archive_path": "archive/quick_tests/2026/08/<id>.json.gz", "archived_at": "..."}

`metrics_summary` stays in the row, so lists and comparisons never touch the archive;
`quicktest_result()` reads the full result back from wherever it is. The trade list already lives in
its own file (quicktests.results), as does a sweep's table of combinations (quicktests.sweeps); the pointer
keeps their `trades_file` and `rows_file` names, so they stay readable and the purge deletes them with the row.
"""

from __future__ import annotations

import gzip
import json
import logging
from datetime import datetime
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from strategies.choices import StrategyStatus
from strategy_builder.retention import RETENTION_TASK_OPTIONS, batches

from .models import QuickTest
from .sweeps import sweep_files_delete

logger = logging.getLogger(__name__)


class ArchivedResultMissing(Exception):
    """A quick test's result was archived, but the archive file is not in storage."""


def is_archived(test_result: Any) -> bool:
    return isinstance(test_result, dict) and test_result.get("archived") is True


def quicktest_result(quick_test: QuickTest) -> dict[str, Any] | None:
    """The full result of `quick_test`, from the row or from its archive; None when it has no result."""
    pointer = quick_test.test_result
    if not is_archived(pointer):
        return pointer
    try:
        with default_storage.open(pointer["archive_path"], "rb") as archive:
            return json.loads(gzip.decompress(archive.read()))
    except FileNotFoundError as exc:
        raise ArchivedResultMissing(
            f"The result of quick test {quick_test.pk} was archived to {pointer['archive_path']}, "
            "which is no longer in storage."
        ) from exc


def quicktests_archive(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Archive the results of tests completed more than QUICKTEST_ARCHIVE_AFTER ago; the number archived."""
    now = now or timezone.now()
    # has_key, not archived=True: `NOT (key = true)` is NULL, not TRUE, for rows without the key.
    due = QuickTest.all_objects.filter(
        completed_at__lt=now - settings.QUICKTEST_ARCHIVE_AFTER, test_result__isnull=False
    ).exclude(test_result__has_key="archived")
    count = 0
    for ids in batches(due, batch_size=batch_size):
        for quick_test in QuickTest.all_objects.filter(pk__in=ids).only("id", "completed_at", "test_result"):
            count += _archive(quick_test, now)
    return count


def quicktests_purge(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Hard-delete tests older than QUICKTEST_DELETE_AFTER whose strategy instance is ARCHIVED, with
    their archive, trades and sweep files (once the deletion is committed); the number deleted."""
    now = now or timezone.now()
    due = QuickTest.all_objects.filter(
        instance__status=StrategyStatus.ARCHIVED, created_at__lt=now - settings.QUICKTEST_DELETE_AFTER
    )
    count = 0
    for ids in batches(due, batch_size=batch_size):
        with transaction.atomic():
            rows = list(
                due.filter(pk__in=ids)
                .select_for_update()
                .values_list("pk", "test_result__archive_path", "test_result__trades_file", "test_result__rows_file")
            )
            QuickTest.all_objects.filter(pk__in=[pk for pk, *_ in rows]).delete()
            files = [path for _, *paths in rows for path in paths if path]
            ids = [pk for pk, *_ in rows]
            transaction.on_commit(lambda files=files, ids=ids: _delete_files(files, sweeps=ids))
        count += len(rows)
    return count


def archive_path(quick_test: QuickTest) -> str:
    return f"{settings.QUICKTEST_ARCHIVE_PREFIX}/{quick_test.completed_at:%Y/%m}/{quick_test.pk}.json.gz"


def _archive(quick_test: QuickTest, now: datetime) -> int:
    if quick_test.test_result is None or is_archived(quick_test.test_result):
        return 0
    path = archive_path(quick_test)
    payload = gzip.compress(json.dumps(quick_test.test_result, separators=(",", ":")).encode())
    # A rerun after a crash between the two steps below finds the file already there: replace it.
    if default_storage.exists(path):
        default_storage.delete(path)
    saved_as = default_storage.save(path, ContentFile(payload))
    pointer = {"archived": True, "archive_path": saved_as, "archived_at": now.isoformat()}
    for kept in ("trades_file", "rows_file"):
        if quick_test.test_result.get(kept):
            pointer[kept] = quick_test.test_result[kept]
    return QuickTest.all_objects.filter(pk=quick_test.pk).update(test_result=pointer, updated_at=now)


def _delete_files(paths: list[str], *, sweeps: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)
    for quicktest_id in sweeps:  # the working files a sweep stopped mid-way may have left
        sweep_files_delete(quicktest_id)


@shared_task(name="quicktests.archive_results", **RETENTION_TASK_OPTIONS)
def archive_results_task() -> int:
    count = quicktests_archive()
    logger.info("Archived the results of %d quick tests older than %s", count, settings.QUICKTEST_ARCHIVE_AFTER)
    return count


@shared_task(name="quicktests.purge_archived_strategies", **RETENTION_TASK_OPTIONS)
def purge_archived_strategies_task() -> int:
    count = quicktests_purge()
    logger.info("Deleted %d quick tests of archived strategies older than %s", count, settings.QUICKTEST_DELETE_AFTER)
    return count
