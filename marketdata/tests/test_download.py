"""GET /api/v1/datasets/{id}/download/: the bars as the CSV the engine and generated modules read, all of
them or from `start` to `end`, streamed; the user's own datasets and the shared ones, nobody else's."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from engine.bars import read_csv, write_csv
from marketdata.services import dataset_load_bars

from .factories import DatasetFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(dataset) -> str:
    return f"/api/v1/datasets/{dataset.pk}/download/"


@pytest.fixture
def trader():
    return UserFactory()


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_a_shared_dataset_downloads_as_the_csv_write_csv_writes(client, tmp_path):
    dataset = DatasetFactory(bar_count=1_500, symbol="EUR/USD", timeframe="1m")

    response = client.get(_url(dataset))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="EUR-USD_1m_20200101-20200102.csv"'
    body = _body(response)
    write_csv(dataset_load_bars(dataset), tmp_path / "expected.csv")
    assert body == (tmp_path / "expected.csv").read_bytes()
    assert body.startswith(b"timestamp,open,high,low,close,volume\n2020-01-01 00:00:00Z,")
    assert len(read_csv(body)) == 1_500


def test_start_and_end_choose_the_bars_dates_meaning_whole_days(client, trader):
    dataset = DatasetFactory(bar_count=3_000, user_id=str(trader.pk))  # minute bars from 2020-01-01 00:00

    hour = read_csv(_body(client.get(_url(dataset), {"start": "2020-01-01T10:00:00Z", "end": "2020-01-01T10:59:00Z"})))
    day = read_csv(_body(client.get(_url(dataset), {"end": "2020-01-01"})))
    offset = read_csv(_body(client.get(_url(dataset), {"start": "2020-01-02T01:00:00+01:00"})))

    assert len(hour) == 60 and hour.timestamp[0] == np.datetime64("2020-01-01T10:00", "ns").astype(np.int64)
    assert len(day) == 1_440
    assert len(offset) == 3_000 - 1_440


def test_an_unencoded_plus_of_an_offset_is_read_as_a_plus(client):
    dataset = DatasetFactory(bar_count=100)

    response = client.get(_url(dataset) + "?start=2020-01-01T01:30:00+01:00")

    assert len(read_csv(_body(response))) == 100 - 30


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"start": "yesterday"}, "start", "invalid_datetime"),
        ({"end": "2020-13-01"}, "end", "invalid_datetime"),
        ({"start": "2020-01-02", "end": "2020-01-01"}, "end", "invalid_range"),
        ({"start": "2031-01-01"}, "start", "no_bars"),
    ],
)
def test_bad_bounds_are_a_400_naming_the_parameter(client, query, field, code):
    dataset = DatasetFactory(bar_count=100)

    response = client.get(_url(dataset), query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    (problem,) = response.json()["error"]["problems"]
    assert (problem["field"], problem["code"]) == (field, code)


def test_another_users_or_a_deleted_dataset_is_404(client):
    other = DatasetFactory(bar_count=50, user_id=str(UserFactory().pk))
    deleted = DatasetFactory(bar_count=50)
    deleted.soft_delete()

    assert client.get(_url(other)).status_code == 404
    assert client.get(_url(deleted)).status_code == 404


def test_a_client_asking_for_csv_gets_it_and_its_errors_as_json(client):
    dataset = DatasetFactory(bar_count=50)

    ok = client.get(_url(dataset), HTTP_ACCEPT="text/csv")
    missing = client.get("/api/v1/datasets/nope/download/", HTTP_ACCEPT="text/csv")

    assert ok.status_code == 200 and len(read_csv(_body(ok))) == 50
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404


def test_anonymous_requests_are_refused():
    dataset = DatasetFactory(bar_count=50)

    assert APIClient().get(_url(dataset)).status_code in (401, 403)
