"""A parameter sweep of 1,000 combinations spread over one and then two real Celery workers (Redis, MariaDB).

    .venv/bin/python bench/sweep_workers_bench.py [--workers 1,2] [--bars 100000] [--chunk-size 50]
        [--database-url mysql://root@127.0.0.1:3306/sb_sweep_bench] [--broker-url redis://127.0.0.1:6379/5]

The reference strategy (engine/examples) swept over fast SMA 5-50 (step 5), slow SMA 20-200 (step 20) and
RSI period 5-50 (step 5): 10 x 10 x 10 = 1,000 combinations on --bars generated 1-minute bars. For each
worker count it starts that many `celery -A strategy_builder worker --concurrency 1` (the production prefork
pool, one child each) on one Redis queue, posts the sweep through the API (POST /api/v1/quick-tests/) and
times POST -> COMPLETED (the row polled every 50 ms), then stops the workers. It prints each wall time, the
speed-up from one worker to two against its target (>= 1.8x), the best combination of each run (they must
be the same), and the load average before and after: on a machine with fewer free cores than workers the
speed-up cannot show.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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

TARGET_SPEED_UP = 1.8
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}
WARM_UP_SWEEP = {"parameters": {"fast": {"values": [5, 10]}, "slow": {"values": [20, 40]}}}
SWEEP = {
    "parameters": {
        "fast": {"start": 5, "stop": 50, "step": 5},
        "slow": {"start": 20, "stop": 200, "step": 20},
        "rsi_period": {"start": 5, "stop": 50, "step": 5},
    }
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts, e.g. 1,2")
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--chunk-size", type=int, default=50)
    parser.add_argument("--database-url", default="mysql://root@127.0.0.1:3306/sb_sweep_bench")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    counts = [int(count) for count in args.workers.split(",") if count.strip()]

    workdir = Path(tempfile.mkdtemp(prefix="sweep-workers-bench-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(workdir / "media"),
            "VAR_DIR": str(workdir / "var"),
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
            "DATABASE_URL": args.database_url,
            "CELERY_BROKER_URL": args.broker_url,
            "SWEEP_CHUNK_SIZE": str(args.chunk_size),
        }
    )
    recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_node_templates", verbosity=0)
    try:
        _run(args, counts, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, counts: list[int], workdir: Path) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from engine.synthetic import generate_bars
    from marketdata.services import dataset_create
    from quicktests.models import QuickTest
    from strategies.models import StrategyInstance

    examples = REPO / "engine" / "examples"
    user = get_user_model().objects.create_user("bench", password=None)
    strategy = StrategyInstance.objects.create(
        name="Reference: SMA cross, RSI filter",
        user_id=str(user.pk),
        logic_flow=json.loads((examples / "reference_flow.json").read_text()),
        parameters=json.loads((examples / "reference_params.json").read_text()),
    )
    config = json.loads((examples / "reference_config.json").read_text())
    bars = generate_bars(args.bars, seed=42)
    dataset = dataset_create(bars=bars, name="bench", symbol="SYNTH", timeframe="1m", user_id=None, source="bench")
    client = Client()
    client.force_login(user)
    body = {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, **config, "sweep": SWEEP}}

    print(
        f"A sweep of 1,000 combinations (reference strategy, {args.bars:,} bars, chunks of {args.chunk_size}) "
        f"on Redis + MariaDB; {os.cpu_count()} cores; load average {_load()}"
    )

    def sweep_on(workers: list[subprocess.Popen], payload: dict) -> tuple[float, dict]:
        started = time.perf_counter()
        response = client.post("/api/v1/quick-tests/", payload, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"POST answered {response.status_code}: {response.content.decode()}")
        quicktest_id = response.json()["id"]
        status = QuickTest.all_objects.filter(pk=quicktest_id).values_list("status", flat=True)
        while status.first() not in TERMINAL:
            if any(worker.poll() is not None for worker in workers):
                raise SystemExit("A worker died.")
            time.sleep(0.05)
        wall = time.perf_counter() - started
        detail = client.get(f"/api/v1/quick-tests/{quicktest_id}/").json()
        if detail["status"] != "COMPLETED":
            raise SystemExit(f"The sweep ended {detail['status']}: {detail['error_message']}")
        return wall, detail["result"]["sweep"]

    # Untimed: the sweep kernels' first run compiles them into numba's on-disk cache, which every later
    # worker process then loads (a worker's own warm-up covers single backtests only).
    warm_up = {**body, "test_config": {**body["test_config"], "sweep": WARM_UP_SWEEP}}
    workers = [_start_worker(workdir, "warm-up")]
    try:
        seconds, _ = sweep_on(workers, warm_up)
        print(f"warm-up sweep (4 combinations, untimed: fills numba's compile cache): {seconds:.1f} s")
    finally:
        workers[0].terminate()
        workers[0].wait(timeout=60)

    walls, bests = {}, {}
    for count in counts:
        workers = [_start_worker(workdir, f"bench{count}-{i}") for i in range(count)]
        try:
            walls[count], sweep = sweep_on(workers, body)
            bests[count] = sweep["best"]["parameters"]
            print(
                f"{count} worker{'s' if count > 1 else ''}: {walls[count]:7.1f} s for {sweep['combinations']:,} "
                f"combinations ({sweep['combinations'] / walls[count]:.1f}/s); best {bests[count]}; "
                f"load average {_load()}"
            )
            busy = [_chunk_seconds(workdir / f"bench{count}-{i}.log") for i in range(count)]
            print(
                "    chunks run per worker, the seconds they took, the first one's and the median: "
                + ", ".join(
                    f"{len(times)} in {sum(times):.1f} s (first {times[0]:.2f}, median {statistics.median(times):.2f})"
                    for times in busy
                    if times
                )
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=60)
    if 1 in walls and 2 in walls:
        speed_up = walls[1] / walls[2]
        verdict = "OK" if speed_up >= TARGET_SPEED_UP else "MISSED"
        print(f"speed-up from 1 to 2 workers: {speed_up:.2f}x   target >= {TARGET_SPEED_UP}x {verdict}")
    same = len({json.dumps(best, sort_keys=True) for best in bests.values()}) == 1
    print(f"best combination the same in every run: {'yes' if same else 'NO'}")
    print(f"load average at the end {_load()} (other work on the cores inflates every figure)")


def _start_worker(workdir: Path, name: str) -> subprocess.Popen:
    log = workdir / f"{name}.log"
    command = [sys.executable, "-m", "celery", "-A", "strategy_builder", "worker", "--concurrency", "1"]
    command += ["--hostname", f"{name}@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(
        command, cwd=REPO, env=os.environ.copy(), stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 120
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"The Celery worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return process


def _chunk_seconds(log: Path) -> list[float]:
    """The run time of each sweep chunk a worker ran (from its log)."""
    pattern = r"Task quicktests\.run_sweep_chunk\[[0-9a-f-]+\] succeeded in ([0-9.]+)s"
    return [float(seconds) for seconds in re.findall(pattern, log.read_text(errors="replace"))]


def _load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
