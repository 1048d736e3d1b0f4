import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nodes.models import NodeTemplate
from nodes.services import (
    node_template_create,
    node_template_duplicate_as_new_version,
    node_template_hard_delete,
    node_template_restore,
    node_template_soft_delete,
    node_template_update,
)

from .factories import (
    CustomNodeTemplateFactory,
    NodeTemplateFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    template_data,
)

pytestmark = pytest.mark.django_db


def test_create_custom_template_belongs_to_the_actor_and_records_who_made_it():
    user = UserFactory()

    template = node_template_create(actor=user, **template_data())

    template.refresh_from_db()
    assert template.is_system_template is False
    assert template.user_id == str(user.pk)
    assert template.created_by == template.updated_by == user.username


def test_a_user_cannot_create_a_system_template():
    with pytest.raises(PermissionDenied):
        node_template_create(actor=UserFactory(), is_system_template=True, **template_data())
    assert not NodeTemplate.all_objects.exists()


def test_staff_create_a_system_template_without_an_owner():
    template = node_template_create(actor=StaffFactory(), is_system_template=True, **template_data(), user_id="7")

    assert template.is_system_template is True
    assert template.user_id is None


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"name": "Fast Average"}, "name", "lower_snake_case"),
        ({"display_name": " "}, "display_name", "display_name"),
        ({"node_type": "WIDGET"}, "node_type", "node_type"),
        ({"version": "1.0"}, "version", "MAJOR.MINOR.PATCH"),
        (
            {"parameter_schema": {"type": "object", "properties": {"timeperiod": {"type": "integr"}}}},
            "parameter_schema",
            "",
        ),
        ({"parameter_schema": {"type": "array"}}, "parameter_schema", '"type": "object"'),
        ({"default_parameters": {"timeperiod": 0}}, "default_parameters", "default_parameters.timeperiod"),
        ({"default_parameters": {"timeperiod": 10, "extra": 1}}, "default_parameters", "extra"),
        ({"input_ports": [{"name": "series", "type": "float"}]}, "input_ports", "input_ports[0].type"),
        ({"output_ports": [{"name": "v"}, {"name": "v", "type": "series"}]}, "output_ports", "used twice"),
        ({"output_ports": {"name": "v"}}, "output_ports", "list of ports"),
        ({"execution_hints": ["talib"]}, "execution_hints", "execution_hints"),
        ({"category": "C" * 101}, "category", "category"),
        ({"color": "#" * 51}, "color", "color"),
    ],
)
def test_an_invalid_definition_is_refused_with_the_field_named_and_nothing_saved(overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=UserFactory(), **template_data(**overrides))

    errors = caught.value.message_dict
    assert field in errors
    assert all(field in message for message in errors[field])
    assert words in " ".join(errors[field])
    assert not NodeTemplate.all_objects.exists()


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        node_template_create(
            actor=UserFactory(), **template_data(name="Bad Name", version="x", input_ports=[{"name": 1}])
        )

    assert {"name", "version", "input_ports"} <= set(caught.value.message_dict)


def test_a_second_custom_template_with_the_same_name_is_refused_clearly():
    user = UserFactory()
    node_template_create(actor=user, **template_data())

    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=user, **template_data())

    assert "already used by another of your custom templates" in caught.value.message_dict["name"][0]


def test_a_name_held_by_a_soft_deleted_template_is_refused_with_a_hint_to_restore():
    staff = StaffFactory()
    NodeTemplateFactory(name="fast_average", is_deleted=True)

    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=staff, is_system_template=True, **template_data())

    assert "restore it" in caught.value.message_dict["name"][0]


def test_another_users_custom_name_is_refused_without_saying_whose_it_is():
    other = UserFactory(username="somebody")
    CustomNodeTemplateFactory(owner=other, name="fast_average")

    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=UserFactory(), **template_data())

    message = caught.value.message_dict["name"][0]
    assert "already taken by another custom template" in message
    assert "somebody" not in message and str(other.pk) not in message


def test_a_name_taken_by_a_concurrent_writer_after_the_check_is_still_a_validation_error(monkeypatch):
    user = UserFactory()
    node_template_create(actor=user, **template_data())
    # Another writer commits the name between our check (which finds it free) and our insert, which the
    # unique index refuses; the explanation is then looked up again.
    answers = iter([None, "taken"])
    monkeypatch.setattr("nodes.services._name_clash_message", lambda template: next(answers))

    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=user, **template_data())

    assert caught.value.message_dict == {"name": ["taken"]}
    assert NodeTemplate.all_objects.count() == 1


def test_a_custom_template_may_not_take_a_system_templates_name():
    NodeTemplateFactory(name="fast_average")

    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=UserFactory(), **template_data())

    assert "belongs to a system template" in caught.value.message_dict["name"][0]


def test_a_custom_template_may_not_take_a_name_from_the_library_even_before_seeding():
    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=UserFactory(), **template_data(name="rsi"))

    assert "belongs to a system template" in caught.value.message_dict["name"][0]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"execution_hints": {"op": "talib", "function": "SMA"}}, "execution_hints", "presets"),
        ({"execution_hints": {"op": "preset", "base": "no_such_node"}}, "execution_hints", "unknown template"),
        (
            {"execution_hints": {"op": "preset", "base": "sma", "fixed_params": {"fastperiod": 3}}},
            "execution_hints",
            "'fastperiod' is not a parameter of 'sma'",
        ),
        (
            {
                "parameter_schema": {"type": "object", "properties": {"period": {"type": "integer"}}},
                "default_parameters": {},
            },
            "parameter_schema",
            "'period' is not a parameter of 'sma'",
        ),
        ({"output_ports": [{"name": "other", "type": "bool"}]}, "output_ports", "output ports must be those of 'sma'"),
    ],
)
def test_a_custom_template_the_engine_could_not_use_is_refused_naming_the_field(overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        node_template_create(actor=UserFactory(), **template_data(**overrides))

    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert not NodeTemplate.all_objects.exists()


def test_a_preset_may_build_on_another_of_the_users_presets():
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="my_base")

    template = node_template_create(
        actor=user, **template_data(name="my_derived", execution_hints={"op": "preset", "base": "my_base"})
    )

    assert template.pk


