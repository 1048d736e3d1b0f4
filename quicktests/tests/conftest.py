import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from marketdata.tests.factories import DatasetFactory
from strategies.tests.factories import UserFactory

from .factories import ReferenceStrategyFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Bar and trade files of each test in their own directory (a worker the test starts is given it)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def system_nodes(db):
    call_command("seed_node_templates", verbosity=0)


@pytest.fixture
def trader(db):
    return UserFactory()


@pytest.fixture
def strategy(trader, system_nodes):
    return ReferenceStrategyFactory(user=trader)


@pytest.fixture
def dataset(db):
    """2,000 generated minute bars from 2020-01-01 00:00 UTC, shared."""
    return DatasetFactory(bar_count=2_000)


@pytest.fixture
def celery_broker(monkeypatch):
    """Point this process's Celery app (which the services send with) at another broker for one test:
    `celery_broker("redis://…")`, or `celery_broker("filesystem://", data_folder_in=…, …)`."""
    from strategy_builder.celery import app

    def point(url: str, **transport_options) -> None:
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setitem(app.conf, "broker_transport_options", transport_options)
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        # The connection and producer pools are made once per process from the configuration: start afresh.
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    return point


def filesystem_broker_options(var_dir: Path) -> dict[str, str]:
    """The transport options settings.py derives from VAR_DIR for the filesystem broker."""
    broker = var_dir / "broker"
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),
    }


@pytest.fixture
def embedded_worker(transactional_db, tmp_path, media_root, celery_broker):
    """`celery worker` as `make run` starts it (filesystem broker, the production prefork pool), in a VAR_DIR
    of its own that does not exist yet, on the test database; this process sends to its folders."""
    from django.conf import settings

    from conftest import REPO_ROOT, WORKER_START_TIMEOUT, database_url_for_subprocess

    var_dir = tmp_path / "var"
    log_path = tmp_path / "celery-worker.log"
    env = {
        **os.environ,
        # The real settings module: the test one pins VAR_DIR to var/test.
        "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
        "VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "celery", "--app", "strategy_builder", "worker", "--concurrency", "1"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = EmbeddedWorker(process=process, log_path=log_path, var_dir=var_dir)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        while " ready." not in worker.log():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The embedded Celery worker did not start (exit {process.poll()}):\n{worker.log()}")
            time.sleep(0.1)
        celery_broker("filesystem://", **filesystem_broker_options(var_dir))
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()  # warm shutdown: the main process stops its pool
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


@dataclass
class EmbeddedWorker:
    process: subprocess.Popen
    log_path: Path
    var_dir: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, condition, timeout: float = 60) -> None:
        """Poll `condition` until it holds; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Condition not met within {timeout}s.\n--- worker log ---\n{self.log()}")
            time.sleep(0.02)
