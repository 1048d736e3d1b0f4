"""Every periodic job, declared in code. `manage.py sync_beat_schedule` writes this registry into
django-celery-beat's tables, where the DatabaseScheduler reads it and staff see it in the admin.

An entry is ``name: {"task": registered task name, "schedule": timedelta | crontab, "kwargs": {...}}``.
Remove an entry and the next sync disables its row; add one and it appears. Times are UTC.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypedDict

from celery.schedules import crontab
from celery.schedules import schedule as celery_schedule
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


class BeatEntry(TypedDict, total=False):
    task: str
    schedule: timedelta | crontab
    kwargs: dict[str, Any]


BEAT_SCHEDULE: dict[str, BeatEntry] = {
    # Frequent: a session past its expires_at must stop holding its lock soon after.
    "expire-builder-sessions": {"task": "sessions_app.expire_sessions", "schedule": timedelta(minutes=5)},
    # Frequent: a quick test whose worker died, or that no worker took, must not stay RUNNING or PENDING
    # for ever (quicktests.tasks).
    "fail-stuck-quick-tests": {"task": "quicktests.fail_stuck_quicktests", "schedule": timedelta(minutes=5)},
    # Daily, spread over the quiet hours, each in bounded batches.
    "purge-builder-sessions": {"task": "sessions_app.purge_sessions", "schedule": crontab(minute=10, hour=2)},
    "purge-failed-code-generations": {
        "task": "codegen.purge_failed_generations",
        "schedule": crontab(minute=20, hour=2),
    },
    "archive-quick-test-results": {"task": "quicktests.archive_results", "schedule": crontab(minute=30, hour=2)},
    "purge-quick-tests-of-archived-strategies": {
        "task": "quicktests.purge_archived_strategies",
        "schedule": crontab(minute=50, hour=2),
    },
}


MANAGED_DESCRIPTION = "Declared in strategy_builder/beat.py and kept in sync by `manage.py sync_beat_schedule`."


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)


@transaction.atomic
def sync_beat_schedule(registry: dict[str, BeatEntry] | None = None) -> SyncReport:
    """Upsert one PeriodicTask per registry entry; disable the rows this sync made that are no longer
    declared. Rows staff made by hand are not touched. Running it twice changes nothing the second time
    (a row is saved only when it differs, so beat's change counter does not move either)."""
    registry = BEAT_SCHEDULE if registry is None else registry
    report = SyncReport()
    for name, entry in registry.items():
        wanted = _task_fields(entry)
        task = PeriodicTask.objects.filter(name=name).first()
        if task is None:
            PeriodicTask.objects.create(name=name, **wanted)
            report.created.append(name)
            continue
        differing = {key: value for key, value in wanted.items() if getattr(task, key) != value}
        if differing:
            for key, value in differing.items():
                setattr(task, key, value)
            task.save()
            report.updated.append(name)
        else:
            report.unchanged.append(name)

    for task in PeriodicTask.objects.filter(description=MANAGED_DESCRIPTION, enabled=True).exclude(name__in=registry):
        task.enabled = False
        task.save()
        report.disabled.append(task.name)
    return report


def _task_fields(entry: BeatEntry) -> dict[str, Any]:
    schedule = entry["schedule"]
    interval = crontab_row = None
    if isinstance(schedule, timedelta):
        interval = IntervalSchedule.from_schedule(celery_schedule(run_every=schedule))
        if interval.pk is None:
            interval.save()
    elif isinstance(schedule, crontab):
        crontab_row = CrontabSchedule.from_schedule(schedule)
        if crontab_row.pk is None:
            crontab_row.save()
    else:
        raise TypeError(f"A beat schedule is a timedelta or a crontab, not {type(schedule).__name__}.")
    return {
        "task": entry["task"],
        "interval": interval,
        "crontab": crontab_row,
        "solar": None,
        "clocked": None,
        "kwargs": json.dumps(entry.get("kwargs", {}), sort_keys=True),
        "enabled": True,
        "one_off": False,
        "description": MANAGED_DESCRIPTION,
    }
