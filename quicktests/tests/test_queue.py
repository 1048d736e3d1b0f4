"""Quick tests and the task queue: a test is queued or not stored at all, never left PENDING for ever;
the embedded set-up (filesystem broker) works wherever VAR_DIR is."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from nodes.models import NodeTemplate
from quicktests import services
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.tasks import fail_stuck_quicktests
from strategy_builder.api.exceptions import QueueUnavailable

from .factories import QuickTestFactory

URL = "/api/v1/quick-tests/"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: connection refused at once
REPO_ROOT = Path(__file__).resolve().parents[2]


def _post(trader, strategy, dataset):
    client = APIClient()
    client.force_authenticate(trader)
    return client.post(URL, {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}}, format="json")


def _usage_counts() -> dict[str, int]:
    return dict(NodeTemplate.objects.values_list("pk", "usage_count"))


@pytest.mark.django_db(transaction=True)
def test_a_post_while_the_broker_cannot_be_reached_answers_503_and_stores_nothing(
    trader, strategy, dataset, celery_broker
):
    celery_broker(UNREACHABLE_REDIS)
    counts_before = _usage_counts()

    response = _post(trader, strategy, dataset)

    assert response.status_code == 503
    error = response.json()["error"]
    assert (error["status"], error["code"], error["problems"]) == (503, "queue_unavailable", [])
    assert error["message"] == services.QUEUE_UNAVAILABLE_MESSAGE
    assert not QuickTest.all_objects.exists()
    assert _usage_counts() == counts_before


@pytest.mark.django_db(transaction=True)
def test_a_post_while_the_broker_folder_cannot_be_written_answers_503_and_stores_nothing(
    trader, strategy, dataset, celery_broker, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the broker's folder should be")
    queue = str(blocker / "queue")
    celery_broker("filesystem://", data_folder_in=queue, data_folder_out=queue, control_folder=str(tmp_path))

    response = _post(trader, strategy, dataset)

    assert (response.status_code, response.json()["error"]["code"]) == (503, "queue_unavailable")
    assert not QuickTest.all_objects.exists()


@pytest.mark.django_db
def test_a_test_the_broker_refused_is_withdrawn_when_created_inside_a_larger_transaction(
    trader, strategy, dataset, celery_broker, django_capture_on_commit_callbacks
):
    celery_broker(UNREACHABLE_REDIS)

    with pytest.raises(QueueUnavailable), django_capture_on_commit_callbacks(execute=True):
        services.quicktest_create(user=trader, instance_id=strategy.pk, test_config={"dataset": dataset.pk})

    assert not QuickTest.all_objects.exists()


@pytest.mark.django_db
def test_tests_pending_past_the_limit_are_failed_saying_no_worker_started_them(trader, strategy, settings):
    settings.QUICKTEST_PENDING_LIMIT = timedelta(minutes=15)
    forgotten, queued = QuickTestFactory(instance=strategy), QuickTestFactory(instance=strategy)
    QuickTest.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    QuickTest.objects.filter(pk=queued.pk).update(created_at=timezone.now() - timedelta(minutes=14))

    assert fail_stuck_quicktests.apply().get() == 1

    forgotten.refresh_from_db()
    queued.refresh_from_db()
    assert forgotten.status == QuickTestStatus.FAILED
    assert forgotten.error_message == (
        "No worker started this test within 15 minutes of it being submitted (the task queue or its workers "
        "were down or overloaded), so it was stopped. Run the test again."
    )
    assert forgotten.completed_at is not None
    assert queued.status == QuickTestStatus.PENDING


@pytest.mark.django_db
def test_a_pending_test_failed_by_the_recovery_job_is_not_run_when_its_message_arrives_later(
    trader, strategy, dataset, settings
):
    settings.QUICKTEST_PENDING_LIMIT = timedelta(minutes=1)
    quicktest = QuickTestFactory(instance=strategy, test_config={"dataset": dataset.pk, "start": None, "end": None})
    QuickTest.objects.filter(pk=quicktest.pk).update(created_at=F("created_at") - timedelta(minutes=2))
    fail_stuck_quicktests.apply()

    assert services.quicktest_run(quicktest_id=quicktest.pk) is None
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.FAILED and quicktest.started_at is None


def test_a_process_with_a_new_var_dir_makes_its_database_folder_and_broker_folders_and_can_queue(tmp_path):
    var_dir = tmp_path / "custom-var"
    script = (
        "import django; django.setup(); from django.db import connection; connection.ensure_connection();"
        "from quicktests.tasks import run_quicktest; run_quicktest.delay('00000000-0000-0000-0000-000000000000')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategy_builder.settings", "DEBUG": "1"}
    env |= {"VAR_DIR": str(var_dir), "CELERY_BROKER_URL": "filesystem://", "CELERY_TASK_ALWAYS_EAGER": "0"}
    env.pop("DATABASE_URL", None)

    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    queued = list((var_dir / "broker" / "queue").iterdir())
    assert len(queued) == 1
    assert json.loads(queued[0].read_text())["headers"]["task"] == "quicktests.run_quicktest"
    assert (var_dir / "broker" / "control").is_dir() and (var_dir / "broker" / "processed").is_dir()
    assert (var_dir / "db.sqlite3").is_file()


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_starts_in_a_new_var_dir_and_completes_a_posted_test(
    trader, strategy, dataset, embedded_worker
):
    response = _post(trader, strategy, dataset)
    assert response.status_code == 202, response.content
    quicktest_id = response.json()["id"]

    embedded_worker.wait_until(
        lambda: (
            QuickTest.all_objects.values_list("status", flat=True).get(pk=quicktest_id)
            not in (QuickTestStatus.PENDING, QuickTestStatus.RUNNING)
        )
    )

    quicktest = QuickTest.objects.get(pk=quicktest_id)
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    assert quicktest.test_result["counts"]["bars"] == 2_000


def test_the_embedded_worker_looks_for_new_messages_often_enough_for_a_test_to_feel_instant(tmp_path):
    script = (
        "import django; django.setup(); from strategy_builder.celery import app;"
        "print(app.connection_for_read().transport.polling_interval)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategy_builder.settings", "DEBUG": "1"}
    env |= {"VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": "filesystem://"}

    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    # kombu's default, 1 s, was most of a quick test's time; the engine itself takes milliseconds.
    assert float(done.stdout.strip().splitlines()[-1]) <= 0.1
