"""Project-wide test set-up. Test settings: strategy_builder/settings_test.py (named in pytest.ini).

Tests that need a service are marked:
- `mysql`: need DATABASE_URL=mysql://...; on another database they are skipped with that reason
  (`make test` deselects them in its SQLite pass and runs them in its MariaDB pass);
- `worker`: a real Celery worker on Redis, through the `live_worker` fixture. Without Redis they are
  skipped, except under `make test` (SB_REQUIRE_SERVICES=1) or CI (CI=true), where a missing service is a
  failure: nothing is skipped silently there.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.utils.nodenames import host_format

REPO_ROOT = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("SB_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
WORKER_START_TIMEOUT = 90
TASK_TIMEOUT = 60


def services_required() -> bool:
    return os.environ.get("SB_REQUIRE_SERVICES") == "1" or os.environ.get("CI", "").lower() == "true"


def missing_service(reason: str) -> None:
    """Skip the test, or fail it where every service must be there (make test, CI)."""
    if services_required():
        pytest.fail(f"{reason} (a failure, not a skip, under make test / CI=true)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    allow_orm_beside_playwright(item)
    if item.get_closest_marker("mysql"):
        from django.db import connection

        if connection.vendor != "mysql":
            # Not a missing service but another database: make test runs these in its MariaDB pass.
            pytest.skip("needs MySQL/MariaDB: run with DATABASE_URL=mysql://...")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache, so throttle counts never leak from one test to another."""
    from django.core.cache import cache

    cache.clear()


# --- A real Celery worker --------------------------------------------------------------------------


def database_url_for_subprocess() -> str:
    """A DATABASE_URL naming the database the tests are using right now (the test database)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:memorydb"):
            raise RuntimeError("An in-memory SQLite test database cannot be shared with a worker process.")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "mysql":
        credentials = quote(db["USER"], safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        return f"mysql://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    raise RuntimeError(f"No worker set-up for the {connection.vendor} database.")


@dataclass
class LiveWorker:
    """A `celery worker` process on its own Redis queue, using the test database.

    The worker leads its own process group, so a test can simulate a crash with
    `os.killpg(worker.process.pid, signal.SIGKILL)`; the fixture stops whatever is left.
    """

    hostname: str
    queue: str
    broker_url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def send(self, task, *args, **kwargs):
        """Publish `task` to this worker; returns an AsyncResult whose .get() reads the Redis backend."""
        from celery.result import AsyncResult

        from strategy_builder.celery import app

        with app.connection_for_write(self.broker_url) as connection:
            sent = task.apply_async(args=args, kwargs=kwargs, queue=self.queue, connection=connection)
        return AsyncResult(sent.id, app=app, backend=self._backend())

    def result(self, async_result, timeout: float = TASK_TIMEOUT):
        """The task's return value, or a failure that shows the worker's log."""
        try:
            return async_result.get(timeout=timeout)
        except Exception as exc:
            pytest.fail(f"Task {async_result.id} failed on the worker: {exc!r}\n--- worker log ---\n{self.log()}")
        finally:
            async_result.forget()

    def wait_until(self, condition: Callable[[], bool], timeout: float = TASK_TIMEOUT) -> None:
        """Poll `condition` (e.g. a row's status) until it holds; fail with the worker's log if it never does."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Condition not met within {timeout}s.\n--- worker log ---\n{self.log()}")
            time.sleep(0.1)

    def _backend(self):
        from celery.backends.redis import RedisBackend

        from strategy_builder.celery import app

        return RedisBackend(app=app, url=self.broker_url)

    def delete_queue(self) -> None:
        """Remove this worker's queue and its kombu bindings from Redis (the names carry a unique token)."""
        import redis

        client = redis.Redis.from_url(self.broker_url)
        keys = list(client.scan_iter(match=f"*{self.queue}*"))
        if keys:
            client.delete(*keys)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def live_worker(transactional_db, tmp_path: Path) -> Iterator[LiveWorker]:
    """Start `celery -A strategy_builder worker` against Redis and the test database; always stop it.

    The test must be transactional (`@pytest.mark.django_db(transaction=True)`) so the worker, a
    separate process, sees the rows the test writes. Each worker consumes its own queue, so parallel
    runs on one Redis never take each other's messages.
    """
    if not redis_answers(REDIS_URL):
        missing_service(f"Redis does not answer at {REDIS_URL}")
    worker = start_live_worker(f"sb-test-{uuid.uuid4().hex[:12]}", tmp_path / "celery-worker.log")
    try:
        yield worker
    finally:
        worker.stop()
        worker.delete_queue()


@pytest.fixture
def live_workers(transactional_db, tmp_path: Path) -> Iterator[Callable[..., list[LiveWorker]]]:
    """`live_workers(2, SOME_SETTING="1")`: that many workers on one queue of their own, with those extra
    environment variables (settings); always stopped. For tests of work spread over workers."""
    if not redis_answers(REDIS_URL):
        missing_service(f"Redis does not answer at {REDIS_URL}")
    started: list[LiveWorker] = []

    def start(count: int, **env: str) -> list[LiveWorker]:
        queue = f"sb-test-{uuid.uuid4().hex[:12]}"
        for i in range(count):
            started.append(start_live_worker(queue, tmp_path / f"celery-worker-{i}.log", env))
        return started[-count:]

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        if started:
            started[0].delete_queue()


def start_live_worker(queue: str, log_path: Path, extra_env: dict[str, str] | None = None) -> LiveWorker:
    """A solo-pool worker consuming `queue` on Redis, ready to take messages (the test fails if it never is)."""
    from django.conf import settings

    token = uuid.uuid4().hex[:12]
    env = {
        **os.environ,
        "VAR_DIR": str(settings.VAR_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "strategy_builder",
        "worker",
        "--pool",
        "solo",
        "--queues",
        queue,
        "--hostname",
        f"test-{token}@%h",
        "--loglevel",
        "INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 (fixed command line)
            command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = LiveWorker(
        hostname=host_format(f"test-{token}@%h"),
        queue=queue,
        broker_url=REDIS_URL,
        process=process,
        log_path=log_path,
    )
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while " ready." not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            pytest.fail(f"The Celery worker was not ready (exit {process.poll()}):\n{worker.log()}")
        time.sleep(0.2)
    return worker


# --- The browser app in a real Chromium ------------------------------------------------------------

CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
# Flags for headless Chromium on a closed network, as root: without the background-networking ones it
# keeps trying (and failing) to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright launches Debian's Chromium: Playwright's own browser downloads are impossible here."""
    if not Path(CHROMIUM).exists():
        missing_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def frontend_built() -> Path:
    """The Vite build the pages mount (make test builds it first)."""
    manifest = REPO_ROOT / "frontend" / "dist" / ".vite" / "manifest.json"
    if not manifest.exists():
        missing_service(
            f"the browser app is not built ({manifest} is missing): run `make test`, or "
            "`cd frontend && npm ci && npx vite build`"
        )
    return manifest


@pytest.fixture
def browser_env(frontend_built: Path) -> None:
    """What every browser test needs besides the browser: the build (and the ORM allowed, see below)."""


def allow_orm_beside_playwright(item: pytest.Item) -> None:
    """Playwright's sync API keeps an event loop running in the test thread from the first browser test to
    the end of the session, and Django's ORM refuses to run beside a running loop. Browser tests make their
    data with the ORM (and so, after them, does every test in that process), so from the first browser test
    on the process allows it. No code of ours runs the ORM in an async context, which is what the check
    guards against."""
    if item.get_closest_marker("browser"):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
