"""A node template's parameter_schema, attacked (issue 9, items 1, 5 and 8): it must never make the server open
a URL or a file, recurse without end, backtrack for hours, or fail a user's catalogue, validate/, code
generation or quick tests with a 500.

The references point at a real HTTP server on 127.0.0.1 that records every request, and at a real file;
both hold a secret that must never appear in a response. Every way in is tried: the API (users and staff),
the admin, the seed command, and rows stored directly (as a backup restore or an older release would leave
them)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from engine.library import load_system_templates
from marketdata.tests.factories import DatasetFactory
from nodes.models import NodeTemplate
from nodes.tests.factories import CustomNodeTemplateFactory, StaffFactory, UserFactory, template_data
from quicktests.tests.factories import ReferenceStrategyFactory

from .corpus_schema import (
    BAD_LOCAL_REFS,
    OVERSIZE,
    PARAM,
    RE2_REFUSES,
    RECURSIVE_REFS,
    REDOS_INPUT,
    REDOS_PATTERNS,
    REMOTE_REFS,
    STORED_BROKEN,
    UNSUPPORTED,
    of,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/node-templates/"
CATALOGUE = f"{LIST}catalogue/"
ADMIN_ADD = "/admin/nodes/nodetemplate/add/"


@dataclass
class Trap:
    """Somewhere a reference may point: `url`, what was asked of it (`hits`), and what it holds (`secret`)."""

    url: str
    secret: str
    hits: list[str] = field(default_factory=list)

    def assert_untouched(self, *responses) -> None:
        assert self.hits == [], f"the server fetched {self.hits}"
        for response in responses:
            assert self.secret.encode() not in response.content


def _trap_document(secret: str) -> bytes:
    # A schema whose content shows up in a validation message ("10 is not one of [secret]") if it is used.
    return json.dumps({"enum": [secret], "definitions": {"p": {"enum": [secret]}}}).encode()


@pytest.fixture
def http_trap() -> Iterator[Trap]:
    trap = Trap(url="", secret=f"secret-from-the-server-{uuid.uuid4().hex}")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            trap.hits.append(self.path)
            body = _trap_document(trap.secret)
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    trap.url = f"http://127.0.0.1:{server.server_port}/schema.json"
    try:
        yield trap
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def file_trap(tmp_path) -> Trap:
    trap = Trap(url="", secret=f"secret-from-the-file-{uuid.uuid4().hex}")
    path = tmp_path / "secret.json"
    path.write_bytes(_trap_document(trap.secret))
    trap.url = path.as_uri()
    return trap


@pytest.fixture(params=["http", "file"])
def trap(request) -> Trap:
    return request.getfixturevalue(f"{request.param}_trap")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def problems(response) -> list[dict]:
    return response.json()["error"]["problems"]


def assert_refused_naming(response, path: str) -> None:
    """A 400 in the one error shape, with a problem on parameter_schema whose message names `path`."""
    assert response.status_code == 400, response.content[:500]
    found = problems(response)
    assert any(p.get("field") == "parameter_schema" and p["message"].startswith(f"{path}:") for p in found), found


def labels(cases) -> list[str]:
    return [case[0] for case in cases]


# -- saving: every way in refuses a reference that leaves the document ------------------------------------


@pytest.mark.parametrize(("label", "build", "path"), REMOTE_REFS, ids=labels(REMOTE_REFS))
def test_a_user_cannot_save_a_schema_that_points_outside_itself(trap, label, build, path):
    client = client_for(UserFactory())

    response = client.post(LIST, template_data(parameter_schema=build(trap.url)), format="json")

    assert_refused_naming(response, path)
    assert not NodeTemplate.all_objects.exists()
    trap.assert_untouched(response)


def test_changing_a_schema_to_point_outside_itself_is_refused_and_changes_nothing(trap):
    user = UserFactory()
    template = CustomNodeTemplateFactory(owner=user)
    before = template.parameter_schema

    response = client_for(user).patch(
        f"{LIST}{template.pk}/", {"parameter_schema": of({"$ref": trap.url})}, format="json"
    )

    assert_refused_naming(response, f"parameter_schema.properties.{PARAM}.$ref")
    template.refresh_from_db()
    assert template.parameter_schema == before
    trap.assert_untouched(response)


def _system_sma(**changes) -> dict:
    library = next(t for t in load_system_templates() if t["name"] == "sma")
    return {**library, "name": "staff_sma", "display_name": "Staff SMA", **changes}


def test_staff_cannot_save_a_system_template_that_points_outside_itself_through_the_api(trap):
    data = _system_sma(is_system_template=True, parameter_schema=of({"$ref": trap.url}))

    response = client_for(StaffFactory()).post(LIST, data, format="json")

    assert_refused_naming(response, f"parameter_schema.properties.{PARAM}.$ref")
    trap.assert_untouched(response)


def test_staff_cannot_save_one_in_the_admin(trap):
    client = Client()
    client.force_login(StaffFactory())
    data = _system_sma(parameter_schema=of({"$ref": trap.url}))
    form = {key: json.dumps(value) if isinstance(value, dict | list) else value for key, value in data.items()}
    form.update(is_system_template="on", user_id="", validation_rules="", category=data.get("category") or "")
    form.update({key: "" for key in ("description", "icon", "color") if form.get(key) is None})

    response = client.post(ADMIN_ADD, form)

    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert any(f"parameter_schema.properties.{PARAM}.$ref" in message for message in errors["parameter_schema"])
    assert not NodeTemplate.all_objects.filter(name="staff_sma").exists()
    trap.assert_untouched(response)


def test_the_seed_command_refuses_a_library_that_points_outside_itself(trap, monkeypatch):
    library = [_system_sma(name="sma", parameter_schema=of({"$ref": trap.url}))]
    monkeypatch.setattr("nodes.management.commands.seed_node_templates.load_system_templates", lambda: library)

    with pytest.raises(CommandError) as refused:
        call_command("seed_node_templates", verbosity=0)

    assert f"sma.parameter_schema: parameter_schema.properties.{PARAM}.$ref" in str(refused.value)
    assert trap.secret not in str(refused.value)
    assert not NodeTemplate.all_objects.exists()
    assert trap.hits == []


# -- saving: recursion, references to nothing, unsupported keywords, size ---------------------------------

REFUSED_ON_SAVE = RECURSIVE_REFS + BAD_LOCAL_REFS + UNSUPPORTED + OVERSIZE


@pytest.mark.parametrize(("label", "schema", "path"), REFUSED_ON_SAVE, ids=labels(REFUSED_ON_SAVE))
def test_a_schema_breaking_the_rules_is_a_400_naming_where(label, schema, path):
    response = client_for(UserFactory()).post(LIST, template_data(parameter_schema=schema), format="json")

    assert_refused_naming(response, path)
    assert not NodeTemplate.all_objects.exists()


# -- regular expressions --------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", RE2_REFUSES)
def test_patterns_are_judged_by_re2(pattern):
    """Python's re compiles all of these; RE2, the linear-time engine patterns run on, cannot."""
    schema = of({"type": "string", "pattern": pattern})

    response = client_for(UserFactory()).post(LIST, template_data(parameter_schema=schema), format="json")

    assert_refused_naming(response, f"parameter_schema.properties.{PARAM}.pattern")


