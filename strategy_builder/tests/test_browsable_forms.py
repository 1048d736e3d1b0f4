"""The browsable API's forms, used as a person uses them: open the list (or an object) in a browser, read the
form, fill it in and submit it, CSRF token included. Every create form (and update form, where there is one)
shows exactly the fields its action accepts, and its raw-data box is pre-filled with accepted keys only."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from rest_framework import serializers

from codegen.api.serializers import CodeGenerationCreateSerializer
from codegen.models import CodeGeneration
from marketdata.api.serializers import DatasetUploadSerializer
from marketdata.models import Dataset
from marketdata.tests.factories import DatasetFactory
from nodes.api.serializers import NodeTemplateCreateSerializer, NodeTemplateUpdateSerializer
from nodes.models import NodeTemplate
from nodes.tests.factories import template_data
from quicktests.api.serializers import QuickTestCreateSerializer
from quicktests.models import QuickTest
from quicktests.tests.factories import ReferenceStrategyFactory, reference_flow, reference_parameters
from sessions_app.api.serializers import SessionSaveSerializer, SessionStartSerializer
from sessions_app.models import BuilderSession
from strategies.api.serializers import StrategyInputSerializer, StrategyInstanceCreateSerializer
from strategies.models import StrategyInstance, StrategyTemplate
from strategies.tests.factories import UserFactory

from .browsable import html_form, raw_data_form

pytestmark = pytest.mark.django_db

HTML = {"Accept": "text/html"}
API = "/api/v1/"

CSV = b"timestamp,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,100\n2024-01-02,1.5,2.5,1,2,120\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@dataclass
class World:
    user: object
    instance: StrategyInstance
    dataset: Dataset

    def ids(self) -> dict[str, str]:
        return {"instance": str(self.instance.pk), "dataset": str(self.dataset.pk)}


@pytest.fixture
def world(db) -> World:
    call_command("seed_node_templates", verbosity=0)
    user = UserFactory()
    return World(user=user, instance=ReferenceStrategyFactory(user=user), dataset=DatasetFactory(bar_count=300))


@pytest.fixture
def person(world) -> Client:
    """A person logged in with a browser: session cookie, and CSRF checks as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user)
    return client


def input_fields(serializer_class: type[serializers.Serializer]) -> set[str]:
    return {name for name, f in serializer_class().fields.items() if not f.read_only}


def csrf_token(html: str) -> str:
    """The token the page's script sends as X-CSRFToken with the forms it submits itself (PUT, raw data)."""
    return re.search(r'"csrfToken": "([^"]+)"', html).group(1)


def open_page(person: Client, url: str) -> str:
    response = person.get(url, headers=HTML)
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


# --- Create forms -----------------------------------------------------------------------------------


@dataclass
class Create:
    resource: str
    serializer: type[serializers.Serializer]
    fill: Callable[[World], dict]  # what a person types into the form, as text
    status: int
    stored: Callable[[World, dict], bool]  # the row the submission made


CREATES = [
    Create(
        "node-templates",
        NodeTemplateCreateSerializer,
        lambda w: {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in template_data().items()
            if value is not None
        },
        201,
        lambda w, body: NodeTemplate.objects.filter(pk=body["id"], user_id=str(w.user.pk)).exists(),
    ),
    Create(
        "strategy-templates",
        StrategyInputSerializer,
        lambda w: {
            "name": "From the form",
            "logic_flow": json.dumps(reference_flow()),
            "parameters": json.dumps(reference_parameters()),
        },
        201,
        lambda w, body: StrategyTemplate.objects.filter(pk=body["id"], logic_flow=reference_flow()).exists(),
    ),
    Create(
        "strategy-instances",
        StrategyInstanceCreateSerializer,
        lambda w: {"name": "From the form", "logic_flow": json.dumps(reference_flow())},
        201,
        lambda w, body: StrategyInstance.objects.filter(pk=body["id"], name="From the form").exists(),
    ),
    Create(
        "datasets",
        DatasetUploadSerializer,
        lambda w: {
            "file": SimpleUploadedFile("bars.csv", CSV, content_type="text/csv"),
            "name": "Two days",
            "symbol": "TWO",
            "timeframe": "1d",
        },
        201,
        lambda w, body: Dataset.objects.filter(pk=body["id"], user_id=str(w.user.pk), bar_count=2).exists(),
    ),
    Create(
        "quick-tests",
        QuickTestCreateSerializer,
        lambda w: {
            "instance": str(w.instance.pk),
            "test_name": "From the form",
            "test_config": json.dumps({"dataset": str(w.dataset.pk), "commission": 0.001}),
        },
        202,
        lambda w, body: QuickTest.objects.filter(pk=body["id"], instance=w.instance).exists(),
    ),
    Create(
        "code-generations",
        CodeGenerationCreateSerializer,
        lambda w: {"instance": str(w.instance.pk), "parameters": json.dumps({"fast": 5})},
        201,
        lambda w, body: CodeGeneration.objects.filter(pk=body["id"], instance=w.instance).exists(),
    ),
    Create(
        "builder-sessions",
        SessionStartSerializer,
        lambda w: {"instance": str(w.instance.pk), "session_name": "From the form"},
        201,
        lambda w, body: BuilderSession.objects.filter(pk=body["id"], instance=w.instance).exists(),
    ),
]
CREATE_IDS = [case.resource for case in CREATES]


