"""The README's example of the API's error shape is a real answer of the API."""

import json
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_error_example() -> dict:
    """The JSON block after "Every error has one shape" in the README."""
    text = README.read_text()
    section = text[text.index("Every error has one shape") :]
    return json.loads(re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1))


@pytest.mark.django_db
def test_the_readmes_error_example_is_what_the_api_answers(trader, strategy, dataset):
    flow = strategy.logic_flow
    flow["edges"] = [edge for edge in flow["edges"] if edge["target"] != "enter_long"]
    strategy.save()
    client = APIClient()
    client.force_authenticate(trader)

    response = client.post(
        "/api/v1/quick-tests/", {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}}, format="json"
    )

    example, real = readme_error_example()["error"], response.json()["error"]
    assert response.status_code == example["status"]
    assert (real.keys(), real["status"], real["code"]) == (example.keys(), example["status"], example["code"])
    located = [(p.keys(), p["code"], p.get("node_id"), p.get("field")) for p in real["problems"]]
    assert located == [(p.keys(), p["code"], p.get("node_id"), p.get("field")) for p in example["problems"]]
