import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from codegen.choices import ValidationStatus
from codegen.models import CodeGeneration
from codegen.retention import code_generations_purge_failed, purge_failed_generations_task
from strategies.tests.factories import StrategyInstanceFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def generation(status: str, *, age_days: float, soft_deleted: bool = False) -> CodeGeneration:
    code = f"# {status} {age_days}\n"
    row = CodeGeneration.objects.create(
        instance=StrategyInstanceFactory(),
        user_id="1",
        logic_flow_snapshot={"schema_version": 1, "nodes": [], "edges": []},
        generated_code=code,
        code_hash=hashlib.sha256(code.encode()).hexdigest(),
        validation_status=status,
        created_at=NOW - timedelta(days=age_days),
    )
    if soft_deleted:
        row.soft_delete()
    return row


def surviving() -> set[str]:
    return set(CodeGeneration.all_objects.values_list("pk", flat=True))


def test_failed_generations_are_deleted_after_90_days_and_not_a_day_before():
    syntax = generation(ValidationStatus.SYNTAX_ERROR, age_days=91)
    security = generation(ValidationStatus.SECURITY_ERROR, age_days=365)
    flow = generation(ValidationStatus.FLOW_ERROR, age_days=90.01, soft_deleted=True)
    recent_failure = generation(ValidationStatus.SECURITY_ERROR, age_days=89)

    assert code_generations_purge_failed(now=NOW) == 3

    assert surviving() == {recent_failure.pk}
    assert not {syntax.pk, security.pk, flow.pk} & surviving()


def test_valid_code_is_kept_forever_and_pending_code_is_not_a_failure():
    valid = generation(ValidationStatus.VALID, age_days=10 * 365)
    pending = generation(ValidationStatus.PENDING, age_days=200)

    assert code_generations_purge_failed(now=NOW + timedelta(days=20 * 365)) == 0
    assert surviving() == {valid.pk, pending.pk}


def test_the_purge_is_idempotent_and_its_period_a_setting(settings):
    settings.CODEGEN_FAILED_RETENTION = timedelta(days=30)
    generation(ValidationStatus.SYNTAX_ERROR, age_days=31)
    kept = generation(ValidationStatus.SYNTAX_ERROR, age_days=29)

    assert code_generations_purge_failed(now=NOW) == 1
    assert code_generations_purge_failed(now=NOW) == 0
    assert surviving() == {kept.pk}


def test_the_beat_task_purges_with_the_current_time():
    generation(ValidationStatus.SYNTAX_ERROR, age_days=100)
    valid = generation(ValidationStatus.VALID, age_days=100)

    assert purge_failed_generations_task.apply().get() == 1
    assert surviving() == {valid.pk}
