"""Quick tests end to end on one real Celery worker, in the two set-ups side by side.

- embedded, what `make run` uses: SQLite in a fresh VAR_DIR and the filesystem broker, nothing to install;
- redis, as in production: MariaDB and Redis.

    .venv/bin/python bench/quicktest_bench.py [--setups embedded,redis] [--runs 20] [--burst 50] [--bars 100000]
        [--database-url mysql://root@127.0.0.1:3306/sb_d4_bench] [--broker-url redis://127.0.0.1:6379/4]

For each set-up it starts `celery -A strategy_builder worker --concurrency 1` (the production prefork pool
with one child) against that set-up's database, broker and bar files, and prints, beside their targets:
- the first test after the worker is ready: POST /api/v1/quick-tests/ until GET /api/v1/quick-tests/{id}/
  answers COMPLETED, for the reference strategy on 100,000 bars (the row's status is polled every 5 ms with
  one small query, then the detail is read through the API: a client polling the API itself every 5 ms
  would take CPU from the worker on a small machine and inflate what it measures);
- POST -> COMPLETED over --runs more runs: median, min and max, and the worker's own run time;
- the worker's CPU while idle (main process and pool child, over 10 s): what waiting for messages costs;
- redis only: --burst quick tests posted at once (all must complete, none lost), the stored row size of
  a test (the spec budgets 50 KB on average) and loading a dataset of 1,000,000 bars (dataset_load_bars).
A summary table puts the set-ups' figures side by side.

The requests go through Django's full request stack in the benchmark's process (URL routing, middleware,
DRF view, serializers, services, database). Each set-up runs in a process of its own (settings are per
process); the MariaDB benchmark database is dropped and recreated, the embedded VAR_DIR is new each time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mariadb import recreate_database  # noqa: E402  (bench/ is the script's folder)

TARGET_MEDIAN_MS = 300
TARGET_ROW_KB = 50
TARGET_LOAD_MS = 100
POLL_SECONDS = 0.005
IDLE_SECONDS = 10
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}
SETUPS = ("embedded", "redis")
FIGURES_PREFIX = "FIGURES "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default=",".join(SETUPS), help="comma-separated, from: " + ", ".join(SETUPS))
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--database-url", default="mysql://root@127.0.0.1:3306/sb_d4_bench")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--setup", choices=SETUPS, help=argparse.SUPPRESS)  # one set-up, in this process
    args = parser.parse_args()
    if args.setup:
        _run_setup(args)
        return

    figures = {}
    for setup in [name.strip() for name in args.setups.split(",") if name.strip()]:
        if setup not in SETUPS:
            raise SystemExit(f"Unknown set-up {setup!r}; choose from {', '.join(SETUPS)}.")
        command = [sys.executable, __file__, "--setup", setup, *sys.argv[1:]]
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE, text=True) as child:
            for line in child.stdout:
                if line.startswith(FIGURES_PREFIX):
                    figures[setup] = json.loads(line.removeprefix(FIGURES_PREFIX))
                else:
                    print(line, end="", flush=True)
        if child.returncode:
            raise SystemExit(f"The {setup} set-up failed (exit {child.returncode}).")
        print()
    _print_summary(figures)


def _print_summary(figures: dict[str, dict]) -> None:
    if not figures:
        return
    rows = (
        ("first test after worker start", "first_ms", "ms"),
        ("POST -> COMPLETED median", "median_ms", "ms"),
        ("    min", "min_ms", "ms"),
        ("    max", "max_ms", "ms"),
        ("worker's run, median", "worker_run_ms", "ms"),
        ("idle worker CPU, % of one core", "idle_cpu_pct", "%"),
    )
    names = list(figures)
    print(f"{'Summary':32}" + "".join(f"{name:>12}" for name in names) + f"{'target':>12}")
    for label, key, unit in rows:
        target = f"< {TARGET_MEDIAN_MS} ms" if key in ("first_ms", "median_ms") else ""
        values = "".join(f"{figures[name][key]:>9.1f} {unit:<2}" for name in names)
        print(f"{label:32}{values}{target:>12}")


def _run_setup(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"quicktest-bench-{args.setup}-"))
    environment = {
        "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver",
    }
    if args.setup == "embedded":
        environment |= {"VAR_DIR": str(workdir / "var"), "CELERY_BROKER_URL": "filesystem://"}
        os.environ.pop("DATABASE_URL", None)
    else:
        environment |= {"DATABASE_URL": args.database_url, "CELERY_BROKER_URL": args.broker_url}
        recreate_database(args.database_url)
    os.environ.update(environment)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_node_templates", verbosity=0)
    try:
        _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _start_worker(workdir: Path) -> tuple[subprocess.Popen, float]:
    """The worker, and how long it took from its start to ready (including the warm-up)."""
    log = workdir / "worker.log"
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "strategy_builder",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The Celery worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.01)
    return process, time.perf_counter() - started


def _idle_cpu_percent(worker: subprocess.Popen, seconds: float) -> float:
    """CPU the worker's processes use over `seconds` of doing nothing, as a percentage of one core."""
    import psutil

    processes = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]

    def used() -> float:
        return sum(sum(p.cpu_times()[:2]) for p in processes)

    before = used()
    time.sleep(seconds)
    return (used() - before) / seconds * 100


