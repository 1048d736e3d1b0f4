"""Every strategy response says what is wrong with the strategy and whether it runs, so a client learns at once
that what it saved is broken, while saving unfinished work stays allowed."""

import copy
import json
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.flow import validate_flow
from nodes.models import NodeTemplate
from nodes.tests.factories import template_data
from strategies.models import StrategyInstance, StrategyTemplate

from .factories import StrategyInstanceFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "engine" / "examples"
FLOW = json.loads((EXAMPLES / "reference_flow.json").read_text())
PARAMETERS = json.loads((EXAMPLES / "reference_params.json").read_text())
TEMPLATES = "/api/v1/strategy-templates/"
INSTANCES = "/api/v1/strategy-instances/"


def broken(change) -> dict:
    flow = copy.deepcopy(FLOW)
    change(flow)
    return flow


def _rename_template(flow):
    flow["nodes"][3]["template"] = "rsx"


def _drop_edge(flow):
    flow["edges"] = [edge for edge in flow["edges"] if edge["id"] != "e9"]


def _wrong_port(flow):
    flow["edges"][3]["target_port"] = "x"


def _bad_param(flow):
    flow["nodes"][5]["params"] = {"value": "abc"}


# (flow, parameters, a problem the response must carry: code, node_id, edge_id, field)
BROKEN = {
    "unknown indicator": (broken(_rename_template), PARAMETERS, ("unknown_template", "rsi", None, "template")),
    "missing edge": (broken(_drop_edge), PARAMETERS, ("missing_input", "enter_long", None, "inputs.when")),
    "wrong port": (broken(_wrong_port), PARAMETERS, ("unknown_port", "fast_crosses_above_slow", "e4", "target_port")),
    "bad node parameter": (broken(_bad_param), PARAMETERS, ("invalid_params", "rsi_below_70", None, "params.value")),
    "bad strategy parameter": (
        FLOW,
        {**PARAMETERS, "fast": -3},
        ("invalid_params", "sma_fast", None, "params.timeperiod"),
    ),
}


def located(problems: list[dict]) -> set[tuple]:
    return {(p["code"], p.get("node_id"), p.get("edge_id"), p.get("field")) for p in problems}


@pytest.mark.parametrize("url", [TEMPLATES, INSTANCES])
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_saving_a_broken_strategy_is_allowed_and_the_answer_names_each_problem(api, url, case):
    flow, parameters, expected = BROKEN[case]

    response = api.post(url, {"name": case, "logic_flow": flow, "parameters": parameters})

    assert response.status_code == 201
    body = response.json()
    assert body["runnable"] is False
    assert expected in located(body["problems"])
    assert body["problems"] == api.post(f"{url}{body['id']}/validate/").json()["problems"]


@pytest.mark.parametrize("url", [TEMPLATES, INSTANCES])
def test_a_valid_strategy_is_runnable_with_no_problems(api, url):
    response = api.post(url, {"name": "Reference", "logic_flow": FLOW, "parameters": PARAMETERS})

    assert response.status_code == 201
    assert (response.json()["problems"], response.json()["runnable"]) == ([], True)


def test_an_empty_new_strategy_says_it_cannot_run_yet(api):
    body = api.post(INSTANCES, {"name": "Blank"}).json()

    assert body["runnable"] is False
    assert body["problems"] == api.post(f"{INSTANCES}{body['id']}/validate/").json()["problems"] != []


@pytest.mark.parametrize("url", [TEMPLATES, INSTANCES])
def test_every_read_and_write_answer_carries_the_current_problems(api, url):
    strategy_id = api.post(url, {"name": "Fixed later", "logic_flow": BROKEN["wrong port"][0]}).json()["id"]
    detail = f"{url}{strategy_id}/"
    wrong_port = BROKEN["wrong port"][2]

    assert wrong_port in located(api.get(detail).json()["problems"])
    [row] = api.get(url).json()["results"]
    assert wrong_port in located(row["problems"]) and row["runnable"] is False
    assert wrong_port in located(api.patch(detail, {"name": "Still broken"}).json()["problems"])

    fixed = api.put(detail, {"name": "Fixed", "logic_flow": FLOW, "parameters": PARAMETERS}).json()
    assert (fixed["problems"], fixed["runnable"]) == ([], True)
    broken_again = api.patch(detail, {"parameters": {**PARAMETERS, "fast": -3}}).json()
    assert broken_again["runnable"] is False


