"""A completed quick test's report in Chromium: how fast it is ready, at 100,000 and 1,000,000 bars.

    .venv/bin/python bench/report_bench.py [--sizes 100000 1000000] [--repeat 5] [--port 8766]

It builds nothing: run `make test` or `make run` once first so frontend/dist exists. In a throwaway SQLite
project (bench/live.py) it stores, for each size, a dataset of generated 1-minute bars
(engine.synthetic.generate_bars, seed 42) and runs the reference strategy on it as a real quick test
(quicktests.services.quicktest_create, run eagerly: the backtest, the stored result and the trades file),
then serves the project with `manage.py runserver` and opens `/tests/<id>/` in Debian's Chromium, signed in.
With --no-cache every load is made without the browser's HTTP cache (a completed test's trades may be kept
there, so the loads after the first read them from it). Prints, beside the target of issue 12 (< 1 s):
- ready: from navigation start to the report ready: the headline figures shown, the trades table filled
  and the chart's candles and every trade's marker drawn (the chart sets `data-ready` then; the time is the
  animation frame after it, when the chart paints); the first load, and the median of --repeat more;
- the breakdown of the median load: the page itself, its script, and each API call the report makes (the
  test, the dataset, the strategy, the trades, the candles), from the browser's resource timing.
"""

from __future__ import annotations

import argparse
import json
import statistics

from live import REFERENCE_FLOW, REFERENCE_PARAMS, USERNAME, project, require_build, served, shell, signed_in_page

TARGET_MS = 1000

# Installed before each navigation: the moment the chart says it is ready, then the frame it paints in.
WATCH_READY = """
window.__ready = null;
new MutationObserver((_, observer) => {
  const chart = document.querySelector('[data-testid=result-chart][data-ready=true]');
  if (!chart) return;
  observer.disconnect();
  const set = performance.now();
  const figures = document.querySelectorAll('[aria-label="Headline figures"] .figure-value').length;
  const rows = document.querySelectorAll('[data-testid=trade-row]').length;
  requestAnimationFrame(() => {
    window.__ready = { set, painted: performance.now(), figures, rows,
      candles: Number(chart.dataset.candles), markers: Number(chart.dataset.markers) };
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
"""

BREAKDOWN = """(id) => {
  const parts = {page: [], script: [], test: [], dataset: [], strategy: [], trades: [], bars: []};
  for (const entry of performance.getEntriesByType('resource')) {
    const path = new URL(entry.name).pathname;
    const key = path === `/api/v1/quick-tests/${id}/` ? 'test'
      : /\\/trades(-columns)?\\/$/.test(path) ? 'trades'
      : path.endsWith('/bars/') ? 'bars'
      : path.startsWith('/api/v1/datasets/') ? 'dataset'
      : path.startsWith('/api/v1/strategy-instances/') ? 'strategy'
      : /\\.(js|css)$/.test(path) ? 'script' : null;
    if (key) parts[key].push([entry.startTime, entry.responseEnd, entry.transferSize]);
  }
  const nav = performance.getEntriesByType('navigation')[0];
  parts.page.push([nav.startTime, nav.responseEnd, nav.transferSize]);
  return parts;
}"""


def prepare(env: dict, sizes: list[int]) -> dict[str, dict]:
    """For each size: a dataset of that many bars and a COMPLETED quick test of the reference strategy on it."""
    return shell(
        env,
        f"""
import json, time
from django.contrib.auth import get_user_model
from engine.synthetic import generate_bars
from marketdata.services import dataset_create
from quicktests.models import QuickTest
from quicktests.services import quicktest_create
from strategies.models import StrategyInstance
user = get_user_model().objects.get(username={USERNAME!r})
strategy = StrategyInstance.objects.create(user_id=str(user.pk), name="SMA cross",
                                           logic_flow=json.loads({json.dumps(REFERENCE_FLOW)!r}),
                                           parameters={REFERENCE_PARAMS!r})
tests = {{}}
for size in {sizes!r}:
    dataset = dataset_create(bars=generate_bars(size, seed=42), name=f"{{size:,}} bars", symbol="SYNTH",
                             timeframe="1m", source="report bench", user_id=None)
    started = time.perf_counter()
    test = quicktest_create(user=user, instance_id=strategy.pk, test_config={{"dataset": dataset.pk}})
    test = QuickTest.objects.get(pk=test.pk)
    assert test.status == "COMPLETED", test.error_message
    tests[size] = {{"id": str(test.pk), "trades": test.test_result["counts"]["trades"],
                   "seconds": time.perf_counter() - started}}
print(json.dumps(tests))
""",
    )


def load(page, url: str, test_id: str) -> tuple[dict, dict]:
    page.goto(url, wait_until="commit")
    page.wait_for_function("() => window.__ready !== null", timeout=120_000)
    ready = page.evaluate("window.__ready")
    return ready, page.evaluate(BREAKDOWN, test_id)


def span(entries: list) -> str:
    """The calls of one kind: how many, from the first start to the last end, and their bytes."""
    if not entries:
        return "none"
    first, last = min(e[0] for e in entries), max(e[1] for e in entries)
    count = f"{len(entries)} calls, " if len(entries) > 1 else ""
    return f"{count}{first:.0f} -> {last:.0f} ms ({last - first:.0f} ms, {sum(e[2] for e in entries) / 1024:.0f} kB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--no-cache", action="store_true", help="every load without the browser's cache (as a first visit)"
    )
    args = parser.parse_args()
    require_build()
    with project() as env:
        tests = prepare(env, args.sizes)
        with served(env, args.port) as base, signed_in_page(base, {"width": 1400, "height": 900}) as page:
            page.add_init_script(WATCH_READY)
            if args.no_cache:
                devtools = page.context.new_cdp_session(page)
                devtools.send("Network.enable")
                devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cache = ", the browser's cache off" if args.no_cache else ""
            print(f"Quick-test report in Chromium (first load, then the median of {args.repeat} more{cache})\n")
            for size in args.sizes:
                test = tests[str(size)]
                url = f"{base}/tests/{test['id']}/"
                first, _ = load(page, url, test["id"])
                runs = [load(page, url, test["id"]) for _ in range(args.repeat)]
                runs.sort(key=lambda run: run[0]["painted"])
                median, parts = runs[len(runs) // 2]
                painted = [run[0]["painted"] for run in runs]
                verdict = "met" if statistics.median(painted) < TARGET_MS else "NOT MET"
                print(f"{size:,} bars: {test['trades']:,} trades (the quick test ran in {test['seconds']:.1f} s)")
                print(f"  ready, first load        {first['painted']:7.0f} ms")
                print(f"  ready, median            {statistics.median(painted):7.0f} ms "
                      f"({min(painted):.0f}-{max(painted):.0f})   target < {TARGET_MS} ms   {verdict}")  # fmt: skip
                print(f"  at ready: {median['figures']} figures, {median['rows']} trade rows, "
                      f"{median['candles']:,} candles, {median['markers']:,} markers; chart data set at "
                      f"{median['set']:.0f} ms")  # fmt: skip
                print("  the median load's requests (from navigation start):")
                for key in ("page", "script", "test", "dataset", "strategy", "trades", "bars"):
                    print(f"    {key:<10} {span(parts[key])}")
                print()


if __name__ == "__main__":
    main()
