import pytest
from rest_framework.test import APIClient

from engine.templates import COMPATIBLE_PORTS
from nodes.models import NodeTemplate

from .factories import (
    CustomNodeTemplateFactory,
    NodeTemplateFactory,
    StaffFactory,
    UserFactory,
    template_data,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/node-templates/"
CATALOGUE = "/api/v1/node-templates/catalogue/"


def detail(template) -> str:
    return f"{LIST}{template.pk}/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def problem_fields(response) -> set[str]:
    """The fields the one error shape says are wrong (top-level name of each problem's field path)."""
    problems = response.json()["error"]["problems"]
    return {p["field"].split(".")[0].split("[")[0] for p in problems if "field" in p}


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_anonymous_requests_are_refused():
    assert APIClient().get(LIST).status_code in (401, 403)


def test_a_user_lists_system_templates_and_their_own_custom_ones_only():
    user = UserFactory()
    NodeTemplateFactory(name="sma")
    CustomNodeTemplateFactory(owner=user, name="my_rsi")
    CustomNodeTemplateFactory(name="their_rsi")
    NodeTemplateFactory(name="retired", is_deleted=True)

    response = client_for(user).get(LIST)

    assert response.status_code == 200
    assert names(response) == {"sma", "my_rsi"}


def test_another_users_custom_template_answers_404_for_every_method():
    client = client_for(UserFactory())
    theirs = CustomNodeTemplateFactory()

    assert client.get(detail(theirs)).status_code == 404
    assert client.patch(detail(theirs), {"display_name": "Mine"}).status_code == 404
    assert client.delete(detail(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_deleted


def test_a_user_creates_a_custom_template_owned_by_them():
    user = UserFactory()

    response = client_for(user).post(LIST, template_data())

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_system_template"] is False
    assert body["user_id"] == str(user.pk)
    stored = NodeTemplate.objects.get(pk=body["id"])
    assert stored.created_by == user.username
    assert stored.default_parameters == {"timeperiod": 10}


def test_a_user_cannot_create_a_system_template():
    response = client_for(UserFactory()).post(LIST, template_data(is_system_template=True))

    assert response.status_code == 403
    assert not NodeTemplate.all_objects.exists()


def test_staff_create_change_and_delete_system_templates():
    client = client_for(StaffFactory())

    created = client.post(LIST, template_data(is_system_template=True))
    assert created.status_code == 201, created.json()
    assert created.json()["user_id"] is None
    url = f"{LIST}{created.json()['id']}/"

    changed = client.patch(url, {"default_parameters": {"timeperiod": 30}})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["default_parameters"] == {"timeperiod": 30}

    assert client.delete(url).status_code == 204
    assert NodeTemplate.all_objects.get(pk=created.json()["id"]).is_deleted


def test_a_user_may_read_but_not_change_or_delete_a_system_template():
    client = client_for(UserFactory())
    system = NodeTemplateFactory()

    assert client.get(detail(system)).status_code == 200
    assert client.patch(detail(system), {"display_name": "Hacked"}).status_code == 403
    assert client.delete(detail(system)).status_code == 403
    system.refresh_from_db()
    assert (system.display_name, system.is_deleted) != ("Hacked", True)


def test_a_user_updates_and_soft_deletes_their_own_template():
    user = UserFactory()
    client = client_for(user)
    mine = CustomNodeTemplateFactory(owner=user)

    response = client.put(detail(mine), template_data(name=mine.name, display_name="Renamed"))
    assert response.status_code == 200, response.json()
    assert response.json()["display_name"] == "Renamed"

    assert client.delete(detail(mine)).status_code == 204
    assert client.get(detail(mine)).status_code == 404
    assert NodeTemplate.all_objects.get(pk=mine.pk).is_deleted


def test_unknown_fields_are_refused_naming_each_one():
    response = client_for(UserFactory()).post(LIST, template_data(user_id="42", colour="red"))

    assert response.status_code == 400
    assert {"user_id", "colour"} <= problem_fields(response)
    assert not NodeTemplate.all_objects.exists()


def test_ownership_cannot_be_changed_through_an_update():
    user = UserFactory()
    mine = CustomNodeTemplateFactory(owner=user)

    response = client_for(user).patch(detail(mine), {"is_system_template": True})

    assert response.status_code == 400
    assert "is_system_template" in problem_fields(response)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"display_name": "x" * 256}, "display_name"),
        ({"category": "x" * 101}, "category"),
        ({"icon": "x" * 101}, "icon"),
        ({"node_type": "WIDGET"}, "node_type"),
        ({"name": "Not Snake"}, "name"),
        ({"parameter_schema": {"type": "object", "properties": {"p": {"type": 5}}}}, "parameter_schema"),
        ({"default_parameters": {"timeperiod": 0}}, "default_parameters"),
        ({"input_ports": [{"name": "in", "type": "matrix"}]}, "input_ports"),
        ({"output_ports": "value"}, "output_ports"),
        ({"version": "2"}, "version"),
    ],
)
def test_invalid_input_answers_400_naming_the_field(overrides, field):
    response = client_for(UserFactory()).post(LIST, template_data(**overrides))

    assert response.status_code == 400
    assert field in problem_fields(response)
    assert not NodeTemplate.all_objects.exists()


