"""Celery tasks for quick tests: thin, they take ids and call one service."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.db import connections

from engine.errors import EngineError

from .services import (
    INTERNAL_ERROR_MESSAGE,
    SWEEP_TIMEOUT_MESSAGE,
    TIMEOUT_MESSAGE,
    quicktest_fail,
    quicktest_fail_stuck,
    quicktest_run,
    trader_message,
)
from .sweeps import sweep_files_delete, sweep_finish, sweep_run_chunk
from .warmup import quicktest_warm_up

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="quicktests.run_quicktest",
    soft_time_limit=settings.QUICKTEST_SOFT_TIME_LIMIT,
    time_limit=settings.QUICKTEST_TIME_LIMIT,
)
def run_quicktest(self, quicktest_id: str) -> None:
    """Run one quick test (a sweep: start its chunks on the queue this message came on). A redelivered
    message finds the test no longer PENDING and does nothing."""
    queue = (self.request.delivery_info or {}).get("routing_key")
    try:
        quicktest_run(quicktest_id=quicktest_id, queue=queue)
    except SoftTimeLimitExceeded:
        logger.warning("Quick test %s hit the soft time limit.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=TIMEOUT_MESSAGE)
    except Exception:
        logger.exception("Quick test %s failed with an internal error.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=INTERNAL_ERROR_MESSAGE)


@shared_task(
    name="quicktests.run_sweep_chunk",
    acks_late=True,
    reject_on_worker_lost=True,  # a chunk whose worker died is delivered again, to any worker
    ignore_result=False,  # the chord counts its chunks' results
    soft_time_limit=settings.SWEEP_CHUNK_SOFT_TIME_LIMIT,
    time_limit=settings.SWEEP_CHUNK_TIME_LIMIT,
)
def run_sweep_chunk(quicktest_id: str, index: int) -> int:
    """Run one chunk of a sweep; any failure fails the sweep (its other chunks then stop)."""
    try:
        return sweep_run_chunk(quicktest_id=quicktest_id, index=index)
    except SoftTimeLimitExceeded:
        logger.warning("Sweep %s: chunk %d hit the soft time limit.", quicktest_id, index)
        quicktest_fail(quicktest_id=quicktest_id, error_message=SWEEP_TIMEOUT_MESSAGE)
    except EngineError as exc:
        quicktest_fail(quicktest_id=quicktest_id, error_message=trader_message(exc))
    except Exception:
        logger.exception("Sweep %s: chunk %d failed with an internal error.", quicktest_id, index)
        quicktest_fail(quicktest_id=quicktest_id, error_message=INTERNAL_ERROR_MESSAGE)
    return 0


@shared_task(
    name="quicktests.finish_sweep",
    soft_time_limit=settings.SWEEP_CHUNK_SOFT_TIME_LIMIT,
    time_limit=settings.SWEEP_CHUNK_TIME_LIMIT,
)
def finish_sweep(quicktest_id: str) -> None:
    """The chord's body: assemble the sweep from its chunks."""
    try:
        sweep_finish(quicktest_id=quicktest_id)
    except SoftTimeLimitExceeded:
        logger.warning("Sweep %s hit the soft time limit while it was assembled.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=SWEEP_TIMEOUT_MESSAGE)
        sweep_files_delete(quicktest_id)
    except EngineError as exc:
        quicktest_fail(quicktest_id=quicktest_id, error_message=trader_message(exc))
        sweep_files_delete(quicktest_id)
    except Exception:
        logger.exception("Sweep %s failed with an internal error while it was assembled.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=INTERNAL_ERROR_MESSAGE)
        sweep_files_delete(quicktest_id)


@shared_task(name="quicktests.fail_stuck_quicktests")
def fail_stuck_quicktests() -> int:
    """Beat job: fail tests whose worker died while running them or that no worker took, so none stays
    RUNNING or PENDING forever."""
    return quicktest_fail_stuck()


@worker_init.connect
def warm_up_worker(**kwargs) -> None:
    """Before the worker takes messages (and before its pool forks): load what the first test would."""
    try:
        seconds = quicktest_warm_up()
    except Exception:
        logger.exception("The worker's quick-test warm-up failed; the first test will load what it needs itself.")
    else:
        logger.info("Warmed up for quick tests in %.2f s.", seconds)
    finally:
        connections.close_all()  # never hand an open connection to the pool's forked children
