"""Sweeps on real Celery workers: one and two on Redis (one of them killed mid-sweep), a cancel while chunks
run, and the embedded set-up (filesystem broker and result backend)."""

import itertools
import os
import re
import signal

import pytest
from django.core.files.storage import default_storage

from engine.backtest import run_backtest
from marketdata.services import dataset_load_bars
from marketdata.tests.factories import DatasetFactory
from quicktests import services, sweeps
from quicktests.catalogue import quicktest_catalogue
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.tasks import run_quicktest

from .test_sweeps import hourly_dataset

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

GRID = {"fast": {"values": [5, 10]}, "slow": {"start": 20, "stop": 40, "step": 10}}
DONE = (QuickTestStatus.COMPLETED, QuickTestStatus.FAILED, QuickTestStatus.CANCELLED)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Two combinations a chunk, in this process and in every worker it starts (they inherit the variable)."""
    monkeypatch.setenv("SWEEP_CHUNK_SIZE", "2")


def _publish_to(monkeypatch, worker) -> None:
    monkeypatch.setattr(services, "_enqueue", lambda quicktest_id: worker.send(run_quicktest, quicktest_id))


def _create(trader, strategy, dataset, sweep):
    return services.quicktest_create(
        user=trader,
        instance_id=strategy.pk,
        test_config={"dataset": dataset.pk, "commission": 0.001, "sweep": sweep},
    )


def _status(quicktest_id: str) -> str:
    return QuickTest.all_objects.values_list("status", flat=True).get(pk=quicktest_id)


def _chunk_ids(log: str, event: str) -> set[str]:
    return set(re.findall(rf"Task quicktests\.run_sweep_chunk\[([0-9a-f-]+)\] {event}", log))


def _rows(quicktest_id: str) -> list[dict]:
    return sweeps.load_rows(QuickTest.objects.get(pk=quicktest_id).test_result)


def test_a_sweep_on_a_worker_completes_with_the_best_combination_a_loop_of_backtests_finds(
    media_root, monkeypatch, trader, strategy, live_workers
):
    dataset = hourly_dataset()
    (worker,) = live_workers(1)
    _publish_to(monkeypatch, worker)

    quicktest = _create(trader, strategy, dataset, {"parameters": GRID})
    worker.wait_until(lambda: _status(quicktest.pk) in DONE)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    bars, catalogue = dataset_load_bars(dataset), quicktest_catalogue(trader)
    oracle = {
        (fast, slow): run_backtest(
            strategy.logic_flow,
            bars,
            config={"commission": 0.001},
            parameters={**strategy.parameters, "fast": fast, "slow": slow},
            catalogue=catalogue,
        ).metrics
        for fast, slow in itertools.product([5, 10], [20, 30, 40])
    }
    best = max(oracle, key=lambda key: oracle[key]["sharpe_ratio"])
    assert quicktest.test_result["sweep"]["best"]["parameters"] == {"fast": best[0], "slow": best[1]}
    assert quicktest.metrics_summary == oracle[best]
    assert len(_chunk_ids(worker.log(), "succeeded")) == 3  # six combinations, two a chunk, on the worker


def test_a_worker_killed_mid_sweep_loses_nothing_and_every_combination_counts_once(
    media_root, monkeypatch, trader, strategy, live_workers
):
    """Two workers share the chunks; one is killed (SIGKILL) while it runs one. The broker delivers that chunk
    again (after the visibility timeout, 8 s here) to the other, and the sweep completes whole."""
    dataset = DatasetFactory(bar_count=150_000)  # chunks of a second or two: long enough to be killed in
    first, second = live_workers(2, CELERY_VISIBILITY_TIMEOUT="8")
    _publish_to(monkeypatch, first)
    sweep = {"parameters": {"fast": {"values": [5, 10, 15]}, "slow": {"start": 20, "stop": 50, "step": 10}}}
    quicktest = _create(trader, strategy, dataset, sweep)

    def first_is_inside_a_chunk_after_one_finished() -> bool:
        log = first.log()
        running = _chunk_ids(log, "received") - _chunk_ids(log, "succeeded")
        return (
            bool(running) and (sweeps.sweep_progress(QuickTest.objects.get(pk=quicktest.pk)) or {}).get("done", 0) > 0
        )

    first.wait_until(first_is_inside_a_chunk_after_one_finished)
    (killed,) = _chunk_ids(first.log(), "received") - _chunk_ids(first.log(), "succeeded")
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(timeout=15)

    second.wait_until(lambda: _status(quicktest.pk) in DONE, timeout=120)
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    # The broker gives the killed chunk to the other worker. (Should a chunk outlive the visibility timeout on
    # a loaded machine, the chord can fire before that; the finishing task then runs the missing chunk itself.)
    second.wait_until(lambda: killed in _chunk_ids(second.log(), "received"), timeout=60)
    rows = _rows(quicktest.pk)
    combinations = [(row["parameters"]["fast"], row["parameters"]["slow"]) for row in rows]
    assert sorted(combinations) == sorted(itertools.product([5, 10, 15], [20, 30, 40, 50]))
    assert quicktest.test_result["sweep"]["combinations"] == 12
    assert [row["rank"] for row in rows] == list(range(1, 13))


def test_cancelling_a_running_sweep_stops_the_chunks_not_yet_started(
    media_root, monkeypatch, trader, strategy, live_workers
):
    dataset = DatasetFactory(bar_count=50_000)
    (worker,) = live_workers(1)
    _publish_to(monkeypatch, worker)
    sweep = {"parameters": {"fast": {"values": [5, 10, 15, 20]}, "slow": {"start": 30, "stop": 60, "step": 10}}}
    quicktest = _create(trader, strategy, dataset, sweep)
    worker.wait_until(lambda: (sweeps.sweep_progress(QuickTest.objects.get(pk=quicktest.pk)) or {}).get("done", 0) > 0)

    services.quicktest_cancel(quicktest=quicktest, actor=trader.username)
    worker.wait_until(lambda: re.search(r"Task quicktests\.finish_sweep\[[0-9a-f-]+\] succeeded", worker.log()))

    quicktest.refresh_from_db()
    assert (quicktest.status, quicktest.test_result) == (QuickTestStatus.CANCELLED, None)
    log = worker.log()
    ran = len(re.findall(r"run_sweep_chunk\[[0-9a-f-]+\] succeeded in [0-9.]+s: 2", log))
    skipped = log.count("is not running; chunk")
    assert ran >= 1 and skipped >= 1 and ran + skipped == 8, log  # 16 combinations in 8 chunks
    assert not default_storage.exists(sweeps.plan_path(quicktest.pk))


def test_a_sweep_runs_on_the_embedded_set_up_filesystem_broker_and_result_backend(trader, strategy, embedded_worker):
    dataset = hourly_dataset()
    quicktest = _create(trader, strategy, dataset, {"parameters": GRID})

    embedded_worker.wait_until(lambda: _status(quicktest.pk) in DONE)
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, f"{quicktest.error_message}\n{embedded_worker.log()}"
    assert len(_rows(quicktest.pk)) == 6
    assert "celery.chord_unlock" in embedded_worker.log()  # the file backend's chord: Celery's own unlock task
    assert any((embedded_worker.var_dir / "results").iterdir())
