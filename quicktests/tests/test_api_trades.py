"""`trades-columns/`: a test's trades in one response, one list per field, exactly as `trades/` gives them."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from quicktests.api.serializers import TradeSerializer
from quicktests.choices import QuickTestStatus
from quicktests.results import trades_parquet
from strategy_builder.celery import app

from .factories import QuickTestFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/"
FIELDS = list(TradeSerializer().fields)

FULL = {
    "entry_bar": 3,
    "exit_bar": 9,
    "entry_time": "2020-01-01T00:03:00+00:00",
    "exit_time": "2020-01-01T00:09:00+00:00",
    "side": "long",
    "size": 2.5,
    "entry_price": 100.0,
    "exit_price": 104.1,
    "pnl": 10.2,
    "return_pct": 4.1,
    "commission": 0.05,
    "exit_reason": "take_profit",
    "duration_seconds": 360.0,
    "run_up": 11.0,
    "run_up_pct": 4.4,
    "drawdown": -1.25,
    "drawdown_pct": -0.5,
}


@pytest.fixture(autouse=True)
def eager(monkeypatch):
    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _completed_with(trader, rows):
    """A COMPLETED test of `trader`'s whose trades file holds `rows`, as a file of its time wrote them."""
    name = default_storage.save(f"quicktests/{uuid.uuid4()}/trades.parquet", ContentFile(trades_parquet(rows)))
    return QuickTestFactory(instance__user=trader, status=QuickTestStatus.COMPLETED, test_result={"trades_file": name})


def test_the_columns_are_the_trades_pages_transposed(client, strategy, dataset, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payload = {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, "commission": 0.001}}
        quicktest_id = client.post(URL, payload, format="json").json()["id"]
    rows = client.get(f"{URL}{quicktest_id}/trades/", {"page_size": 500}).json()

    body = client.get(f"{URL}{quicktest_id}/trades-columns/").json()

    assert 2 < rows["count"] <= 500
    assert body["count"] == rows["count"]
    assert list(body["columns"]) == FIELDS
    assert body["columns"] == {field: [row[field] for row in rows["results"]] for field in FIELDS}
    assert all(value is not None for value in body["columns"]["run_up"])


def test_rows_with_and_without_the_optional_figures_read_as_the_serializer_gives_them(client, trader):
    # The second file is as tests run before run-up and drawdown were measured wrote it; its commissions
    # were whole numbers, so Parquet stored integers where the API has floats.
    old = {key: value for key, value in FULL.items() if not key.startswith(("run_up", "drawdown"))}
    old |= {"commission": 0, "side": "short", "entry_bar": 12}
    for rows in ([FULL, FULL | {"entry_bar": 20, "exit_reason": "signal"}], [old, old | {"entry_bar": 14}]):
        quicktest = _completed_with(trader, rows)

        body = client.get(f"{URL}{quicktest.pk}/trades-columns/").json()

        expected = TradeSerializer(rows, many=True).data
        assert body == {"count": 2, "columns": {field: [row[field] for row in expected] for field in FIELDS}}
    assert body["columns"]["run_up"] == body["columns"]["drawdown_pct"] == [None, None]
    assert body["columns"]["commission"] == [0.0, 0.0]
    assert all(isinstance(value, float) for value in body["columns"]["commission"])
    assert body["columns"]["entry_bar"] == [12, 14]


def test_limit_gives_the_first_trades_and_the_count_of_all(client, trader):
    quicktest = _completed_with(trader, [FULL | {"entry_bar": bar} for bar in (1, 5, 8)])

    body = client.get(f"{URL}{quicktest.pk}/trades-columns/", {"limit": 2}).json()

    assert body["count"] == 3
    assert body["columns"]["entry_bar"] == [1, 5]
    assert body["columns"]["exit_reason"] == ["take_profit", "take_profit"]


@pytest.mark.parametrize("limit", ["0", "20001", "many"])
def test_a_bad_limit_is_a_400_naming_it(client, trader, limit):
    quicktest = _completed_with(trader, [FULL])

    response = client.get(f"{URL}{quicktest.pk}/trades-columns/", {"limit": limit})

    assert response.status_code == 400
    assert [problem["field"] for problem in response.json()["error"]["problems"]] == ["limit"]


def test_a_test_without_a_result_has_empty_columns_that_the_browser_does_not_keep(client, trader):
    quicktest = QuickTestFactory(instance__user=trader, status=QuickTestStatus.RUNNING)

    response = client.get(f"{URL}{quicktest.pk}/trades-columns/")

    assert response.json() == {"count": 0, "columns": {field: [] for field in FIELDS}}
    assert "Cache-Control" not in response


def test_a_completed_tests_columns_may_be_kept_by_its_users_browser_for_an_hour(client, trader):
    quicktest = _completed_with(trader, [FULL])

    response = client.get(f"{URL}{quicktest.pk}/trades-columns/")

    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=3600", "private"]


@pytest.mark.parametrize("query", [{}, {"limit": "0"}])
def test_another_users_test_answers_404_whatever_the_query(client, query):
    theirs = QuickTestFactory(status=QuickTestStatus.COMPLETED)

    assert client.get(f"{URL}{theirs.pk}/trades-columns/", query).status_code == 404
