import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

import engine
from strategies.choices import StrategyStatus
from strategies.models import StrategyInstance, StrategyTemplate

from .factories import StrategyInstanceFactory, StrategyTemplateFactory

pytestmark = pytest.mark.django_db

TEMPLATES = "/api/v1/strategy-templates/"
INSTANCES = "/api/v1/strategy-instances/"

FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "close", "template": "price_close", "position": {"x": 0, "y": 0}},
        {"id": "fast", "template": "sma", "version": "1.0.0", "params": {"period": {"$param": "fast"}}},
    ],
    "edges": [{"id": "e1", "source": "close", "source_port": "close", "target": "fast", "target_port": "series"}],
}


def problems_by_field(response) -> dict[str, str]:
    return {p.get("field"): p["code"] for p in response.json()["error"]["problems"]}


# --- Creating, reading, changing --------------------------------------------------------------------


def test_create_template_answers_201_with_the_stored_template(api, user):
    response = api.post(TEMPLATES, {"name": "SMA cross", "logic_flow": FLOW, "parameters": {"fast": 10}})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "description",
        "logic_flow",
        "parameters",
        "status",
        "problems",
        "runnable",
        "created_at",
        "updated_at",
    }
    assert (body["name"], body["logic_flow"], body["parameters"], body["status"]) == (
        "SMA cross",
        FLOW,
        {"fast": 10},
        "ACTIVE",
    )
    assert StrategyTemplate.objects.get(pk=body["id"]).user_id == str(user.pk)


def test_create_instance_without_a_flow_starts_with_an_empty_one(api):
    response = api.post(INSTANCES, {"name": "Blank"})

    assert response.status_code == 201
    assert response.json()["logic_flow"] == {"schema_version": 1, "nodes": [], "edges": []}
    assert response.json()["template_id"] is None


def test_create_instance_from_a_template_copies_its_flow_and_parameters(api, user):
    template = StrategyTemplateFactory(owner=user, logic_flow=FLOW, parameters={"fast": 8})

    response = api.post(INSTANCES, {"name": "From template", "template_id": template.pk})

    assert response.status_code == 201
    body = response.json()
    assert (body["template_id"], body["logic_flow"], body["parameters"]) == (template.pk, FLOW, {"fast": 8})


def test_create_instance_from_another_users_template_is_refused_on_the_field(api, other_user):
    template = StrategyTemplateFactory(owner=other_user)

    response = api.post(INSTANCES, {"name": "Stolen", "template_id": template.pk})

    assert response.status_code == 400
    assert problems_by_field(response) == {"template_id": "does_not_exist"}
    assert not StrategyInstance.objects.exists()


