"""Warm a Celery worker before it takes its first quick test, so the first is as fast as the tenth.

A fresh process pays once for what every quick test uses: importing TA-Lib and the flow machinery,
loading the compiled simulation kernel from numba's on-disk cache (compiling it when the cache is cold)
for the arrays bars are read into, building the node catalogue, and pyarrow's Parquet reader and writer;
for sweeps, the sweep's return-sums kernel and the CSCV kernel of the overfitting figures.
The worker does all of it at `worker_init` (quicktests.tasks), in its main process before the prefork pool
forks its children, so every child, including one the pool replaces later, starts warm. A user's catalogue
is built per user (their own templates join the system ones): those of the users who ran the latest tests
are built too, so a returning user's first test on a new worker is as fast as their tenth.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.db import DatabaseError

import engine
from engine.backtest import run_backtest
from engine.catalogue import system_catalogue
from engine.overfitting import pbo_cscv
from engine.sweep import run_sweep
from engine.synthetic import generate_bars
from marketdata.storage import bars_from_columns, bars_to_parquet, read_bars

from .catalogue import quicktest_catalogue
from .models import QuickTest
from .results import trades_parquet
from .sweeps import N_BLOCKS

logger = logging.getLogger(__name__)

EXAMPLES = Path(engine.__file__).resolve().parent / "examples"
WARM_UP_BARS = 300
RECENT_TESTS = 200  # the users of the latest this many tests get their catalogue built


def quicktest_warm_up() -> float:
    """Run a tiny backtest of the reference strategy the way a quick test runs; the seconds it took."""
    started = time.perf_counter()
    flow = json.loads((EXAMPLES / "reference_flow.json").read_text())
    parameters = json.loads((EXAMPLES / "reference_params.json").read_text())
    config = json.loads((EXAMPLES / "reference_config.json").read_text())
    storage = InMemoryStorage()
    name = storage.save("bars.parquet", ContentFile(bars_to_parquet(generate_bars(WARM_UP_BARS, seed=0))))
    bars = bars_from_columns(read_bars(storage, name))  # the arrays a dataset is read into: the kernel's types
    result = run_backtest(flow, bars, config=config, parameters=parameters, catalogue=system_catalogue())
    trades_parquet(result.to_dict()["trades"])
    rows = run_sweep(
        flow, bars, [parameters, parameters], config=config, catalogue=system_catalogue(), n_blocks=N_BLOCKS
    )
    pbo_cscv(np.asarray([row.blocks for row in rows], dtype=float))
    try:
        _build_recent_users_catalogues()
    except DatabaseError as exc:  # not migrated yet, or unreachable: the first test will say so itself
        logger.warning("The worker's warm-up could not read the node templates: %s", exc)
    return time.perf_counter() - started


def _build_recent_users_catalogues() -> None:
    latest = QuickTest.all_objects.order_by("-created_at").values_list("user_id", flat=True)[:RECENT_TESTS]
    for user in get_user_model().objects.filter(pk__in=set(latest)):
        quicktest_catalogue(user)
