"""The engine against vectorbt and backtesting.py on the reference strategy, at 100,000 and 1,000,000 bars.

    .venv/bin/python bench/engine_bench.py [--sizes 100000 1000000] [--repeat 7] [--bt-timeout 300]

Prints one table of timings, ratios, trade counts and the engine's peak memory, each beside its target.
bench/README.md explains every figure.
"""

from __future__ import annotations

import os
import sys

# Some machines export OpenBLAS tuning variables that make numpy markedly slower. They would distort every
# figure, so the benchmark runs itself again without them (its child processes inherit the cleaned set).
_SLOW_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if __name__ == "__main__" and any(name in os.environ for name in _SLOW_BLAS):
    cleaned = {name: value for name, value in os.environ.items() if name not in _SLOW_BLAS}
    os.execve(sys.executable, [sys.executable, *sys.argv], cleaned)  # noqa: S606

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from engine.bars import Bars, read_csv, write_csv  # noqa: E402
from engine.synthetic import generate_bars  # noqa: E402

EXAMPLES = REPO / "engine" / "examples"
FLOW_PATH = EXAMPLES / "reference_flow.json"
PARAMS_PATH = EXAMPLES / "reference_params.json"
CONFIG_PATH = EXAMPLES / "reference_config.json"
SEED = 42
FRESH_RUNS = 3

TARGET_FRESH_SECONDS = 1.5
TARGET_MEMORY_MB = 500
TARGET_BACKTESTING_PY_RATIO = 20


