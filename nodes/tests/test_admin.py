import json

import pytest
from django.test import Client

from nodes.models import NodeTemplate

from .factories import CustomNodeTemplateFactory, NodeTemplateFactory, StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/nodes/nodetemplate/"
ADD = f"{CHANGELIST}add/"


def change_url(template) -> str:
    return f"{CHANGELIST}{template.pk}/change/"


def delete_url(template) -> str:
    return f"{CHANGELIST}{template.pk}/delete/"


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def form_data(**overrides) -> dict[str, str]:
    """A POST of the add form for a well-formed system template; JSON fields as the textarea sends them."""
    data = {
        "name": "slow_average",
        "display_name": "Slow average",
        "description": "",
        "node_type": "INDICATOR",
        "category": "TREND",
        "version": "1.0.0",
        "is_system_template": "on",
        "user_id": "",
        "parameter_schema": json.dumps(
            {"type": "object", "properties": {"timeperiod": {"type": "integer", "minimum": 1}}}, indent=2
        ),
        "default_parameters": json.dumps({"timeperiod": 50}),
        "input_ports": json.dumps([{"name": "series", "type": "series"}]),
        "output_ports": json.dumps([{"name": "value", "type": "series"}]),
        "execution_hints": json.dumps({"op": "talib", "function": "SMA"}),
        "validation_rules": "",
        "icon": "",
        "color": "",
    }
    data.update(overrides)
    return data


def change_form_data(template, **overrides) -> dict[str, str]:
    data = {
        key: value
        for key, value in form_data().items()
        if key not in ("name", "is_system_template", "user_id")  # read-only once a template exists
    }
    data.update(
        display_name=template.display_name,
        parameter_schema=json.dumps(template.parameter_schema),
        default_parameters=json.dumps(template.default_parameters),
        input_ports=json.dumps(template.input_ports),
        output_ports=json.dumps(template.output_ports),
        execution_hints=json.dumps(template.execution_hints),
    )
    data.update(overrides)
    return data


def field_errors(response) -> dict[str, list[str]]:
    form = response.context["adminform"].form
    return {name: list(errors) for name, errors in form.errors.items()}


def test_the_changelist_shows_soft_deleted_templates_and_filters_on_them(client):
    NodeTemplateFactory(name="alive")
    NodeTemplateFactory(name="retired", is_deleted=True)

    everything = client.get(CHANGELIST)
    deleted_only = client.get(f"{CHANGELIST}?is_deleted__exact=1")
    searched = client.get(f"{CHANGELIST}?q=retir")

    assert everything.status_code == 200
    assert {t.name for t in everything.context["cl"].result_list} == {"alive", "retired"}
    assert {t.name for t in deleted_only.context["cl"].result_list} == {"retired"}
    assert {t.name for t in searched.context["cl"].result_list} == {"retired"}


def test_the_change_form_shows_json_indented_in_a_monospace_textarea(client):
    template = NodeTemplateFactory()

    response = client.get(change_url(template))

    assert response.status_code == 200
    html = response.content.decode()
    assert "font-family: monospace" in html
    assert "&quot;properties&quot;: {\n" in html


def test_staff_add_a_system_template_through_the_form(client, staff):
    response = client.post(ADD, form_data())

    assert response.status_code == 302, field_errors(response)
    template = NodeTemplate.objects.get(name="slow_average")
    assert template.is_system_template and template.user_id is None
    assert template.created_by == template.updated_by == staff.username
    assert template.default_parameters == {"timeperiod": 50}
    assert template.validation_rules is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"parameter_schema": "{not json"}, "parameter_schema"),
        (
            {"parameter_schema": json.dumps({"type": "object", "properties": {"p": {"type": "integr"}}})},
            "parameter_schema",
        ),
        ({"parameter_schema": json.dumps({"type": "string"})}, "parameter_schema"),
        ({"default_parameters": json.dumps({"timeperiod": 0})}, "default_parameters"),
        ({"default_parameters": json.dumps({"timeperiod": "fifty"})}, "default_parameters"),
        ({"input_ports": json.dumps([{"name": "Series", "type": "series"}])}, "input_ports"),
        ({"input_ports": json.dumps({"name": "series"})}, "input_ports"),
        ({"output_ports": json.dumps([{"name": "value", "type": "series", "colour": "red"}])}, "output_ports"),
        ({"output_ports": ""}, "output_ports"),
        ({"execution_hints": json.dumps(["talib"])}, "execution_hints"),
        ({"name": "Slow Average"}, "name"),
        ({"version": "v1"}, "version"),
        ({"node_type": "WIDGET"}, "node_type"),
        ({"display_name": "x" * 256}, "display_name"),
        ({"is_system_template": "", "user_id": ""}, "user_id"),
        ({"is_system_template": "", "user_id": "999999"}, "user_id"),
    ],
)
def test_the_add_form_rejects_bad_input_with_an_error_next_to_the_field(client, overrides, field):
    response = client.post(ADD, form_data(**overrides))

    assert response.status_code == 200
    assert field in field_errors(response)
    assert not NodeTemplate.all_objects.exists()


