"""Quick tests end to end with MariaDB, Redis and one real Celery worker.

    .venv/bin/python bench/quicktest_bench.py [--runs 20] [--burst 50] [--bars 100000]
        [--database-url mysql://root@127.0.0.1:3306/sb_d4_bench] [--broker-url redis://127.0.0.1:6379/4]

Prints, beside their targets:
- POST /api/v1/quick-tests/ to COMPLETED, observed by polling GET /api/v1/quick-tests/{id}/ (every 5 ms),
  for the reference strategy on 100,000 bars: median of --runs runs after two warm-up runs;
- --burst quick tests posted at once: all must complete, none lost; wall time and throughput;
- the stored row size of that test (the spec budgets 50 KB on average) and its trades file beside it;
- loading a dataset of 1,000,000 bars from storage (dataset_load_bars), median of 10.

The requests go through Django's full request stack in this process (URL routing, middleware, DRF view,
serializers, services, database); the worker is `celery -A strategy_builder worker --concurrency 1` (the
production prefork pool with one child) started by the benchmark against the same database and bar files.
The benchmark database is dropped and recreated at each run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MEDIAN_MS = 300
TARGET_ROW_KB = 50
TARGET_LOAD_MS = 100
POLL_SECONDS = 0.005
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--database-url", default="mysql://root@127.0.0.1:3306/sb_d4_bench")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()

    media_root = tempfile.mkdtemp(prefix="quicktest-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": args.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": media_root,
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    _recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_node_templates", verbosity=0)

    worker = _start_worker(media_root)
    try:
        _run(args, worker)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        shutil.rmtree(media_root, ignore_errors=True)


def _recreate_database(url: str) -> None:
    import MySQLdb

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    connection = MySQLdb.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username or "root", passwd=parts.password or ""
    )
    cursor = connection.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()


def _start_worker(media_root: str) -> subprocess.Popen:
    log = Path(media_root) / "worker.log"
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
        time.sleep(0.2)
    return process


def _run(args: argparse.Namespace, worker: subprocess.Popen) -> None:
    import json

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from engine.synthetic import generate_bars
    from marketdata.services import dataset_create, dataset_load_bars
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

    def post() -> str:
        response = client.post("/api/v1/quick-tests/", body, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"POST answered {response.status_code}: {response.content.decode()}")
        return response.json()["id"]

    def poll(quicktest_id: str) -> dict:
        while True:
            detail = client.get(f"/api/v1/quick-tests/{quicktest_id}/").json()
            if detail["status"] in TERMINAL:
                return detail
            if worker.poll() is not None:
                raise SystemExit("The worker died.")
            time.sleep(POLL_SECONDS)

    print(
        f"Quick tests end to end: MariaDB ({connection.mysql_server_info}), Redis, 1 Celery worker (prefork, 1 child)"
    )
    print(f"reference strategy on {args.bars:,} generated 1-minute bars; load average {os.getloadavg()[0]:.2f}")
    print()

    for _ in range(2):  # warm-up: the worker's first run loads TA-Lib and the compiled simulation kernel
        poll(post())
    latencies, engine_times, last = [], [], None
    for _ in range(args.runs):
        started = time.perf_counter()
        quicktest_id = post()
        detail = poll(quicktest_id)
        latencies.append((time.perf_counter() - started) * 1000)
        if detail["status"] != "COMPLETED":
            raise SystemExit(f"Quick test {quicktest_id} ended {detail['status']}: {detail['error_message']}")
        engine_times.append(detail["execution_time"] * 1000)
        last = quicktest_id
    median = statistics.median(latencies)
    print(
        f"POST -> COMPLETED (polled), median of {args.runs}: {median:7.1f} ms   target < {TARGET_MEDIAN_MS} ms "
        f"{'OK' if median < TARGET_MEDIAN_MS else 'MISSED'}"
    )
    print(
        f"    min {min(latencies):.1f} ms, max {max(latencies):.1f} ms; worker's run (load bars, backtest, "
        f"store) median {statistics.median(engine_times):.1f} ms"
    )

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
    from django.core.files.storage import default_storage

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
    print(f"\nload average at the end {os.getloadavg()[0]:.2f} (2 cores shared with other work inflate every figure)")


if __name__ == "__main__":
    main()