def _run(args: argparse.Namespace, workdir: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from engine.synthetic import generate_bars
    from marketdata.services import dataset_create
    from quicktests.models import QuickTest
    from strategies.models import StrategyInstance

    examples = REPO / "engine" / "examples"
    user = get_user_model().objects.create_user("bench", password=None)
    strategy = StrategyInstance.objects.create(
        name="Reference: SMA 10/30 cross, RSI(14) < 70",
        user_id=str(user.pk),
        logic_flow=json.loads((examples / "reference_flow.json").read_text()),
        parameters=json.loads((examples / "reference_params.json").read_text()),
    )
    config = json.loads((examples / "reference_config.json").read_text())
    dataset = dataset_create(
        bars=generate_bars(args.bars, seed=42),
        name="bench",
        symbol="SYNTH",
        timeframe="1m",
        user_id=None,
        source="bench",
    )
    client = Client()
    client.force_login(user)
    body = {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, **config}}
    worker = None

    def post() -> str:
        response = client.post("/api/v1/quick-tests/", body, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"POST answered {response.status_code}: {response.content.decode()}")
        return response.json()["id"]

    def poll(quicktest_id: str) -> dict:
        """Wait for the row to end (one cheap query every 5 ms), then read it as a client does (GET)."""
        status = QuickTest.all_objects.filter(pk=quicktest_id).values_list("status", flat=True)
        while status.first() not in TERMINAL:
            if worker.poll() is not None:
                raise SystemExit("The worker died.")
            time.sleep(POLL_SECONDS)
        return client.get(f"/api/v1/quick-tests/{quicktest_id}/").json()

    def timed_test() -> tuple[float, float]:
        """POST -> COMPLETED in ms, and the worker's own run in ms."""
        started = time.perf_counter()
        quicktest_id = post()
        detail = poll(quicktest_id)
        latency = (time.perf_counter() - started) * 1000
        if detail["status"] != "COMPLETED":
            raise SystemExit(f"Quick test {quicktest_id} ended {detail['status']}: {detail['error_message']}")
        return latency, detail["execution_time"] * 1000

    # Warm this (the web) process's side before the worker exists: a test posted, then deleted (which
    # cancels it), so the first timed test measures a freshly started worker, not a cold benchmark process.
    client.delete(f"/api/v1/quick-tests/{post()}/")

    if args.setup == "embedded":
        title = f"embedded: SQLite ({connection.Database.sqlite_version}), filesystem broker"
    else:
        title = f"redis: MariaDB ({connection.mysql_server_info}), Redis"
    print(f"Quick tests end to end, {title}, 1 Celery worker (prefork, 1 child)")
    print(f"reference strategy on {args.bars:,} generated 1-minute bars; load average {os.getloadavg()[0]:.2f}")

    worker, start_seconds = _start_worker(workdir)
    try:
        first, first_run = timed_test()
        print(
            f"first test after worker start: {first:7.1f} ms   target < {TARGET_MEDIAN_MS} ms "
            f"{'OK' if first < TARGET_MEDIAN_MS else 'MISSED'}"
        )
        print(f"    worker's run {first_run:.1f} ms; the worker took {start_seconds:.1f} s from start to ready")
        latencies, runs = zip(*(timed_test() for _ in range(args.runs)), strict=True)
        median = statistics.median(latencies)
        print(
            f"POST -> COMPLETED (polled), median of {args.runs}: {median:7.1f} ms   target < {TARGET_MEDIAN_MS} ms "
            f"{'OK' if median < TARGET_MEDIAN_MS else 'MISSED'}"
        )
        print(
            f"    min {min(latencies):.1f} ms, max {max(latencies):.1f} ms; worker's run (load bars, backtest, "
            f"store) median {statistics.median(runs):.1f} ms"
        )
        time.sleep(1)
        idle = _idle_cpu_percent(worker, IDLE_SECONDS)
        print(f"idle worker CPU over {IDLE_SECONDS} s: {idle:.2f} % of one core (main process and pool child)")
        if args.setup == "redis":
            _burst_row_and_load(args, post, worker)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    print(f"load average at the end {os.getloadavg()[0]:.2f} (2 cores shared with other work inflate every figure)")
    figures = {
        "first_ms": first,
        "median_ms": median,
        "min_ms": min(latencies),
        "max_ms": max(latencies),
        "worker_run_ms": statistics.median(runs),
        "idle_cpu_pct": idle,
    }
    print(FIGURES_PREFIX + json.dumps(figures))


