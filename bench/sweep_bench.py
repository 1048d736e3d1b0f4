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
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
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


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU (this process) seconds of one call, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


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


def vectorbt_sweep(bars: Bars, chunk: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid in vectorbt, broadcast: TA-Lib SMAs over the list of fast and of slow periods and RSI(14) through
    vectorbt's indicator factory, every (fast, slow, bound) column of entries and exits at once, and one
    Portfolio.from_signals per `chunk` columns (all of them when chunk >= 1,000), then each column's Sharpe
    ratio and trade count. The signals follow engine_bench.py's vectorbt leg (the engine's crossing rule,
    filled at the next open, 0.1 % fees), so the trades are the engine's."""
    import pandas as pd
    import vectorbt as vbt

    _, parameters, config = reference()
    index = pd.to_datetime(bars.timestamp, utc=True)
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
        trades.append(np.asarray(portfolio.trades.count()))
    return np.concatenate(sharpe), np.concatenate(trades)


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
    parser.add_argument("--vbt-chunk", type=int, default=1000, help="vectorbt columns per from_signals call")
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
    sweep_wall, sweep_cpu, rows = timed(lambda: engine_sweep(bars, combinations))
    say("vectorbt: broadcast sweep")
    vbt_wall, vbt_cpu, (vbt_sharpe, vbt_trades) = timed(lambda: vectorbt_sweep(bars, args.vbt_chunk))
    subset = (FAST[: args.bt_values], SLOW[: args.bt_values], RSI_BOUNDS[: args.bt_values])
    n_bt = math.prod(len(values) for values in subset)
    say(f"backtesting.py: Backtest.optimize on {n_bt} combinations")
    bt_wall, _, heatmap = timed(lambda: backtesting_py_optimize(bars, *subset))
    say("engine: a loop of single run_backtest calls")
    loop_wall, loop_cpu, loop_metrics = timed(lambda: engine_loop(bars, combinations))
    load_at_end = os.getloadavg()[0]

    sweep_metrics = [row.metrics[0] for row in rows]
    sweep_best, loop_best = best(sweep_metrics), best(loop_metrics)
    differing = sum(a != b for a, b in zip(sweep_metrics, loop_metrics, strict=True))
    trades_equal = int(np.count_nonzero(np.array([m["trades"] for m in sweep_metrics]) == vbt_trades))
    in_subset = [i for i, c in enumerate(combinations) if all(c[k] in v for k, v in zip(c, subset, strict=True))]
    subset_best = combinations[in_subset[best([sweep_metrics[i] for i in in_subset])]]
    bt_best = dict(zip(heatmap.index.names, (int(v) for v in heatmap.idxmax()), strict=True))

    rate = {
        "engine run_sweep": total / sweep_wall,
        "engine, loop of run_backtest": total / loop_wall,
        "vectorbt broadcast sweep": total / vbt_wall,
        "backtesting.py optimize": n_bt / bt_wall,
    }
    vbt_ratio = rate["engine run_sweep"] / rate["vectorbt broadcast sweep"]
    bt_ratio = rate["engine run_sweep"] / rate["backtesting.py optimize"]

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

    row("engine run_sweep: wall (CPU)", f"{sweep_wall:.2f} s ({sweep_cpu:.2f} s)")
    row("engine run_sweep: combinations / s", f"{rate['engine run_sweep']:,.1f}")
    row("engine, loop of run_backtest: wall (CPU)", f"{loop_wall:.2f} s ({loop_cpu:.2f} s)")
    row("engine, loop of run_backtest: combinations / s", f"{rate['engine, loop of run_backtest']:,.1f}")
    row(
        f"vectorbt broadcast sweep ({min(args.vbt_chunk, total)} columns a call): wall (CPU)",
        f"{vbt_wall:.2f} s ({vbt_cpu:.2f} s)",
    )
    row("vectorbt broadcast sweep: combinations / s", f"{rate['vectorbt broadcast sweep']:,.1f}")
    row(f"backtesting.py optimize, {n_bt} combinations: wall", f"{bt_wall:.2f} s")
    row(
        f"backtesting.py optimize: combinations / s (extrapolated from {n_bt})",
        f"{rate['backtesting.py optimize']:,.3f}",
    )
    row(
        f"  ... {total:,} combinations would take (extrapolated from {n_bt})",
        f"~{total / rate['backtesting.py optimize']:,.0f} s",
    )
    print("-" * 110)
    row(
        "run_sweep / vectorbt (combinations per second)",
        f"{vbt_ratio:.2f}x",
        f"> {TARGET_VECTORBT_RATIO}x: {verdict(vbt_ratio > TARGET_VECTORBT_RATIO)}",
    )
    row(
        f"run_sweep / backtesting.py (extrapolated from {n_bt})",
        f"{bt_ratio:,.0f}x",
        f">= {TARGET_BACKTESTING_PY_RATIO}x: {verdict(bt_ratio >= TARGET_BACKTESTING_PY_RATIO)}",
    )
    row("run_sweep / loop of run_backtest", f"{rate['engine run_sweep'] / rate['engine, loop of run_backtest']:.1f}x")
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
