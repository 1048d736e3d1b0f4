import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from quicktests.models import QuickTest
from sessions_app.models import BuilderSession
from sessions_app.tests.factories import BuilderSessionFactory
from strategies.tests.factories import UserFactory

from .corpus_preview import DATASET, HOSTILE_PREVIEW_BODIES

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "engine" / "examples"


def _with_dataset(value, dataset_id: str):
    if value is DATASET:
        return dataset_id
    if isinstance(value, dict):
        return {key: _with_dataset(item, dataset_id) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("name", "overrides", "field"), HOSTILE_PREVIEW_BODIES, ids=[b[0] for b in HOSTILE_PREVIEW_BODIES]
)
def test_a_hostile_preview_body_is_refused_naming_its_field(settings, tmp_path, name, overrides, field):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PREVIEW_MAX_BARS = 300
    user = UserFactory()
    dataset = DatasetFactory(bar_count=400)
    session = BuilderSessionFactory(
        owner=user,
        draft_logic_flow=json.loads((EXAMPLES / "reference_flow.json").read_text()),
        draft_parameters=json.loads((EXAMPLES / "reference_params.json").read_text()),
    )
    before = BuilderSession.objects.values().get(pk=session.pk)
    client = APIClient()
    client.force_authenticate(user)
    body = {"test_config": {"dataset": dataset.pk}, **_with_dataset(overrides, dataset.pk)}
    body = {key: value for key, value in body.items() if value is not None}

    response = client.post(f"/api/v1/builder-sessions/{session.pk}/preview/", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in {problem.get("field") for problem in response.json()["error"]["problems"]}
    assert not QuickTest.all_objects.exists()
    assert BuilderSession.objects.values().get(pk=session.pk) == before
