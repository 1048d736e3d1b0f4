"""Each of the spec's quick_tests common queries, as the selectors build it, uses its named index on
MySQL/MariaDB. The table is filled with enough varied rows (and ANALYZEd) for the optimizer to choose."""

import json
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from strategies.models import StrategyInstance

# transaction=True: ANALYZE TABLE commits implicitly, so these rows must be flushed, not rolled back.
pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

USERS, INSTANCES_PER_USER, TESTS_PER_INSTANCE = 40, 5, 20  # 4,000 tests


@pytest.fixture
def history():
    rng = random.Random(4)
    now = timezone.now()
    instances = StrategyInstance.objects.bulk_create(
        StrategyInstance(name=f"s{u}-{i}", user_id=f"user-{u}") for u in range(USERS) for i in range(INSTANCES_PER_USER)
    )
    statuses = [QuickTestStatus.COMPLETED] * 14 + [QuickTestStatus.FAILED] * 3 + [QuickTestStatus.PENDING] * 3
    QuickTest.objects.bulk_create(
        QuickTest(
            instance=instance,
            user_id=instance.user_id,
            test_config={},
            logic_flow_snapshot={},
            status=rng.choice(statuses),
            created_at=now - timedelta(hours=rng.uniform(0, 24 * 90)),
        )
        for instance in instances
        for _ in range(TESTS_PER_INSTANCE)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE quick_tests")
    return instances


def _plan(queryset) -> dict:
    """The access path MySQL chooses for `queryset` on quick_tests: the indexes it reads ("keys": one, or
    several for an index_merge) and the ones it considered."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN FORMAT=JSON {sql}", params)
        plan = json.loads(cursor.fetchone()[0])
    table = _find_table(plan["query_block"])
    return {"access": table.get("access_type"), "keys": _keys(table), "possible_keys": table.get("possible_keys", [])}


def _keys(node) -> list[str]:
    if isinstance(node, list):
        return [key for item in node for key in _keys(item)]
    if not isinstance(node, dict):
        return []
    own = [node["key"]] if isinstance(node.get("key"), str) else []
    return own + [key for name, value in node.items() if name != "key" for key in _keys(value)]


def _find_table(block: dict) -> dict:
    if "table" in block:
        return block["table"]
    for value in block.values():
        if isinstance(value, dict):
            found = _find_table(value)
            if found:
                return found
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and (found := _find_table(item)):
                    return found
    return {}


class _User:
    def __init__(self, pk: str):
        self.pk = pk


def test_completed_tests_of_a_strategy_use_ix_quicktest_instance_status(history):
    plan = _plan(QuickTest.objects.completed_for_instance(history[7].pk))

    assert plan["keys"] == ["ix_quicktest_instance_status"], plan


def test_a_users_recent_history_uses_ix_quicktest_user_created(history):
    plan = _plan(QuickTest.objects.recent_for_user(_User("user-3"))[:10])

    assert plan["keys"] == ["ix_quicktest_user_created"], plan


def test_failures_in_the_last_day_use_ix_quicktest_status_created(history):
    plan = _plan(QuickTest.objects.failed_since(timezone.now() - timedelta(days=1)))

    assert plan["keys"] == ["ix_quicktest_status_created"], plan


def test_a_users_tests_of_one_strategy_use_ix_quicktest_user_instance(history):
    plan = _plan(QuickTest.objects.for_user_and_instance(_User(history[12].user_id), history[12].pk))

    # A strategy belongs to one user, so instance_id alone is as selective as (user_id, instance_id): MariaDB
    # intersects ix_quicktest_user_instance with another instance index (index_merge) rather than use it alone.
    assert "ix_quicktest_user_instance" in plan["keys"], plan
