"""Parameter sweeps: a quick test whose `test_config` has a `sweep` (engine.sweepspec) runs every combination
of the swept parameters, spread over the Celery workers, and stores the table, the best combination, the
walk-forward folds and the overfitting figures.

The task that claims the test (quicktests.services.quicktest_run) writes the sweep's plan to storage (the
combinations, the chunk size, the bar windows) and starts a Celery chord: one `run_sweep_chunk` task per
chunk of SWEEP_CHUNK_SIZE combinations, on whatever workers listen to the queue the test came on, then
`finish_sweep`. Files, under default_storage (so every worker sees them):

    quicktests/<id>/sweep/plan.json         what the chunks run
    quicktests/<id>/sweep/chunk-<i>.json    one per finished chunk: its rows (a file appears whole or not at all)
    quicktests/<id>/sweep-rows.parquet      the finished table, one row per combination (kept with the result)

A chunk is idempotent: it runs only while the test is RUNNING (so a cancel stops the chunks not yet
started), and a chunk delivered again (acks_late + reject_on_worker_lost: a killed worker's chunk comes
back) writes the same file again. The finishing task reads every chunk file, and runs itself any chunk
whose file is missing (the chord can fire early when a chunk was delivered twice), so each combination is
counted exactly once. Progress, while it runs, is the number of combinations in the chunk files.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from engine.backtest import run_signals, warm_up_bars
from engine.bars import Bars
from engine.errors import EngineError, Problem
from engine.metrics import iso_utc_array, metrics_summary
from engine.overfitting import (
    deflated_sharpe_of_best,
    overfitting_verdict,
    pbo_cscv,
    walk_forward_efficiency,
    walk_forward_windows,
)
from engine.simulate import Simulation, Trades
from engine.sweep import run_sweep, window_signals
from engine.sweepspec import MAX_GRID, SweepSpec, read_sweep

from .catalogue import quicktest_catalogue
from .choices import QuickTestStatus
from .models import QuickTest
from .services import backtest_config, quicktest_bars

logger = logging.getLogger(__name__)

# The figures each row of the table keeps (with the objective's, whichever it is): a sweep's table is for
# ranking and a heatmap; the full metrics of any combination are one "run this combination" away.
HEADLINE_METRICS = (
    "return_pct",
    "return_ann_pct",
    "sharpe_ratio",
    "sortino_ratio",
    "calmar_ratio",
    "max_drawdown_pct",
    "win_rate_pct",
    "trades",
    "profit_factor",
    "expectancy_pct",
)
N_BLOCKS = 16  # equal slices of the data for the Probability of Backtest Overfitting (CSCV)
_EFFICIENCY_METRICS = ("return_ann_pct",)  # what the walk-forward efficiency compares


@dataclass(frozen=True)
class SweepPlan:
    """What the chunks run: the combinations in order, cut into chunks; the bar windows (the whole range
    first, then each walk-forward fold's in-sample and out-of-sample windows); the metrics a chunk keeps of
    each window (those the table shows and the choices need: the full metrics of the few combinations
    chosen are computed again at the end, so 10,000 combinations over 11 windows stay a few MB)."""

    combinations: list[dict[str, Any]]
    chunk_size: int
    windows: list[tuple[int, int]]
    folds: list[tuple[int, int, int, int]]
    metrics: list[str]

    @property
    def chunk_count(self) -> int:
        return -(-len(self.combinations) // self.chunk_size)

    def chunk(self, index: int) -> list[dict[str, Any]]:
        return self.combinations[index * self.chunk_size : (index + 1) * self.chunk_size]

    def as_dict(self) -> dict[str, Any]:
        return {
            "combinations": self.combinations,
            "chunk_size": self.chunk_size,
            "windows": self.windows,
            "folds": self.folds,
            "metrics": self.metrics,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepPlan:
        return cls(
            combinations=data["combinations"],
            chunk_size=data["chunk_size"],
            windows=[tuple(w) for w in data["windows"]],
            folds=[tuple(f) for f in data["folds"]],
            metrics=data["metrics"],
        )


def is_sweep(quicktest: QuickTest) -> bool:
    return isinstance(quicktest.test_config, dict) and quicktest.test_config.get("sweep") is not None


def sweep_spec(quicktest: QuickTest) -> SweepSpec:
    """The stored sweep, read back (it was checked when the test was created)."""
    spec, problems = read_sweep(
        quicktest.test_config["sweep"],
        strategy_parameters=quicktest.parameters_snapshot,
        max_combinations=MAX_GRID,  # what was accepted when it was posted, whatever the setting is now
    )
    if spec is None:
        raise EngineError([_under_sweep(p) for p in problems])
    return spec


def sweep_start(*, quicktest: QuickTest, queue: str | None) -> None:
    """Plan a claimed (RUNNING) sweep and start its chord on `queue` (the one the test came on)."""
    from celery import chord

    from .tasks import finish_sweep, run_sweep_chunk

    spec = sweep_spec(quicktest)
    bars = _bars(quicktest)
    folds = sweep_folds(spec, len(bars))
    windows = [(0, len(bars))] + [w for fold in folds for w in ((fold[0], fold[1]), (fold[2], fold[3]))]
    plan = SweepPlan(
        combinations=spec.combinations(quicktest.parameters_snapshot),
        chunk_size=max(settings.SWEEP_CHUNK_SIZE, 1),
        windows=windows,
        folds=folds,
        metrics=list(
            dict.fromkeys((*_table_metrics(spec), *(c.metric for c in spec.metric_constraints), *_EFFICIENCY_METRICS))
        ),
    )
    _write_json(plan_path(quicktest.pk), plan.as_dict())
    options = {"queue": queue} if queue else {}
    header = [run_sweep_chunk.si(quicktest.pk, i).set(**options) for i in range(plan.chunk_count)]
    chord(header)(finish_sweep.si(quicktest.pk).set(**options))
    logger.info("Sweep %s: %d combinations in %d chunks.", quicktest.pk, len(plan.combinations), plan.chunk_count)


def sweep_run_chunk(*, quicktest_id: str, index: int) -> int:
    """Run chunk `index` of a RUNNING sweep and write its file; the number of combinations it holds (0 when
    the test is no longer running: cancelled, failed, finished)."""
    if not _touch_running(quicktest_id):
        logger.info("Sweep %s is not running; chunk %d is not run.", quicktest_id, index)
        return 0
    quicktest = QuickTest.objects.get(pk=quicktest_id)
    plan = _plan(quicktest_id)
    rows = _run_chunk(quicktest, plan, index)
    _write_json(chunk_path(quicktest_id, index), rows)
    _touch_running(quicktest_id)
    return len(rows)


def sweep_finish(*, quicktest_id: str) -> QuickTest | None:
    """Assemble a RUNNING sweep from its chunk files (running any that is missing) and store it COMPLETED.
    A sweep no longer running (cancelled, failed) has its chunk files deleted and nothing stored."""
    quicktest = QuickTest.all_objects.filter(pk=quicktest_id).first()
    if quicktest is None or quicktest.status != QuickTestStatus.RUNNING:
        sweep_files_delete(quicktest_id)
        return quicktest
    started = time.perf_counter()
    spec = sweep_spec(quicktest)
    plan = _plan(quicktest_id)
    rows = []
    for index in range(plan.chunk_count):
        chunk = _read_json(chunk_path(quicktest_id, index))
        if chunk is None:
            logger.warning("Sweep %s: chunk %d has no file at the end; running it now.", quicktest_id, index)
            chunk = _run_chunk(quicktest, plan, index)
        rows += chunk
    test_result, metrics = _assemble(quicktest, spec, plan, rows)
    finished = timezone.now()
    stored = QuickTest.objects.filter(pk=quicktest_id, status=QuickTestStatus.RUNNING).update(
        status=QuickTestStatus.COMPLETED,
        test_result=test_result,
        metrics_summary=metrics,
        execution_time=(finished - quicktest.started_at).total_seconds() if quicktest.started_at else None,
        completed_at=finished,
        updated_at=finished,
    )
    sweep_files_delete(quicktest_id)
    if not stored:
        rows_file_delete(test_result)
        logger.info("Sweep %s was cancelled while it was assembled; its result is discarded.", quicktest_id)
    logger.info("Sweep %s assembled in %.2f s.", quicktest_id, time.perf_counter() - started)
    return QuickTest.all_objects.get(pk=quicktest_id)


def sweep_progress(quicktest: QuickTest) -> dict[str, int] | None:
    """{done, total} combinations of a RUNNING sweep (done: those in finished chunks); None otherwise."""
    if quicktest.status != QuickTestStatus.RUNNING or not is_sweep(quicktest):
        return None
    plan = _read_json(plan_path(quicktest.pk))
    if plan is None:
        return {"done": 0, "total": 0}  # claimed, not planned yet
    total, size = len(plan["combinations"]), plan["chunk_size"]
    finished = _finished_chunks(quicktest.pk)
    last = -(-total // size) - 1
    done = sum(total - last * size if i == last else size for i in finished)
    return {"done": done, "total": total}


def plan_path(quicktest_id: str) -> str:
    return f"{_folder(quicktest_id)}/plan.json"


def chunk_path(quicktest_id: str, index: int) -> str:
    return f"{_folder(quicktest_id)}/chunk-{index}.json"


def sweep_files_delete(quicktest_id: str) -> None:
    """Delete a sweep's plan and chunk files (its working files; the finished table stays with the result)."""
    folder = _folder(quicktest_id)
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


def rows_file_delete(test_result: Mapping[str, Any] | None) -> None:
    name = (test_result or {}).get("rows_file")
    if name:
        default_storage.delete(name)


def load_rows(test_result: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A finished sweep's table, best first ([] for a test that is not a finished sweep)."""
    name = (test_result or {}).get("rows_file")
    if not name:
        return []
    with default_storage.open(name, "rb") as file:
        table = pq.read_table(file).to_pylist()
    return [_row_from_columns(row) for row in table]


def heatmap(rows: list[dict[str, Any]], *, x: str, y: str, metric: str, statistic: str, goal: str) -> dict[str, Any]:
    """The `metric` over the grid of parameters `x` and `y`: for each (x, y) the best ("best": the highest
    for goal "max", the lowest for "min") or the mean ("mean") over the other parameters' values; None
    where no combination has a value. `z[j][i]` is for y_values[j] and x_values[i]."""
    cells: dict[tuple[Any, Any], list[float]] = {}
    for row in rows:
        value = row["metrics"].get(metric)
        key = (row["parameters"].get(x), row["parameters"].get(y))
        cells.setdefault(key, [])
        if isinstance(value, int | float) and not isinstance(value, bool):
            cells[key].append(float(value))
    x_values = sorted({k[0] for k in cells}, key=_order)
    y_values = sorted({k[1] for k in cells}, key=_order)
    pick = {"mean": lambda v: sum(v) / len(v), "best": max if goal == "max" else min}[statistic]
    z = [[pick(cells[(xv, yv)]) if cells.get((xv, yv)) else None for xv in x_values] for yv in y_values]
    return {
        "x": x,
        "y": y,
        "metric": metric,
        "statistic": statistic,
        "x_values": x_values,
        "y_values": y_values,
        "z": z,
    }


# --- running --------------------------------------------------------------------------------------


def _run_chunk(quicktest: QuickTest, plan: SweepPlan, index: int) -> list[dict[str, Any]]:
    results = _run(quicktest, plan.chunk(index), plan.windows)
    return [
        {
            "parameters": row.parameters,
            "metrics": [{key: metrics.get(key) for key in plan.metrics} for metrics in row.metrics],
            "moments": np.asarray(row.moments, dtype=float).tolist(),
            "blocks": np.asarray(row.blocks, dtype=float).tolist(),
        }
        for row in results
    ]


def _run(quicktest: QuickTest, combinations: list[dict[str, Any]], windows: list[tuple[int, int]]):
    owner = get_user_model().objects.get(pk=quicktest.user_id)
    return run_sweep(
        quicktest.logic_flow_snapshot,
        _bars(quicktest),
        combinations,
        config=backtest_config(quicktest.test_config),
        base_parameters=quicktest.parameters_snapshot,
        catalogue=quicktest_catalogue(owner),
        windows=windows,
        n_blocks=N_BLOCKS,
    )


def _full_metrics(quicktest: QuickTest, parameters: dict[str, Any], windows: list[tuple[int, int]]) -> list[dict]:
    """The whole metrics_summary of one combination on each window (as its chunk computed them)."""
    return _run(quicktest, [parameters], windows)[0].metrics


def _table_metrics(spec: SweepSpec) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*HEADLINE_METRICS, spec.objective.metric)))


