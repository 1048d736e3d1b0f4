"""Parameter sweeps through the API, with Celery run eagerly (the chord's chunks and its finish inline):
validation, the stored result against a loop of single backtests, rows, heatmap, progress, cancel, recovery,
retention, isolation."""

import itertools
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from engine.backtest import run_backtest, run_signals, warm_up_bars
from engine.evaluate import evaluate
from engine.flow import compile_flow
from engine.metrics import iso_utc_array
from engine.sweep import window_signals
from engine.synthetic import generate_bars
from marketdata.choices import Timeframe
from marketdata.services import dataset_create, dataset_load_bars
from quicktests import services, sweeps
from quicktests.catalogue import quicktest_catalogue
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.retention import quicktests_archive, quicktests_purge
from strategies.choices import StrategyStatus
from strategies.tests.factories import UserFactory
from strategy_builder.celery import app

from .factories import ReferenceStrategyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/"
GRID = {"fast": {"values": [5, 10]}, "slow": {"start": 20, "stop": 40, "step": 10}}


@pytest.fixture(autouse=True)
def eager(monkeypatch, settings):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.SWEEP_CHUNK_SIZE = 4


@pytest.fixture
def dataset(db):
    """1,000 generated hourly bars (some 40 days: enough daily returns for every Sharpe ratio), shared."""
    return hourly_dataset()


def hourly_dataset(bar_count: int = 1_000):
    bars = generate_bars(bar_count, seed=11, freq="1h")
    return dataset_create(
        bars=bars, name="Hourly", symbol="SYNTH", timeframe=Timeframe.HOUR_1, user_id=None, source="tests"
    )


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _post(client, strategy, dataset, sweep, **config):
    test_config = {"dataset": dataset.pk, "commission": 0.001, "sweep": sweep, **config}
    return client.post(URL, {"instance": strategy.pk, "test_config": test_config}, format="json")


def _run(client, strategy, dataset, sweep, capture, **config):
    with capture(execute=True):
        response = _post(client, strategy, dataset, sweep, **config)
    assert response.status_code == 202, response.json()
    return response.json()["id"]


def _loop(trader, strategy, dataset, combinations, *, commission=0.001, bars=None):
    """The oracle: one run_backtest per combination."""
    bars = bars if bars is not None else dataset_load_bars(dataset)
    catalogue = quicktest_catalogue(trader)
    return [
        (
            combination,
            run_backtest(
                strategy.logic_flow,
                bars,
                config={"commission": commission},
                parameters={**strategy.parameters, **combination},
                catalogue=catalogue,
            ).metrics,
        )
        for combination in combinations
    ]


def _grid_combinations():
    return [{"fast": f, "slow": s} for f, s in itertools.product([5, 10], [20, 30, 40])]


