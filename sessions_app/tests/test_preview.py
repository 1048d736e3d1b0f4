"""POST /api/v1/builder-sessions/{id}/preview/: the editor's live preview of a draft."""

from datetime import datetime

import numpy as np
import pytest
import talib
from django.core.management import call_command

from marketdata.services import dataset_load_bars
from marketdata.tests.factories import DatasetFactory
from quicktests import services as quicktests
from quicktests.models import QuickTest
from quicktests.results import load_trades
from sessions_app.choices import SessionType
from sessions_app.models import BuilderSession
from strategies.tests.factories import StrategyInstanceFactory

from .conftest import client_for
from .factories import BuilderSessionFactory

pytestmark = pytest.mark.django_db

CONFIG = {"initial_capital": 10_000, "commission": 0.001}
LIMIT = 600


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def preview_limit(settings):
    settings.PREVIEW_MAX_BARS = LIMIT


@pytest.fixture
def system_nodes(db):
    call_command("seed_node_templates", verbosity=0)


@pytest.fixture
def dataset(db):
    """2,000 generated minute bars from 2020-01-01 00:00 UTC, shared."""
    return DatasetFactory(bar_count=2_000, seed=11)


@pytest.fixture
def session(owner, system_nodes, valid_flow, valid_parameters):
    return BuilderSessionFactory(owner=owner, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)


def url(session_id: str) -> str:
    return f"/api/v1/builder-sessions/{session_id}/preview/"


def preview(client, session_id: str, **body):
    return client.post(url(session_id), body, format="json")


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def problems(response) -> list[dict]:
    assert response.status_code == 400, response.json()
    return response.json()["error"]["problems"]


def fields(response) -> set[str]:
    return {problem.get("field") for problem in problems(response)}


def test_markers_equity_and_headline_match_a_quick_test_of_the_same_window(api, owner, session, dataset):
    body = ok(preview(api, session.pk, test_config={"dataset": dataset.pk, **CONFIG}, max_points=LIMIT))

    window = body["window"]
    assert window["bars"] == LIMIT
    assert window["start"] == "2020-01-01T23:20:00Z"  # the last 600 of 2,000 minute bars
    assert window["end"] == "2020-01-02T09:19:00Z"
    strategy = StrategyInstanceFactory(user_id=str(owner.pk), logic_flow=session.draft_logic_flow,
                                       parameters=session.draft_parameters)  # fmt: skip
    test_config = {"dataset": dataset.pk, "start": window["start"], "end": window["end"], **CONFIG}
    quicktest = quicktests.quicktest_create(user=owner, instance_id=strategy.pk, test_config=test_config)
    quicktest = quicktests.quicktest_run(quicktest_id=quicktest.pk)
    trades = load_trades(quicktest.test_result)

    assert trades  # the window is long enough for the crossover to trade
    expected = sorted(
        [("entry", t["side"], t["entry_bar"], t["entry_time"], t["entry_price"], None) for t in trades]
        + [("exit", t["side"], t["exit_bar"], t["exit_time"], t["exit_price"], t["exit_reason"]) for t in trades],
        key=lambda m: (m[2], m[0] == "entry"),
    )
    assert [(m["kind"], m["side"], m["bar"], m["time"], m["price"], m["exit_reason"]) for m in body["markers"]] == (
        expected
    )
    candles = body["candles"]
    assert all(candles["time"][m["candle"]] == m["time"] for m in body["markers"])  # one candle per bar here
    summary = quicktest.metrics_summary
    assert body["headline"] == {
        key: summary[key] for key in ("return_pct", "sharpe_ratio", "max_drawdown_pct", "trades", "win_rate_pct")
    }
    assert body["headline"]["trades"] == len(trades)
    assert body["equity_curve"]["equity"][-1] == pytest.approx(summary["equity_final"])


def test_candles_are_the_window_bars_aggregated_to_max_points(api, session, dataset):
    body = ok(preview(api, session.pk, test_config={"dataset": dataset.pk}, max_points=100))

    bars = dataset_load_bars(dataset)
    tail = bars.slice(len(bars) - LIMIT, len(bars))
    candles = body["candles"]
    assert body["window"]["bars_per_candle"] == 6
    assert len(candles["bar"]) == 100
    assert candles["open"][1] == tail.open[6]
    assert candles["high"][1] == tail.high[6:12].max()
    assert candles["low"][1] == tail.low[6:12].min()
    assert candles["close"][1] == tail.close[11]
    assert candles["volume"][1] == pytest.approx(tail.volume[6:12].sum())
    assert len(body["equity_curve"]["bar"]) <= 100
    assert all(candles["bar"][m["candle"]] <= m["bar"] < candles["bar"][m["candle"]] + 6 for m in body["markers"])


