"""The Celery wiring, end to end: a real worker process on Redis, and eager mode in-process."""

import pytest
from django.db import connection

from strategy_builder.celery import app
from strategy_builder.tasks import ping_database


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_answers_ping_from_the_test_database(live_worker):
    report = live_worker.result(live_worker.send(ping_database))

    assert report["worker"] == live_worker.hostname
    assert report["vendor"] == connection.vendor
    assert report["database"] == str(connection.settings_dict["NAME"])
    assert report["pending_migrations"] == []
    assert report["round_trip_ms"] >= 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_reads_rows_the_test_committed(live_worker):
    """The worker shares the test database: a migration the test un-records is reported as pending."""
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    (app_label, name), *_ = MigrationLoader(connection).graph.leaf_nodes("sessions_app")
    MigrationRecorder.Migration.objects.filter(app=app_label, name=name).delete()
    try:
        report = live_worker.result(live_worker.send(ping_database))
    finally:
        MigrationRecorder(connection).record_applied(app_label, name)

    assert f"{app_label}.{name}" in report["pending_migrations"]


@pytest.mark.django_db
def test_eager_mode_runs_the_task_in_process(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)

    result = ping_database.delay()

    report = result.get(timeout=5)
    assert result.successful()
    assert report["vendor"] == connection.vendor
    assert report["database"] == str(connection.settings_dict["NAME"])
    assert report["pending_migrations"] == []