def _burst_row_and_load(args: argparse.Namespace, post, worker: subprocess.Popen) -> None:
    from django.core.files.storage import default_storage
    from django.db import connection

    from engine.synthetic import generate_bars
    from marketdata.services import dataset_create, dataset_load_bars
    from quicktests.models import QuickTest

    started = time.perf_counter()
    burst = [post() for _ in range(args.burst)]
    posted = time.perf_counter() - started
    pending = set(burst)
    while pending:
        done = QuickTest.objects.filter(pk__in=pending, status__in=TERMINAL).values_list("pk", flat=True)
        pending -= set(done)
        if worker.poll() is not None:
            raise SystemExit("The worker died.")
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    statuses = dict(QuickTest.objects.filter(pk__in=burst).values_list("pk", "status"))
    completed = sum(status == "COMPLETED" for status in statuses.values())
    lost = args.burst - len(statuses)
    print(
        f"{args.burst} posted at once (posting took {posted:.2f} s): {completed} COMPLETED, "
        f"{args.burst - completed - lost} other, {lost} lost   {'OK' if completed == args.burst else 'MISSED'}"
    )
    print(f"    all done in {elapsed:.2f} s: {args.burst / elapsed:.1f} quick tests/s with one worker")

    last = burst[-1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT LENGTH(id) + LENGTH(instance_id) + LENGTH(user_id) + COALESCE(LENGTH(test_name), 0)"
            " + LENGTH(test_config) + LENGTH(logic_flow_snapshot) + LENGTH(parameters_snapshot)"
            " + LENGTH(status) + COALESCE(LENGTH(test_result), 0) + COALESCE(LENGTH(metrics_summary), 0)"
            " + COALESCE(LENGTH(error_message), 0) + 8 + 5 * 8 + 1 + 2 * 255, LENGTH(test_result)"
            " FROM quick_tests WHERE id = %s",
            [last],
        )
        row_bytes, result_bytes = cursor.fetchone()
    stored = QuickTest.objects.get(pk=last)
    trades_bytes = default_storage.size(stored.test_result["trades_file"])
    print(
        f"stored row of that test: {row_bytes / 1024:6.1f} KB (test_result {result_bytes / 1024:.1f} KB)   "
        f"target <= {TARGET_ROW_KB} KB {'OK' if row_bytes <= TARGET_ROW_KB * 1024 else 'MISSED'}"
    )
    print(
        f"    its {stored.metrics_summary['trades']:,} trades are in {stored.test_result['trades_file']} "
        f"beside the row: {trades_bytes / 1024:.1f} KB (Parquet, zstd)"
    )

    big = dataset_create(
        bars=generate_bars(1_000_000, seed=7),
        name="1M",
        symbol="SYNTH",
        timeframe="1m",
        user_id=None,
        source="bench",
    )
    dataset_load_bars(big)
    loads = []
    for _ in range(10):
        started = time.perf_counter()
        bars = dataset_load_bars(big)
        loads.append((time.perf_counter() - started) * 1000)
    load_median = statistics.median(loads)
    print(
        f"dataset_load_bars, {len(bars):,} bars ({big.file_size / 1e6:.1f} MB Parquet), median of 10: "
        f"{load_median:5.1f} ms   target < {TARGET_LOAD_MS} ms {'OK' if load_median < TARGET_LOAD_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
