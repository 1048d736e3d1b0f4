"""Every request example the API documentation shows, sent as it is ("Try it out" in Swagger UI), is accepted.

Ids in the examples are placeholders: the strategy's is the id of the caller's own strategy here; the
dataset's and the collaborator's are replaced by the ids of real ones, as a reader replaces them."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from sessions_app.choices import SessionType
from sessions_app.models import BuilderSession
from strategies.tests.factories import UserFactory
from strategy_builder.api.examples import EXAMPLE_COLLABORATOR_ID, EXAMPLE_DATASET_ID
from strategy_builder.tests.api_fixtures import ApiWorld

CSV = b"timestamp,open,high,low,close,volume\n2020-01-02,10,11,9,10.5,100\n2020-01-03,10.5,12,10,11,120\n"


def documented_examples() -> list[tuple[str, str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
                for example in content.get("examples", {}).values():
                    found.append((method.upper(), path, media_type, example["value"]))
    return found


EXAMPLES = documented_examples()


@pytest.fixture
def world(api_world, db) -> ApiWorld:
    return api_world


def test_every_request_body_has_an_example():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
        and not any(content.get("examples") for content in operation["requestBody"]["content"].values())
    ]

    assert not missing


@pytest.mark.parametrize(
    ("method", "path", "media_type", "example"), EXAMPLES, ids=[f"{m} {p} {t}" for m, p, t, _ in EXAMPLES]
)
def test_a_documented_example_sent_as_is_is_accepted(world: ApiWorld, method, path, media_type, example):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token}")
    if path == "/api/v1/auth/token/":
        user = UserFactory(username=example["username"])
        user.set_password(example["password"])
        user.save()
        client.credentials()
    if "/collaborators/" in path:
        BuilderSession.objects.filter(pk=world.own["session"]).update(session_type=SessionType.COLLABORATIVE)
    body = json.loads(
        json.dumps(example)
        .replace(EXAMPLE_DATASET_ID, world.own["dataset"])
        .replace(f'["{EXAMPLE_COLLABORATOR_ID}"]', f'["{world.other_user_id}"]')
    )
    url = path.replace("{id}", world.own_id(path)) if "{id}" in path else path

    if media_type == "multipart/form-data":
        body["file"] = SimpleUploadedFile("bars.csv", CSV, content_type="text/csv")
        response = getattr(client, method.lower())(url, body, format="multipart")
    elif media_type == "application/x-www-form-urlencoded":
        response = getattr(client, method.lower())(url, urlencode(body), content_type=media_type)
    else:
        response = getattr(client, method.lower())(url, body, format="json")

    assert 200 <= response.status_code < 300, response.content.decode()[:2000]
