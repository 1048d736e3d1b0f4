"""The chart's candles at a million bars: GET /api/v1/datasets/{id}/bars/, full range and zoomed in.

    .venv/bin/python bench/bars_bench.py [--bars 1000000] [--repeat 20] [--max-points 2000] [--zoom-pct 1]

A dataset of generated 1-minute bars (engine.synthetic.generate_bars, seed 42) is stored through the service,
as an upload would store it, in a temporary SQLite database and MEDIA_ROOT. Requests go through Django's
whole request stack in this process (routing, middleware, DRF, the dataset's row from the database, JSON
rendering) with rest_framework's APIClient. Prints medians (and the fastest) of --repeat runs, beside the
target (< 100 ms):
- warm: the bars already in this process's cache (marketdata.selectors.bars_cache), as for every request
  after a chart's first: the full range, and a zoomed range of --zoom-pct % of the bars in the middle;
- cold: the cache emptied before each request, so the Parquet file is read too (the first request for a
  dataset in a process, or after it was evicted);
- the aggregation alone (marketdata.candles.candles on the bars in memory), full and zoomed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--max-points", type=int, default=2_000)
    parser.add_argument("--zoom-pct", type=float, default=1.0)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bars-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "strategy_builder.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only-secret-key"),
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
            "VAR_DIR": workdir,
            "MEDIA_ROOT": f"{workdir}/media",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from engine.synthetic import generate_bars
    from marketdata.candles import candles
    from marketdata.selectors import bars_cache, dataset_cached_bars
    from marketdata.services import dataset_create

    call_command("migrate", verbosity=0)
    bars = generate_bars(args.bars, seed=42)
    dataset = dataset_create(bars=bars, name="bench", symbol="SYNTH", timeframe="1m", user_id=None, source="bench")
    user, _ = get_user_model().objects.get_or_create(username="bench-bars")
    client = APIClient()
    client.force_authenticate(user)
    url = f"/api/v1/datasets/{dataset.pk}/bars/"

    zoom_bars = max(2, int(args.bars * args.zoom_pct / 100))
    first = (args.bars - zoom_bars) // 2
    zoom = {
        "start": str(int(bars.timestamp[first]) // 10**9),
        "end": str(int(bars.timestamp[first + zoom_bars - 1]) // 10**9),
    }
    full_query = {"max_points": args.max_points}
    zoom_query = zoom | full_query

    def request(query: dict) -> tuple[float, dict, int]:
        started = time.perf_counter()
        response = client.get(url, query)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        return elapsed, response.json(), len(response.content)

    def timed(run, *, before=None) -> list[float]:
        run()  # warm-up
        times = []
        for _ in range(args.repeat):
            if before:
                before()
            times.append(run())
        return times

    print(f"bars endpoint: {args.bars:,} 1-minute bars, max_points {args.max_points:,}, {args.repeat} runs each")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    rows = []
    for label, query in (("full range", full_query), (f"zoomed {args.zoom_pct:g} % ({zoom_bars:,} bars)", zoom_query)):
        _, body, size = request(query)
        info = f"{len(body['time']):,} candles of {body['interval'] or 'one bar'}, {size / 1024:.0f} KB"
        warm = timed(lambda query=query: request(query)[0])
        cold = timed(lambda query=query: request(query)[0], before=bars_cache.clear)
        rows.append((f"API warm, {label}", warm, info))
        rows.append((f"API cold (file read), {label}", cold, ""))
    cached = dataset_cached_bars(dataset)
    zoomed = cached.slice(first, first + zoom_bars)
    rows.append(("aggregation alone, full range", timed(lambda: _time(candles, cached, args.max_points)), ""))
    rows.append(("aggregation alone, zoomed", timed(lambda: _time(candles, zoomed, args.max_points)), ""))

    print(f"{'figure':48}{'median':>10}{'fastest':>10}{'target':>10}   response")
    for label, times, info in rows:
        median, fastest = statistics.median(times) * 1e3, min(times) * 1e3
        print(f"{label:48}{median:>7.1f} ms{fastest:>7.1f} ms{'< ' + str(TARGET_MS) + ' ms':>10}   {info}")
    print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _time(candles, bars, max_points: int) -> float:
    started = time.perf_counter()
    candles(bars, max_points=max_points)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