def test_a_sweep_completes_with_the_best_combination_a_loop_of_single_backtests_finds(
    client, trader, strategy, dataset, django_capture_on_commit_callbacks
):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)

    detail = client.get(f"{URL}{quicktest_id}/").json()
    assert detail["status"] == QuickTestStatus.COMPLETED, detail["error_message"]
    assert detail["progress"] is None
    oracle = _loop(trader, strategy, dataset, _grid_combinations())
    ranked = sorted(oracle, key=lambda pair: -pair[1]["sharpe_ratio"])
    summary = detail["result"]["sweep"]
    assert summary["combinations"] == 6
    assert summary["best"]["parameters"] == ranked[0][0]
    assert summary["best"]["metrics"] == ranked[0][1]
    assert detail["metrics_summary"] == ranked[0][1]
    assert summary["parameters"] == {"fast": [5, 10], "slow": [20, 30, 40]}
    assert "rows_file" not in detail["result"]
    # Every combination counted once, best first, each with its own figures.
    rows = client.get(f"{URL}{quicktest_id}/rows/").json()["results"]
    assert [row["parameters"] for row in rows] == [c for c, _ in ranked]
    assert [row["rank"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert [row["metrics"]["return_pct"] for row in rows] == [m["return_pct"] for _, m in ranked]
    # The working files are gone; the table stays.
    assert not default_storage.exists(sweeps.plan_path(quicktest_id))
    assert default_storage.exists(QuickTest.objects.get(pk=quicktest_id).test_result["rows_file"])


def test_the_overfitting_figures_and_verdict_are_stored(client, strategy, dataset, django_capture_on_commit_callbacks):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)

    overfitting = client.get(f"{URL}{quicktest_id}/").json()["result"]["sweep"]["overfitting"]
    assert overfitting["deflated_sharpe"]["n_trials"] == 6
    assert 0 <= overfitting["deflated_sharpe"]["dsr"] <= 1
    assert overfitting["pbo"]["n_splits"] == 12_870  # C(16, 8)
    assert 0 <= overfitting["pbo"]["pbo"] <= 1
    assert overfitting["verdict"]


def test_objective_minimised_and_a_constraint_on_the_results_choose_the_best(
    client, trader, strategy, dataset, django_capture_on_commit_callbacks
):
    sweep = {
        "parameters": GRID,
        "objective": {"metric": "max_drawdown_pct", "goal": "max"},  # the shallowest drawdown (closest to 0)
        "constraints": [{"metric": "trades", "op": ">=", "value": 20}],
    }
    quicktest_id = _run(client, strategy, dataset, sweep, django_capture_on_commit_callbacks)

    detail = client.get(f"{URL}{quicktest_id}/").json()
    assert detail["status"] == QuickTestStatus.COMPLETED, detail["error_message"]
    oracle = _loop(trader, strategy, dataset, _grid_combinations())
    eligible = [(c, m) for c, m in oracle if m["trades"] >= 20]
    assert 0 < len(eligible) < 6, "the constraint should exclude some combinations, not all"
    best = max(eligible, key=lambda pair: pair[1]["max_drawdown_pct"])
    assert detail["result"]["sweep"]["best"]["parameters"] == best[0]
    assert detail["result"]["sweep"]["eligible"] == len(eligible)
    rows = client.get(f"{URL}{quicktest_id}/rows/").json()["results"]
    assert [row["meets_constraints"] for row in rows] == [True] * len(eligible) + [False] * (6 - len(eligible))


def test_parameter_constraints_and_a_sample_choose_what_runs(
    client, strategy, dataset, django_capture_on_commit_callbacks
):
    sweep = {
        "parameters": {"fast": {"start": 5, "stop": 30, "step": 5}, "slow": {"start": 10, "stop": 40, "step": 10}},
        "constraints": [{"left": "fast", "op": "<", "right": "slow"}],
        "sample": {"n": 5, "seed": 7},
    }
    quicktest_id = _run(client, strategy, dataset, sweep, django_capture_on_commit_callbacks)

    rows = client.get(f"{URL}{quicktest_id}/rows/").json()["results"]
    assert len(rows) == 5
    assert all(row["parameters"]["fast"] < row["parameters"]["slow"] for row in rows)
    stored = QuickTest.objects.get(pk=quicktest_id).test_config["sweep"]
    assert stored["sample"] == {"n": 5, "seed": 7}


def test_walk_forward_picks_each_folds_in_sample_best_and_stitches_the_out_of_sample_runs(
    client, trader, strategy, dataset, django_capture_on_commit_callbacks
):
    sweep = {"parameters": GRID, "walk_forward": {"folds": 2, "in_sample": 0.6, "anchored": False}}
    quicktest_id = _run(client, strategy, dataset, sweep, django_capture_on_commit_callbacks)

    detail = client.get(f"{URL}{quicktest_id}/").json()
    assert detail["status"] == QuickTestStatus.COMPLETED, detail["error_message"]
    walk_forward = detail["result"]["sweep"]["walk_forward"]
    bars = dataset_load_bars(dataset)
    folds = walk_forward["folds"]
    assert [
        (
            (f["in_sample"]["start_bar"], f["in_sample"]["stop_bar"]),
            (f["out_of_sample"]["start_bar"], f["out_of_sample"]["stop_bar"]),
        )
        for f in folds
    ] == [
        # I = round(0.6 x 1000 / (2 x 0.4 + 0.6)) = 429 in-sample bars; the 571 after them in two windows.
        ((0, 429), (429, 714)),
        ((285, 714), (714, 1000)),
    ]
    # Each window's first and last bar's time, for the page.
    first, last, oos_first = iso_utc_array(bars.timestamp[[0, 999, 714]])
    assert (folds[0]["in_sample"]["start"], folds[1]["out_of_sample"]["end"]) == (first, last)
    assert folds[1]["out_of_sample"]["start"] == oos_first
    assert first.endswith("Z") and first < oos_first < last
    catalogue = quicktest_catalogue(trader)

    def window_metrics(combination, start, stop):
        """The oracle of a window: the flow evaluated on all the bars, simulated on the window alone."""
        plan = compile_flow(strategy.logic_flow, catalogue, {**strategy.parameters, **combination})
        evaluation = evaluate(plan, bars)
        signals = window_signals(evaluation.signals, start, stop)
        warm_up = max(warm_up_bars(evaluation.values) - start, 0)
        return run_signals(bars.slice(start, stop), signals, {"commission": 0.001}, first_trading_bar=warm_up).metrics

    oos_equity = []
    for fold in folds:
        (is_start, is_stop), (oos_start, oos_stop) = (
            (fold[k]["start_bar"], fold[k]["stop_bar"]) for k in ("in_sample", "out_of_sample")
        )
        in_sample = {tuple(c.values()): window_metrics(c, is_start, is_stop) for c in _grid_combinations()}
        best = max(in_sample, key=lambda key: in_sample[key]["sharpe_ratio"])
        assert tuple(fold["parameters"].values()) == best
        assert fold["in_sample_metrics"] == in_sample[best]
        assert fold["out_of_sample_metrics"] == window_metrics(fold["parameters"], oos_start, oos_stop)
        oos_equity.append(fold["out_of_sample_metrics"]["return_pct"])
    stitched = walk_forward["out_of_sample"]
    # Chained windows: the stitched return is the product of the folds' returns.
    expected = ((1 + oos_equity[0] / 100) * (1 + oos_equity[1] / 100) - 1) * 100
    assert stitched["metrics"]["return_pct"] == pytest.approx(expected, rel=1e-9)
    assert stitched["metrics"]["start"] == folds[0]["out_of_sample_metrics"]["start"]
    assert stitched["metrics"]["end"] == folds[1]["out_of_sample_metrics"]["end"]
    assert stitched["equity_curve"]["equity"][0] == pytest.approx(10_000, rel=1e-2)
    assert set(walk_forward["efficiency"]) == {"value", "per_fold", "reason"}


def test_the_heatmap_gives_the_best_and_the_mean_over_the_other_parameters(
    client, trader, strategy, dataset, django_capture_on_commit_callbacks
):
    sweep = {"parameters": {**GRID, "rsi_period": {"values": [7, 14]}}}
    quicktest_id = _run(client, strategy, dataset, sweep, django_capture_on_commit_callbacks)

    best = client.get(f"{URL}{quicktest_id}/heatmap/", {"x": "fast", "y": "slow"}).json()
    mean = client.get(f"{URL}{quicktest_id}/heatmap/", {"x": "fast", "y": "slow", "statistic": "mean"}).json()
    assert best["x_values"] == [5, 10] and best["y_values"] == [20, 30, 40]
    combos = [{"fast": f, "slow": s, "rsi_period": r} for f, s, r in itertools.product([5, 10], [20, 30, 40], [7, 14])]
    sharpe = {tuple(c.values()): m["sharpe_ratio"] for c, m in _loop(trader, strategy, dataset, combos)}
    for j, slow in enumerate([20, 30, 40]):
        for i, fast in enumerate([5, 10]):
            pair = [sharpe[(fast, slow, r)] for r in (7, 14)]
            assert best["z"][j][i] == pytest.approx(max(pair))
            assert mean["z"][j][i] == pytest.approx(sum(pair) / 2)

    refused = client.get(f"{URL}{quicktest_id}/heatmap/", {"x": "fast", "y": "fast", "metric": "luck"})
    assert refused.status_code == 400
    assert {p["field"] for p in refused.json()["error"]["problems"]} == {"y", "metric"}


def test_rows_can_be_ordered_by_a_metric_or_a_parameter(client, strategy, dataset, django_capture_on_commit_callbacks):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)

    by_slow = client.get(f"{URL}{quicktest_id}/rows/", {"order_by": "-p.slow"}).json()["results"]
    assert [row["parameters"]["slow"] for row in by_slow] == [40, 40, 30, 30, 20, 20]
    by_return = client.get(f"{URL}{quicktest_id}/rows/", {"order_by": "return_pct"}).json()["results"]
    returns = [row["metrics"]["return_pct"] for row in by_return]
    assert returns == sorted(returns)
    assert client.get(f"{URL}{quicktest_id}/rows/", {"order_by": "luck"}).status_code == 400