def _pattern_schema(pattern: str) -> dict:
    # A preset's timeperiod: an integer as the base takes it, or text that must match the pattern.
    return of({"type": ["integer", "string"], "pattern": pattern, "minimum": 2, "maximum": 50})


@pytest.mark.parametrize("pattern", REDOS_PATTERNS)
def test_a_backtracking_pattern_checks_a_default_at_once(pattern):
    data = template_data(parameter_schema=_pattern_schema(pattern), default_parameters={PARAM: REDOS_INPUT})

    response = client_for(UserFactory()).post(LIST, data, format="json")

    assert response.status_code == 400
    assert {p["field"] for p in problems(response)} == {"default_parameters"}
    assert "does not match" in problems(response)[0]["message"]


@pytest.mark.parametrize("pattern", REDOS_PATTERNS)
def test_a_backtracking_pattern_checks_a_flows_param_at_once(pattern):
    user = UserFactory()
    client = client_for(user)
    data = template_data(name="my_fast", parameter_schema=_pattern_schema(pattern))
    assert client.post(LIST, data, format="json").status_code == 201
    strategy = ReferenceStrategyFactory(user=user)
    _use(strategy, "my_fast", params={PARAM: REDOS_INPUT})

    response = client.post(f"/api/v1/strategy-instances/{strategy.pk}/validate/")

    assert response.status_code == 200
    found = [(p["code"], p.get("node_id"), p.get("field")) for p in response.json()["problems"]]
    assert found == [("invalid_params", "sma_fast", f"params.{PARAM}")]


# -- stored rows no save would accept ---------------------------------------------------------------------


def _use(strategy, template: str, *, params: dict | None = None) -> None:
    node = next(n for n in strategy.logic_flow["nodes"] if n["id"] == "sma_fast")
    node["template"] = template
    if params is not None:
        node["params"] = params
    strategy.save()