def test_list_shows_only_my_alive_instances_paginated(api, user, other_user):
    mine = StrategyInstanceFactory.create_batch(3, owner=user)
    StrategyInstanceFactory(owner=other_user)
    StrategyInstanceFactory(owner=user, is_deleted=True)

    response = api.get(INSTANCES, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert len(body["results"]) == 2 and body["next"]
    listed = {row["id"] for row in body["results"]} | {row["id"] for row in api.get(body["next"]).json()["results"]}
    assert listed == {i.pk for i in mine}


def test_patch_changes_only_the_given_fields(api, user):
    instance = StrategyInstanceFactory(owner=user, name="Old", parameters={"fast": 1})

    response = api.patch(f"{INSTANCES}{instance.pk}/", {"parameters": {"fast": 2, "use_stop": True}})

    assert response.status_code == 200
    instance.refresh_from_db()
    assert (instance.name, instance.parameters) == ("Old", {"fast": 2, "use_stop": True})


def test_put_requires_a_name(api, user):
    instance = StrategyInstanceFactory(owner=user)

    response = api.put(f"{INSTANCES}{instance.pk}/", {"description": "no name"})

    assert response.status_code == 400
    assert problems_by_field(response) == {"name": "required"}


def test_archive_and_unarchive(api, user):
    instance = StrategyInstanceFactory(owner=user)

    archived = api.post(f"{INSTANCES}{instance.pk}/archive/")
    assert archived.status_code == 200 and archived.json()["status"] == "ARCHIVED"
    assert api.get(INSTANCES, {"status": "ARCHIVED"}).json()["count"] == 1

    active = api.post(f"{INSTANCES}{instance.pk}/unarchive/")
    assert active.status_code == 200 and active.json()["status"] == "ACTIVE"
    assert StrategyInstance.objects.get(pk=instance.pk).status == StrategyStatus.ACTIVE


# --- Bad input ------------------------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name(api):
    response = api.post(INSTANCES, {"name": "Typo", "paramters": {}, "status": "ARCHIVED"})

    assert response.status_code == 400
    assert problems_by_field(response) == {"paramters": "unknown_field", "status": "unknown_field"}
    assert not StrategyInstance.objects.exists()


def test_a_malformed_flow_is_refused_with_a_path_to_each_problem(api):
    flow = {
        "schema_version": 1,
        "nodes": [{"id": "a", "template": "sma"}, {"id": "b", "template": "ema"}, {"id": "", "template": "rsi"}],
        "edges": [{"source": "a", "target": "b", "target_port": "series"}],
    }

    response = api.post(TEMPLATES, {"name": "Broken", "logic_flow": flow, "parameters": {"fast": [1, 2]}})

    assert response.status_code == 400
    assert problems_by_field(response) == {
        "logic_flow.nodes[2].id": "invalid_type",
        "logic_flow.edges[0].source_port": "required",
        "parameters.fast": "invalid_type",
    }


@pytest.mark.parametrize(
    ("flow", "field"),
    [
        ([], "logic_flow"),
        ({"nodes": [], "edges": []}, "logic_flow.schema_version"),
        ({"schema_version": 2, "nodes": [], "edges": []}, "logic_flow.schema_version"),
        ({"schema_version": 1, "nodes": {}, "edges": []}, "logic_flow.nodes"),
        ({"schema_version": 1, "nodes": [], "edges": [], "layout": {}}, "logic_flow.layout"),
    ],
)
def test_flows_not_in_format_v1_are_refused(api, flow, field):
    response = api.post(TEMPLATES, {"name": "Bad", "logic_flow": flow})

    assert response.status_code == 400
    assert list(problems_by_field(response)) == [field]


def test_a_malformed_param_binding_and_a_reused_id_are_refused_by_path(api):
    flow = {
        "schema_version": 1,
        "nodes": [
            {"id": "a", "template": "sma", "params": {"timeperiod": {"$param": 20}}},
            {"id": "a", "template": "ema"},
        ],
        "edges": [],
    }

    response = api.post(TEMPLATES, {"name": "Broken", "logic_flow": flow})

    assert response.status_code == 400
    assert problems_by_field(response) == {
        "logic_flow.nodes[0].params.timeperiod": "invalid_param_binding",
        "logic_flow.nodes[1].id": "duplicate_node_id",
    }


def test_optional_flow_keys_set_to_null_are_accepted_as_absent(api):
    flow = {
        "schema_version": 1,
        "nodes": [{"id": "a", "template": "sma", "version": None, "label": None, "params": None, "position": None}],
        "edges": [{"id": None, "source": "a", "source_port": "value", "target": "b", "target_port": "series"}],
    }

    response = api.post(TEMPLATES, {"name": "Nulls", "logic_flow": flow})

    assert response.status_code == 201, response.json()
    assert StrategyTemplate.objects.get(pk=response.json()["id"]).logic_flow == flow


def test_filters_by_name_template_and_creation_time(api, user):
    template = StrategyTemplateFactory(owner=user)
    recent = StrategyInstanceFactory(owner=user, name="RSI bounce", template=template)
    old = StrategyInstanceFactory(owner=user, name="rsi divergence")
    StrategyInstance.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))

    def ids(**params):
        return [row["id"] for row in api.get(INSTANCES, params).json()["results"]]

    assert ids(name="rsi", ordering="created_at") == [old.pk, recent.pk]
    assert ids(template_id=template.pk) == [recent.pk]
    assert ids(created_after=(timezone.now() - timedelta(days=1)).isoformat()) == [recent.pk]
    assert ids(created_before=(timezone.now() - timedelta(days=1)).isoformat()) == [old.pk]


@pytest.mark.parametrize(("params", "field"), [({"ordering": "user_id"}, "ordering"), ({"status": "LIVE"}, "status")])
def test_invalid_filter_values_answer_400_naming_the_parameter(api, params, field):
    response = api.get(INSTANCES, params)

    assert response.status_code == 400
    assert list(problems_by_field(response)) == [field]


