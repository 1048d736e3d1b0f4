import json
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from strategies.models import StrategyTemplate
from strategies.tests.factories import UserFactory

from .corpus_form_fields import FRAMEWORK_FIELDS_IN_JSON, LOOKALIKE_FORM_FIELDS

pytestmark = pytest.mark.django_db

URL = "/api/v1/strategy-templates/"


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def unknown_fields(response) -> list[str]:
    return [p.get("field") for p in response.json()["error"]["problems"] if p["code"] == "unknown_field"]


@pytest.mark.parametrize("name", LOOKALIKE_FORM_FIELDS, ids=repr)
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_lookalike_of_a_framework_form_field_is_an_unknown_field(api, name, encoding):
    data = {"name": "Lookalike", name: "x"}
    if encoding == "multipart":
        response = api.post(URL, data, format="multipart")
    else:
        response = api.post(URL, urlencode(data), content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert unknown_fields(response) == [name]
    assert not StrategyTemplate.objects.exists()


@pytest.mark.parametrize("name", FRAMEWORK_FIELDS_IN_JSON)
def test_a_framework_form_field_in_a_json_body_is_an_unknown_field(api, name):
    response = api.post(URL, json.dumps({"name": "JSON", name: "x"}), content_type="application/json")

    assert response.status_code == 400
    assert unknown_fields(response) == [name]
