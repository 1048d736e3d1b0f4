"""Each of the spec's code_generations common queries, as the querysets build them, uses its named index on
MySQL/MariaDB. The table is filled with enough varied rows (and ANALYZEd) for the optimizer to choose:
strategies made from shared templates generate identical code, so a hash alone is not selective."""

import hashlib
import json
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from codegen.choices import ValidationStatus
from codegen.models import CodeGeneration
from quicktests.tests.test_indexes_mysql import _find_table, _keys
from strategies.models import StrategyInstance

# transaction=True: ANALYZE TABLE commits implicitly, so these rows must be flushed, not rolled back.
pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True)]

USERS, INSTANCES_PER_USER, GENERATIONS_PER_INSTANCE, DISTINCT_CODES = 40, 5, 10, 30  # 2,000 generations


class _User:
    def __init__(self, pk: str):
        self.pk = pk


@pytest.fixture
def history():
    rng = random.Random(6)
    now = timezone.now()
    instances = StrategyInstance.objects.bulk_create(
        StrategyInstance(name=f"s{u}-{i}", user_id=f"user-{u}") for u in range(USERS) for i in range(INSTANCES_PER_USER)
    )
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(DISTINCT_CODES)]
    statuses = [ValidationStatus.VALID] * 17 + [ValidationStatus.FLOW_ERROR] * 2 + [ValidationStatus.SECURITY_ERROR]
    CodeGeneration.objects.bulk_create(
        CodeGeneration(
            instance=instance,
            user_id=instance.user_id,
            logic_flow_snapshot={},
            generated_code="",
            code_hash=rng.choice(hashes),
            validation_status=rng.choice(statuses),
            created_at=now - timedelta(hours=rng.uniform(0, 24 * 90)),
        )
        for instance in instances
        for _ in range(GENERATIONS_PER_INSTANCE)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE code_generations")
    return instances, hashes


def _plan(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN FORMAT=JSON {sql}", params)
        plan = json.loads(cursor.fetchone()[0])
    table = _find_table(plan["query_block"])
    return {"access": table.get("access_type"), "keys": _keys(table), "possible_keys": table.get("possible_keys", [])}


def test_the_duplicate_check_uses_ix_codegen_hash_instance(history):
    instances, hashes = history

    plan = _plan(CodeGeneration.objects.duplicate_of(hashes[3], instances[17].pk))

    assert plan["keys"] == ["ix_codegen_hash_instance"], plan


def test_a_strategys_history_uses_ix_codegen_instance_created(history):
    instances, _ = history

    plan = _plan(CodeGeneration.objects.for_instance(instances[9].pk)[:20])

    assert plan["keys"] == ["ix_codegen_instance_created"], plan


def test_recent_security_failures_use_ix_codegen_validation_status(history):
    plan = _plan(CodeGeneration.objects.with_status(ValidationStatus.SECURITY_ERROR)[:20])

    assert plan["keys"] == ["ix_codegen_validation_status"], plan


def test_a_users_generations_use_ix_codegen_user_created(history):
    plan = _plan(CodeGeneration.objects.recent_for_user(_User("user-5"))[:20])

    assert plan["keys"] == ["ix_codegen_user_created"], plan