def _bars(quicktest: QuickTest) -> Bars:
    """The sweep's bars; every chunk of it reads them, so from the process's cache of the dataset's file."""
    return quicktest_bars(quicktest, cached=True)


def sweep_folds(spec: SweepSpec, n_bars: int) -> list[tuple[int, int, int, int]]:
    """The walk-forward folds of `spec` over `n_bars` bars ([] without walk-forward); EngineError naming
    test_config.sweep.walk_forward when the bars are too few for them."""
    if spec.walk_forward is None:
        return []
    wf = spec.walk_forward
    try:
        folds = walk_forward_windows(n_bars, folds=wf.folds, in_sample=wf.in_sample, anchored=wf.anchored)
    except ValueError as exc:
        message = f"{exc}."
        raise EngineError(Problem("invalid_walk_forward", message, field="test_config.sweep.walk_forward")) from exc
    return [tuple(int(v) for v in fold) for fold in folds]


def _touch_running(quicktest_id: str) -> bool:
    """Mark a RUNNING sweep as alive (stuck-run recovery reads updated_at); False when it is not running."""
    return bool(
        QuickTest.objects.filter(pk=quicktest_id, status=QuickTestStatus.RUNNING).update(updated_at=timezone.now())
    )


# --- assembling ------------------------------------------------------------------------------------


