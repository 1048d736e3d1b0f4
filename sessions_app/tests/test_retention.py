from datetime import timedelta

import pytest
from django.utils import timezone

from codegen.retention import code_generations_purge_failed
from nodes.models import NodeTemplate
from nodes.tests.factories import NodeTemplateFactory
from quicktests.retention import quicktests_archive, quicktests_purge
from sessions_app.models import BuilderSession
from sessions_app.retention import expire_sessions_task, purge_sessions_task, sessions_expire, sessions_purge

from .factories import BuilderSessionFactory, days_ago

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def test_expiry_deactivates_sessions_past_expires_at_and_drops_their_locks():
    lock = {"holder": "1", "since": days_ago(1).isoformat(), "until": (NOW + timedelta(minutes=5)).isoformat()}
    expired = BuilderSessionFactory(expires_at=NOW - timedelta(seconds=1), lock_info=lock)
    live = BuilderSessionFactory(expires_at=NOW + timedelta(hours=1))
    no_expiry = BuilderSessionFactory(expires_at=None)

    assert sessions_expire(now=NOW) == 1

    expired.refresh_from_db()
    assert not expired.is_active
    assert expired.lock_info is None
    assert expired.draft_logic_flow == {"schema_version": 1, "nodes": [], "edges": []}
    assert BuilderSession.objects.get(pk=live.pk).is_active
    assert BuilderSession.objects.get(pk=no_expiry.pk).is_active


def test_expiry_is_idempotent():
    BuilderSessionFactory.create_batch(3, expires_at=NOW - timedelta(minutes=1))

    assert sessions_expire(now=NOW) == 3
    assert sessions_expire(now=NOW) == 0
    assert BuilderSession.objects.filter(is_active=True).count() == 0


def test_sessions_are_deleted_30_days_after_last_activity_and_not_a_day_before():
    old_active = BuilderSessionFactory(last_activity_at=days_ago(30, now=NOW) - timedelta(seconds=1))
    old_closed = BuilderSessionFactory(last_activity_at=days_ago(45, now=NOW), is_active=False)
    old_soft_deleted = BuilderSessionFactory(last_activity_at=days_ago(400, now=NOW))
    old_soft_deleted.soft_delete()
    day_29 = BuilderSessionFactory(last_activity_at=days_ago(29, now=NOW), is_active=False)
    fresh = BuilderSessionFactory(last_activity_at=NOW)

    assert sessions_purge(now=NOW) == 3

    remaining = set(BuilderSession.all_objects.values_list("pk", flat=True))
    assert remaining == {day_29.pk, fresh.pk}
    assert not {old_active.pk, old_closed.pk, old_soft_deleted.pk} & remaining
    assert sessions_purge(now=NOW) == 0


def test_purge_period_is_a_setting(settings):
    settings.SESSION_PURGE_AFTER = timedelta(days=7)
    BuilderSessionFactory(last_activity_at=days_ago(8, now=NOW))
    kept = BuilderSessionFactory(last_activity_at=days_ago(6, now=NOW))

    assert sessions_purge(now=NOW) == 1
    assert list(BuilderSession.all_objects.values_list("pk", flat=True)) == [kept.pk]


def test_purge_works_in_bounded_batches_and_the_next_run_carries_on(settings):
    settings.RETENTION_MAX_BATCHES = 2
    BuilderSessionFactory.create_batch(5, last_activity_at=days_ago(60, now=NOW))

    assert sessions_purge(now=NOW, batch_size=2) == 4
    assert BuilderSession.all_objects.count() == 1
    assert sessions_purge(now=NOW, batch_size=2) == 1
    assert BuilderSession.all_objects.count() == 0


def test_beat_tasks_run_the_jobs_against_the_current_time():
    BuilderSessionFactory(expires_at=timezone.now() - timedelta(minutes=1))
    BuilderSessionFactory(last_activity_at=days_ago(31), is_active=False)

    assert expire_sessions_task.apply().get() == 1
    assert purge_sessions_task.apply().get() == 1


def test_years_of_retention_never_touch_node_templates():
    system = NodeTemplateFactory(is_system_template=True)
    custom = NodeTemplateFactory(is_system_template=False, user_id="7")
    custom.soft_delete()
    years_later = NOW + timedelta(days=5 * 365)

    for job in (sessions_expire, sessions_purge, code_generations_purge_failed, quicktests_archive, quicktests_purge):
        job(now=years_later)

    assert set(NodeTemplate.all_objects.values_list("pk", flat=True)) == {system.pk, custom.pk}
