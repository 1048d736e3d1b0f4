"""A quick test's downloads: GET quick-tests/{id}/trades.csv and quick-tests/{id}/result.json."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from rest_framework.test import APIClient

from quicktests.api.downloads import TradesCSVRenderer
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.results import load_trades
from quicktests.retention import quicktests_archive
from strategies.tests.factories import UserFactory
from strategy_builder.celery import app

from .factories import QuickTestFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/"
TRADE_COLUMNS = [
    "entry_bar",
    "exit_bar",
    "entry_time",
    "exit_time",
    "side",
    "size",
    "entry_price",
    "exit_price",
    "pnl",
    "return_pct",
    "commission",
    "exit_reason",
    "duration_seconds",
    "run_up",
    "run_up_pct",
    "drawdown",
    "drawdown_pct",
]


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


@pytest.fixture
def completed(client, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks) -> QuickTest:
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    body = {"instance": strategy.pk, "test_name": "SMA cross / RSI", "test_config": {"dataset": dataset.pk}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body, format="json")
    quicktest = QuickTest.objects.get(pk=response.json()["id"])
    assert quicktest.status == QuickTestStatus.COMPLETED
    return quicktest


def test_the_trades_download_as_csv_with_the_trade_lists_columns(client, completed):
    response = client.get(f"{URL}{completed.pk}/trades.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="SMA-cross-RSI_{completed.pk[:8]}_trades.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response.content.decode().splitlines()[0] == ",".join(TRADE_COLUMNS)
    paged = client.get(f"{URL}{completed.pk}/trades/", {"page_size": 500}).json()["results"]
    assert len(rows) == len(paged) == completed.test_result["counts"]["trades"] > 2
    for row, trade in zip(rows, paged, strict=True):
        assert row["entry_time"] == trade["entry_time"] and row["exit_reason"] == trade["exit_reason"]
        assert float(row["pnl"]) == trade["pnl"] and int(row["exit_bar"]) == trade["exit_bar"]


def test_the_whole_result_downloads_as_one_json_file(client, completed):
    response = client.get(f"{URL}{completed.pk}/result.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="SMA-cross-RSI_{completed.pk[:8]}_result.json"'
    body = json.loads(response.content)
    completed.refresh_from_db()
    assert body["metrics_summary"] == completed.metrics_summary
    assert body["config"] == completed.test_config
    assert body["logic_flow_snapshot"] == completed.logic_flow_snapshot
    assert body["parameters_snapshot"] == completed.parameters_snapshot
    assert body["test_result"]["trades"] == load_trades(completed.test_result)
    assert body["test_result"]["equity_curve"] == completed.test_result["equity_curve"]
    assert "trades_file" not in body["test_result"]
    assert (body["id"], body["instance"], body["status"]) == (completed.pk, completed.instance_id, "COMPLETED")


def test_an_archived_result_downloads_the_same(client, completed):
    before = client.get(f"{URL}{completed.pk}/result.json").content
    assert quicktests_archive(now=timezone.now() + timedelta(days=91)) == 1

    assert client.get(f"{URL}{completed.pk}/result.json").content == before


@pytest.mark.parametrize("status", ["PENDING", "RUNNING", "FAILED", "CANCELLED"])
@pytest.mark.parametrize("download", ["trades.csv", "result.json"])
def test_a_test_not_completed_answers_409_saying_its_status(client, strategy, status, download):
    quicktest = QuickTestFactory(instance=strategy, status=status)

    response = client.get(f"{URL}{quicktest.pk}/{download}")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "not_completed" and f"is {status}" in error["message"]


@pytest.mark.parametrize("download", ["trades.csv", "result.json"])
def test_another_users_or_an_unknown_test_is_404(client, completed, download):
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())

    assert stranger.get(f"{URL}{completed.pk}/{download}").status_code == 404
    assert client.get(f"{URL}no-such-test/{download}").status_code == 404
    assert APIClient().get(f"{URL}{completed.pk}/{download}").status_code in (401, 403)


def test_the_downloads_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    csv_op = paths["/api/v1/quick-tests/{id}/trades.csv"]["get"]
    json_op = paths["/api/v1/quick-tests/{id}/result.json"]["get"]
    assert "text/csv" in csv_op["responses"]["200"]["content"]
    assert {"200", "404", "409"} <= set(csv_op["responses"]) & set(json_op["responses"])


def test_columns_the_stored_trades_carry_beyond_the_trade_list_follow_its_own():
    trades = [{"entry_bar": 3, "exit_bar": 5, "side": "long", "mfe_pct": 1.25}, {"entry_bar": 7, "exit_bar": 9}]

    text = TradesCSVRenderer().render(trades).decode()

    header, first, second = text.splitlines()
    assert header == ",".join([*TRADE_COLUMNS, "mfe_pct"])
    assert first.split(",")[:2] == ["3", "5"] and first.split(",")[-1] == "1.25"
    assert second.split(",")[:2] == ["7", "9"] and second.endswith(",")


def test_a_test_without_trades_downloads_the_header_alone(client, strategy):
    quicktest = QuickTestFactory(instance=strategy, status="COMPLETED", test_result={"counts": {"trades": 0}})

    response = client.get(f"{URL}{quicktest.pk}/trades.csv")

    assert response.status_code == 200 and response.content.decode() == ",".join(TRADE_COLUMNS) + "\n"


def test_a_result_whose_files_left_storage_answers_409_saying_so(client, completed):
    default_storage.delete(completed.test_result["trades_file"])

    trades = client.get(f"{URL}{completed.pk}/trades.csv")
    result = client.get(f"{URL}{completed.pk}/result.json")

    for response in (trades, result):
        assert response.status_code == 409 and response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "result_missing"
        assert "no longer in storage" in response.json()["error"]["message"]