def test_a_requested_indicator_equals_talib_on_the_window(api, session, dataset):
    body = ok(preview(api, session.pk, test_config={"dataset": dataset.pk}, outputs=["sma_slow"], max_points=LIMIT))

    bars = dataset_load_bars(dataset)
    close = bars.close[-LIMIT:]
    expected = talib.SMA(close, timeperiod=30)
    [output] = body["outputs"]
    assert (output["node_id"], output["port"], output["type"]) == ("sma_slow", "value", "series")
    assert output["values"][:29] == [None] * 29  # warm-up: TA-Lib's NaN is null
    np.testing.assert_array_equal(np.array(output["values"][29:], dtype=float), expected[29:])


def test_a_condition_output_is_1_on_the_candles_where_it_is_true(api, session, dataset):
    body = ok(
        preview(api, session.pk, test_config={"dataset": dataset.pk}, outputs=["rsi_below_70.value"], max_points=60)
    )

    close = dataset_load_bars(dataset).close[-LIMIT:]
    true_bars = talib.RSI(close, timeperiod=14) < 70
    [output] = body["outputs"]
    assert output["type"] == "bool"
    assert output["values"] == [int(true_bars[i : i + 10].any()) for i in range(0, LIMIT, 10)]
    assert 0 in output["values"] and 1 in output["values"]


def test_the_flow_in_the_body_is_previewed_not_the_older_autosaved_draft(api, session, dataset, valid_flow):
    session.draft_logic_flow = {"schema_version": 1, "nodes": [], "edges": []}
    session.save()

    body = ok(preview(api, session.pk, draft_logic_flow=valid_flow, test_config={"dataset": dataset.pk}))

    assert body["headline"]["trades"] > 0


def test_the_parameters_in_the_body_are_the_ones_run(api, session, dataset, valid_parameters):
    slow = {**valid_parameters, "slow": 45}
    body = ok(
        preview(api, session.pk, draft_parameters=slow, test_config={"dataset": dataset.pk}, outputs=["sma_slow"])
    )

    assert body["outputs"][0]["values"][43] is None and body["outputs"][0]["values"][44] is not None


def test_an_invalid_flow_answers_400_with_the_problems_validate_reports_each_on_its_node(api, session, dataset):
    broken = dict(session.draft_logic_flow)
    broken["nodes"] = [*broken["nodes"], {"id": "mystery", "template": "no_such_indicator", "params": {}}]
    broken["edges"] = [e for e in broken["edges"] if e["target"] not in ("rsi", "enter_long")]
    response = preview(api, session.pk, draft_logic_flow=broken, test_config={"dataset": dataset.pk})

    found = problems(response)
    save = api.patch(f"/api/v1/builder-sessions/{session.pk}/", {"draft_logic_flow": broken}, format="json",
                     HTTP_IF_MATCH='"1"')  # fmt: skip
    assert save.status_code == 200
    assert found == save.json()["problems"]
    assert {p["node_id"] for p in found} == {"mystery", "rsi", "enter_long"}


def test_a_malformed_flow_is_refused_as_an_autosave_would_refuse_it(api, session, dataset):
    response = preview(api, session.pk, draft_logic_flow={"nodes": "many"}, test_config={"dataset": dataset.pk})

    assert fields(response) >= {"draft_logic_flow.schema_version", "draft_logic_flow.nodes"}


def test_config_problems_come_with_the_flows_and_name_their_fields(api, session, dataset):
    response = preview(
        api,
        session.pk,
        draft_logic_flow={"schema_version": 1, "nodes": [], "edges": []},
        test_config={"dataset": dataset.pk, "commission": -1, "start": "yesterday"},
    )

    found = problems(response)
    assert {"test_config.commission", "test_config.start"} <= {p.get("field") for p in found}
    assert any(p["code"] == "no_entry_signal" for p in found)


@pytest.mark.parametrize("bars", [LIMIT + 1, 10**9])
def test_more_bars_than_the_limit_are_refused_naming_the_field_and_the_limit(api, session, dataset, bars):
    response = preview(api, session.pk, test_config={"dataset": dataset.pk}, bars=bars)

    [problem] = problems(response)
    assert problem["field"] == "bars"
    assert f"at most {LIMIT:,} bars" in problem["message"]


def test_a_date_range_above_the_limit_is_refused_naming_start_and_the_limit(api, session, dataset):
    response = preview(api, session.pk, test_config={"dataset": dataset.pk, "start": "2020-01-01T10:00:00Z"})

    [problem] = problems(response)
    assert (problem["field"], problem["code"]) == ("test_config.start", "window_too_large")
    assert f"{LIMIT:,}" in problem["message"] and "1,400 bars" in problem["message"]


