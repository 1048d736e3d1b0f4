"""Hostile text and numbers (corpus_text) against every way in: each JSON endpoint, as a JSON body and as
form text, query strings, and rows written past every check. The API answers a 4xx in its error shape that
names where the value was, never a 5xx, and stores nothing; no stored value breaks its owner's list."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import models, transaction
from rest_framework.test import APIClient

from codegen.models import CodeGeneration
from marketdata.tests.factories import DatasetFactory
from nodes.tests.factories import CustomNodeTemplateFactory, template_data
from quicktests.tests.factories import QuickTestFactory, reference_flow, reference_parameters
from sessions_app.drafts import draft_version
from sessions_app.models import BuilderSession
from sessions_app.tests.factories import BuilderSessionFactory
from strategies.models import StrategyInstance
from strategies.tests.factories import StrategyInstanceFactory, StrategyTemplateFactory, UserFactory
from strategy_builder.models import BaseModel

from .corpus_text import BODIES, FRAGMENTS, STORED_VALUES, UNSTORABLE

pytestmark = pytest.mark.django_db

API = "/api/v1/"
PASSWORD = "a-long-test-password"
EMPTY_FLOW = {"schema_version": 1, "nodes": [], "edges": []}
MAX_ERROR_BYTES = 8_000  # nothing a client sent is echoed at length


@dataclass
class World:
    """One owner's rows of every kind, and a client logged in as the owner."""

    owner: Any
    colleague: Any
    api: APIClient
    instance: StrategyInstance
    template: Any
    node: Any
    dataset: Any
    session: BuilderSession
    shared_session: BuilderSession


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("seed_node_templates", verbosity=0)
    owner = UserFactory()
    owner.set_password(PASSWORD)
    owner.save()
    colleague = UserFactory()
    api = APIClient()
    api.force_authenticate(owner)
    instance = StrategyInstanceFactory(owner=owner, logic_flow=reference_flow(), parameters=reference_parameters())
    return World(
        owner=owner,
        colleague=colleague,
        api=api,
        instance=instance,
        template=StrategyTemplateFactory(owner=owner),
        node=CustomNodeTemplateFactory(owner=owner),
        dataset=DatasetFactory(user_id=str(owner.pk)),
        session=BuilderSessionFactory(
            owner=owner, instance=instance, draft_logic_flow=reference_flow(), draft_parameters=reference_parameters()
        ),
        shared_session=BuilderSessionFactory(owner=owner, session_type="COLLABORATIVE"),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict]
    field: str  # where a fragment goes
    headers: Callable[[World], dict] = field(default=lambda w: {})
    anonymous: bool = False
    form: bool = False  # `field` is a JSON field; also send the fragment as form text

    def __str__(self) -> str:
        return self.name


def _version(w: World) -> int:
    return draft_version(BuilderSession.objects.get(pk=w.session.pk))


def _template_body(w: World) -> dict:
    return template_data(name=w.node.name)


