"""Bounded batches for the retention jobs (sessions_app/, codegen/ and quicktests/ `retention` modules).

A job never runs one statement over an unbounded set of rows: it takes up to RETENTION_BATCH_SIZE
primary keys of the rows its rule selects, acts on those (re-checking the rule in the same statement,
so a row that changed meanwhile is left alone), and repeats, at most RETENTION_MAX_BATCHES times per
run. Whatever is left is the next run's. Each batch is its own short transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

RETENTION_TASK_OPTIONS = {
    "soft_time_limit": settings.RETENTION_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.RETENTION_TASK_TIME_LIMIT,
}


def batches(queryset: QuerySet, *, batch_size: int | None = None, max_batches: int | None = None) -> Iterator[list]:
    """Primary keys of `queryset`, a batch at a time. The caller must make each batch's rows leave the
    queryset (delete, archive, deactivate them); a batch that comes back the same ends the run."""
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    max_batches = max_batches or settings.RETENTION_MAX_BATCHES
    previous: list | None = None
    for _ in range(max_batches):
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids or ids == previous:
            return
        yield ids
        previous = ids


def purge(queryset: QuerySet, *, batch_size: int | None = None, max_batches: int | None = None) -> int:
    """Hard-delete the rows of `queryset` in bounded batches; the number of its rows deleted."""
    label = queryset.model._meta.label
    deleted = 0
    for ids in batches(queryset, batch_size=batch_size, max_batches=max_batches):
        with transaction.atomic():
            _, per_model = queryset.filter(pk__in=ids).delete()
        deleted += per_model.get(label, 0)
    return deleted