def test_anonymous_requests_answer_401():
    response = APIClient().get(INSTANCES)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- Validating -----------------------------------------------------------------------------------

EXAMPLES = Path(engine.__file__).parent / "examples"
REFERENCE_FLOW = json.loads((EXAMPLES / "reference_flow.json").read_text())
REFERENCE_PARAMS = json.loads((EXAMPLES / "reference_params.json").read_text())


@pytest.mark.parametrize("factory", [StrategyInstanceFactory, StrategyTemplateFactory])
def test_validate_says_a_complete_flow_is_valid(api, user, factory):
    strategy = factory(owner=user, logic_flow=REFERENCE_FLOW, parameters=REFERENCE_PARAMS)
    url = INSTANCES if factory is StrategyInstanceFactory else TEMPLATES

    response = api.post(f"{url}{strategy.pk}/validate/")

    assert response.status_code == 200
    assert response.json() == {"valid": True, "problems": []}


def test_validate_lists_every_problem_tied_to_its_node_or_edge(api, user):
    flow = copy.deepcopy(REFERENCE_FLOW)
    flow["edges"] = [e for e in flow["edges"] if e["id"] != "e9"]  # the entry signal loses its input
    flow["nodes"].append({"id": "mystery", "template": "no_such_indicator"})
    params = {k: v for k, v in REFERENCE_PARAMS.items() if k != "slow"}
    instance = StrategyInstanceFactory(owner=user, logic_flow=flow, parameters=params)

    response = api.post(f"{INSTANCES}{instance.pk}/validate/")

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    located = {(p["code"], p.get("node_id")) for p in body["problems"]}
    assert {("unbound_param", "sma_slow"), ("missing_input", "enter_long"), ("unknown_template", "mystery")} <= located


def test_validate_checks_an_empty_flow_needs_an_entry_signal(api, user):
    instance = StrategyInstanceFactory(owner=user, logic_flow={"schema_version": 1, "nodes": [], "edges": []})

    body = api.post(f"{INSTANCES}{instance.pk}/validate/").json()

    assert body["valid"] is False
    assert [p["code"] for p in body["problems"]] == ["no_entry_signal"]


# --- Deleting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "factory"), [(TEMPLATES, StrategyTemplateFactory), (INSTANCES, StrategyInstanceFactory)]
)
def test_delete_is_soft_then_the_object_is_gone_from_the_api(api, user, url, factory):
    obj = factory(owner=user)

    assert api.delete(f"{url}{obj.pk}/").status_code == 204

    row = type(obj).all_objects.get(pk=obj.pk)
    assert row.is_deleted and row.deleted_at is not None
    assert api.get(url).json()["count"] == 0
    assert api.get(f"{url}{obj.pk}/").status_code == 404
    assert api.delete(f"{url}{obj.pk}/").status_code == 404


# --- Another user's objects answer 404 on every verb ------------------------------------------------


def _calls(url: str):
    return [
        ("get", url, None),
        ("put", url, {"name": "Mine now"}),
        ("patch", url, {"name": "Mine now"}),
        ("delete", url, None),
    ]


@pytest.mark.parametrize("call", range(5))
def test_another_users_template_answers_404_on_every_verb(api, other_user, call):
    template = StrategyTemplateFactory(owner=other_user, name="Theirs")
    url = f"{TEMPLATES}{template.pk}/"
    method, url, data = [*_calls(url), ("post", f"{url}validate/", None)][call]

    response = getattr(api, method)(url, data)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    template.refresh_from_db()
    assert (template.name, template.is_deleted) == ("Theirs", False)


@pytest.mark.parametrize("call", range(7))
def test_another_users_instance_answers_404_on_every_verb(api, other_user, call):
    instance = StrategyInstanceFactory(owner=other_user, name="Theirs")
    url = f"{INSTANCES}{instance.pk}/"
    calls = [
        *_calls(url),
        ("post", f"{url}archive/", None),
        ("post", f"{url}unarchive/", None),
        ("post", f"{url}validate/", None),
    ]
    method, url, data = calls[call]

    response = getattr(api, method)(url, data)

    assert response.status_code == 404
    instance.refresh_from_db()
    assert (instance.name, instance.is_deleted, instance.status) == ("Theirs", False, StrategyStatus.ACTIVE)