ENDPOINTS = [
    Endpoint(
        "auth_token",
        "POST",
        lambda w: f"{API}auth/token/",
        lambda w: {"username": w.owner.username, "password": PASSWORD},
        "username",
        anonymous=True,
    ),
    Endpoint(
        "node_template_create",
        "POST",
        lambda w: f"{API}node-templates/",
        lambda w: template_data(),
        "default_parameters",
    ),
    Endpoint(
        "node_template_replace",
        "PUT",
        lambda w: f"{API}node-templates/{w.node.pk}/",
        _template_body,
        "default_parameters",
    ),
    Endpoint(
        "node_template_change",
        "PATCH",
        lambda w: f"{API}node-templates/{w.node.pk}/",
        lambda w: {"display_name": "Renamed"},
        "display_name",
    ),
    Endpoint(
        "strategy_template_create",
        "POST",
        lambda w: f"{API}strategy-templates/",
        lambda w: {"name": "New template", "logic_flow": EMPTY_FLOW, "parameters": {"fast": 10}},
        "parameters",
        form=True,
    ),
    Endpoint(
        "strategy_template_replace",
        "PUT",
        lambda w: f"{API}strategy-templates/{w.template.pk}/",
        lambda w: {"name": "Replaced", "logic_flow": EMPTY_FLOW},
        "logic_flow",
    ),
    Endpoint(
        "strategy_template_change",
        "PATCH",
        lambda w: f"{API}strategy-templates/{w.template.pk}/",
        lambda w: {"description": "Changed"},
        "description",
    ),
    Endpoint(
        "strategy_instance_create",
        "POST",
        lambda w: f"{API}strategy-instances/",
        lambda w: {"name": "New strategy", "logic_flow": EMPTY_FLOW},
        "logic_flow",
        form=True,
    ),
    Endpoint(
        "strategy_instance_replace",
        "PUT",
        lambda w: f"{API}strategy-instances/{w.instance.pk}/",
        lambda w: {"name": "Replaced", "parameters": {"fast": 12, "slow": 30, "rsi_period": 14}},
        "parameters",
    ),
    Endpoint(
        "strategy_instance_change",
        "PATCH",
        lambda w: f"{API}strategy-instances/{w.instance.pk}/",
        lambda w: {"name": "Renamed"},
        "name",
    ),
    Endpoint(
        "quick_test_run",
        "POST",
        lambda w: f"{API}quick-tests/",
        lambda w: {"instance": w.instance.pk, "test_config": {"dataset": w.dataset.pk}},
        "test_config",
        form=True,
    ),
    Endpoint(
        "code_generation",
        "POST",
        lambda w: f"{API}code-generations/",
        lambda w: {"instance": w.instance.pk, "parameters": {"fast": 12}},
        "parameters",
        form=True,
    ),
    Endpoint(
        "session_start",
        "POST",
        lambda w: f"{API}builder-sessions/",
        lambda w: {"draft_metadata": {"viewport": {"x": 0, "y": 0, "zoom": 1}}},
        "draft_metadata",
        form=True,
    ),
    Endpoint(
        "session_autosave",
        "PATCH",
        lambda w: f"{API}builder-sessions/{w.session.pk}/",
        lambda w: {"draft_metadata": {"selected": ["rsi"]}},
        "draft_metadata",
        headers=lambda w: {"If-Match": '"1"'},
    ),
    Endpoint(
        "session_save_beacon",
        "POST",
        lambda w: f"{API}builder-sessions/{w.session.pk}/save/",
        lambda w: {"base_version": _version(w), "draft_parameters": {"fast": 11, "slow": 30, "rsi_period": 14}},
        "draft_parameters",
        form=True,
    ),
    Endpoint(
        "session_commit",
        "POST",
        lambda w: f"{API}builder-sessions/{w.session.pk}/commit/",
        lambda w: {"base_version": 1, "name": "Committed"},
        "name",
    ),
    Endpoint(
        "session_collaborators",
        "PUT",
        lambda w: f"{API}builder-sessions/{w.shared_session.pk}/collaborators/",
        lambda w: {"collaborator_ids": [str(w.colleague.pk)]},
        "collaborator_ids",
    ),
]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as stored: what "nothing was stored" compares."""
    tables = {}
    for model in apps.get_models():
        if issubclass(model, BaseModel):
            fields = [f.attname for f in model._meta.concrete_fields]
            tables[model._meta.db_table] = sorted(model.all_objects.values_list(*fields), key=lambda row: row[0])
    return tables


def send(w: World, endpoint: Endpoint, body: str | bytes, content_type: str = "application/json"):
    client = APIClient() if endpoint.anonymous else w.api
    cache.clear()  # the token endpoint's password throttle counts every attempt
    return client.generic(
        endpoint.method, endpoint.path(w), body, content_type=content_type, headers=endpoint.headers(w)
    )


def with_value(body: dict, name: str, text: str) -> str:
    marker = "@@fragment@@"
    return json.dumps({**body, name: marker}).replace(json.dumps(marker), text)


def with_key(body: dict, text: str) -> str:
    return json.dumps(body)[:-1] + f", {text}: 1}}"


def refusal_problems(response, expect: str, where: str | None, *, bounded: bool = True) -> list[str]:
    """What is wrong with `response` as the refusal of a hostile body (empty when it is right)."""
    wrong = []
    if not 400 <= response.status_code < 500:
        return [f"answered {response.status_code}"]
    if bounded and len(response.content) > MAX_ERROR_BYTES:
        wrong.append(f"an error of {len(response.content):,} bytes")
    error = response.json().get("error", {})
    if error.get("status") != response.status_code or not isinstance(error.get("message"), str):
        return [*wrong, f"not the error shape: {response.content[:300]!r}"]
    problems = error.get("problems")
    if not isinstance(problems, list) or not all(isinstance(p, dict) and "code" in p for p in problems):
        return [*wrong, f"malformed problems: {problems!r}"]
    if expect == "field" and not any((p.get("field") or "").startswith(where) for p in problems):
        wrong.append(f"no problem names {where!r}: {problems!r}")
    if expect == "depth" and not any(p["code"] == "too_deep" and "64" in p["message"] for p in problems):
        wrong.append(f"the depth limit is not named: {problems!r}")
    return wrong


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_endpoint_accepts_its_body_as_given(world, endpoint):
    """The bodies are the endpoints' valid requests, so each refusal below is the hostile fragment's doing."""
    response = send(world, endpoint, json.dumps(endpoint.body(world)))
    assert response.status_code < 300, response.content[:500]
    if endpoint.form:
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in endpoint.body(world).items()}
        response = send(world, endpoint, urlencode(flat), content_type="application/x-www-form-urlencoded")
        assert response.status_code < 300, response.content[:500]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_hostile_json_values_and_keys_are_refused_naming_where_and_nothing_is_stored(world, endpoint):
    before = snapshot()
    failures = []
    for fragment in FRAGMENTS:
        response = send(world, endpoint, with_value(endpoint.body(world), endpoint.field, fragment.text))
        failures += [
            f"{fragment} in {endpoint.field}: {w}" for w in refusal_problems(response, fragment.expect, endpoint.field)
        ]
        if fragment.as_key:
            response = send(world, endpoint, with_key(endpoint.body(world), fragment.text))
            failures += [f"{fragment} as a key: {w}" for w in refusal_problems(response, fragment.expect, '["')]
    assert not failures, "\n".join(failures)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.form], ids=str)
def test_hostile_json_sent_as_form_text_is_refused_naming_the_field(world, endpoint):
    before = snapshot()
    failures = []
    for fragment in FRAGMENTS:
        body = {**endpoint.body(world), endpoint.field: fragment.text}
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        response = send(world, endpoint, urlencode(flat), content_type="application/x-www-form-urlencoded")
        failures += [f"{fragment}: {w}" for w in refusal_problems(response, "field", endpoint.field)]
    assert not failures, "\n".join(failures)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_bodies_that_are_not_utf8_json_are_refused(world, endpoint):
    before = snapshot()
    failures = []
    for name, body in BODIES.items():
        response = send(world, endpoint, body)
        failures += [f"{name}: {w}" for w in refusal_problems(response, "parse", None)]
    assert not failures, "\n".join(failures)
    assert snapshot() == before


def test_a_multipart_upload_with_a_nul_in_its_name_is_refused_naming_the_field(world):
    before = snapshot()
    csv = b"timestamp,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,2,0.5,1.5,10\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("bars.csv", csv, content_type="text/csv")
    response = world.api.post(
        f"{API}datasets/",
        {"file": upload, "name": "bars\x00", "symbol": "SYM", "timeframe": "1m"},
        format="multipart",
    )
    assert refusal_problems(response, "field", "name") == []
    assert snapshot() == before


# --- A collaborator cannot break the owner's session ---------------------------------------------------


def test_a_collaborators_hostile_save_is_refused_and_the_owner_still_lists_and_opens_the_session(world):
    session = world.shared_session
    session.collaborator_ids = [str(world.colleague.pk)]
    session.save(update_fields=["collaborator_ids"])
    colleague = APIClient()
    colleague.force_authenticate(world.colleague)
    before = snapshot()

    saved = colleague.generic(
        "POST",
        f"{API}builder-sessions/{session.pk}/save/",
        with_value({"base_version": 1}, "draft_metadata", '{"note": "\\ud800", "\\udfff": 1}'),
        content_type="application/json",
    )

    assert saved.status_code == 400
    assert {p["field"] for p in saved.json()["error"]["problems"]} == {
        "draft_metadata.note",
        'draft_metadata["\\udfff"]',
    }
    assert snapshot() == before
    assert world.api.get(f"{API}builder-sessions/").status_code == 200
    assert world.api.get(f"{API}builder-sessions/{session.pk}/").status_code == 200
    assert colleague.get(f"{API}builder-sessions/shared/").status_code == 200


# --- Query strings -------------------------------------------------------------------------------------

LISTS = {
    "strategy-templates/": ["name", "status", "created_after", "created_before", "ordering"],
    "strategy-instances/": ["name", "status", "template_id", "created_after", "created_before", "ordering"],
    "node-templates/": ["node_type", "category", "search", "mine", "is_system_template", "ordering"],
    "datasets/": ["symbol", "timeframe", "shared"],
    "quick-tests/": ["instance", "status", "within_hours", "created_after", "created_before"],
    "code-generations/": ["instance", "validation_status", "code_hash", "created_after", "created_before"],
    "builder-sessions/": ["is_active", "session_type", "instance", "active_since", "ordering"],
    "builder-sessions/shared/": ["is_active", "active_since"],
}
QUERY_VALUES = [
    "%00",
    "%ED%A0%80",  # a surrogate's UTF-8 bytes: Django decodes them as U+FFFD
    "%C0%80",
    "%EF%BB%BF1",
    "x" * 5_000,
    "1e400",
    "1e999999999",
    "-1e400",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00%2B05:00",
    "2020-02-30T00:00:00Z",
]


@pytest.mark.parametrize("path", LISTS, ids=str)
def test_hostile_query_strings_never_answer_a_server_error(world, path):
    failures = []
    for param in LISTS[path]:
        for value in QUERY_VALUES:
            response = world.api.get(f"{API}{path}?{param}={value}")
            if response.status_code == 200:
                continue
            # Not bounded: a choice filter's own message repeats the value, which the server's limit on the
            # length of a request line (some 8 KB) bounds.
            wrong = refusal_problems(response, "field", param, bounded=False)
            failures += [f"?{param}={value[:40]}: {w}" for w in wrong]
    assert not failures, "\n".join(failures)


# --- No stored value breaks its owner's list ---------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A table as its owner reaches it: how to make a row, the list (and other reads) that show it, and
    whether the API deletes it."""

    model: type[models.Model]
    path: str
    make: Callable[[Any], models.Model]
    reads: tuple[str, ...] = ()
    deletable: bool = True

    def __str__(self) -> str:
        return self.model._meta.db_table