def test_archive_and_unarchive_answers_carry_the_problems(api):
    strategy_id = api.post(INSTANCES, {"name": "Broken", "logic_flow": BROKEN["missing edge"][0]}).json()["id"]
    missing_edge = BROKEN["missing edge"][2]

    for action in ("archive", "unarchive"):
        body = api.post(f"{INSTANCES}{strategy_id}/{action}/").json()
        assert missing_edge in located(body["problems"]) and body["runnable"] is False


def test_deleting_a_custom_template_a_strategy_uses_shows_on_its_next_read(api, user):
    custom = NodeTemplate.objects.create(
        **template_data(), user_id=str(user.pk), created_by=str(user.pk), updated_by=str(user.pk)
    )
    flow = copy.deepcopy(FLOW)
    flow["nodes"][1].update(template="fast_average", params={"timeperiod": 10})
    strategy_id = api.post(INSTANCES, {"name": "Custom", "logic_flow": flow, "parameters": PARAMETERS}).json()["id"]
    assert api.get(f"{INSTANCES}{strategy_id}/").json()["runnable"] is True

    api.delete(f"/api/v1/node-templates/{custom.pk}/")

    body = api.get(f"{INSTANCES}{strategy_id}/").json()
    assert body["runnable"] is False
    assert {p.get("node_id") for p in body["problems"]} == {"sma_fast"}


def test_a_page_of_strategies_is_checked_against_one_catalogue_build(api, user):
    """The catalogue is built once per request: listing 40 strategies costs the queries of listing 2."""
    for n in range(2):
        StrategyInstanceFactory(owner=user, logic_flow=FLOW, parameters={**PARAMETERS, "fast": n + 2})
    with CaptureQueriesContext(connection) as two:
        assert all(row["runnable"] for row in api.get(INSTANCES, {"page_size": 500}).json()["results"])
    for n in range(38):
        StrategyInstanceFactory(owner=user, logic_flow=FLOW, parameters={**PARAMETERS, "fast": n + 4})

    with CaptureQueriesContext(connection) as forty:
        rows = api.get(INSTANCES, {"page_size": 500}).json()["results"]

    assert len(rows) == 40 and all(row["runnable"] for row in rows)
    assert len(forty) == len(two)


def test_a_page_listed_again_is_not_checked_again_until_something_changes(api, user):
    for n in range(3):
        StrategyInstanceFactory(owner=user, logic_flow=FLOW, parameters={**PARAMETERS, "fast": n + 2})
    api.get(INSTANCES)

    with mock.patch("strategies.services.validate_flow", wraps=validate_flow) as checks:
        again = api.get(INSTANCES).json()["results"]
        assert (checks.call_count, [row["runnable"] for row in again]) == (0, [True, True, True])

        api.patch(f"{INSTANCES}{again[0]['id']}/", {"parameters": {**PARAMETERS, "fast": -1}}, format="json")
        after_edit = {row["id"]: row["runnable"] for row in api.get(INSTANCES).json()["results"]}
        assert after_edit[again[0]["id"]] is False
        assert checks.call_count == 1  # the edited strategy only (its PATCH answer and the list share it)

        NodeTemplate.objects.create(
            **template_data(), user_id=str(user.pk), created_by=str(user.pk), updated_by=str(user.pk)
        )
        api.get(INSTANCES)
        assert checks.call_count == 4  # a template the user can see changed: every row checked afresh


def test_problems_and_runnable_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]

    for name in ("StrategyTemplateOutput", "StrategyInstanceOutput"):
        properties = schema[name]["properties"]
        assert properties["problems"]["items"] == {"$ref": "#/components/schemas/Problem"}
        assert properties["runnable"]["type"] == "boolean"
        assert {"problems", "runnable"} <= set(schema[name]["required"])


def test_rows_stored_before_are_reported_too(api, user):
    StrategyTemplate.objects.create(user_id=str(user.pk), name="Old", logic_flow=BROKEN["unknown indicator"][0])
    StrategyInstance.objects.create(user_id=str(user.pk), name="Old", logic_flow=BROKEN["unknown indicator"][0])

    for url in (TEMPLATES, INSTANCES):
        [row] = api.get(url).json()["results"]
        assert BROKEN["unknown indicator"][2] in located(row["problems"])
