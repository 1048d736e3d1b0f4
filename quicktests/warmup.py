"""Warm a Celery worker before it takes its first quick test, so the first is as fast as the tenth.

A fresh process pays once for what every quick test uses: importing TA-Lib and the flow machinery,
loading the compiled simulation kernel from numba's on-disk cache (compiling it when the cache is cold),
building the system node catalogue, and pyarrow's Parquet reader and writer. The worker does all of it
at `worker_init` (quicktests.tasks), in its main process before the prefork pool forks its children, so
every child, including one the pool replaces later, starts warm.
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import pyarrow.parquet as pq
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connections

import engine
from engine.backtest import run_backtest
from engine.catalogue import system_catalogue
from engine.synthetic import generate_bars
from marketdata.storage import bars_to_parquet
from nodes.selectors import node_catalogue_for_user

from .results import trades_parquet

logger = logging.getLogger(__name__)

EXAMPLES = Path(engine.__file__).resolve().parent / "examples"
WARM_UP_BARS = 300


def quicktest_warm_up() -> float:
    """Run a tiny backtest of the reference strategy the way a quick test runs; the seconds it took."""
    started = time.perf_counter()
    flow = json.loads((EXAMPLES / "reference_flow.json").read_text())
    parameters = json.loads((EXAMPLES / "reference_params.json").read_text())
    config = json.loads((EXAMPLES / "reference_config.json").read_text())
    bars = generate_bars(WARM_UP_BARS, seed=0)
    pq.read_table(io.BytesIO(bars_to_parquet(bars)))
    result = run_backtest(flow, bars, config=config, parameters=parameters, catalogue=system_catalogue())
    trades_parquet(result.to_dict()["trades"])
    try:
        # The part of every user's catalogue that comes from the database: the system templates' rows.
        node_catalogue_for_user(AnonymousUser())
    except DatabaseError as exc:  # not migrated yet, or unreachable: the first test will say so itself
        logger.warning("The worker's warm-up could not read the node templates: %s", exc)
    finally:
        connections.close_all()  # never hand an open connection to the pool's forked children
    return time.perf_counter() - started
