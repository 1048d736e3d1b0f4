"""Hostile start/end of GET /api/v1/datasets/{id}/download/: a 400 in the API's error shape, or the bars of
a range, never a 500."""

import pytest
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from strategies.tests.factories import UserFactory

from .corpus_download import BAD_BOUNDS, EVERY_BAR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.mark.parametrize("query", BAD_BOUNDS, ids=lambda q: repr(q)[:40])
def test_a_hostile_bound_is_a_400_naming_it(query):
    dataset = DatasetFactory(bar_count=50)
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get(f"/api/v1/datasets/{dataset.pk}/download/", query)

    assert response.status_code == 400, response.content[:300]
    problems = response.json()["error"]["problems"]
    assert problems and {p["field"] for p in problems} <= {"start", "end"}


@pytest.mark.parametrize("query", EVERY_BAR, ids=repr)
def test_an_odd_but_valid_bound_is_a_range(query):
    dataset = DatasetFactory(bar_count=50)
    client = APIClient()
    client.force_authenticate(UserFactory())

    response = client.get(f"/api/v1/datasets/{dataset.pk}/download/", query)

    assert response.status_code == 200
    assert b"".join(response.streaming_content).count(b"\n") == 51