def reference(commission: float | None = None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The reference flow, its parameter values and its backtest config, as engine/examples holds them
    (with another commission if one is given)."""
    flow, parameters, config = (json.loads(path.read_text()) for path in (FLOW_PATH, PARAMS_PATH, CONFIG_PATH))
    if commission is not None:
        config = {**config, "commission": commission}
    return flow, parameters, config


# ---------------------------------------------------------------- the engine


def engine_backtest(bars: Bars, commission: float | None = None) -> Any:
    """Compile the flow, evaluate it, simulate and measure: everything after the bars are in memory."""
    from engine.backtest import run_backtest

    flow, parameters, config = reference(commission)
    return run_backtest(flow, bars, config=config, parameters=parameters)


@dataclass(frozen=True)
class FreshRun:
    wall_s: float
    cpu_s: float


def fresh_processes(csv_path: Path) -> list[FreshRun]:
    """`python -m engine backtest` in new processes: imports, CSV reading, backtest, JSON output. Wall time,
    and the process's CPU time (user + system), which other work on the machine does not inflate as much."""
    command = [sys.executable, "-m", "engine", "backtest", str(FLOW_PATH), str(csv_path)]
    command += ["--config", str(CONFIG_PATH), "--params", str(PARAMS_PATH)]
    runs = []
    for _ in range(FRESH_RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        finished = subprocess.run(
            command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if finished.returncode != 0:
            raise RuntimeError(f"python -m engine backtest failed:\n{finished.stderr}")
        runs.append(FreshRun(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)))
    return runs


def memory_child(csv_path: str) -> None:
    """In a fresh process: the peak resident memory of reading the CSV and backtesting it, over a baseline
    taken after the imports and one tiny backtest (which loads TA-Lib and the compiled simulation kernel).

    On Linux the kernel's high-water mark (VmHWM) is read at the baseline (the peak of start-up) and then reset,
    so the second reading is the peak of this work alone. Elsewhere ru_maxrss stands in for both readings; it
    can also count the parent's memory at fork, so there the figures are upper bounds."""
    engine_backtest(generate_bars(1_000, seed=SEED))
    if Path("/proc/self/clear_refs").exists():
        method, start_up_peak_mb, baseline_mb = "VmHWM", _proc_status_mb("VmHWM"), _proc_status_mb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # 5: reset the peak resident set size to the current one
    else:
        method, start_up_peak_mb = "ru_maxrss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        baseline_mb = start_up_peak_mb
    engine_backtest(read_csv(csv_path)).to_dict()
    peak_mb = (
        _proc_status_mb("VmHWM") if method == "VmHWM" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    print(
        json.dumps(
            {
                "method": method,
                "baseline_mb": baseline_mb,
                "peak_mb": peak_mb,
                "process_peak_mb": max(peak_mb, start_up_peak_mb),
            }
        )
    )


def _proc_status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024  # reported in kB
    raise KeyError(key)


# ---------------------------------------------------------------- vectorbt


def crosses_above(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A above B on this bar and at or below it on the bar before: the engine's cross_above (NaN never crosses).
    Bars run along the first axis; 2-D arrays (a column per combination) broadcast."""
    with np.errstate(invalid="ignore"):
        later = (a[1:] > b[1:]) & (a[:-1] <= b[:-1])
    crossed = np.zeros((len(a), *later.shape[1:]), dtype=bool)
    crossed[1:] = later
    return crossed


def next_bar(signal: np.ndarray) -> np.ndarray:
    """A signal decided at a bar's close, moved to the bar whose open fills it (bars along the first axis)."""
    moved = np.zeros_like(signal)
    moved[1:] = signal[:-1]
    return moved


def vectorbt_backtest(close: Any, open_: Any, *, with_stats: bool, commission: float | None = None) -> Any:
    """The reference strategy in vectorbt: TA-Lib indicators, signals filled at the next open, 0.1 % fees."""
    import talib
    import vectorbt as vbt

    _, parameters, config = reference(commission)
    prices = close.to_numpy()
    fast, slow = talib.SMA(prices, parameters["fast"]), talib.SMA(prices, parameters["slow"])
    rsi = talib.RSI(prices, parameters["rsi_period"])
    with np.errstate(invalid="ignore"):
        entries = crosses_above(fast, slow) & (rsi < 70)
    exits = crosses_above(slow, fast)
    portfolio = vbt.Portfolio.from_signals(
        close,
        entries=next_bar(entries),
        exits=next_bar(exits),
        price=open_,
        fees=config["commission"],
        init_cash=config["initial_capital"],
        freq="1min",
    )
    if with_stats:
        portfolio.stats(silence_warnings=True)
    return portfolio


def count_mismatches(entries: np.ndarray, exits: np.ndarray, vbt_trades: np.ndarray) -> int:
    """Trades whose entry or exit bar differ between the engine and vectorbt, plus any difference in number.
    vectorbt leaves the last trade open where the engine closes it at the last bar, so an open vectorbt trade
    is compared on its entry only."""
    common = min(len(entries), len(vbt_trades))
    theirs = vbt_trades[:common]
    closed = theirs["status"] == 1
    differ = (entries[:common] != theirs["entry_idx"]) | (closed & (exits[:common] != theirs["exit_idx"]))
    return int(np.count_nonzero(differ)) + abs(len(entries) - len(vbt_trades))


# ---------------------------------------------------------------- backtesting.py


def backtesting_py_child(csv_path: str, commission: str | None = None) -> None:
    """In a fresh process: one backtesting.py run of the reference strategy (next-open fills, the reference
    config's commission unless another is given)."""
    import warnings

    import pandas as pd
    import talib
    from backtesting import Backtest, Strategy

    _, parameters, config = reference(None if commission is None else float(commission))
    frame = pd.read_csv(csv_path, index_col="timestamp", parse_dates=["timestamp"])
    frame.columns = [name.capitalize() for name in frame.columns]

    class Reference(Strategy):
        def init(self) -> None:
            close = self.data.Close
            self.fast = self.I(talib.SMA, close, parameters["fast"])
            self.slow = self.I(talib.SMA, close, parameters["slow"])
            self.rsi = self.I(talib.RSI, close, parameters["rsi_period"])

        def next(self) -> None:
            fast, slow = self.fast, self.slow
            if not self.position and fast[-1] > slow[-1] and fast[-2] <= slow[-2] and self.rsi[-1] < 70:
                self.buy()
            elif self.position and fast[-1] < slow[-1] and fast[-2] >= slow[-2]:
                self.position.close()

    backtest = Backtest(
        frame, Reference, cash=config["initial_capital"], commission=config["commission"], finalize_trades=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        stats = backtest.run()
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "trades": int(stats["# Trades"]), "return_pct": float(stats["Return [%]"])}))


# ---------------------------------------------------------------- measuring


def median_warm(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of `repeat` runs after one warm-up run, and the last run's result."""
    result = run()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def child(mode: str, csv_path: Path, *extra: str, timeout: float | None = None) -> dict[str, Any] | None:
    """Run this file in `mode` in a new process; its JSON answer, or None if it ran out of time."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, str(csv_path), *extra]
    try:
        finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None
    if finished.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


@dataclass
class Measured:
    bars: int
    engine_s: float = 0.0
    read_csv_s: float = 0.0
    fresh: list[FreshRun] = field(default_factory=list)
    vectorbt_s: float = 0.0
    vectorbt_stats_s: float = 0.0
    backtesting_py_s: float | None = None
    extrapolated: bool = False
    trades: dict[str, int] = field(default_factory=dict)  # reference config
    returns_pct: dict[str, float] = field(default_factory=dict)
    trades_free: dict[str, int] = field(default_factory=dict)  # without commission
    mismatched_trades: int = 0
    memory: dict[str, Any] = field(default_factory=dict)


def measure(size: int, workdir: Path, repeat: int, bt_timeout: float, previous: Measured | None) -> Measured:
    import pandas as pd

    def say(what: str) -> None:
        print(f"[{size:,} bars] {what}", file=sys.stderr, flush=True)

    measured = Measured(bars=size)
    bars = generate_bars(size, seed=SEED)
    csv_path = workdir / f"bars_{size}.csv"
    write_csv(bars, csv_path)

    say("engine, warm")
    measured.engine_s, result = median_warm(lambda: engine_backtest(bars), repeat)
    measured.read_csv_s, _ = median_warm(lambda: read_csv(csv_path), repeat)
    say("engine, fresh processes")
    measured.fresh = fresh_processes(csv_path)
    say("engine, peak memory in a fresh process")
    measured.memory = child("memory", csv_path) or {}

    say("vectorbt, warm (its first call compiles vectorbt's numba code)")
    index = pd.to_datetime(bars.timestamp, utc=True)
    close, open_ = pd.Series(bars.close, index=index), pd.Series(bars.open, index=index)
    measured.vectorbt_s, portfolio = median_warm(lambda: vectorbt_backtest(close, open_, with_stats=False), repeat)
    measured.vectorbt_stats_s, _ = median_warm(
        lambda: vectorbt_backtest(close, open_, with_stats=True), max(1, repeat // 2)
    )
    measured.trades = {"engine": len(result.simulation.trades), "vectorbt": len(portfolio.trades.records_arr)}
    measured.returns_pct = {"engine": result.metrics["return_pct"], "vectorbt": float(portfolio.total_return()) * 100}

    say(f"backtesting.py, one run (given up after {bt_timeout:.0f} s)")
    answer = child("backtesting-py", csv_path, timeout=bt_timeout)
    if answer is not None:
        measured.backtesting_py_s = answer["seconds"]
        measured.trades["backtesting.py"] = answer["trades"]
        measured.returns_pct["backtesting.py"] = answer["return_pct"]
    elif previous is not None and previous.backtesting_py_s is not None:
        measured.backtesting_py_s = previous.backtesting_py_s * size / previous.bars
        measured.extrapolated = True

    # Trade by trade without commission: with it, a driftless random walk bleeds the account to dust over a
    # million bars, and below a millionth of a dollar vectorbt stops filling and backtesting.py (whole units)
    # cannot buy, so their trades part from the engine's for reasons of the data, not of the semantics.
    say("trade-by-trade agreement, without commission")
    ours = engine_backtest(bars, commission=0.0).simulation.trades
    theirs = vectorbt_backtest(close, open_, with_stats=False, commission=0.0).trades.records_arr
    measured.trades_free = {"engine": len(ours), "vectorbt": len(theirs)}
    measured.mismatched_trades = count_mismatches(ours.entry_bar, ours.exit_bar, theirs)
    answer = child("backtesting-py", csv_path, "0", timeout=bt_timeout)
    if answer is not None:
        measured.trades_free["backtesting.py"] = answer["trades"]
    return measured


# ---------------------------------------------------------------- report


def report(results: list[Measured], repeat: int, load: tuple[float, float]) -> None:
    import backtesting
    import vectorbt

    largest = results[-1]
    stats_repeat = max(1, repeat // 2)
    width = 24

    def row(label: str, values: list[str], target: str = "") -> None:
        print(f"{label:<62}{''.join(f'{v:>{width}}' for v in values)}   {target}".rstrip())

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:,.1f} ms"

    def sides(values: dict[str, Any], keys: tuple[str, ...], form: str) -> str:
        return " / ".join(format(values[k], form) if k in values else "-" for k in keys)

    peers = ("engine", "vectorbt", "backtesting.py")
    fresh_median = [statistics.median(r.wall_s for r in m.fresh) for m in results]
    bt_ratios = [m.backtesting_py_s / m.engine_s if m.backtesting_py_s else None for m in results]
    memory_over_baseline = [m.memory["peak_mb"] - m.memory["baseline_mb"] for m in results]

    print()
    print("Reference strategy: long when SMA(10) crosses above SMA(30) and RSI(14) < 70; exit when SMA(10) crosses")
    print("below SMA(30). Fills at the next open, commission 0.1 % per side, generated 1-minute bars (seed 42).")
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, vectorbt {vectorbt.__version__}, "
        f"backtesting.py {backtesting.__version__}; {os.cpu_count()} CPUs; "
        f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end."
    )
    print()
    row("bars", [f"{m.bars:,}" for m in results], "target")
    print("-" * (62 + width * len(results) + 36))
    row(
        f"engine, warm backtest (median of {repeat})",
        [ms(m.engine_s) for m in results],
        f"below vectorbt at {largest.bars:,}: {verdict(largest.engine_s < largest.vectorbt_s)}",
    )
    row(f"engine, read_csv (median of {repeat})", [ms(m.read_csv_s) for m in results])
    row(
        "engine, read_csv + warm backtest (sum of the two)",
        [ms(m.read_csv_s + m.engine_s) for m in results],
        f"below vectorbt at {largest.bars:,}: {verdict(largest.read_csv_s + largest.engine_s < largest.vectorbt_s)}",
    )
    row(
        f"fresh `python -m engine backtest`, wall (median of {FRESH_RUNS})",
        [f"{s:.2f} s" for s in fresh_median],
        f"< {TARGET_FRESH_SECONDS} s: {verdict(max(fresh_median) < TARGET_FRESH_SECONDS)}",
    )
    row("  each run: wall s (CPU s)", [" ".join(f"{r.wall_s:.2f}({r.cpu_s:.2f})" for r in m.fresh) for m in results])
    row(f"vectorbt, warm: signals + from_signals (median of {repeat})", [ms(m.vectorbt_s) for m in results])
    row(f"vectorbt, warm: ... + stats() (median of {stats_repeat})", [ms(m.vectorbt_stats_s) for m in results])
    row(
        "backtesting.py, one run",
        [
            ("~" if m.extrapolated else "") + f"{m.backtesting_py_s:,.1f} s" if m.backtesting_py_s else "n/a"
            for m in results
        ],
    )
    row(
        "vectorbt (signals + from_signals) / engine",
        [f"{m.vectorbt_s / m.engine_s:.1f}x" for m in results],
        f"> 1x at {largest.bars:,}: {verdict(largest.vectorbt_s > largest.engine_s)}",
    )
    row("vectorbt (with stats()) / engine", [f"{m.vectorbt_stats_s / m.engine_s:.1f}x" for m in results])
    row(
        "backtesting.py / engine",
        [
            ("~" if m.extrapolated else "") + f"{r:,.0f}x" if r else "n/a"
            for m, r in zip(results, bt_ratios, strict=True)
        ],
        f">= {TARGET_BACKTESTING_PY_RATIO}x: {verdict(all(r is not None and r >= TARGET_BACKTESTING_PY_RATIO for r in bt_ratios))}",
    )
    row("trades: engine / vectorbt / backtesting.py", [sides(m.trades, peers, "d") for m in results])
    row("return %: engine / vectorbt / backtesting.py", [sides(m.returns_pct, peers, ".1f") for m in results])
    row(
        "trades without commission: engine / vectorbt / backtesting.py",
        [sides(m.trades_free, peers, "d") for m in results],
    )
    row(
        "  ... engine trades entering or exiting on another bar than vectorbt's",
        [str(m.mismatched_trades) for m in results],
        f"0: {verdict(all(m.mismatched_trades == 0 for m in results))}",
    )
    row(
        f"engine peak memory ({largest.memory['method']}): read_csv + backtest over baseline",
        [f"{mb:,.0f} MB" for mb in memory_over_baseline],
        f"< {TARGET_MEMORY_MB} MB at {largest.bars:,}: {verdict(memory_over_baseline[-1] < TARGET_MEMORY_MB)}",
    )
    row(
        "  baseline / whole process peak",
        [f"{m.memory['baseline_mb']:,.0f} / {m.memory['process_peak_mb']:,.0f} MB" for m in results],
    )
    if any(m.extrapolated for m in results):
        print()
        print(
            "~ EXTRAPOLATED, not measured: backtesting.py did not finish within --bt-timeout at this size. The figure"
        )
        print("  scales the previous size's time linearly with the number of bars (one Python next() call per bar).")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], help="numbers of bars")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per warm figure (after one warm-up)")
    parser.add_argument("--bt-timeout", type=float, default=300, help="seconds one backtesting.py run may take")
    parser.add_argument("--child", nargs="+", metavar="MODE CSV [COMMISSION]", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        mode, *arguments = args.child
        {"memory": memory_child, "backtesting-py": backtesting_py_child}[mode](*arguments)
        return

    load_at_start = os.getloadavg()[0]
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as workdir:
        for size in sorted(args.sizes):
            results.append(measure(size, Path(workdir), args.repeat, args.bt_timeout, results[-1] if results else None))
    report(results, args.repeat, (load_at_start, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
