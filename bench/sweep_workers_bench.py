"""A parameter sweep of 1,000 combinations spread over one and then two real Celery workers (Redis, MariaDB).

    .venv/bin/python bench/sweep_workers_bench.py [--workers 1,2] [--bars 100000] [--chunk-size 50] [--repeat 5]
        [--database-url mysql://root@127.0.0.1:3306/sb_sweep_bench] [--broker-url redis://127.0.0.1:6379/5]

The reference strategy (engine/examples) swept over fast SMA 5-50 (step 5), slow SMA 20-200 (step 20) and
RSI period 5-50 (step 5): 10 x 10 x 10 = 1,000 combinations on --bars generated 1-minute bars. It starts as
many `celery -A strategy_builder worker --concurrency 1` (the production prefork pool, one child each) on one
Redis queue as the largest worker count, and runs an untimed warm-up sweep of 200 combinations on them (4
chunks of 50: workers stay up between sweeps in use, and a pool child's first chunks after its start are
slower). Then, --repeat rounds, each worker count in turn: the workers beyond the count stop consuming the
queue (Celery's cancel_consumer; add_consumer brings them back), the sweep is posted through the API (POST
/api/v1/quick-tests/) and timed from the POST to its result stored (the row's completed_at). Taking turns,
the counts see the same machine: on shared cores its speed drifts from one minute to the next. It prints
each wall time and their median, the chunks each worker ran, the speed-up from one worker to two (of the
medians, and round by round) against its target (>= 1.8x), the best combination of every run (they must be
the same), and the load average: on a machine with fewer free cores than workers the speed-up cannot show.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
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
# 200 combinations: with chunks of 50, every one of up to 4 workers gets one.
WARM_UP_SWEEP = {
    "parameters": {
        "fast": {"start": 5, "stop": 50, "step": 5},
        "slow": {"start": 20, "stop": 200, "step": 20},
        "rsi_period": {"values": [7, 9]},
    }
}
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
    parser.add_argument("--repeat", type=int, default=5, help="timed sweeps per worker count; their median counts")
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
        started = time.time()
        response = client.post("/api/v1/quick-tests/", payload, content_type="application/json")
        if response.status_code != 202:
            raise SystemExit(f"POST answered {response.status_code}: {response.content.decode()}")
        quicktest_id = response.json()["id"]
        status = QuickTest.all_objects.filter(pk=quicktest_id).values_list("status", flat=True)
        while status.first() not in TERMINAL:
            if any(worker.poll() is not None for worker in workers):
                raise SystemExit("A worker died.")
            time.sleep(0.05)
        # Till the finishing task stored the result (its completed_at; the same clock): not till the poll saw it.
        wall = QuickTest.all_objects.get(pk=quicktest_id).completed_at.timestamp() - started
        detail = client.get(f"/api/v1/quick-tests/{quicktest_id}/").json()
        if detail["status"] != "COMPLETED":
            raise SystemExit(f"The sweep ended {detail['status']}: {detail['error_message']}")
        return wall, detail["result"]["sweep"]

    # Every worker is started once and stays up; a run on fewer of them has the others stop consuming the
    # queue (Celery's cancel_consumer). The worker counts take turns, round after round, so that a machine
    # whose speed drifts (other work on shared cores) slows each count alike.
    from strategy_builder.celery import app

    queue = app.conf.task_default_queue
    names = [f"bench-{i}" for i in range(max(counts))]
    hostnames = [f"{name}@{socket.gethostname()}" for name in names]
    logs = [workdir / f"{name}.log" for name in names]

    def use(count: int) -> None:
        for i, hostname in enumerate(hostnames):
            command = app.control.add_consumer if i < count else app.control.cancel_consumer
            if not command(queue, destination=[hostname], reply=True, timeout=5):
                raise SystemExit(f"{hostname} did not answer {command.__name__}.")

    workers = [_start_worker(workdir, name) for name in names]
    try:
        # Untimed: the first sweep after the workers start fills numba's on-disk compile cache on a new
        # machine, and each pool child's first chunks pay for what the child loads on first use.
        use(len(names))
        cold, _ = sweep_on(workers, {**body, "test_config": {**body["test_config"], "sweep": WARM_UP_SWEEP}})
        warm_up = [_chunk_seconds(log) for log in logs]
        print(f"untimed warm-up sweep, 200 combinations on the {len(names)} workers just started: {cold:.1f} s")
        _print_chunks("    its chunks", warm_up)

        walls: dict[int, list[float]] = {count: [] for count in counts}
        chunks: dict[int, list[list[float]]] = {count: [[] for _ in names] for count in counts}
        bests: list[str] = []
        for _ in range(args.repeat):
            for count in counts:
                use(count)
                before = [len(_chunk_seconds(log)) for log in logs]
                wall, sweep = sweep_on(workers, body)
                walls[count].append(wall)
                for i, log in enumerate(logs):
                    chunks[count][i] += _chunk_seconds(log)[before[i] :]
                bests.append(json.dumps(sweep["best"]["parameters"], sort_keys=True))
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)

    medians = {count: statistics.median(runs) for count, runs in walls.items()}
    for count in counts:
        print(
            f"{count} worker{'s' if count > 1 else ''}: {medians[count]:7.2f} s for {sweep['combinations']:,} "
            f"combinations ({sweep['combinations'] / medians[count]:.1f}/s), the median of "
            f"{', '.join(f'{wall:.2f}' for wall in walls[count])} s"
        )
        _print_chunks(f"    {args.repeat} sweeps' chunks", chunks[count])
    if 1 in medians and 2 in medians:
        speed_up = medians[1] / medians[2]
        verdict = "OK" if speed_up >= TARGET_SPEED_UP else "MISSED"
        rounds = sorted(one / two for one, two in zip(walls[1], walls[2], strict=True))
        print(
            f"speed-up from 1 to 2 workers: {speed_up:.2f}x   target >= {TARGET_SPEED_UP}x {verdict}"
            f"   (round by round: {', '.join(f'{ratio:.2f}' for ratio in rounds)})"
        )
    found = sorted(set(bests))
    print(
        f"best combination the same in every run: {'yes, ' + found[0] if len(found) == 1 else 'NO: ' + ', '.join(found)}"
    )
    print(f"load average at the end {_load()} (other work on the cores inflates every figure)")


def _print_chunks(which: str, per_worker: list[list[float]]) -> None:
    print(
        f"{which}, per worker: how many, the seconds they took, the first one's and the median: "
        + ", ".join(
            f"{len(times)} in {sum(times):.1f} s (first {times[0]:.2f}, median {statistics.median(times):.2f})"
            if times
            else "none"
            for times in per_worker
        )
    )


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
