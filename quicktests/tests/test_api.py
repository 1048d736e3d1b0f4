"""The quick-test endpoints: POST 202 then poll, results, trades, filters, cancel, delete, isolation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.retention import quicktests_archive
from strategy_builder.celery import app

from .factories import QuickTestFactory, ReferenceStrategyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/"


@pytest.fixture(autouse=True)
def eager(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _post(client, strategy, dataset, **body):
    payload = {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, "commission": 0.001}} | body
    return client.post(URL, payload, format="json")


def _problem_fields(response) -> set[str]:
    return {p.get("field") for p in response.json()["error"]["problems"]}


def test_post_answers_202_with_the_id_and_the_result_can_be_polled(
    client, strategy, dataset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, strategy, dataset, test_name="SMA cross")

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == QuickTestStatus.PENDING
    detail = client.get(f"{URL}{response.json()['id']}/").json()
    assert detail["status"] == QuickTestStatus.COMPLETED
    assert detail["test_name"] == "SMA cross"
    assert detail["metrics_summary"]["trades"] == detail["result"]["counts"]["trades"]
    assert set(detail["result"]["equity_curve"]) == {"bar", "time", "equity"}
    assert "trades_file" not in detail["result"]


def test_an_archived_result_reads_the_same_as_before_archiving(
    client, strategy, dataset, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with django_capture_on_commit_callbacks(execute=True):
        quicktest_id = _post(client, strategy, dataset).json()["id"]
    before = client.get(f"{URL}{quicktest_id}/").json()
    trades_before = client.get(f"{URL}{quicktest_id}/trades/").json()

    archived = quicktests_archive(now=timezone.now() + timedelta(days=91))

    after = client.get(f"{URL}{quicktest_id}/").json()
    assert archived == 1
    assert QuickTest.objects.get(pk=quicktest_id).test_result["archived"] is True
    assert after["result"] == before["result"]
    assert after["metrics_summary"] == before["metrics_summary"]
    assert client.get(f"{URL}{quicktest_id}/trades/").json() == trades_before


def test_trades_are_a_paginated_endpoint(client, strategy, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        quicktest_id = _post(client, strategy, dataset).json()["id"]
    total = QuickTest.objects.get(pk=quicktest_id).test_result["counts"]["trades"]

    page = client.get(f"{URL}{quicktest_id}/trades/", {"page_size": 2}).json()

    assert page["count"] == total > 2
    assert len(page["results"]) == 2
    assert page["results"][0]["entry_bar"] < page["results"][1]["entry_bar"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instance": "no-such-strategy"}, "instance"),
        ({"test_config": {"dataset": "no-such-dataset"}}, "test_config.dataset"),
        ({"test_config": {}}, "test_config.dataset"),
        ({"parameters": {"unknown": 1}}, "parameters.unknown"),
        ({"parameters": [1, 2]}, "parameters"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(client, strategy, dataset, body, field):
    response = _post(client, strategy, dataset, **body)

    assert response.status_code == 400
    assert field in _problem_fields(response)
    assert not QuickTest.all_objects.exists()


def test_invalid_config_values_are_all_reported(client, strategy, dataset):
    config = {"dataset": dataset.pk, "initial_capital": 0, "fill": "whenever", "size": 2, "direction": "up"}

    response = _post(client, strategy, dataset, test_config=config)

    assert response.status_code == 400
    assert _problem_fields(response) >= {
        "test_config.initial_capital",
        "test_config.fill",
        "test_config.size",
        "test_config.direction",
    }


def test_a_date_range_without_bars_is_a_400(client, strategy, dataset):
    config = {"dataset": dataset.pk, "start": "2019-01-01", "end": "2019-06-30"}

    response = _post(client, strategy, dataset, test_config=config)

    assert response.status_code == 400
    assert response.json()["error"]["problems"][0]["code"] == "no_bars"


def test_an_invalid_flow_is_a_400_naming_nodes(client, strategy, dataset):
    strategy.logic_flow["edges"] = [e for e in strategy.logic_flow["edges"] if e["target"] != "sma_fast"]
    strategy.save()

    response = _post(client, strategy, dataset)

    assert response.status_code == 400
    assert "sma_fast" in {p.get("node_id") for p in response.json()["error"]["problems"]}


@pytest.mark.parametrize("template", ["stop_loss", "trailing_stop"])
def test_a_100_percent_stop_is_a_400_in_percent_not_a_failed_backtest(client, strategy, dataset, template):
    strategy.logic_flow["nodes"].append({"id": "stop", "template": template, "params": {"percent": 100}})
    strategy.save()

    response = _post(client, strategy, dataset)

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert (problem["node_id"], problem["field"]) == ("stop", "params.percent")
    assert "less than 100 %" in problem["message"] and "not 100 %" in problem["message"]
    assert not QuickTest.all_objects.exists()


def test_another_users_tests_answer_404_everywhere(client):
    theirs = QuickTestFactory()

    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/trades/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/cancel/").status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(URL).json()["count"] == 0


def test_filters_mirror_the_common_queries(client, trader, strategy):
    other_strategy = ReferenceStrategyFactory(user=trader)
    completed = QuickTestFactory(instance=strategy, status=QuickTestStatus.COMPLETED)
    QuickTestFactory(instance=strategy, status=QuickTestStatus.PENDING)
    QuickTestFactory(instance=other_strategy, status=QuickTestStatus.COMPLETED)
    recent_failure = QuickTestFactory(instance=other_strategy, status=QuickTestStatus.FAILED)
    old_failure = QuickTestFactory(instance=strategy, status=QuickTestStatus.FAILED)
    QuickTest.objects.filter(pk=old_failure.pk).update(created_at=timezone.now() - timedelta(hours=30))

    def ids(**query):
        return [row["id"] for row in client.get(URL, query).json()["results"]]

    assert ids(instance=strategy.pk, status="COMPLETED") == [completed.pk]
    assert ids(status="FAILED", within_hours=24) == [recent_failure.pk]
    assert len(ids(instance=strategy.pk)) == 3
    history = client.get(URL).json()["results"]
    assert [row["created_at"] for row in history] == sorted((row["created_at"] for row in history), reverse=True)
    assert ids(ordering="created_at")[0] == old_failure.pk


def test_cancel_action(client, strategy):
    pending = QuickTestFactory(instance=strategy)
    done = QuickTestFactory(instance=strategy, status=QuickTestStatus.COMPLETED)

    response = client.post(f"{URL}{pending.pk}/cancel/")
    refused = client.post(f"{URL}{done.pk}/cancel/")

    assert (response.status_code, response.json()["status"]) == (200, QuickTestStatus.CANCELLED)
    assert refused.status_code == 400
    assert "completed" in refused.json()["error"]["message"]


def test_delete_is_soft(client, strategy):
    quicktest = QuickTestFactory(instance=strategy, status=QuickTestStatus.COMPLETED)

    assert client.delete(f"{URL}{quicktest.pk}/").status_code == 204

    assert client.get(f"{URL}{quicktest.pk}/").status_code == 404
    assert QuickTest.all_objects.get(pk=quicktest.pk).is_deleted
