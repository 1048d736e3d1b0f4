"""Celery tasks for quick tests: thin, they take ids and call one service."""

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_init
from django.conf import settings
from django.db import connections

from .services import INTERNAL_ERROR_MESSAGE, TIMEOUT_MESSAGE, quicktest_fail, quicktest_fail_stuck, quicktest_run
from .warmup import quicktest_warm_up

logger = logging.getLogger(__name__)


@shared_task(
    name="quicktests.run_quicktest",
    soft_time_limit=settings.QUICKTEST_SOFT_TIME_LIMIT,
    time_limit=settings.QUICKTEST_TIME_LIMIT,
)
def run_quicktest(quicktest_id: str) -> None:
    """Run one quick test. A redelivered message finds the test no longer PENDING and does nothing."""
    try:
        quicktest_run(quicktest_id=quicktest_id)
    except SoftTimeLimitExceeded:
        logger.warning("Quick test %s hit the soft time limit.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=TIMEOUT_MESSAGE)
    except Exception:
        logger.exception("Quick test %s failed with an internal error.", quicktest_id)
        quicktest_fail(quicktest_id=quicktest_id, error_message=INTERNAL_ERROR_MESSAGE)


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