def test_the_add_form_rejects_a_duplicate_name_even_of_a_soft_deleted_template(client):
    NodeTemplateFactory(name="slow_average", is_deleted=True)

    response = client.post(ADD, form_data())

    assert response.status_code == 200
    assert "restore it" in " ".join(field_errors(response)["name"])
    assert NodeTemplate.all_objects.count() == 1


def test_the_add_form_checks_a_custom_template_like_the_api_does(client):
    owner = UserFactory()

    response = client.post(ADD, form_data(is_system_template="", user_id=str(owner.pk), name="my_slow_average"))

    assert response.status_code == 200
    assert "presets" in " ".join(field_errors(response)["execution_hints"])


def test_staff_add_a_custom_template_for_a_user(client):
    owner = UserFactory()

    response = client.post(
        ADD,
        form_data(
            is_system_template="",
            user_id=str(owner.pk),
            name="my_slow_average",
            input_ports="[]",
            output_ports="[]",
            execution_hints=json.dumps({"op": "preset", "base": "sma"}),
        ),
    )

    assert response.status_code == 302, field_errors(response)
    template = NodeTemplate.objects.get(name="my_slow_average")
    assert (template.is_system_template, template.user_id) == (False, str(owner.pk))


def test_the_change_form_saves_through_the_service_and_records_the_editor(client, staff):
    template = NodeTemplateFactory(created_by="seed_node_templates")

    response = client.post(change_url(template), change_form_data(template, display_name="Renamed"))

    assert response.status_code == 302, field_errors(response)
    template.refresh_from_db()
    assert template.display_name == "Renamed"
    assert (template.created_by, template.updated_by) == ("seed_node_templates", staff.username)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"default_parameters": json.dumps({"timeperiod": 10_000})}, "default_parameters"),
        (
            {"parameter_schema": json.dumps({"type": "object", "properties": {"timeperiod": {"minimum": "one"}}})},
            "parameter_schema",
        ),
        (
            {"output_ports": json.dumps([{"name": "value", "type": "series"}, {"name": "value", "type": "bool"}])},
            "output_ports",
        ),
        ({"validation_rules": "[1, 2]"}, "validation_rules"),
        ({"color": "#" * 51}, "color"),
    ],
)
def test_the_change_form_rejects_bad_input_and_leaves_the_template_as_it_was(client, overrides, field):
    template = NodeTemplateFactory()
    before = NodeTemplate.objects.values().get(pk=template.pk)

    response = client.post(change_url(template), change_form_data(template, **overrides))

    assert response.status_code == 200
    assert field in field_errors(response)
    assert NodeTemplate.objects.values().get(pk=template.pk) == before


def test_name_owner_and_usage_count_are_read_only_on_the_change_form(client):
    template = NodeTemplateFactory(name="sma_like", usage_count=7)

    response = client.post(
        change_url(template), change_form_data(template, name="renamed", usage_count="0", user_id="1")
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.usage_count, template.user_id) == ("sma_like", 7, None)


def test_soft_delete_and_restore_actions(client, staff):
    first, second = NodeTemplateFactory(), NodeTemplateFactory()
    ids = [first.pk, second.pk]

    response = client.post(CHANGELIST, {"action": "soft_delete", "_selected_action": ids})
    assert response.status_code == 302
    assert NodeTemplate.all_objects.filter(pk__in=ids, is_deleted=True).count() == 2
    assert set(NodeTemplate.all_objects.filter(pk__in=ids).values_list("updated_by", flat=True)) == {staff.username}

    client.post(CHANGELIST, {"action": "restore", "_selected_action": ids})
    assert NodeTemplate.objects.filter(pk__in=ids).count() == 2


def test_actions_are_offered_on_the_change_form_too(client):
    template = NodeTemplateFactory()

    response = client.post(
        change_url(template), {"CHANGE_FORM-action": "soft_delete", "_selected_action": [template.pk]}
    )

    assert response.status_code == 302
    assert NodeTemplate.all_objects.get(pk=template.pk).is_deleted


def test_the_duplicate_action_creates_the_next_minor_version(client):
    template = NodeTemplateFactory(name="sma_like", version="1.2.0")

    response = client.post(CHANGELIST, {"action": "duplicate_as_new_version", "_selected_action": [template.pk]})

    assert response.status_code == 302
    copy = NodeTemplate.objects.get(name="sma_like_v1_3_0")
    assert copy.version == "1.3.0" and copy.is_system_template


def test_staff_who_are_not_superusers_cannot_hard_delete_a_system_template(client):
    template = NodeTemplateFactory()

    assert client.get(delete_url(template)).status_code == 403
    assert client.post(delete_url(template), {"post": "yes"}).status_code == 403
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"})

    assert bulk.status_code == 403
    assert NodeTemplate.all_objects.filter(pk=template.pk).exists()


def test_staff_may_purge_a_custom_template_on_its_owners_request(client):
    template = CustomNodeTemplateFactory()

    response = client.post(delete_url(template), {"post": "yes"})

    assert response.status_code == 302
    assert not NodeTemplate.all_objects.filter(pk=template.pk).exists()


def test_a_superuser_may_hard_delete_a_system_template():
    template = NodeTemplateFactory()
    client = Client()
    client.force_login(SuperuserFactory())

    response = client.post(delete_url(template), {"post": "yes"})

    assert response.status_code == 302
    assert not NodeTemplate.all_objects.filter(pk=template.pk).exists()
