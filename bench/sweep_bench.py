"""A parameter sweep of the reference strategy on one core: engine.sweep.run_sweep against vectorbt's broadcast
sweep and backtesting.py's Backtest.optimize, on the same 100,000 bars and the same 1,000 combinations.

    .venv/bin/python bench/sweep_bench.py [--bars 100000] [--bt-values 2] [--vbt-chunk 100]

Prints combinations per second of each, the ratios beside their targets, and whether the best combination by
Sharpe ratio is the one a loop of single run_backtest calls finds. bench/README.md explains every figure.
"""

from __future__ import annotations

import os
import sys

# One core: BLAS libraries start a thread per core for a long dot product (the metrics' beta), which is not one
# core and, on a busy machine, slower. The benchmark runs itself again with one thread each, and without the
# OpenBLAS tuning variables that slow numpy down (as engine_bench.py does), before numpy is loaded.
_ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_SLOW_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if __name__ == "__main__" and (
    any(os.environ.get(name) != value for name, value in _ONE_THREAD.items())
    or any(name in os.environ for name in _SLOW_BLAS)
):
    cleaned = {name: value for name, value in os.environ.items() if name not in _SLOW_BLAS} | _ONE_THREAD
    os.execve(sys.executable, [sys.executable, *sys.argv], cleaned)  # noqa: S606

import argparse  # noqa: E402
import copy  # noqa: E402
import itertools  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bars
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import numpy as np  # noqa: E402
import talib  # noqa: E402
from backtesting import Strategy  # noqa: E402
from engine_bench import SEED, crosses_above, next_bar, reference, verdict  # noqa: E402

from engine.bars import Bars  # noqa: E402
from engine.synthetic import generate_bars  # noqa: E402

FAST = list(range(5, 51, 5))  # 5, 10, ..., 50
SLOW = list(range(20, 201, 20))  # 20, 40, ..., 200
RSI_BOUNDS = [50, 53, 57, 60, 63, 67, 70, 73, 77, 80]
OBJECTIVE = "sharpe_ratio"

TARGET_VECTORBT_RATIO = 1
TARGET_BACKTESTING_PY_RATIO = 50


def sweep_flow() -> dict[str, Any]:
    """The reference flow with its RSI bound (70) bound to a strategy parameter, `rsi_bound`."""
    flow = copy.deepcopy(reference()[0])
    node = next(n for n in flow["nodes"] if n["id"] == "rsi_below_70")
    node["params"] = {"value": {"$param": "rsi_bound"}}
    return flow


def grid(fast: list[int], slow: list[int], bounds: list[int]) -> list[dict[str, int]]:
    """Every combination, fast outermost and the bound innermost (the order of every program's columns)."""
    return [{"fast": f, "slow": s, "rsi_bound": b} for f, s, b in itertools.product(fast, slow, bounds)]


@dataclass(frozen=True)
class Timing:
    """Wall seconds, and CPU seconds (user + system) of this process and of the children it waited for; on a
    busy machine the CPU time is the steadier figure."""

    wall: float
    cpu: float

    def __sub__(self, other: Timing) -> Timing:
        return Timing(self.wall - other.wall, self.cpu - other.cpu)


def now() -> Timing:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return Timing(time.perf_counter(), cpu)


def timed(run: Callable[[], Any]) -> tuple[Timing, Any]:
    """The Timing of one call, and its result."""
    started = now()
    result = run()
    return now() - started, result


def best(metrics: list[dict[str, Any]]) -> int:
    """The index of the highest Sharpe ratio (None, no Sharpe ratio, ranks last; the first of equals wins)."""
    scores = [m[OBJECTIVE] if m[OBJECTIVE] is not None else -math.inf for m in metrics]
    return int(np.argmax(scores))


# ---------------------------------------------------------------- the engine


def engine_sweep(bars: Bars, combinations: list[dict[str, int]]) -> list[Any]:
    from engine.sweep import run_sweep

    _, parameters, config = reference()
    return run_sweep(sweep_flow(), bars, combinations, config=config, base_parameters=parameters)


def engine_loop(bars: Bars, combinations: list[dict[str, int]]) -> list[dict[str, Any]]:
    """One run_backtest per combination: what a sweep without engine.sweep would do."""
    from engine.backtest import run_backtest

    flow, (_, parameters, config) = sweep_flow(), reference()
    return [run_backtest(flow, bars, config=config, parameters={**parameters, **c}).metrics for c in combinations]