@pytest.mark.parametrize("case", CREATES, ids=CREATE_IDS)
def test_the_create_form_shows_exactly_the_fields_the_create_accepts(person, case):
    form = html_form(open_page(person, f"{API}{case.resource}/"), "POST")

    assert form is not None
    assert form.input_names() == input_fields(case.serializer)


@pytest.mark.parametrize("case", CREATES, ids=CREATE_IDS)
def test_the_create_form_submitted_as_a_person_would_creates_the_row(person, world, case):
    url = f"{API}{case.resource}/"
    form = html_form(open_page(person, url), "POST")
    assert "csrfmiddlewaretoken" in form.fields

    response = person.post(url, form.submitted(case.fill(world)), headers={"Accept": "application/json"})

    assert response.status_code == case.status, response.content.decode()
    assert case.stored(world, response.json())


@pytest.mark.parametrize("case", CREATES, ids=CREATE_IDS)
def test_options_describes_the_create_with_its_input_fields(person, case):
    actions = person.options(f"{API}{case.resource}/", headers={"Accept": "application/json"}).json()["actions"]

    assert set(actions["POST"]) == input_fields(case.serializer)


@pytest.mark.parametrize("case", CREATES, ids=CREATE_IDS)
def test_the_page_after_a_create_offers_the_create_form_again(person, world, case):
    url = f"{API}{case.resource}/"
    form = html_form(open_page(person, url), "POST")

    response = person.post(url, form.submitted(case.fill(world)), headers=HTML)

    assert response.status_code == case.status
    assert html_form(response.content.decode(), "POST").input_names() == input_fields(case.serializer)


@pytest.mark.parametrize("case", CREATES, ids=CREATE_IDS)
def test_the_raw_data_box_is_pre_filled_with_accepted_keys_only(person, case):
    form = raw_data_form(open_page(person, f"{API}{case.resource}/"), "POST")

    assert form is not None
    assert form.fields["_content_type"].value == "application/json" or case.resource == "datasets"
    if case.resource != "datasets":
        assert set(json.loads(form.fields["_content"].value)) <= input_fields(case.serializer)


JSON_CREATES = [case for case in CREATES if case.resource != "datasets"]  # an upload is multipart only