def test_a_duplicate_name_answers_400_not_a_server_error():
    user = UserFactory()
    client = client_for(user)
    assert client.post(LIST, template_data()).status_code == 201

    response = client.post(LIST, template_data())

    assert response.status_code == 400
    assert problem_fields(response) == {"name"}


def test_a_user_restores_their_deleted_template_to_use_its_name_again():
    user = UserFactory()
    client = client_for(user)
    mine = CustomNodeTemplateFactory(owner=user, name="fast_average", is_deleted=True)

    refused = client.post(LIST, template_data())
    assert refused.status_code == 400
    assert mine.pk in refused.json()["error"]["problems"][0]["message"]

    restored = client.post(f"{detail(mine)}restore/")
    assert restored.status_code == 200
    assert client.get(detail(mine)).status_code == 200


def test_restore_answers_404_for_another_users_template_and_403_for_a_system_one():
    client = client_for(UserFactory())
    theirs = CustomNodeTemplateFactory(is_deleted=True)
    system = NodeTemplateFactory(is_deleted=True)

    assert client.post(f"{detail(theirs)}restore/").status_code == 404
    assert client.post(f"{detail(system)}restore/").status_code == 403
    assert NodeTemplate.all_objects.get(pk=system.pk).is_deleted


def test_renaming_a_template_is_refused():
    user = UserFactory()
    mine = CustomNodeTemplateFactory(owner=user)

    response = client_for(user).patch(detail(mine), {"name": "other_name"})

    assert response.status_code == 400
    assert problem_fields(response) == {"name"}


class TestFilters:
    @pytest.fixture
    def user(self):
        user = UserFactory()
        NodeTemplateFactory(name="sma", node_type="INDICATOR", category="TREND", usage_count=5)
        NodeTemplateFactory(name="rsi", display_name="Relative Strength", node_type="INDICATOR", category="MOMENTUM")
        NodeTemplateFactory(name="cross_above", node_type="CONDITION", category="COMPARISON", usage_count=9)
        CustomNodeTemplateFactory(owner=user, name="my_entry", node_type="SIGNAL", category=None, usage_count=1)
        CustomNodeTemplateFactory(owner=user, name="my_trend", node_type="INDICATOR", category="TREND")
        return user

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("node_type=INDICATOR&is_system_template=true", {"sma", "rsi"}),
            ("mine=true&node_type=SIGNAL", {"my_entry"}),
            ("mine=true", {"my_entry", "my_trend"}),
            ("mine=false", {"sma", "rsi", "cross_above"}),
            ("category=TREND&node_type=INDICATOR", {"sma", "my_trend"}),
            ("search=strength", {"rsi"}),
            ("search=MY_", {"my_entry", "my_trend"}),
        ],
    )
    def test_filters_mirror_the_specs_common_queries(self, user, query, expected):
        response = client_for(user).get(f"{LIST}?{query}")

        assert response.status_code == 200
        assert names(response) == expected

    def test_most_popular_first(self, user):
        response = client_for(user).get(f"{LIST}?ordering=-usage_count,name")

        assert [row["name"] for row in response.json()["results"]][:3] == ["cross_above", "sma", "my_entry"]

    def test_an_invalid_filter_value_answers_400_naming_it(self, user):
        response = client_for(user).get(f"{LIST}?node_type=WIDGET&ordering=secret")

        assert response.status_code == 400
        assert {"node_type", "ordering"} <= problem_fields(response)