def _every_read_of(user, strategy) -> dict[str, object]:
    """The owner's catalogue, validate/, code generation and a quick test, with a template they cannot use."""
    client = client_for(user)
    dataset = DatasetFactory(bar_count=300)
    return {
        "catalogue": client.get(CATALOGUE),
        "validate": client.post(f"/api/v1/strategy-instances/{strategy.pk}/validate/"),
        "codegen": client.post("/api/v1/code-generations/", {"instance": strategy.pk}, format="json"),
        "quicktest": client.post(
            "/api/v1/quick-tests/", {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}}, format="json"
        ),
    }


def _storable(label: str) -> None:
    if label == "deeply_nested" and connection.vendor == "mysql":
        pytest.skip("MySQL and MariaDB refuse to store JSON nested this deep; SQLite stores it")


def _assert_reported_as_that_templates_problem(responses: dict) -> None:
    catalogue, validate, codegen, quicktest = (responses[k] for k in ("catalogue", "validate", "codegen", "quicktest"))
    assert catalogue.status_code == 200
    templates = {t["name"]: t for group in catalogue.json()["groups"] for t in group["templates"]}
    assert any("parameter_schema" in message for message in templates["my_fast"]["problems"])
    assert templates["my_slow"]["problems"] == []  # the user's other template is untouched

    assert validate.status_code == 200
    assert ("invalid_template", "sma_fast") in {(p["code"], p.get("node_id")) for p in validate.json()["problems"]}

    assert codegen.status_code == 201
    assert codegen.json()["validation_status"] == "FLOW_ERROR"
    codes = {(p["code"], p.get("node_id")) for p in codegen.json()["validation_result"]["problems"]}
    assert ("invalid_template", "sma_fast") in codes

    assert quicktest.status_code == 400
    assert ("invalid_template", "sma_fast") in {(p["code"], p.get("node_id")) for p in problems(quicktest)}


@pytest.mark.parametrize(("label", "schema"), STORED_BROKEN, ids=labels(STORED_BROKEN))
def test_a_stored_broken_schema_is_that_templates_problem_never_a_500(label, schema):
    _storable(label)
    user = UserFactory()
    broken = CustomNodeTemplateFactory(owner=user, name="my_fast")
    # Stored as is, past every check (services and the model's own save refuse it): as an old row, or another client.
    type(broken).all_objects.filter(pk=broken.pk).update(parameter_schema=schema)
    CustomNodeTemplateFactory(owner=user, name="my_slow")
    strategy = ReferenceStrategyFactory(user=user)
    _use(strategy, "my_fast")

    _assert_reported_as_that_templates_problem(_every_read_of(user, strategy))


@pytest.mark.parametrize(("label", "build", "path"), REMOTE_REFS, ids=labels(REMOTE_REFS))
def test_a_stored_schema_pointing_outside_itself_is_never_fetched(trap, label, build, path):
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="my_fast", parameter_schema=build(trap.url))
    CustomNodeTemplateFactory(owner=user, name="my_slow")
    strategy = ReferenceStrategyFactory(user=user)
    _use(strategy, "my_fast")

    responses = _every_read_of(user, strategy)

    _assert_reported_as_that_templates_problem(responses)
    trap.assert_untouched(*responses.values())


def test_a_deleted_template_pointing_outside_itself_is_never_fetched_either(http_trap):
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="gone", parameter_schema=of({"$ref": http_trap.url}), is_deleted=True)
    strategy = ReferenceStrategyFactory(user=user)

    responses = _every_read_of(user, strategy)

    assert responses["catalogue"].status_code == 200
    assert responses["validate"].json() == {"valid": True, "problems": []}
    assert responses["codegen"].status_code == 201
    assert responses["quicktest"].status_code == 202
    http_trap.assert_untouched(*responses.values())


@pytest.mark.parametrize(("label", "schema"), STORED_BROKEN, ids=labels(STORED_BROKEN))
def test_a_stored_broken_system_row_leaves_the_library_definition_in_force(label, schema):
    _storable(label)
    user = UserFactory()
    row = NodeTemplate.objects.create(**{**_system_sma(name="sma"), "is_system_template": True})
    NodeTemplate.all_objects.filter(pk=row.pk).update(parameter_schema=schema)  # past every check, as stored before
    strategy = ReferenceStrategyFactory(user=user)

    responses = _every_read_of(user, strategy)

    assert responses["catalogue"].status_code == 200
    assert responses["validate"].json() == {"valid": True, "problems": []}
    assert responses["codegen"].status_code == 201
    assert responses["quicktest"].status_code == 202