@pytest.mark.parametrize("case", JSON_CREATES, ids=[case.resource for case in JSON_CREATES])
def test_the_raw_data_box_filled_in_and_sent_as_the_page_sends_it_creates_the_row(person, world, case):
    url = f"{API}{case.resource}/"
    html = open_page(person, url)
    content = json.loads(raw_data_form(html, "POST").fields["_content"].value)
    for key, text in case.fill(world).items():
        content[key] = json.loads(text) if key in _json_fields(case.serializer) else text

    response = person.post(
        url,
        json.dumps(content),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == case.status, response.content.decode()
    assert case.stored(world, response.json())


def _json_fields(serializer_class) -> set[str]:
    return {name for name, f in serializer_class().fields.items() if isinstance(f, serializers.JSONField)}


def test_a_form_without_its_csrf_token_is_refused(person, world):
    url = f"{API}strategy-instances/"
    form = html_form(open_page(person, url), "POST")
    data = form.submitted({"name": "No token"})
    data.pop("csrfmiddlewaretoken")

    response = person.post(url, data, headers={"Accept": "application/json"})

    assert response.status_code == 403
    assert not StrategyInstance.objects.filter(name="No token").exists()


def test_blank_optional_json_boxes_mean_not_given(person, world):
    """A person leaves the optional JSON boxes empty: the strategy starts with an empty flow, no parameters."""
    url = f"{API}strategy-instances/"
    form = html_form(open_page(person, url), "POST")

    response = person.post(
        url,
        form.submitted({"name": "Blank boxes", "logic_flow": "", "parameters": "", "description": ""}),
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 201, response.content.decode()
    instance = StrategyInstance.objects.get(pk=response.json()["id"])
    assert (instance.logic_flow["nodes"], instance.parameters) == ([], {})


def test_json_text_that_is_not_json_is_refused_naming_the_field(person, world):
    url = f"{API}strategy-templates/"
    form = html_form(open_page(person, url), "POST")

    response = person.post(
        url, form.submitted({"name": "Typo", "parameters": "{fast: 5"}), headers={"Accept": "application/json"}
    )

    assert response.status_code == 400
    assert [p.get("field") for p in response.json()["error"]["problems"]] == ["parameters"]


def test_a_refused_form_comes_back_as_filled_in_with_the_problem_beside_its_field(person, world):
    url = f"{API}strategy-templates/"
    form = html_form(open_page(person, url), "POST")

    response = person.post(url, form.submitted({"name": "Typo", "parameters": "{fast: 5"}), headers=HTML)

    assert response.status_code == 400
    again = html_form(response.content.decode(), "POST")
    assert (again.fields["name"].value, again.fields["parameters"].value) == ("Typo", "{fast: 5")
    assert "Value must be valid JSON" in response.content.decode()
    assert not StrategyTemplate.objects.filter(name="Typo").exists()


@pytest.mark.parametrize("framework_field", ["csrfmiddlewaretoken", "_content_type", "_content", "_method"])
def test_the_frameworks_own_form_fields_are_not_unknown_fields(person, world, framework_field):
    url = f"{API}strategy-templates/"
    token = csrf_token(open_page(person, url))

    response = person.post(
        url,
        {"name": "Framework field", framework_field: token if framework_field == "csrfmiddlewaretoken" else "x"},
        headers={"Accept": "application/json", "X-CSRFToken": token},
    )

    assert response.status_code == 201, response.content.decode()


def test_a_misspelt_field_in_a_form_is_still_an_unknown_field(person, world):
    url = f"{API}strategy-templates/"
    html = open_page(person, url)

    response = person.post(
        url,
        {"name": "Typo", "paramaters": "{}"},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == 400
    assert [(p["code"], p.get("field")) for p in response.json()["error"]["problems"]] == [
        ("unknown_field", "paramaters")
    ]


def test_the_framework_field_names_in_a_json_body_are_still_unknown(person, world):
    """Only a form carries the framework's fields; a JSON body that names them misspelt something."""
    url = f"{API}strategy-templates/"
    html = open_page(person, url)

    response = person.post(
        url,
        json.dumps({"name": "JSON", "csrfmiddlewaretoken": "x"}),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == 400
    assert [p.get("field") for p in response.json()["error"]["problems"]] == ["csrfmiddlewaretoken"]


# --- Update forms -----------------------------------------------------------------------------------


@dataclass
class Update:
    resource: str
    serializer: type[serializers.Serializer]
    make: Callable[[World], object]
    fill: dict
    changed: Callable[[object], bool]


UPDATES = [
    Update(
        "node-templates",
        NodeTemplateUpdateSerializer,
        lambda w: NodeTemplate.objects.create(
            **template_data(), user_id=str(w.user.pk), created_by="t", updated_by="t"
        ),
        {"display_name": "Renamed in the form"},
        lambda row: row.display_name == "Renamed in the form",
    ),
    Update(
        "strategy-templates",
        StrategyInputSerializer,
        lambda w: StrategyTemplate.objects.create(
            user_id=str(w.user.pk), name="T", logic_flow=reference_flow(), parameters=reference_parameters()
        ),
        {"name": "Renamed in the form"},
        lambda row: row.name == "Renamed in the form" and row.logic_flow == reference_flow(),
    ),
    Update(
        "strategy-instances",
        StrategyInputSerializer,
        lambda w: w.instance,
        {"name": "Renamed in the form"},
        lambda row: row.name == "Renamed in the form" and row.parameters == reference_parameters(),
    ),
]
UPDATE_IDS = [case.resource for case in UPDATES]


@pytest.mark.parametrize("case", UPDATES, ids=UPDATE_IDS)
def test_the_update_form_shows_exactly_the_fields_the_update_accepts_with_the_objects_values(person, world, case):
    row = case.make(world)
    form = html_form(open_page(person, f"{API}{case.resource}/{row.pk}/"), "PUT")

    assert form is not None
    assert form.input_names() == input_fields(case.serializer)
    assert form.fields["name"].value == row.name


@pytest.mark.parametrize("case", UPDATES, ids=UPDATE_IDS)
def test_the_update_form_submitted_as_the_page_sends_it_changes_the_row(person, world, case):
    row = case.make(world)
    url = f"{API}{case.resource}/{row.pk}/"
    html = open_page(person, url)
    form = html_form(html, "PUT")

    response = person.put(
        url,
        encode_multipart(BOUNDARY, form.submitted(case.fill)),
        content_type=MULTIPART_CONTENT,
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == 200, response.content.decode()
    row.refresh_from_db()
    assert case.changed(row)


@pytest.mark.parametrize("case", UPDATES, ids=UPDATE_IDS)
def test_options_describes_the_update_with_its_input_fields(person, world, case):
    row = case.make(world)
    url = f"{API}{case.resource}/{row.pk}/"

    actions = person.options(url, headers={"Accept": "application/json"}).json()["actions"]

    assert set(actions["PUT"]) == input_fields(case.serializer)


@pytest.mark.parametrize("case", UPDATES, ids=UPDATE_IDS)
def test_the_page_after_an_update_offers_the_update_form_with_the_new_values(person, world, case):
    row = case.make(world)
    url = f"{API}{case.resource}/{row.pk}/"
    html = open_page(person, url)
    headers = {**HTML, "X-CSRFToken": csrf_token(html)}
    data = html_form(html, "PUT").submitted(case.fill)

    response = person.put(url, encode_multipart(BOUNDARY, data), content_type=MULTIPART_CONTENT, headers=headers)

    assert response.status_code == 200
    form = html_form(response.content.decode(), "PUT")
    assert form.input_names() == input_fields(case.serializer)
    assert {name: form.fields[name].value for name in case.fill} == case.fill


@pytest.mark.parametrize("case", UPDATES, ids=UPDATE_IDS)
def test_the_update_raw_data_box_holds_the_objects_accepted_fields(person, world, case):
    row = case.make(world)
    url = f"{API}{case.resource}/{row.pk}/"
    html = open_page(person, url)
    content = json.loads(raw_data_form(html, "PUT").fields["_content"].value)
    assert set(content) <= input_fields(case.serializer)

    response = person.put(
        url,
        json.dumps(content | case.fill),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == 200, response.content.decode()
    row.refresh_from_db()
    assert case.changed(row)


def test_a_sessions_autosave_box_holds_the_draft_and_its_version_and_saves_as_is(person, world):
    session_id = person.post(
        f"{API}builder-sessions/",
        json.dumps({"instance": str(world.instance.pk)}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(open_page(person, f"{API}builder-sessions/"))},
    ).json()["id"]
    url = f"{API}builder-sessions/{session_id}/"
    html = open_page(person, url)
    content = json.loads(raw_data_form(html, "PUT").fields["_content"].value)

    assert set(content) <= input_fields(SessionSaveSerializer)
    assert content["base_version"] == 1
    assert content["draft_logic_flow"] == reference_flow()

    response = person.patch(
        url,
        json.dumps(content | {"session_name": "Saved from the box"}),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(html)},
    )

    assert response.status_code == 200, response.content.decode()
    assert response.json()["version"] == 2
    assert BuilderSession.objects.get(pk=session_id).session_name == "Saved from the box"