def test_catalogue_groups_every_usable_template_by_node_type_with_what_the_editor_draws():
    user = UserFactory()
    NodeTemplateFactory(name="sma", node_type="INDICATOR")
    NodeTemplateFactory(name="close", node_type="DATA", input_ports=[], parameter_schema={}, default_parameters={})
    CustomNodeTemplateFactory(owner=user, name="my_sma", node_type="INDICATOR")
    CustomNodeTemplateFactory(name="their_sma", node_type="INDICATOR")
    NodeTemplateFactory(name="retired", node_type="RISK", is_deleted=True)

    response = client_for(user).get(CATALOGUE)

    assert response.status_code == 200
    body = response.json()
    groups = {group["node_type"]: group for group in body["groups"]}
    assert list(groups) == ["DATA", "INDICATOR"]
    assert [t["name"] for t in groups["INDICATOR"]["templates"]] == ["my_sma", "sma"]
    sma = next(t for t in groups["INDICATOR"]["templates"] if t["name"] == "sma")
    assert sma["input_ports"] == [{"name": "series", "type": "series", "required": True}]
    assert sma["output_ports"] == [{"name": "value", "type": "series"}]
    assert sma["default_parameters"] == {"timeperiod": 20}
    assert sma["parameter_schema"]["properties"]["timeperiod"]["minimum"] == 1
    assert (sma["icon"], sma["color"], sma["version"]) == ("chart-line", "#1f77b4", "1.0.0")
    assert {(pair["source"], pair["target"]) for pair in body["compatible_ports"]} == COMPATIBLE_PORTS
    assert set(body["port_types"]) == {"series", "bool", "number"}


def test_catalogue_shows_a_presets_inherited_ports_and_why_a_custom_template_cannot_be_used():
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="my_sma", input_ports=[], output_ports=[])
    CustomNodeTemplateFactory(owner=user, name="my_base", is_deleted=True)
    CustomNodeTemplateFactory(owner=user, name="my_derived", execution_hints={"op": "preset", "base": "my_base"})

    body = client_for(user).get(CATALOGUE).json()

    templates = {t["name"]: t for group in body["groups"] for t in group["templates"]}
    assert set(templates) == {"my_sma", "my_derived"}
    assert templates["my_sma"]["problems"] == []
    assert [(p["name"], p["type"]) for p in templates["my_sma"]["input_ports"]] == [("series", "series")]
    assert [(p["name"], p["type"]) for p in templates["my_sma"]["output_ports"]] == [("value", "series")]
    assert "deleted" in " ".join(templates["my_derived"]["problems"])


def test_catalogue_says_why_a_stored_custom_template_the_engine_rejects_cannot_be_used():
    """A row no save would accept (stored directly: a restore, an older release) shows its problems."""
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="rsi")  # takes a system template's name
    NodeTemplateFactory(name="staff_sma", execution_hints={"op": "no_such_op"})  # no library fallback

    body = client_for(user).get(CATALOGUE).json()

    templates = {(t["name"], t["is_system_template"]): t for group in body["groups"] for t in group["templates"]}
    assert "system template" in " ".join(templates[("rsi", False)]["problems"])
    assert "no_such_op" in " ".join(templates[("staff_sma", True)]["problems"])


def test_the_openapi_schema_documents_the_node_template_endpoints():
    response = client_for(UserFactory()).get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/node-templates/catalogue/" in paths
    catalogue = paths["/api/v1/node-templates/catalogue/"]["get"]
    assert "parameters" not in catalogue or not any(p["name"] == "page" for p in catalogue["parameters"])
    assert "requestBody" in paths["/api/v1/node-templates/"]["post"]