def _assemble(
    quicktest: QuickTest, spec: SweepSpec, plan: SweepPlan, rows: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    objective = spec.objective
    eligible = [spec.meets_metric_constraints(row["metrics"][0]) for row in rows]
    order = sorted(range(len(rows)), key=lambda i: (not eligible[i], objective.sort_key(rows[i]["metrics"][0]), i))
    if not any(eligible):
        constraints = ", ".join(str(c) for c in spec.metric_constraints)
        raise EngineError(
            Problem(
                "no_combination_meets_constraints",
                f"none of the {len(rows):,} combinations met the constraints on the results ({constraints}).",
                field="test_config.sweep.constraints",
            )
        )
    best = rows[order[0]]
    best_metrics = _full_metrics(quicktest, best["parameters"], [plan.windows[0]])[0]
    keep = _table_metrics(spec)
    table = [
        {
            "rank": rank + 1,
            "parameters": rows[i]["parameters"],
            "metrics": {key: rows[i]["metrics"][0].get(key) for key in keep},
            "meets_constraints": eligible[i],
        }
        for rank, i in enumerate(order)
    ]
    summary = {
        "combinations": len(rows),
        "eligible": sum(eligible),
        "parameters": {name: list(values) for name, values in spec.parameters.items()},
        "objective": {"metric": objective.metric, "goal": objective.goal},
        "metrics": list(keep),
        "best": {"rank": 1, "parameters": best["parameters"], "metrics": best_metrics},
        "top": table[:10],
        "overfitting": _overfitting(rows, order[0]),
        "walk_forward": _walk_forward(quicktest, spec, plan, rows) if plan.folds else None,
    }
    test_result = {"sweep": summary, "rows_file": _write_rows(quicktest.pk, table)}
    return test_result, best_metrics


def _overfitting(rows: list[dict[str, Any]], best: int) -> dict[str, Any]:
    """Is the best combination luck? Its Deflated Sharpe Ratio among every combination tried, the
    Probability of Backtest Overfitting by CSCV over N_BLOCKS slices of the bars (engine.overfitting cites
    both papers), and the verdict in words. Sharpe ratios here are per bar, of per-bar equity returns."""
    deflated = deflated_sharpe_of_best(np.asarray([row["moments"][0] for row in rows], dtype=float), best=best)
    pbo, pbo_reason = None, None
    if len(rows) < 2:
        pbo_reason = "one combination: there is no choice to overfit"
    else:
        try:
            pbo = pbo_cscv(np.asarray([row["blocks"] for row in rows], dtype=float))
        except ValueError as exc:
            pbo_reason = str(exc)
    figures = asdict(deflated)
    figures.pop("best")
    pbo_figures = {k: v for k, v in pbo.as_dict().items() if k != "logits"} if pbo else None
    return {
        "deflated_sharpe": figures,
        "pbo": pbo_figures if pbo else {"pbo": None, "reason": pbo_reason},
        "verdict": overfitting_verdict(deflated.dsr, pbo.pbo if pbo else None, n_trials=len(rows)),
    }


def _walk_forward(quicktest: QuickTest, spec: SweepSpec, plan: SweepPlan, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each fold's best in-sample combination and its figures in and out of sample; the stitched
    out-of-sample run of the chosen combinations and its metrics; the walk-forward efficiency."""
    objective = spec.objective
    times = _bars(quicktest).timestamp

    def window(start: int, stop: int) -> dict[str, Any]:
        first, last = iso_utc_array(times[[start, stop - 1]])
        return {"start_bar": start, "stop_bar": stop, "start": first, "end": last}

    folds, chosen = [], []
    for k, (is_start, is_stop, oos_start, oos_stop) in enumerate(plan.folds):
        in_window, out_window = 1 + 2 * k, 2 + 2 * k
        candidates = [i for i, row in enumerate(rows) if spec.meets_metric_constraints(row["metrics"][in_window])]
        pool = candidates or list(range(len(rows)))
        best = min(pool, key=lambda i: (objective.sort_key(rows[i]["metrics"][in_window]), i))
        chosen.append(rows[best]["parameters"])
        in_metrics, out_metrics = _full_metrics(
            quicktest, rows[best]["parameters"], [plan.windows[in_window], plan.windows[out_window]]
        )
        folds.append(
            {
                "fold": k + 1,
                "in_sample": window(is_start, is_stop),
                "out_of_sample": window(oos_start, oos_stop),
                "parameters": rows[best]["parameters"],
                "in_sample_metrics": in_metrics,
                "out_of_sample_metrics": out_metrics,
            }
        )
    stitched = _stitched_out_of_sample(quicktest, plan.folds, chosen)
    return {"folds": folds, "out_of_sample": stitched, "efficiency": _efficiency(folds)}


def _efficiency(folds: list[dict[str, Any]]) -> dict[str, Any]:
    """Pardo's walk-forward efficiency of the annualised returns (engine.overfitting)."""
    ins = [f["in_sample_metrics"].get("return_ann_pct") for f in folds]
    outs = [f["out_of_sample_metrics"].get("return_ann_pct") for f in folds]
    if any(value is None for value in (*ins, *outs)):
        return {"value": None, "per_fold": [None] * len(folds), "reason": "a window has no annualised return"}
    return asdict(walk_forward_efficiency(ins, outs))


def _stitched_out_of_sample(
    quicktest: QuickTest, folds: list[tuple[int, int, int, int]], chosen: list[dict[str, Any]]
) -> dict[str, Any]:
    """Each fold's chosen combination run on its out-of-sample window (its indicators computed on all bars,
    so the window starts warm), the windows chained: each starts with the equity the previous one ended
    with. Returns the stitched equity curve and its metrics_summary."""
    from engine.evaluate import evaluate
    from engine.flow import compile_flow
    from engine.result import equity_curve

    owner = get_user_model().objects.get(pk=quicktest.user_id)
    catalogue = quicktest_catalogue(owner)
    bars = _bars(quicktest)
    config = backtest_config(quicktest.test_config)
    equities, trades, offset, scale = [], [], 0, 1.0
    for (_, _, start, stop), parameters in zip(folds, chosen, strict=True):
        plan = compile_flow(quicktest.logic_flow_snapshot, catalogue, {**quicktest.parameters_snapshot, **parameters})
        evaluation = evaluate(plan, bars)
        window = bars.slice(start, stop)
        signals = window_signals(evaluation.signals, start, stop)
        result = run_signals(window, signals, config, first_trading_bar=max(warm_up_bars(evaluation.values) - start, 0))
        simulation = result.simulation
        equities.append(simulation.equity * scale)
        t = simulation.trades
        trades.append((t, offset, scale))
        scale *= simulation.equity[-1] / simulation.initial_capital
        offset += stop - start
    stitched_bars = bars.slice(folds[0][2], folds[-1][3])
    equity = np.concatenate(equities)
    simulation = Simulation(
        equity=equity,
        trades=Trades(
            entry_bar=np.concatenate([t.entry_bar + off for t, off, _ in trades]),
            exit_bar=np.concatenate([t.exit_bar + off for t, off, _ in trades]),
            entry_price=np.concatenate([t.entry_price for t, _, _ in trades]),
            exit_price=np.concatenate([t.exit_price for t, _, _ in trades]),
            units=np.concatenate([t.units * s for t, _, s in trades]),
            commission=np.concatenate([t.commission * s for t, _, s in trades]),
            exit_reason=np.concatenate([t.exit_reason for t, _, _ in trades]),
        ),
        initial_capital=config.initial_capital,
        fill=config.fill,
    )
    metrics = metrics_summary(stitched_bars, simulation, risk_free_rate=config.risk_free_rate)
    return {
        "equity_curve": equity_curve(stitched_bars, equity, max_points=settings.QUICKTEST_CURVE_POINTS),
        "metrics": metrics,
    }


# --- files -------------------------------------------------------------------------------------------


def _folder(quicktest_id: str) -> str:
    return f"quicktests/{quicktest_id}/sweep"


def _plan(quicktest_id: str) -> SweepPlan:
    data = _read_json(plan_path(quicktest_id))
    if data is None:
        raise FileNotFoundError(f"The plan of sweep {quicktest_id} is not in storage.")
    return SweepPlan.from_dict(data)


def _finished_chunks(quicktest_id: str) -> list[int]:
    try:
        _, files = default_storage.listdir(_folder(quicktest_id))
    except FileNotFoundError:
        return []
    return [int(name[6:-5]) for name in files if name.startswith("chunk-") and name.endswith(".json")]


def _write_json(name: str, data: Any) -> None:
    """Write `name` so that it appears whole or not at all, and replaces what was there: a redelivered
    chunk writes the same content again. On a local disk through a temporary file and a rename; object
    stores (S3 ...) write an object whole anyway."""
    content = json.dumps(data, separators=(",", ":"), allow_nan=False).encode()
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(path), prefix=".partial-", delete=False) as temporary:
        temporary.write(content)
    os.replace(temporary.name, path)


def _read_json(name: str) -> Any:
    try:
        with default_storage.open(name, "rb") as file:
            return json.loads(file.read())
    except FileNotFoundError:
        return None


def _write_rows(quicktest_id: str, table: list[dict[str, Any]]) -> str:
    """The table as a Parquet file beside the trades file: a column per parameter ("p.<name>"), per metric
    ("m.<key>"), and rank and meets_constraints."""
    columns = [
        {
            "rank": row["rank"],
            "meets_constraints": row["meets_constraints"],
            **{f"p.{k}": v for k, v in row["parameters"].items()},
            **{f"m.{k}": v for k, v in row["metrics"].items()},
        }
        for row in table
    ]
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(columns), buffer, compression="zstd")
    name = f"quicktests/{quicktest_id}/sweep-rows.parquet"
    default_storage.delete(name)
    return default_storage.save(name, ContentFile(buffer.getvalue()))


def _row_from_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "rank": row["rank"],
        "parameters": {k[2:]: v for k, v in row.items() if k.startswith("p.")},
        "metrics": {k[2:]: v for k, v in row.items() if k.startswith("m.")},
        "meets_constraints": row["meets_constraints"],
    }


def _order(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def _under_sweep(problem: Problem) -> Problem:
    field = f"test_config.sweep.{problem.field}" if problem.field else "test_config.sweep"
    return Problem(code=problem.code, message=problem.message, field=field)