def _code_generation(owner) -> CodeGeneration:
    instance = StrategyInstanceFactory(owner=owner)
    return CodeGeneration.objects.create(
        instance=instance,
        user_id=str(owner.pk),
        logic_flow_snapshot=instance.logic_flow,
        parameters_snapshot=instance.parameters,
        generated_code="",
        code_hash="0" * 64,
        validation_result={"status": "FLOW_ERROR", "problems": []},
    )


TABLES = [
    Table(
        apps.get_model("strategies", "StrategyTemplate"),
        "strategy-templates/",
        lambda o: StrategyTemplateFactory(owner=o),
    ),
    Table(StrategyInstance, "strategy-instances/", lambda o: StrategyInstanceFactory(owner=o)),
    Table(
        apps.get_model("nodes", "NodeTemplate"),
        "node-templates/",
        lambda o: CustomNodeTemplateFactory(owner=o),
        reads=("node-templates/catalogue/",),
    ),
    Table(apps.get_model("marketdata", "Dataset"), "datasets/", lambda o: DatasetFactory(user_id=str(o.pk))),
    Table(
        apps.get_model("quicktests", "QuickTest"),
        "quick-tests/",
        lambda o: QuickTestFactory(instance=StrategyInstanceFactory(owner=o)),
    ),
    Table(CodeGeneration, "code-generations/", _code_generation),
    Table(BuilderSession, "builder-sessions/", lambda o: BuilderSessionFactory(owner=o), deletable=False),
]
# Written by the server alone, in shapes it reads back (lock holders, who may collaborate): not user data.
SERVER_WRITTEN = {"id", "user_id", "created_by", "updated_by", "lock_info", "collaborator_ids", "code_hash", "file"}


