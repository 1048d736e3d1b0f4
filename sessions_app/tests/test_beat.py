from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask, PeriodicTasks

from strategy_builder.beat import BEAT_SCHEDULE, MANAGED_DESCRIPTION, sync_beat_schedule
from strategy_builder.celery import app

pytestmark = pytest.mark.django_db


def snapshot() -> list[dict]:
    return list(PeriodicTask.objects.order_by("name").values())


def test_the_declared_schedule_appears_in_django_celery_beat(capsys):
    call_command("sync_beat_schedule")

    rows = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}
    assert set(rows) == set(BEAT_SCHEDULE)
    expiry = rows["expire-builder-sessions"]
    assert expiry.task == "sessions_app.expire_sessions"
    assert (expiry.interval.every, expiry.interval.period) == (300, IntervalSchedule.SECONDS)
    assert expiry.crontab is None and expiry.enabled
    purge = rows["purge-builder-sessions"]
    assert (purge.crontab.minute, purge.crontab.hour, purge.crontab.day_of_week) == ("10", "2", "*")
    assert purge.interval is None and purge.kwargs == "{}"
    assert f"{len(BEAT_SCHEDULE)} created" in capsys.readouterr().out


def test_a_second_sync_changes_nothing():
    call_command("sync_beat_schedule")
    before = snapshot()
    changed_at = PeriodicTasks.last_change()
    schedules = (IntervalSchedule.objects.count(), CrontabSchedule.objects.count())

    report = sync_beat_schedule()

    assert report.unchanged == list(BEAT_SCHEDULE)
    assert (report.created, report.updated, report.disabled) == ([], [], [])
    assert snapshot() == before
    assert PeriodicTasks.last_change() == changed_at
    assert (IntervalSchedule.objects.count(), CrontabSchedule.objects.count()) == schedules


def test_a_changed_entry_is_updated_and_a_removed_one_disabled_but_hand_made_tasks_are_left_alone():
    sync_beat_schedule(
        {
            "job-a": {"task": "x.a", "schedule": timedelta(minutes=5)},
            "job-b": {"task": "x.b", "schedule": crontab(minute=0, hour=3)},
        }
    )
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    PeriodicTask.objects.create(name="staff-made", task="x.staff", interval=interval)

    report = sync_beat_schedule(
        {"job-a": {"task": "x.a", "schedule": timedelta(minutes=10), "kwargs": {"batch_size": 100}}}
    )

    assert (report.updated, report.disabled) == (["job-a"], ["job-b"])
    job_a = PeriodicTask.objects.get(name="job-a")
    assert (job_a.interval.every, job_a.kwargs) == (600, '{"batch_size": 100}')
    assert not PeriodicTask.objects.get(name="job-b").enabled
    staff_made = PeriodicTask.objects.get(name="staff-made")
    assert staff_made.enabled and staff_made.description != MANAGED_DESCRIPTION


def test_a_task_disabled_then_declared_again_comes_back():
    entry = {"job-a": {"task": "x.a", "schedule": timedelta(minutes=5)}}
    sync_beat_schedule(entry)
    sync_beat_schedule({})
    assert not PeriodicTask.objects.get(name="job-a").enabled

    assert sync_beat_schedule(entry).updated == ["job-a"]
    assert PeriodicTask.objects.get(name="job-a").enabled


def test_every_scheduled_task_is_registered_with_the_celery_app():
    app.loader.import_default_modules()

    missing = {entry["task"] for entry in BEAT_SCHEDULE.values()} - set(app.tasks)
    assert not missing, f"Scheduled but not registered: {sorted(missing)}"


def test_retention_jobs_run_under_their_own_time_limits_not_the_web_facing_ones(settings):
    app.loader.import_default_modules()
    retention = [
        entry["task"] for entry in BEAT_SCHEDULE.values() if entry["task"] != "quicktests.fail_stuck_quicktests"
    ]

    limits = {name: (app.tasks[name].soft_time_limit, app.tasks[name].time_limit) for name in retention}

    expected = (settings.RETENTION_TASK_SOFT_TIME_LIMIT, settings.RETENTION_TASK_TIME_LIMIT)
    assert limits == dict.fromkeys(retention, expected)
    assert expected[0] > settings.CELERY_TASK_SOFT_TIME_LIMIT