def test_every_problem_of_a_sweep_is_named_with_its_field_and_nothing_is_stored(client, strategy, dataset, settings):
    settings.SWEEP_MAX_COMBINATIONS = 100
    sweep = {
        "parameters": {
            "fast": {"start": 5, "stop": 50, "step": 0},
            "slow": {"start": 40, "stop": 20, "step": 10},
            "rsi_period": {"values": [14, 0]},
            "ghost": {"values": [1]},
        },
        "objective": {"metric": "luck"},
        "constraints": [{"metric": "trades", "op": "~", "value": 10}],
    }
    response = _post(client, strategy, dataset, sweep)

    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert sorted(p["field"] for p in problems) == sorted(
        [
            "test_config.sweep.parameters.fast.step",
            "test_config.sweep.parameters.slow.stop",
            "test_config.sweep.parameters.rsi_period.values[1]",
            "test_config.sweep.parameters.ghost",
            "test_config.sweep.objective.metric",
            "test_config.sweep.constraints[0].op",
        ]
    )
    assert "minimum of 2" in next(p for p in problems if p["field"].endswith("values[1]"))["message"]
    assert not QuickTest.all_objects.exists()


def test_more_combinations_than_the_setting_allows_is_refused(client, strategy, dataset, settings):
    settings.SWEEP_MAX_COMBINATIONS = 5
    response = _post(client, strategy, dataset, {"parameters": GRID})

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert problem["field"] == "test_config.sweep.parameters"
    assert "6 combinations" in problem["message"] and "at most 5" in problem["message"]


