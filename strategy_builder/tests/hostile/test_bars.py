"""Hostile queries of GET /api/v1/datasets/{id}/bars/: a 400 in the API's error shape naming the parameter,
or the candles of a range, never a 500."""

import pytest
from rest_framework.test import APIClient

from marketdata.selectors import bars_cache
from marketdata.tests.factories import DatasetFactory
from strategies.tests.factories import UserFactory

from .corpus_bars import BAD_QUERIES, EVERY_BAR_OF_50

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield
    bars_cache.clear()


def _get(query):
    dataset = DatasetFactory(bar_count=50)
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client.get(f"/api/v1/datasets/{dataset.pk}/bars/", query)


@pytest.mark.parametrize("query", BAD_QUERIES, ids=lambda q: repr(q)[:40])
def test_a_hostile_query_is_a_400_naming_its_parameter(query):
    response = _get(query)

    assert response.status_code == 400, response.content[:300]
    problems = response.json()["error"]["problems"]
    assert problems and {p["field"] for p in problems} <= set(query)


@pytest.mark.parametrize("query", EVERY_BAR_OF_50, ids=repr)
def test_an_odd_but_valid_query_answers_every_bar(query):
    response = _get(query)

    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["total_bars"] == len(body["time"]) == 50 and body["interval"] is None
