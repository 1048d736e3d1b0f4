"""Quick tests on a real Celery worker process, on Redis, sharing the test database and the bar files."""

import os
import signal
import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from quicktests import services
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.results import load_trades
from quicktests.tasks import fail_stuck_quicktests, run_quicktest

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def publish_to(monkeypatch):
    """Point the services' enqueueing at the test worker's own queue (instead of the default broker)."""

    def publish(worker):
        monkeypatch.setattr(services, "_enqueue", lambda quicktest_id: worker.send(run_quicktest, quicktest_id))

    return publish


def _status(quicktest_id: str) -> str:
    return QuickTest.all_objects.values_list("status", flat=True).get(pk=quicktest_id)


def test_a_posted_test_runs_on_the_worker_to_completed(media_root, trader, strategy, dataset, live_worker, publish_to):
    publish_to(live_worker)
    client = APIClient()
    client.force_authenticate(trader)

    response = client.post(
        "/api/v1/quick-tests/", {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}}, format="json"
    )
    assert response.status_code == 202
    quicktest_id = response.json()["id"]
    live_worker.wait_until(lambda: _status(quicktest_id) not in (QuickTestStatus.PENDING, QuickTestStatus.RUNNING))

    quicktest = QuickTest.objects.get(pk=quicktest_id)
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    assert quicktest.test_result["counts"]["bars"] == 2_000
    assert len(load_trades(quicktest.test_result)) == quicktest.metrics_summary["trades"]  # written by the worker
    assert client.get(f"/api/v1/quick-tests/{quicktest_id}/").json()["status"] == QuickTestStatus.COMPLETED


def test_a_message_delivered_twice_runs_the_test_once(media_root, trader, strategy, dataset, live_worker, publish_to):
    publish_to(live_worker)
    quicktest = services.quicktest_create(user=trader, instance_id=strategy.pk, test_config={"dataset": dataset.pk})

    live_worker.send(run_quicktest, quicktest.pk)  # the same message again, as a broker may redeliver it

    live_worker.wait_until(lambda: "is not pending; not running it again" in live_worker.log())
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED
    assert live_worker.log().count("Task quicktests.run_quicktest") >= 2  # both deliveries reached the worker


def test_a_cancelled_test_is_not_run_by_the_worker(media_root, trader, strategy, dataset, live_worker, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda quicktest_id: None)  # the message is sent after the cancel
    quicktest = services.quicktest_create(user=trader, instance_id=strategy.pk, test_config={"dataset": dataset.pk})
    services.quicktest_cancel(quicktest=quicktest, actor=trader.username)

    live_worker.send(run_quicktest, quicktest.pk)

    live_worker.wait_until(lambda: "is not pending; not running it again" in live_worker.log())
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.CANCELLED
    assert quicktest.started_at is None and quicktest.test_result is None


def test_a_test_whose_worker_died_is_failed_by_the_recovery_job(
    media_root, settings, trader, strategy, live_worker, publish_to
):
    """The worker is killed (SIGKILL) in the middle of a long run; the beat job then fails the test."""
    long_series = DatasetFactory(bar_count=1_000_000)
    publish_to(live_worker)
    quicktest = services.quicktest_create(user=trader, instance_id=strategy.pk, test_config={"dataset": long_series.pk})
    live_worker.wait_until(lambda: _status(quicktest.pk) != QuickTestStatus.PENDING)
    assert _status(quicktest.pk) == QuickTestStatus.RUNNING, "the run finished before the worker could be killed"
    os.killpg(live_worker.process.pid, signal.SIGKILL)
    live_worker.process.wait(timeout=15)

    settings.QUICKTEST_STUCK_AFTER = timedelta(0)
    time.sleep(0.01)
    assert fail_stuck_quicktests() == 1

    quicktest.refresh_from_db()
    assert (quicktest.status, quicktest.error_message) == (QuickTestStatus.FAILED, services.WORKER_LOST_MESSAGE)