def test_another_users_sweep_answers_404_on_every_endpoint(
    client, strategy, dataset, django_capture_on_commit_callbacks
):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    other = APIClient()
    other.force_authenticate(UserFactory())

    for path in ("", "rows/", "heatmap/?x=fast&y=slow"):
        assert other.get(f"{URL}{quicktest_id}/{path}").status_code == 404, path


def test_progress_counts_the_combinations_in_finished_chunks_while_the_sweep_runs(
    client, trader, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    """The chord is held back: the chunks are run one by one by hand, and the detail read between them."""
    started = []
    monkeypatch.setattr("celery.canvas._chord.__call__", lambda self, body=None, **kw: started.append(self))
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    assert len(started) == 1

    seen = [client.get(f"{URL}{quicktest_id}/").json()["progress"]]
    for index in range(2):
        sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=index)
        seen.append(client.get(f"{URL}{quicktest_id}/").json()["progress"])

    assert seen == [{"done": 0, "total": 6}, {"done": 4, "total": 6}, {"done": 6, "total": 6}]
    assert client.get(f"{URL}{quicktest_id}/").json()["status"] == QuickTestStatus.RUNNING
    sweeps.sweep_finish(quicktest_id=quicktest_id)
    detail = client.get(f"{URL}{quicktest_id}/").json()
    assert (detail["status"], detail["progress"]) == (QuickTestStatus.COMPLETED, None)
    assert detail["result"]["sweep"]["combinations"] == 6


def test_a_chunk_missing_at_the_end_is_run_by_the_finishing_task_and_a_chunk_run_twice_counts_once(
    client, trader, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("celery.canvas._chord.__call__", lambda self, body=None, **kw: None)
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=0)
    sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=0)  # delivered again

    sweeps.sweep_finish(quicktest_id=quicktest_id)  # chunk 1 never ran: the chord fired early

    rows = client.get(f"{URL}{quicktest_id}/rows/").json()["results"]
    assert sorted((r["parameters"]["fast"], r["parameters"]["slow"]) for r in rows) == sorted(
        itertools.product([5, 10], [20, 30, 40])
    )


def test_a_cancelled_sweep_runs_no_more_chunks_and_its_files_are_deleted(
    client, trader, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("celery.canvas._chord.__call__", lambda self, body=None, **kw: None)
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    assert sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=0) == 4

    assert client.post(f"{URL}{quicktest_id}/cancel/").status_code == 200
    assert sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=1) == 0
    assert not default_storage.exists(sweeps.chunk_path(quicktest_id, 1))
    sweeps.sweep_finish(quicktest_id=quicktest_id)

    quicktest = QuickTest.objects.get(pk=quicktest_id)
    assert (quicktest.status, quicktest.test_result) == (QuickTestStatus.CANCELLED, None)
    assert not default_storage.exists(sweeps.chunk_path(quicktest_id, 0))
    assert not default_storage.exists(sweeps.plan_path(quicktest_id))