def test_a_preset_may_not_build_on_another_users_template():
    CustomNodeTemplateFactory(name="their_base")

    with pytest.raises(ValidationError) as caught:
        node_template_create(
            actor=UserFactory(), **template_data(execution_hints={"op": "preset", "base": "their_base"})
        )

    assert "unknown template 'their_base'" in caught.value.message_dict["execution_hints"][0]


def test_update_changes_the_definition_and_records_the_updater():
    owner, staff = UserFactory(), StaffFactory()
    template = CustomNodeTemplateFactory(owner=owner)

    node_template_update(template=template, actor=staff, data={"default_parameters": {"timeperiod": 50}})

    template.refresh_from_db()
    assert template.default_parameters == {"timeperiod": 50}
    assert template.updated_by == staff.username


def test_update_without_a_change_writes_nothing():
    template = NodeTemplateFactory()
    before = NodeTemplate.objects.get(pk=template.pk).updated_at

    node_template_update(
        template=template, actor=StaffFactory(), data={"default_parameters": template.default_parameters}
    )

    assert NodeTemplate.objects.get(pk=template.pk).updated_at == before


def test_an_invalid_update_saves_nothing():
    template = NodeTemplateFactory()

    with pytest.raises(ValidationError) as caught:
        node_template_update(
            template=template,
            actor=StaffFactory(),
            data={"display_name": "Renamed", "default_parameters": {"timeperiod": -1}},
        )

    assert "default_parameters" in caught.value.message_dict
    stored = NodeTemplate.objects.get(pk=template.pk)
    assert (stored.display_name, stored.default_parameters) == (template.display_name, {"timeperiod": 20})


def test_a_template_cannot_be_renamed_because_flows_refer_to_it_by_name():
    template = NodeTemplateFactory(name="sma")

    with pytest.raises(ValidationError) as caught:
        node_template_update(template=template, actor=StaffFactory(), data={"name": "sma2"})

    assert "duplicate it instead" in caught.value.message_dict["name"][0]


def test_a_user_cannot_change_a_system_template_or_another_users_template():
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        node_template_update(template=NodeTemplateFactory(), actor=user, data={"display_name": "Mine now"})
    with pytest.raises(PermissionDenied):
        node_template_soft_delete(template=CustomNodeTemplateFactory(), actor=user)


def test_soft_delete_and_restore_keep_the_row_and_record_the_actor():
    owner = UserFactory()
    template = CustomNodeTemplateFactory(owner=owner)

    node_template_soft_delete(template=template, actor=owner)
    assert not NodeTemplate.objects.filter(pk=template.pk).exists()
    deleted = NodeTemplate.all_objects.get(pk=template.pk)
    assert deleted.is_deleted and deleted.deleted_at is not None

    node_template_restore(template=deleted, actor=owner)
    restored = NodeTemplate.objects.get(pk=template.pk)
    assert restored.deleted_at is None
    assert restored.updated_by == owner.username


def test_only_a_superuser_may_hard_delete_a_system_template():
    template = NodeTemplateFactory()

    with pytest.raises(PermissionDenied):
        node_template_hard_delete(template=template, actor=StaffFactory())
    assert NodeTemplate.all_objects.filter(pk=template.pk).exists()

    node_template_hard_delete(template=template, actor=SuperuserFactory())
    assert not NodeTemplate.all_objects.filter(pk=template.pk).exists()


def test_a_user_may_hard_delete_their_own_custom_template():
    owner = UserFactory()
    template = CustomNodeTemplateFactory(owner=owner)

    node_template_hard_delete(template=template, actor=owner)

    assert not NodeTemplate.all_objects.filter(pk=template.pk).exists()


def test_duplicate_as_new_version_bumps_the_minor_version_under_a_versioned_name():
    template = NodeTemplateFactory(name="sma", version="1.0.3", usage_count=40)
    staff = StaffFactory()

    copy = node_template_duplicate_as_new_version(template=template, actor=staff)

    assert (copy.name, copy.version) == ("sma_v1_1_0", "1.1.0")
    assert copy.pk != template.pk and copy.is_system_template
    assert copy.parameter_schema == template.parameter_schema
    assert copy.input_ports == template.input_ports
    assert copy.usage_count == 0
    assert copy.created_by == staff.username


def test_duplicating_again_takes_the_next_free_minor_version_and_keeps_the_base_name():
    template = NodeTemplateFactory(name="sma", version="1.0.0")
    staff = StaffFactory()

    first = node_template_duplicate_as_new_version(template=template, actor=staff)
    second = node_template_duplicate_as_new_version(template=template, actor=staff)
    of_the_copy = node_template_duplicate_as_new_version(template=first, actor=staff)

    assert [first.name, second.name, of_the_copy.name] == ["sma_v1_1_0", "sma_v1_2_0", "sma_v1_3_0"]
    assert of_the_copy.version == "1.3.0"


def test_duplicating_a_custom_template_keeps_its_owner():
    owner = UserFactory()
    template = CustomNodeTemplateFactory(owner=owner, name="my_rsi")

    copy = node_template_duplicate_as_new_version(template=template, actor=owner)

    assert (copy.name, copy.user_id, copy.is_system_template) == ("my_rsi_v1_1_0", str(owner.pk), False)
