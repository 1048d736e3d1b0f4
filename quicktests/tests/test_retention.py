import gzip
import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.retention import (
    ArchivedResultMissing,
    archive_results_task,
    purge_archived_strategies_task,
    quicktest_result,
    quicktests_archive,
    quicktests_purge,
)
from strategies.choices import StrategyStatus
from strategies.tests.factories import StrategyInstanceFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
FULL_RESULT = {
    "equity_curve": [{"t": f"2024-01-{day:02d}T00:00:00Z", "equity": 10_000 + day} for day in range(1, 29)],
    "trades": [{"entry_bar": 3, "exit_bar": 9, "pnl": 120.5}],
    "warnings": [],
}
METRICS = {"total_return_pct": 12.5, "trades": 1}


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def quick_test(*, age_days: float, instance=None, result=FULL_RESULT, status=QuickTestStatus.COMPLETED) -> QuickTest:
    instance = instance or StrategyInstanceFactory()
    finished = NOW - timedelta(days=age_days)
    return QuickTest.objects.create(
        instance=instance,
        user_id=instance.user_id,
        test_config={"dataset": "d"},
        logic_flow_snapshot=instance.logic_flow,
        status=status,
        test_result=result,
        metrics_summary=METRICS if result else None,
        started_at=finished,
        completed_at=finished if status in (QuickTestStatus.COMPLETED, QuickTestStatus.FAILED) else None,
        created_at=finished,
    )


def test_results_older_than_90_days_move_to_the_archive_and_stay_readable():
    old = quick_test(age_days=91)
    hot = quick_test(age_days=89)

    assert quicktests_archive(now=NOW) == 1

    old.refresh_from_db()
    assert old.test_result == {
        "archived": True,
        "archive_path": f"archive/quick_tests/{old.completed_at:%Y/%m}/{old.pk}.json.gz",
        "archived_at": NOW.isoformat(),
    }
    assert old.metrics_summary == METRICS
    with default_storage.open(old.test_result["archive_path"], "rb") as archive:
        assert json.loads(gzip.decompress(archive.read())) == FULL_RESULT
    assert quicktest_result(old) == FULL_RESULT

    hot.refresh_from_db()
    assert hot.test_result == FULL_RESULT
    assert quicktest_result(hot) == FULL_RESULT


def test_archiving_twice_changes_nothing_the_second_time():
    test = quick_test(age_days=120)
    assert quicktests_archive(now=NOW) == 1
    test.refresh_from_db()
    pointer = test.test_result

    assert quicktests_archive(now=NOW + timedelta(days=1)) == 0

    test.refresh_from_db()
    assert test.test_result == pointer
    assert quicktest_result(test) == FULL_RESULT


def test_tests_without_a_result_or_never_completed_are_not_archived():
    no_result = quick_test(age_days=200, result=None, status=QuickTestStatus.FAILED)
    stuck = quick_test(age_days=200, result=None, status=QuickTestStatus.PENDING)

    assert quicktests_archive(now=NOW) == 0
    assert quicktest_result(QuickTest.objects.get(pk=no_result.pk)) is None
    assert QuickTest.objects.get(pk=stuck.pk).test_result is None


def test_archiving_works_in_bounded_batches(settings):
    settings.RETENTION_MAX_BATCHES = 1
    for _ in range(3):
        quick_test(age_days=100)

    assert quicktests_archive(now=NOW, batch_size=2) == 2
    assert quicktests_archive(now=NOW, batch_size=2) == 1
    assert all(row.test_result["archived"] for row in QuickTest.objects.all())


def test_a_missing_archive_file_is_a_clear_error():
    test = quick_test(age_days=100)
    quicktests_archive(now=NOW)
    test.refresh_from_db()
    default_storage.delete(test.test_result["archive_path"])

    with pytest.raises(ArchivedResultMissing, match=test.pk):
        quicktest_result(test)


def test_tests_of_archived_strategies_are_deleted_after_a_year_with_their_archives(
    django_capture_on_commit_callbacks,
):
    archived_strategy = StrategyInstanceFactory(status=StrategyStatus.ARCHIVED)
    active_strategy = StrategyInstanceFactory(status=StrategyStatus.ACTIVE)
    old = quick_test(age_days=366, instance=archived_strategy)
    old_soft_deleted = quick_test(age_days=500, instance=archived_strategy)
    old_soft_deleted.soft_delete()
    young = quick_test(age_days=364, instance=archived_strategy)
    old_of_active = quick_test(age_days=800, instance=active_strategy)
    quicktests_archive(now=NOW)
    old.refresh_from_db()
    archive = old.test_result["archive_path"]

    with django_capture_on_commit_callbacks(execute=True):
        assert quicktests_purge(now=NOW) == 2

    assert set(QuickTest.all_objects.values_list("pk", flat=True)) == {young.pk, old_of_active.pk}
    assert not default_storage.exists(archive)
    assert quicktest_result(QuickTest.objects.get(pk=old_of_active.pk)) == FULL_RESULT
    with django_capture_on_commit_callbacks(execute=True):
        assert quicktests_purge(now=NOW) == 0


def test_the_beat_tasks_archive_and_purge_with_the_current_time(django_capture_on_commit_callbacks):
    archived_strategy = StrategyInstanceFactory(status=StrategyStatus.ARCHIVED)
    quick_test(age_days=400, instance=archived_strategy)
    kept = quick_test(age_days=100)

    assert archive_results_task.apply().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_archived_strategies_task.apply().get() == 1
    assert list(QuickTest.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_trades_file_stays_reachable_from_an_archived_row_and_goes_with_the_purge(
    django_capture_on_commit_callbacks,
):
    trades_file = default_storage.save("quicktests/q1/trades.parquet", ContentFile(b"parquet bytes"))
    test = quick_test(
        age_days=400,
        instance=StrategyInstanceFactory(status=StrategyStatus.ARCHIVED),
        result={**FULL_RESULT, "trades_file": trades_file},
    )

    quicktests_archive(now=NOW)
    test.refresh_from_db()
    assert test.test_result["trades_file"] == trades_file
    assert quicktest_result(test)["trades_file"] == trades_file

    with django_capture_on_commit_callbacks(execute=True):
        assert quicktests_purge(now=NOW) == 1
    assert not default_storage.exists(trades_file)
    assert not default_storage.exists(test.test_result["archive_path"])
