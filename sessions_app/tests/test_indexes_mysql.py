"""Each of the spec's builder_sessions common queries, as the querysets build them, uses its named index on
MySQL/MariaDB. The table holds what a medium deployment holds (the spec: about 2,000 rows): many users with
a few sessions each, most of them on a strategy, a few still active (sessions expire after a day idle); ANALYZEd so the optimizer chooses on real statistics."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from quicktests.tests.test_indexes_mysql import _plan
from sessions_app.choices import SessionType
from sessions_app.models import BuilderSession
from strategies.models import StrategyInstance

# transaction=True: ANALYZE TABLE commits implicitly, so these rows must be flushed, not rolled back.
pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

USERS, INSTANCES_PER_USER, SESSIONS_PER_USER = 200, 3, 10  # 2,000 sessions
SESSION_TYPES = [SessionType.AUTOSAVE] * 6 + [SessionType.DRAFT] * 3 + [SessionType.COLLABORATIVE]


class _User:
    def __init__(self, pk: str):
        self.pk = pk


@pytest.fixture
def sessions():
    rng = random.Random(10)
    now = timezone.now()
    instances = StrategyInstance.objects.bulk_create(
        StrategyInstance(name=f"s{u}-{i}", user_id=str(u)) for u in range(USERS) for i in range(INSTANCES_PER_USER)
    )
    by_user = {}
    for instance in instances:
        by_user.setdefault(instance.user_id, []).append(instance)
    rows = []
    for user_id, owned in by_user.items():
        for _ in range(SESSIONS_PER_USER):
            # Sessions are purged 30 days after their last activity and expire after a day idle; the expiry
            # job ended those idle longer than that when it last ran, 10 minutes ago; users closed some.
            last_activity = now - timedelta(hours=rng.uniform(0, 24 * 30))
            expires_at = last_activity + timedelta(days=1)
            rows.append(
                BuilderSession(
                    user_id=user_id,
                    instance=rng.choice(owned) if rng.random() < 0.8 else None,
                    session_type=rng.choice(SESSION_TYPES),
                    draft_logic_flow={"nodes": [], "edges": []},
                    is_active=expires_at > now - timedelta(minutes=10) and rng.random() < 0.7,
                    last_activity_at=last_activity,
                    expires_at=expires_at,
                )
            )
    BuilderSession.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE builder_sessions")
    return instances


def test_a_users_active_sessions_use_ix_session_user_active(sessions):
    plan = _plan(BuilderSession.objects.for_user(_User("17")).active())

    assert plan["keys"] == ["ix_session_user_active"], plan


def test_a_users_recent_sessions_use_ix_session_user_activity(sessions):
    plan = _plan(BuilderSession.objects.for_user(_User("17")).recent()[:20])

    assert plan["keys"] == ["ix_session_user_activity"], plan


def test_the_expired_sessions_cleanup_reads_the_active_sessions_not_ix_session_expires(sessions):
    """The spec's "expires_at < NOW() AND is_active = TRUE, uses ix_session_expires" does not hold: nearly
    every session has expired already (the job ended them), so the range on expires_at, the index's first
    column, covers almost the whole index and is_active cannot be sought after a range. MariaDB reads the
    few active sessions instead, which is the cheaper plan; an index (is_active, expires_at) would serve
    the query exactly, but the spec fixes the column order."""
    plan = _plan(BuilderSession.all_objects.expired(timezone.now()))

    assert "ix_session_expires" in plan["possible_keys"], plan
    assert plan["keys"] in (["ix_builder_sessions_is_active"], ["ix_session_user_active"]), plan


def test_the_session_for_a_strategy_seeks_by_instance_id(sessions):
    """A strategy belongs to one user, so instance_id alone is as selective as (instance_id, user_id): MariaDB
    takes either ix_session_instance_user or the foreign key's ix_builder_sessions_instance_id (the shorter,
    on a tie), both reading exactly the strategy's sessions."""
    instance = sessions[42]
    plan = _plan(BuilderSession.objects.for_user(_User(instance.user_id)).for_instance(instance.pk))

    assert "ix_session_instance_user" in plan["possible_keys"], plan
    assert plan["keys"] in (["ix_session_instance_user"], ["ix_builder_sessions_instance_id"]), plan