# ---------------------------------------------------------------- vectorbt


def vectorbt_sweep(bars: Bars, chunk: int) -> tuple[np.ndarray, np.ndarray, Timing]:
    """The grid in vectorbt, broadcast: TA-Lib SMAs over the list of fast and of slow periods and RSI(14) through
    vectorbt's indicator factory, every (fast, slow, bound) column of entries and exits at once, and one
    Portfolio.from_signals per `chunk` columns (all of them when chunk >= 1,000), then each column's Sharpe
    ratio; and, for the check only, with its own Timing to leave out, each column's trade count. The signals
    follow engine_bench.py's vectorbt leg (the engine's crossing rule, filled at the next open, 0.1 % fees), so
    the trades are the engine's."""
    import pandas as pd
    import vectorbt as vbt

    _, parameters, config = reference()
    # A naive (UTC) index: with a timezone-aware one, pandas turns the 100,000 times into objects whenever
    # vectorbt checks a shape, which would triple vectorbt's time for nothing vectorbt itself computes.
    index = pd.to_datetime(bars.timestamp)
    close, open_ = pd.Series(bars.close, index=index), pd.Series(bars.open, index=index)
    sma, rsi_indicator = vbt.IndicatorFactory.from_talib("SMA"), vbt.IndicatorFactory.from_talib("RSI")
    fast = sma.run(close, timeperiod=FAST).real.to_numpy()
    slow = sma.run(close, timeperiod=SLOW).real.to_numpy()
    rsi = rsi_indicator.run(close, timeperiod=parameters["rsi_period"]).real.to_numpy()
    with np.errstate(invalid="ignore"):
        below = rsi[:, None] < np.array(RSI_BOUNDS)  # (bars, bounds)
    pairs = list(itertools.product(range(len(FAST)), range(len(SLOW))))
    per_pair = len(RSI_BOUNDS)
    sharpe, trades = [], []
    checking = Timing(0.0, 0.0)
    for first in range(0, len(pairs), max(1, chunk // per_pair)):
        chosen = pairs[first : first + max(1, chunk // per_pair)]
        f, s = [p[0] for p in chosen], [p[1] for p in chosen]
        up = crosses_above(fast[:, f], slow[:, s])  # (bars, pairs)
        down = crosses_above(slow[:, s], fast[:, f])
        entries = (up[:, :, None] & below[:, None, :]).reshape(len(close), -1)
        exits = np.repeat(down, per_pair, axis=1)
        portfolio = vbt.Portfolio.from_signals(
            close,
            entries=next_bar(entries),
            exits=next_bar(exits),
            price=open_,
            fees=config["commission"],
            init_cash=config["initial_capital"],
            freq="1min",
        )
        sharpe.append(np.asarray(portfolio.sharpe_ratio()))
        counting, counted = timed(lambda: np.asarray(portfolio.trades.count()))  # noqa: B023 (called at once)
        trades.append(counted)
        checking = Timing(checking.wall + counting.wall, checking.cpu + counting.cpu)
    return np.concatenate(sharpe), np.concatenate(trades), checking


# ---------------------------------------------------------------- backtesting.py


class SweepStrategy(Strategy):
    """engine_bench.py's backtesting.py strategy with its periods and RSI bound as optimisable parameters."""

    fast = 10
    slow = 30
    rsi_bound = 70
    rsi_period = reference()[1]["rsi_period"]

    def init(self) -> None:
        close = self.data.Close
        self.fast_sma = self.I(talib.SMA, close, self.fast)
        self.slow_sma = self.I(talib.SMA, close, self.slow)
        self.rsi = self.I(talib.RSI, close, self.rsi_period)

    def next(self) -> None:
        fast_sma, slow_sma = self.fast_sma, self.slow_sma
        crossed_up = fast_sma[-1] > slow_sma[-1] and fast_sma[-2] <= slow_sma[-2]
        if not self.position and crossed_up and self.rsi[-1] < self.rsi_bound:
            self.buy()
        elif self.position and fast_sma[-1] < slow_sma[-1] and fast_sma[-2] >= slow_sma[-2]:
            self.position.close()


def backtesting_py_optimize(bars: Bars, fast: list[int], slow: list[int], bounds: list[int]) -> Any:
    """Backtest.optimize of SweepStrategy over the grid, maximising the Sharpe ratio, in one worker process (one
    core). Returns the heatmap."""
    import backtesting
    import pandas as pd
    from backtesting import Backtest

    _, _, config = reference()
    frame = pd.DataFrame(
        {"Open": bars.open, "High": bars.high, "Low": bars.low, "Close": bars.close, "Volume": bars.volume},
        index=pd.to_datetime(bars.timestamp),
    )

    backtesting.Pool = lambda *args, **kwargs: multiprocessing.get_context("fork").Pool(1)
    backtest = Backtest(
        frame, SweepStrategy, cash=config["initial_capital"], commission=config["commission"], finalize_trades=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, heatmap = backtest.optimize(
            fast=fast, slow=slow, rsi_bound=bounds, maximize="Sharpe Ratio", return_heatmap=True
        )
    return heatmap


# ---------------------------------------------------------------- report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bars", type=int, default=100_000, help="number of one-minute bars")
    parser.add_argument(
        "--bt-values", type=int, default=2, help="backtesting.py sweeps the first N values of each parameter"
    )
    parser.add_argument(
        "--vbt-chunk", type=int, default=100, help="vectorbt columns per from_signals call (1000 at once needs > 8 GB)"
    )
    args = parser.parse_args()

    import backtesting
    import vectorbt

    load_at_start = os.getloadavg()[0]
    bars = generate_bars(args.bars, seed=SEED)
    combinations = grid(FAST, SLOW, RSI_BOUNDS)
    total = len(combinations)

    def say(what: str) -> None:
        print(f"[{args.bars:,} bars, {total:,} combinations] {what}", file=sys.stderr, flush=True)

    say("warming up (TA-Lib, the numba kernels of the engine and of vectorbt)")
    small = generate_bars(1_000, seed=SEED)
    engine_sweep(small, combinations[:3])
    vectorbt_sweep(small, args.vbt_chunk)

    say("engine: run_sweep")
    sweep, rows = timed(lambda: engine_sweep(bars, combinations))
    say("vectorbt: broadcast sweep")
    vbt, (vbt_sharpe, vbt_trades, vbt_check) = timed(lambda: vectorbt_sweep(bars, args.vbt_chunk))
    vbt = vbt - vbt_check
    subset = (FAST[: args.bt_values], SLOW[: args.bt_values], RSI_BOUNDS[: args.bt_values])
    n_bt = math.prod(len(values) for values in subset)
    say(f"backtesting.py: Backtest.optimize on {n_bt} combinations")
    bt, heatmap = timed(lambda: backtesting_py_optimize(bars, *subset))
    say("engine: a loop of single run_backtest calls")
    loop, loop_metrics = timed(lambda: engine_loop(bars, combinations))
    load_at_end = os.getloadavg()[0]

    sweep_metrics = [row.metrics[0] for row in rows]
    sweep_best, loop_best = best(sweep_metrics), best(loop_metrics)
    differing = sum(a != b for a, b in zip(sweep_metrics, loop_metrics, strict=True))
    trades_equal = int(np.count_nonzero(np.array([m["trades"] for m in sweep_metrics]) == vbt_trades))
    in_subset = [i for i, c in enumerate(combinations) if all(c[k] in v for k, v in zip(c, subset, strict=True))]
    subset_best = combinations[in_subset[best([sweep_metrics[i] for i in in_subset])]]
    bt_best = dict(zip(heatmap.index.names, (int(v) for v in heatmap.idxmax()), strict=True))

    print()
    print(
        f"Sweep of the reference strategy: fast SMA {FAST[0]}-{FAST[-1]} x slow SMA {SLOW[0]}-{SLOW[-1]} x RSI(14) "
        f"bound {RSI_BOUNDS[0]}-{RSI_BOUNDS[-1]}"
    )
    print(
        f"({len(FAST)} x {len(SLOW)} x {len(RSI_BOUNDS)} = {total:,} combinations) on {args.bars:,} generated "
        f"one-minute bars (seed {SEED});"
    )
    print("fills at the next open, 0.1 % commission. One process, one thread (OPENBLAS_NUM_THREADS=1).")
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, vectorbt {vectorbt.__version__}, "
        f"backtesting.py {backtesting.__version__}; {os.cpu_count()} CPUs; "
        f"load average {load_at_start:.1f} at the start, {load_at_end:.1f} at the end."
    )
    print()

    def row(label: str, value: str, target: str = "") -> None:
        print(f"{label:<66}{value:>22}   {target}".rstrip())

    def rates(timing: Timing, count: int, form: str = ",.1f") -> str:
        return f"{count / timing.wall:{form}} ({count / timing.cpu:{form}})"

    def ratio(ours: Timing, theirs: Timing, count: int, form: str = ".1f") -> tuple[float, float, str]:
        """How many times more combinations per second run_sweep does than `theirs` (on `count`), wall and CPU."""
        wall = (total / ours.wall) / (count / theirs.wall)
        cpu = (total / ours.cpu) / (count / theirs.cpu)
        return wall, cpu, f"{wall:{form}}x ({cpu:{form}}x)"

    row("", "wall (CPU)")
    row("engine run_sweep: seconds", f"{sweep.wall:.2f} s ({sweep.cpu:.2f} s)")
    row("engine run_sweep: combinations / s", rates(sweep, total))
    row("engine, loop of run_backtest: seconds", f"{loop.wall:.2f} s ({loop.cpu:.2f} s)")
    row("engine, loop of run_backtest: combinations / s", rates(loop, total))
    row(
        f"vectorbt broadcast sweep, {min(args.vbt_chunk, total)} columns a call: seconds",
        f"{vbt.wall:.2f} s ({vbt.cpu:.2f} s)",
    )
    row("vectorbt broadcast sweep: combinations / s", rates(vbt, total))
    row(f"backtesting.py optimize, {n_bt} combinations: seconds", f"{bt.wall:.2f} s ({bt.cpu:.2f} s)")
    row(f"backtesting.py optimize: combinations / s (extrapolated from {n_bt})", rates(bt, n_bt, ",.3f"))
    row(
        f"  ... {total:,} combinations would take (extrapolated from {n_bt})",
        f"~{bt.wall * total / n_bt:,.0f} s (~{bt.cpu * total / n_bt:,.0f} s)",
    )
    print("-" * 110)
    vbt_wall, vbt_cpu, vbt_text = ratio(sweep, vbt, total, ".2f")
    row(
        "run_sweep / vectorbt (combinations per second)",
        vbt_text,
        f"> {TARGET_VECTORBT_RATIO}x: {verdict(min(vbt_wall, vbt_cpu) > TARGET_VECTORBT_RATIO)}",
    )
    bt_wall, bt_cpu, bt_text = ratio(sweep, bt, n_bt, ",.0f")
    row(
        f"run_sweep / backtesting.py (extrapolated from {n_bt})",
        bt_text,
        f">= {TARGET_BACKTESTING_PY_RATIO}x: {verdict(min(bt_wall, bt_cpu) >= TARGET_BACKTESTING_PY_RATIO)}",
    )
    row("run_sweep / loop of run_backtest", ratio(sweep, loop, total)[2])
    print("-" * 110)
    row("best by Sharpe, run_sweep", _shown(combinations[sweep_best], sweep_metrics[sweep_best]))
    row(
        "best by Sharpe, loop of run_backtest",
        _shown(combinations[loop_best], loop_metrics[loop_best]),
        f"identical: {verdict(sweep_best == loop_best and sweep_metrics[sweep_best] == loop_metrics[loop_best])}",
    )
    row(
        "combinations whose metrics differ, run_sweep vs loop",
        f"{differing} of {total:,}",
        f"0: {verdict(differing == 0)}",
    )
    row(f"best of the {n_bt}-combination subset, run_sweep", _shown(subset_best))
    row(
        f"best of the {n_bt}-combination subset, backtesting.py",
        _shown(bt_best),
        f"same: {verdict(subset_best == bt_best)}",
    )
    row("trade counts equal, run_sweep vs vectorbt", f"{trades_equal} of {total:,}")
    row(
        "best by vectorbt's own Sharpe (per-bar returns, another definition)",
        _shown(combinations[int(np.nanargmax(vbt_sharpe))]),
    )


def _shown(combination: dict[str, int], metrics: dict[str, Any] | None = None) -> str:
    text = "/".join(str(combination[k]) for k in ("fast", "slow", "rsi_bound"))
    return text if metrics is None else f"{text} Sharpe {metrics[OBJECTIVE]:.4f}"


if __name__ == "__main__":
    main()