def test_a_sweep_whose_chunks_stopped_is_failed_by_the_recovery_job_with_its_files(
    client, trader, strategy, dataset, monkeypatch, settings, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("celery.canvas._chord.__call__", lambda self, body=None, **kw: None)
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    sweeps.sweep_run_chunk(quicktest_id=quicktest_id, index=0)
    now = timezone.now()

    # A sweep outlives QUICKTEST_STUCK_AFTER while its chunks move on; it is stuck after SWEEP_STUCK_AFTER.
    assert services.quicktest_fail_stuck(now=now + settings.QUICKTEST_STUCK_AFTER + timedelta(seconds=1)) == 0
    assert services.quicktest_fail_stuck(now=now + settings.SWEEP_STUCK_AFTER + timedelta(seconds=1)) == 1

    quicktest = QuickTest.objects.get(pk=quicktest_id)
    assert (quicktest.status, quicktest.error_message) == (QuickTestStatus.FAILED, services.WORKER_LOST_MESSAGE)
    assert not default_storage.exists(sweeps.chunk_path(quicktest_id, 0))


def test_retention_archives_a_sweep_and_purges_its_rows_file(
    client, strategy, dataset, django_capture_on_commit_callbacks
):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    before = client.get(f"{URL}{quicktest_id}/").json()
    rows_before = client.get(f"{URL}{quicktest_id}/rows/").json()
    rows_file = QuickTest.objects.get(pk=quicktest_id).test_result["rows_file"]

    assert quicktests_archive(now=timezone.now() + timedelta(days=91)) == 1
    assert client.get(f"{URL}{quicktest_id}/").json()["result"] == before["result"]
    assert client.get(f"{URL}{quicktest_id}/rows/").json() == rows_before

    strategy.status = StrategyStatus.ARCHIVED
    strategy.save()
    leftover = sweeps.chunk_path(quicktest_id, 7)  # as a sweep stopped mid-way might have left one
    default_storage.save(leftover, ContentFile(b"[]"))
    with django_capture_on_commit_callbacks(execute=True):
        assert quicktests_purge(now=timezone.now() + timedelta(days=400)) == 1
    assert not default_storage.exists(rows_file)
    assert not default_storage.exists(leftover)


def test_run_this_combination_is_an_ordinary_quick_test_with_its_parameters(
    client, trader, strategy, dataset, django_capture_on_commit_callbacks
):
    """What the API docs tell a client to do with a row: POST it as `parameters`, then keep it by a PATCH."""
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    best = client.get(f"{URL}{quicktest_id}/").json()["result"]["sweep"]["best"]

    with django_capture_on_commit_callbacks(execute=True):
        single = client.post(
            URL,
            {
                "instance": strategy.pk,
                "test_config": {"dataset": dataset.pk, "commission": 0.001},
                "parameters": best["parameters"],
            },
            format="json",
        )
    detail = client.get(f"{URL}{single.json()['id']}/").json()
    assert detail["metrics_summary"] == best["metrics"]

    patched = client.patch(
        f"/api/v1/strategy-instances/{strategy.pk}/",
        {"parameters": {**strategy.parameters, **best["parameters"]}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["parameters"] == {**strategy.parameters, **best["parameters"]}


def test_a_strategy_of_another_user_cannot_be_swept(client, dataset, system_nodes):
    foreign = ReferenceStrategyFactory()
    response = _post(client, foreign, dataset, {"parameters": GRID})
    assert response.status_code == 400
    assert "instance" in {p["field"] for p in response.json()["error"]["problems"]}


def test_run_combination_starts_a_quick_test_of_that_row_with_the_sweeps_snapshot(
    client, strategy, dataset, django_capture_on_commit_callbacks
):
    quicktest_id = _run(client, strategy, dataset, {"parameters": GRID}, django_capture_on_commit_callbacks)
    row = client.get(f"{URL}{quicktest_id}/rows/").json()["results"][2]
    strategy.parameters = {"fast": 99, "slow": 100, "rsi_period": 3}  # edited since: the sweep's snapshot counts
    strategy.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{URL}{quicktest_id}/run-combination/", {"parameters": row["parameters"]}, format="json"
        )
    assert response.status_code == 202, response.json()
    detail = client.get(f"{URL}{response.json()['id']}/").json()
    assert detail["status"] == QuickTestStatus.COMPLETED
    assert detail["parameters_snapshot"] == {"rsi_period": 14, **row["parameters"]}
    assert "sweep" not in detail["test_config"]
    assert {k: detail["metrics_summary"][k] for k in row["metrics"]} == row["metrics"]
    assert detail["result"]["counts"]["trades"] == row["metrics"]["trades"]

    refused = client.post(f"{URL}{quicktest_id}/run-combination/", {"parameters": {"rsi_period": 7}}, format="json")
    assert refused.status_code == 400
    assert [p["field"] for p in refused.json()["error"]["problems"]] == ["parameters.rsi_period"]
    other = APIClient()
    other.force_authenticate(UserFactory())
    assert (
        other.post(
            f"{URL}{quicktest_id}/run-combination/", {"parameters": row["parameters"]}, format="json"
        ).status_code
        == 404
    )


def test_walk_forward_folds_too_short_for_the_bars_are_refused_when_posted(client, strategy, dataset):
    sweep = {"parameters": GRID, "walk_forward": {"folds": 20, "in_sample": 0.99}}
    response = _post(client, strategy, dataset, sweep, end="2020-01-02")  # 48 hourly bars

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert problem["field"] == "test_config.sweep.walk_forward"
    assert "48 bars in 20 folds" in problem["message"]