def _poisonable(model: type[models.Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.name not in SERVER_WRITTEN
        and not f.choices
        and (isinstance(f, models.JSONField) or type(f) in (models.CharField, models.TextField))
    ]


CASES = [
    pytest.param(table, name, key, id=f"{table}.{name}-{key}")
    for table in TABLES
    for name in _poisonable(table.model)
    for key in STORED_VALUES
    if isinstance(table.model._meta.get_field(name), models.JSONField) or isinstance(STORED_VALUES[key], str)
]


def _poisoned(field: models.Field, current: Any, value: Any) -> Any:
    """`value` inside the field's own shape: a new member of its object or list, and a key when it is text."""
    if not isinstance(field, models.JSONField):
        return value
    if isinstance(current, list):
        return [*current, value]
    if isinstance(current, dict) or current is None:  # a JSON column left empty holds an object when set
        return {**(current or {}), "hostile": value, **({value: 1} if isinstance(value, str) else {})}
    return value


@pytest.mark.parametrize(("table", "name", "key"), CASES)
def test_one_hostile_value_never_breaks_its_owners_list_detail_or_delete(settings, tmp_path, table, name, key):
    """The strongest guarantee: whatever a column can hold, even written past every check (a bulk update, a
    row from before the checks), its owner still lists, opens and deletes the row. And no write through the
    model (services, admin, commands) stores the value in the first place."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    owner = UserFactory()
    api = APIClient()
    api.force_authenticate(owner)
    row = table.make(owner)
    value = _poisoned(table.model._meta.get_field(name), getattr(row, name), STORED_VALUES[key])
    stored = snapshot()

    if key in UNSTORABLE:
        setattr(row, name, value)
        with pytest.raises(ValidationError) as refused:
            row.save()
        assert any(path.startswith(name) for path in refused.value.message_dict)
        with pytest.raises(ValidationError) as refused:
            row.full_clean()
        assert name in refused.value.message_dict
        assert snapshot() == stored

    try:
        with transaction.atomic():
            table.model.all_objects.filter(pk=row.pk).update(**{name: value})
    except Exception:  # noqa: S110 (the database itself refused it: still nothing stored)
        pass

    for path in (table.path, f"{table.path}{row.pk}/", *table.reads):
        response = api.get(f"{API}{path}")
        assert response.status_code == 200, (path, response.content[:300])
    assert row.pk in {item["id"] for item in api.get(f"{API}{table.path}").json()["results"]}
    if table.deletable:
        assert api.delete(f"{API}{table.path}{row.pk}/").status_code == 204
        assert row.pk not in {item["id"] for item in api.get(f"{API}{table.path}").json()["results"]}


# --- Admin forms -----------------------------------------------------------------------------------------

ADMIN_FRAGMENTS = [
    fragment
    for fragment in FRAGMENTS
    if fragment.name not in ("integer_of_5000_digits",)  # not JSON Python reads: the form's own "Enter a valid JSON"
]


# A parameter schema has a tighter depth limit of its own (NODE_SCHEMA_MAX_DEPTH), which refuses deep JSON first.
ADMIN_MARKERS = (
    "surrogate", "NUL", "finite", "too large", "Nested more than 64", "characters; keys", "levels deep"
)  # fmt: skip


def _form_errors(response) -> dict[str, list[str]]:
    return {name: list(errors) for name, errors in response.context["adminform"].form.errors.items()}


@pytest.mark.parametrize(
    ("add_url", "form", "field", "valid"),
    [
        pytest.param(
            f"/admin/strategies/{model}/add/",
            {
                "name": "Staff made",
                "description": "",
                "user_id": "42",
                "status": "ACTIVE",
                "logic_flow": '{"schema_version": 1, "nodes": [{"id": "n1", "template": "sma", "params": {"period": @@}}], '
                '"edges": []}',
                "parameters": "{}",
            },
            "logic_flow",
            "10",
            id=f"{model}.logic_flow.nodes[0].params",
        )
        for model in ("strategyinstance", "strategytemplate")
    ]
    + [
        pytest.param(
            "/admin/nodes/nodetemplate/add/",
            {
                **{k: json.dumps(v) if not isinstance(v, str) else v for k, v in template_data().items() if v},
                "is_system_template": "on",
                "user_id": "",
                "execution_hints": json.dumps({"op": "talib", "function": "SMA"}),
                "parameter_schema": '{"type": "object", "properties": {"timeperiod": {"type": "integer", '
                '"minimum": 1, "examples": [@@]}}, "required": ["timeperiod"], "additionalProperties": false}',
            },
            "parameter_schema",
            "3",
            id="node_template.parameter_schema",
        ),
    ],
)
def test_hostile_json_in_an_admin_form_is_an_error_beside_its_field_and_nothing_is_stored(
    client, add_url, form, field, valid
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    accepted = client.post(add_url, {**form, field: form[field].replace("@@", valid)})
    assert accepted.status_code == 302, _form_errors(accepted)  # so each error below is the fragment's doing
    before = snapshot()
    failures = []
    for fragment in ADMIN_FRAGMENTS:
        response = client.post(add_url, {**form, field: form[field].replace("@@", fragment.text)})
        errors = " ".join(_form_errors(response).get(field, [])) if response.status_code == 200 else ""
        if not any(marker in errors for marker in ADMIN_MARKERS):
            failures.append(f"{fragment}: answered {response.status_code}, with {errors[:200]!r} beside {field}")
    assert not failures, "\n".join(failures)
    assert snapshot() == before


# --- Management commands -----------------------------------------------------------------------------------


def test_restore_refuses_a_backup_row_holding_a_lone_surrogate_and_restores_nothing(tmp_path):
    owner = UserFactory()
    StrategyInstanceFactory(owner=owner, name="Kept")
    backup = tmp_path / "b.jsonl"
    call_command("backup_tables", "--output", str(backup), "--include-strategies", stdout=StringIO())
    lines = backup.read_text().splitlines()
    # Edit the backup as an attacker with access to it could: a label no row may hold, in JSON's escape.
    lines = [line.replace('"Kept"', '"Kept \\ud800"') for line in lines]
    backup.write_text("\n".join(lines) + "\n")
    before = snapshot()

    with pytest.raises(CommandError, match=r"strategy_instances row \S+ holds a value no row may hold, at name"):
        call_command("restore_tables", str(backup), "--replace")

    assert snapshot() == before


def test_restore_refuses_a_backup_line_nested_too_deep_to_parse(tmp_path):
    backup = tmp_path / "b.jsonl"
    backup.write_text('{"format": "strategy-builder-tables", "version": 1, "tables": []}\n' + "[" * 5_000 + "\n")

    with pytest.raises(CommandError, match=r"line 2 is not JSON .*64 levels"):
        call_command("restore_tables", str(backup))


def test_import_bars_refuses_a_name_that_came_through_argv_as_undecodable_bytes(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    path = tmp_path / "bars.csv"
    path.write_bytes(b"timestamp,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,1.5,10\n")
    name = b"Bars \xed\xa0\x80".decode("utf-8", "surrogateescape")  # how Python reads such bytes from argv

    with pytest.raises(CommandError, match=r"not imported: .*lone surrogate"):
        call_command("import_bars", str(path), "--symbol", "ACME", "--timeframe", "1d", "--shared", "--name", name)

    assert not apps.get_model("marketdata", "Dataset").all_objects.exists()
    assert not list((tmp_path / "media").rglob("*.parquet"))
