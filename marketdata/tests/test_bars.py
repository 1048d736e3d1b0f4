"""GET /api/v1/datasets/{id}/bars/: the chart's candles for a range, at most `max_points` of them."""

from unittest import mock

import numpy as np
import pytest
from rest_framework.test import APIClient

from marketdata import selectors
from marketdata.candles import candles
from marketdata.services import dataset_load_bars

from .factories import DatasetFactory, UserFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("time", "open", "high", "low", "close", "volume")


def _url(dataset) -> str:
    return f"/api/v1/datasets/{dataset.pk}/bars/"


@pytest.fixture
def trader():
    return UserFactory()


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def test_a_long_range_answers_calendar_candles_of_its_bars(client, trader):
    dataset = DatasetFactory(bar_count=6_000, user_id=str(trader.pk))  # minute bars from 2020-01-01 00:00

    response = client.get(_url(dataset), {"max_points": 60})

    assert response.status_code == 200
    body = response.json()
    expected = candles(dataset_load_bars(dataset), max_points=60)
    assert body["interval"] == "2h" and len(body["time"]) == len(expected) == 50
    for name in COLUMNS:
        assert body[name] == getattr(expected, name).tolist(), name
    assert body["time"][:2] == [1577836800, 1577836800 + 7_200]
    assert (body["total_bars"], body["start"], body["end"]) == (6_000, "2020-01-01T00:00:00Z", "2020-01-05T03:59:00Z")


def test_zooming_in_answers_finer_candles_and_a_short_range_the_bars_themselves(client):
    dataset = DatasetFactory(bar_count=6_000)
    bars = dataset_load_bars(dataset)

    wide = client.get(_url(dataset), {"max_points": 500}).json()
    hour = client.get(_url(dataset), {"start": "2020-01-02T10:00:00Z", "end": "2020-01-02T10:59:00Z"}).json()

    assert wide["interval"] == "15m"
    assert hour["interval"] is None and hour["total_bars"] == len(hour["time"]) == 60
    first = 1_440 + 600
    assert hour["time"][0] == bars.timestamp[first] // 10**9
    assert hour["open"] == bars.open[first : first + 60].tolist()
    assert hour["volume"] == bars.volume[first : first + 60].tolist()


def test_bounds_may_be_epoch_seconds_as_the_response_gives_them(client):
    dataset = DatasetFactory(bar_count=500)

    body = client.get(_url(dataset), {"start": "1577836800", "end": str(1577836800 + 59 * 60)}).json()

    assert body["total_bars"] == 60 and body["time"][-1] == 1577836800 + 59 * 60


def test_bounds_beyond_the_data_select_from_its_ends_and_a_gap_has_no_candles(client):
    dataset = DatasetFactory(bar_count=500)

    everything = client.get(_url(dataset), {"start": "1990-01-01", "end": "2100-01-01"}).json()
    between = client.get(_url(dataset), {"start": "2020-01-01T00:00:10Z", "end": "2020-01-01T00:00:50Z"})

    assert everything["total_bars"] == 500 and everything["interval"] is None
    assert between.status_code == 200
    assert between.json() == {name: [] for name in COLUMNS} | {
        "interval": None,
        "total_bars": 0,
        "start": None,
        "end": None,
    }


@pytest.mark.parametrize(
    ("query", "field", "code", "says"),
    [
        ({"start": "2031-01-01"}, "start", "out_of_range", "2020-01-01 00:00 UTC to 2020-01-01 08:19 UTC"),
        ({"end": "2019-12-31"}, "end", "out_of_range", "2020-01-01 00:00 UTC to 2020-01-01 08:19 UTC"),
        ({"start": "yesterday"}, "start", "invalid_datetime", "ISO 8601"),
        ({"end": "99999999999999"}, "end", "invalid_datetime", "ISO 8601"),
        ({"end": "999999999999"}, "end", "invalid_datetime", "beyond the dates"),
        ({"start": "2020-01-01T05:00Z", "end": "2020-01-01T04:00Z"}, "end", "invalid_range", "before start"),
        ({"max_points": "1"}, "max_points", "min_value", "from 2 to 20,000"),
        ({"max_points": "20001"}, "max_points", "max_value", "from 2 to 20,000"),
        ({"max_points": "many"}, "max_points", "invalid", "integer"),
    ],
)
def test_bad_bounds_and_max_points_are_a_400_naming_the_parameter(client, query, field, code, says):
    dataset = DatasetFactory(bar_count=500)

    response = client.get(_url(dataset), query)

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert (problem["field"], problem["code"]) == (field, code)
    assert says in problem["message"]


def test_another_users_an_unknown_or_a_deleted_dataset_is_404_and_a_shared_one_is_readable(client):
    shared = DatasetFactory(bar_count=50)
    other = DatasetFactory(bar_count=50, user_id=str(UserFactory().pk))
    deleted = DatasetFactory(bar_count=50)
    deleted.soft_delete()

    assert client.get(_url(shared)).status_code == 200
    assert client.get(_url(other)).status_code == 404
    assert client.get(_url(deleted)).status_code == 404
    assert client.get("/api/v1/datasets/no-such-id/bars/").status_code == 404
    assert APIClient().get(_url(shared)).status_code in (401, 403)


def test_the_bars_are_read_from_storage_once_per_file_and_checksum(client):
    dataset = DatasetFactory(bar_count=200)

    with mock.patch.object(selectors, "read_bars", wraps=selectors.read_bars) as read:
        client.get(_url(dataset))
        client.get(_url(dataset), {"start": "2020-01-01T01:00:00Z"})
        assert read.call_count == 1
        type(dataset).objects.filter(pk=dataset.pk).update(checksum="0" * 64)
        client.get(_url(dataset))
        assert read.call_count == 2


def test_cached_bars_cannot_be_changed_in_place():
    dataset = DatasetFactory(bar_count=20)

    bars = selectors.dataset_cached_bars(dataset)

    with pytest.raises(ValueError, match="read-only"):
        bars.close[0] = 0.0


def test_the_cache_keeps_the_most_recently_used_bars_within_its_bytes():
    datasets = [DatasetFactory(bar_count=1_000) for _ in range(3)]
    cache = selectors._BarsCache(max_bytes=2 * 1_000 * 6 * 8)

    with mock.patch.object(selectors, "read_bars", wraps=selectors.read_bars) as read:
        for dataset in (datasets[0], datasets[1], datasets[0], datasets[2], datasets[0], datasets[1]):
            cache.get(dataset)

    assert read.call_count == 4  # datasets[1] was the least recently used when datasets[2] came in
    np.testing.assert_array_equal(cache.get(datasets[1]).close, dataset_load_bars(datasets[1]).close)


def test_the_operation_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/datasets/{id}/bars/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"id", "start", "end", "max_points"}
    assert {"200", "400", "404"} <= set(operation["responses"])
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["properties"]) >= {*COLUMNS, "interval", "total_bars"}
