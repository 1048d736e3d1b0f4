"""The editor's live preview: POST /api/v1/builder-sessions/{id}/preview/ at 20,000 bars, in-process.

    .venv/bin/python bench/preview_bench.py [--bars 20000] [--dataset-bars 20000 1000000] [--repeat 30]

Makes a throwaway SQLite project in a temporary VAR_DIR (migrate, the node library, a user signed in with a
session cookie, one builder session on the reference strategy) and, for each --dataset-bars, a dataset of
generated 1-minute bars. Each request is what the editor sends after an edit: the whole flow and parameters in
the body (the edit is a new `fast` period every time, so nothing is reused from the request before), the
dataset, and the selected node's output (`sma_fast`). It goes through Django's whole request stack in this
process (middleware, session authentication, DRF parsing and validation, the service, JSON rendering).

Prints, per dataset size, the median and fastest of --repeat requests after two warm-up requests, beside the
target, and the median CPU time of this process per request (less inflated than wall time when other work
shares the machine); and, for the median request, where the time goes: reading the dataset's bars, the preview itself
(engine.preview.run_preview: compile, evaluate, simulate, metrics, candles, markers, outputs) and the rest
(request handling, validation of the draft and the configuration, JSON rendering).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# The budget is 300 ms from an edit to a redrawn pane, after the debounce; the browser's share
# (sending, parsing and drawing) leaves the API about half of it.
TARGET_MS = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=20_000, help="bars previewed (PREVIEW_MAX_BARS)")
    parser.add_argument("--dataset-bars", type=int, nargs="+", default=[20_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--max-points", type=int, default=1000)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="preview-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
            "VAR_DIR": workdir,
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
            "PREVIEW_MAX_BARS": str(args.bars),
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    import engine.preview
    import sessions_app.preview
    from engine.synthetic import generate_bars
    from marketdata.services import dataset_create
    from sessions_app.models import BuilderSession

    call_command("migrate", verbosity=0)
    call_command("seed_node_templates", verbosity=0)
    examples = REPO / "engine" / "examples"
    flow = json.loads((examples / "reference_flow.json").read_text())
    parameters = json.loads((examples / "reference_params.json").read_text())
    config = json.loads((examples / "reference_config.json").read_text())
    user = get_user_model().objects.create_user("bench-preview")
    session = BuilderSession.objects.create(
        user_id=str(user.pk), draft_logic_flow=flow, draft_parameters=parameters, draft_metadata={"version": 1}
    )
    client = APIClient()
    client.force_login(user)
    url = f"/api/v1/builder-sessions/{session.pk}/preview/"

    parts: dict[str, float] = {}
    sessions_app.preview.dataset_load_bars = _timed(sessions_app.preview.dataset_load_bars, "load", parts)
    sessions_app.preview.run_preview = _timed(engine.preview.run_preview, "preview", parts)

    print(f"Live preview of the reference strategy on the last {args.bars:,} bars, {args.max_points} candles, "
          f"median of {args.repeat} requests (load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"{'dataset':>12} {'median ms':>10} {'fastest':>8} {'cpu ms':>7} {'target':>7}        "
          "median request: load / preview / rest ms")  # fmt: skip
    for size in args.dataset_bars:
        dataset = dataset_create(
            bars=generate_bars(size, seed=42), name=f"{size} bars", symbol="SYNTH", timeframe="1m",
            user_id=None, source="benchmark",
        )  # fmt: skip
        samples = []
        for edit in range(args.repeat + 2):
            body = {
                "draft_logic_flow": flow,
                "draft_parameters": {**parameters, "fast": 5 + edit % 20},
                "test_config": {"dataset": dataset.pk, **config},
                "outputs": ["sma_fast"],
                "max_points": args.max_points,
            }
            parts.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.post(url, body, format="json")
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu_started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"The preview answered {response.status_code}: {response.content[:500]!r}")
            if edit >= 2:
                samples.append((elapsed, parts.get("load", 0.0), parts.get("preview", 0.0), cpu))
        samples.sort()
        total, load, run, _ = samples[len(samples) // 2]
        cpu = statistics.median(s[3] for s in samples)
        median = statistics.median(s[0] for s in samples)
        verdict = "ok" if median < TARGET_MS else "OVER"
        print(f"{size:>12,} {median:>10.1f} {samples[0][0]:>8.1f} {cpu:>7.1f} {'<' + str(TARGET_MS):>7} {verdict:>4}   "
              f"{load:.1f} / {run:.1f} / {total - load - run:.1f}   ({len(response.content) / 1024:.0f} kB JSON)")  # fmt: skip


def _timed(function, name: str, parts: dict[str, float]):
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + (time.perf_counter() - started) * 1000

    return timed


if __name__ == "__main__":
    main()
