"""Creating, running, cancelling and recovering quick tests, with the Celery task run eagerly."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from engine.errors import EngineError
from marketdata.services import dataset_delete
from nodes.models import NodeTemplate
from quicktests import services
from quicktests.catalogue import quicktest_catalogue
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.results import load_trades
from quicktests.tasks import fail_stuck_quicktests, run_quicktest
from strategy_builder.celery import app

from .factories import ReferenceStrategyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)


def _create(trader, strategy, dataset, **overrides):
    kwargs = {
        "user": trader,
        "instance_id": strategy.pk,
        "test_config": {"dataset": dataset.pk, "initial_capital": 10_000, "commission": 0.001},
    } | overrides
    return services.quicktest_create(**kwargs)


def _fields(exc: EngineError) -> set[str]:
    return {p.field for p in exc.problems if p.field}


def test_create_snapshots_the_strategy_and_enqueues_only_after_commit(
    trader, strategy, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quicktest = _create(trader, strategy, dataset, test_name="First", parameters={"fast": 5})

    assert len(callbacks) == 1
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.PENDING
    assert quicktest.logic_flow_snapshot == strategy.logic_flow
    assert quicktest.parameters_snapshot == {"fast": 5, "slow": 30, "rsi_period": 14}
    assert quicktest.test_config["dataset"] == dataset.pk
    assert quicktest.test_config["commission"] == 0.001
    assert quicktest.test_config["fill"] == "next_open"  # defaults resolved and frozen


def test_later_edits_to_the_strategy_do_not_change_the_snapshot(trader, strategy, dataset):
    quicktest = _create(trader, strategy, dataset)
    strategy.parameters = {"fast": 99, "slow": 100, "rsi_period": 3}
    strategy.logic_flow = {"schema_version": 1, "nodes": [], "edges": []}
    strategy.save()

    quicktest.refresh_from_db()
    assert quicktest.parameters_snapshot["fast"] == 10
    assert len(quicktest.logic_flow_snapshot["nodes"]) == 10


def test_usage_count_of_each_template_used_goes_up(trader, strategy, dataset):
    before = dict(NodeTemplate.objects.filter(name__in=["sma", "rsi", "close"]).values_list("name", "usage_count"))

    _create(trader, strategy, dataset)

    after = dict(NodeTemplate.objects.filter(name__in=["sma", "rsi", "close"]).values_list("name", "usage_count"))
    assert after == {name: count + 1 for name, count in before.items()}
    assert NodeTemplate.objects.get(name="macd", is_system_template=True).usage_count == 0


def test_every_problem_is_reported_at_once_and_nothing_is_written(trader, strategy, dataset):
    with pytest.raises(EngineError) as raised:
        _create(
            trader,
            strategy,
            dataset,
            test_config={"dataset": "no-such-dataset", "commission": -1, "fill": "tomorrow", "start": "yesterday"},
            parameters={"nope": 1},
        )

    assert _fields(raised.value) >= {
        "test_config.dataset",
        "test_config.commission",
        "test_config.fill",
        "test_config.start",
        "parameters.nope",
    }
    assert not QuickTest.all_objects.exists()


def test_another_users_strategy_is_an_unknown_instance(trader, dataset, system_nodes):
    someone_elses = ReferenceStrategyFactory()

    with pytest.raises(EngineError) as raised:
        _create(trader, someone_elses, dataset)

    assert [(p.code, p.field) for p in raised.value.problems] == [("unknown_instance", "instance")]


def test_an_unknown_instance_is_reported_with_the_config_problems(trader, dataset):
    with pytest.raises(EngineError) as raised:
        services.quicktest_create(
            user=trader, instance_id="nope", test_config={"dataset": dataset.pk, "commission": -1}
        )

    assert _fields(raised.value) == {"instance", "test_config.commission"}


def test_another_users_dataset_is_an_unknown_dataset(trader, strategy):
    from marketdata.tests.factories import DatasetFactory

    private = DatasetFactory(user_id="someone-else")

    with pytest.raises(EngineError) as raised:
        _create(trader, strategy, private)

    assert [(p.code, p.field) for p in raised.value.problems] == [("unknown_dataset", "test_config.dataset")]


def test_a_date_range_without_bars_is_refused(trader, strategy, dataset):
    config = {"dataset": dataset.pk, "start": "2031-01-01", "end": "2031-12-31"}

    with pytest.raises(EngineError) as raised:
        _create(trader, strategy, dataset, test_config=config)

    assert [(p.code, p.field) for p in raised.value.problems] == [("no_bars", "test_config.start")]
    assert "2020-01-01" in raised.value.problems[0].message  # says what the dataset does cover


def test_an_invalid_flow_is_refused_naming_the_node(trader, strategy, dataset):
    strategy.logic_flow["nodes"][1]["template"] = "no_such_indicator"
    strategy.save()

    with pytest.raises(EngineError) as raised:
        _create(trader, strategy, dataset)

    assert "sma_fast" in {p.node_id for p in raised.value.problems}
    assert not QuickTest.all_objects.exists()


def test_running_stores_metrics_curves_trades_and_timings(
    trader, strategy, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = _create(trader, strategy, dataset)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    assert quicktest.error_message is None
    assert quicktest.started_at <= quicktest.completed_at
    assert quicktest.execution_time > 0
    assert quicktest.metrics_summary["trades"] == quicktest.test_result["counts"]["trades"]
    result = quicktest.test_result
    assert result["counts"]["bars"] == 2_000
    assert len(result["equity_curve"]["equity"]) <= 500
    trades = load_trades(result)
    assert len(trades) == result["counts"]["trades"] > 0
    assert {"entry_time", "exit_time", "pnl", "exit_reason"} <= set(trades[0])


def test_the_date_range_limits_the_bars_tested(trader, strategy, dataset, django_capture_on_commit_callbacks):
    config = {"dataset": dataset.pk, "start": "2020-01-01T00:00:00Z", "end": "2020-01-01T09:59:00Z"}
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = _create(trader, strategy, dataset, test_config=config)

    quicktest.refresh_from_db()
    assert quicktest.test_result["counts"]["bars"] == 600


def test_a_date_as_the_end_includes_that_whole_day(trader, strategy, dataset, django_capture_on_commit_callbacks):
    config = {"dataset": dataset.pk, "start": "2020-01-01", "end": "2020-01-01"}
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = _create(trader, strategy, dataset, test_config=config)

    quicktest.refresh_from_db()
    assert quicktest.test_config["end"] == "2020-01-01T23:59:59.999999+00:00"
    assert quicktest.test_result["counts"]["bars"] == 1_440


def test_a_test_delivered_twice_runs_once(trader, strategy, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = _create(trader, strategy, dataset)
    quicktest.refresh_from_db()

    assert services.quicktest_run(quicktest_id=quicktest.pk) is None
    run_quicktest.delay(quicktest.pk)

    again = QuickTest.objects.get(pk=quicktest.pk)
    assert (again.status, again.started_at, again.completed_at) == (
        QuickTestStatus.COMPLETED,
        quicktest.started_at,
        quicktest.completed_at,
    )


def test_a_cancelled_pending_test_never_runs(trader, strategy, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        quicktest = _create(trader, strategy, dataset)

    services.quicktest_cancel(quicktest=quicktest, actor="trader")
    callbacks[0]()  # the message arrives after the cancel

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.CANCELLED
    assert quicktest.started_at is None and quicktest.test_result is None


def test_a_test_cancelled_while_running_keeps_cancelled_and_stores_no_result(
    trader, strategy, dataset, monkeypatch, media_root
):
    quicktest = _create(trader, strategy, dataset)
    real_backtest = services._backtest

    def cancel_midway(running):
        result = real_backtest(running)
        services.quicktest_cancel(quicktest=running, actor="trader")
        return result

    monkeypatch.setattr(services, "_backtest", cancel_midway)
    services.quicktest_run(quicktest_id=quicktest.pk)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.CANCELLED
    assert quicktest.test_result is None and quicktest.metrics_summary is None
    assert not list((media_root / "quicktests").rglob("*.parquet"))


def test_only_pending_or_running_tests_can_be_cancelled(trader, strategy, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = _create(trader, strategy, dataset)

    with pytest.raises(ValidationError, match="completed"):
        services.quicktest_cancel(quicktest=quicktest, actor="trader")


def test_a_dataset_deleted_before_the_run_fails_the_test_saying_so(trader, strategy, dataset):
    quicktest = _create(trader, strategy, dataset)
    dataset_delete(dataset=dataset)

    run_quicktest.delay(quicktest.pk)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.FAILED
    assert "dataset" in quicktest.error_message and "deleted" in quicktest.error_message


def test_an_internal_error_fails_the_test_without_leaking_the_traceback(trader, strategy, dataset, monkeypatch, caplog):
    quicktest = _create(trader, strategy, dataset)
    monkeypatch.setattr(services, "_backtest", lambda _: 1 / 0)

    run_quicktest.delay(quicktest.pk)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.FAILED
    assert quicktest.error_message == services.INTERNAL_ERROR_MESSAGE
    assert "ZeroDivisionError" in caplog.text  # the traceback is in the log, not in the row


def test_the_soft_time_limit_fails_the_test_as_too_long(trader, strategy, dataset, monkeypatch):
    quicktest = _create(trader, strategy, dataset)

    def too_slow(_):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(services, "_backtest", too_slow)
    run_quicktest.delay(quicktest.pk)

    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.FAILED
    assert quicktest.error_message == services.TIMEOUT_MESSAGE


def test_runs_left_running_by_a_dead_worker_are_failed_after_the_timeout(trader, strategy, dataset, settings):
    settings.QUICKTEST_STUCK_AFTER = timedelta(minutes=5)
    long_ago, just_now = timezone.now() - timedelta(minutes=6), timezone.now() - timedelta(minutes=1)
    stuck, busy = _create(trader, strategy, dataset), _create(trader, strategy, dataset)
    QuickTest.objects.filter(pk=stuck.pk).update(status=QuickTestStatus.RUNNING, started_at=long_ago)
    QuickTest.objects.filter(pk=busy.pk).update(status=QuickTestStatus.RUNNING, started_at=just_now)

    assert fail_stuck_quicktests.delay().get() == 1

    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert (stuck.status, stuck.error_message) == (QuickTestStatus.FAILED, services.WORKER_LOST_MESSAGE)
    assert busy.status == QuickTestStatus.RUNNING


def test_rerun_repeats_the_old_snapshots_for_the_same_owner(
    trader, strategy, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = _create(trader, strategy, dataset, parameters={"fast": 7})
    strategy.parameters = {"fast": 50, "slow": 60, "rsi_period": 14}
    strategy.save()

    with django_capture_on_commit_callbacks(execute=True):
        new = services.quicktest_rerun(quicktest=old, actor="staff")

    new.refresh_from_db()
    old.refresh_from_db()
    assert new.pk != old.pk
    assert (new.user_id, new.created_by) == (str(trader.pk), "staff")
    assert new.parameters_snapshot == old.parameters_snapshot == {"fast": 7, "slow": 30, "rsi_period": 14}
    assert new.test_config == old.test_config
    assert new.status == QuickTestStatus.COMPLETED
    assert new.metrics_summary == old.metrics_summary


def test_the_cached_catalogue_is_rebuilt_only_when_a_visible_template_changes(trader, system_nodes):
    first = quicktest_catalogue(trader)
    NodeTemplate.objects.filter(name="sma").update(usage_count=F("usage_count") + 5)

    assert quicktest_catalogue(trader) is first
    sma = NodeTemplate.objects.get(name="sma", is_system_template=True)
    sma.description = "Edited by staff"
    sma.save()
    assert quicktest_catalogue(trader) is not first