def test_a_date_range_within_the_limit_is_the_window(api, session, dataset):
    test_config = {"dataset": dataset.pk, "start": "2020-01-01T10:00:00Z", "end": "2020-01-01T17:59:00Z"}
    window = ok(preview(api, session.pk, test_config=test_config))["window"]

    assert (window["bars"], window["start"], window["end"]) == (480, "2020-01-01T10:00:00Z", "2020-01-01T17:59:00Z")


def test_bars_counts_back_from_end(api, session, dataset):
    test_config = {"dataset": dataset.pk, "end": "2020-01-01T17:59:00Z"}
    window = ok(preview(api, session.pk, test_config=test_config, bars=100))["window"]

    assert (window["bars"], window["start"], window["end"]) == (100, "2020-01-01T16:20:00Z", "2020-01-01T17:59:00Z")


def test_start_and_bars_together_are_refused(api, session, dataset):
    response = preview(api, session.pk, test_config={"dataset": dataset.pk, "start": "2020-01-01"}, bars=100)

    assert fields(response) == {"bars"}


def test_unknown_outputs_are_refused_each_under_its_index(api, session, dataset):
    response = preview(
        api, session.pk, test_config={"dataset": dataset.pk}, outputs=["sma_fast.nope", "enter_long", "ghost"]
    )

    found = problems(response)
    assert [(p["field"], p["code"]) for p in found] == [
        ("outputs[0]", "unknown_output"),
        ("outputs[1]", "no_outputs"),
        ("outputs[2]", "unknown_node"),
    ]
    assert found[0]["node_id"] == "sma_fast" and "value" in found[0]["message"]


def test_another_users_session_is_404(session, stranger, dataset):
    response = preview(client_for(stranger), session.pk, test_config={"dataset": dataset.pk})

    assert response.status_code == 404


def test_another_users_dataset_answers_as_a_dataset_that_does_not_exist(api, session, stranger):
    theirs = DatasetFactory(bar_count=100, user_id=str(stranger.pk))

    refused = [preview(api, session.pk, test_config={"dataset": dataset_id}) for dataset_id in (theirs.pk, "nope")]

    assert [problems(r)[0]["field"] for r in refused] == ["test_config.dataset"] * 2
    assert [problems(r)[0]["code"] for r in refused] == ["unknown_dataset"] * 2


def test_a_collaborator_previews_a_shared_session(
    owner, colleague, system_nodes, valid_flow, valid_parameters, dataset
):
    shared = BuilderSessionFactory(
        owner=owner,
        session_type=SessionType.COLLABORATIVE,
        collaborator_ids=[str(colleague.pk)],
        draft_logic_flow=valid_flow,
        draft_parameters=valid_parameters,
    )

    assert ok(preview(client_for(colleague), shared.pk, test_config={"dataset": dataset.pk}))["window"]["bars"] == LIMIT


def test_nothing_is_stored_and_the_session_is_unchanged(api, session, dataset):
    before = BuilderSession.objects.values().get(pk=session.pk)

    ok(preview(api, session.pk, test_config={"dataset": dataset.pk}, outputs=["sma_fast"]))

    assert not QuickTest.all_objects.exists()
    assert BuilderSession.objects.values().get(pk=session.pk) == before


def test_the_window_is_the_whole_dataset_when_it_is_shorter_than_the_limit(api, session):
    small = DatasetFactory(bar_count=200)

    body = ok(preview(api, session.pk, test_config={"dataset": small.pk}))

    assert body["window"]["bars"] == 200
    assert datetime.fromisoformat(body["window"]["start"]) == small.first_timestamp


def test_the_next_preview_of_the_same_window_reads_no_bars_from_storage(api, session, dataset, monkeypatch):
    from sessions_app import preview as service

    reads = []
    monkeypatch.setattr(service, "dataset_load_bars", lambda *a, **kw: reads.append(kw) or dataset_load_bars(*a, **kw))
    first = ok(preview(api, session.pk, test_config={"dataset": dataset.pk}))
    again = ok(preview(api, session.pk, draft_parameters={"fast": 5, "slow": 20, "rsi_period": 9},
                       test_config={"dataset": dataset.pk}))  # fmt: skip
    other = ok(preview(api, session.pk, test_config={"dataset": dataset.pk}, bars=50))

    assert len(reads) == 2
    assert again["window"] == first["window"] and again["headline"] != first["headline"]
    assert other["window"]["bars"] == 50
