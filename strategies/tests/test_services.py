import pytest
from django.core.exceptions import ValidationError

from strategies import selectors, services
from strategies.choices import StrategyStatus
from strategies.models import StrategyInstance, StrategyTemplate

from .factories import StrategyInstanceFactory, StrategyTemplateFactory

pytestmark = pytest.mark.django_db

FLOW = {
    "schema_version": 1,
    "nodes": [
        {"id": "close", "template": "price_close"},
        {"id": "fast", "template": "sma", "params": {"period": {"$param": "fast"}}},
    ],
    "edges": [{"source": "close", "source_port": "close", "target": "fast", "target_port": "series"}],
}


def test_template_create_stores_owner_audit_columns_and_an_empty_v1_flow_by_default(user):
    template = services.strategy_template_create(user=user, name="Momentum")

    stored = StrategyTemplate.objects.get(pk=template.pk)
    assert stored.user_id == str(user.pk)
    assert stored.created_by == stored.updated_by == user.username
    assert stored.logic_flow == {"schema_version": 1, "nodes": [], "edges": []}
    assert stored.parameters == {}
    assert stored.status == StrategyStatus.ACTIVE
    assert len(stored.id) == 36


def test_template_create_refuses_a_malformed_flow_naming_each_problem_by_path(user):
    flow = {"schema_version": 1, "nodes": [{"id": "a", "template": "sma"}, {"id": "a"}], "edges": "none"}

    with pytest.raises(ValidationError) as caught:
        services.strategy_template_create(user=user, name="Broken", logic_flow=flow, parameters={"1x": 2})

    errors = caught.value.message_dict
    assert set(errors) == {
        "logic_flow.nodes[1].template",
        "logic_flow.nodes[1].id",
        "logic_flow.edges",
        "parameters.1x",
    }
    assert "used twice" in errors["logic_flow.nodes[1].id"][0]
    assert not StrategyTemplate.all_objects.exists()


def test_template_update_changes_only_the_given_fields_and_records_who(user, other_user):
    template = StrategyTemplateFactory(owner=user, description="Old")

    services.strategy_template_update(template=template, user=other_user, data={"name": "New", "logic_flow": FLOW})

    template.refresh_from_db()
    assert (template.name, template.description, template.logic_flow) == ("New", "Old", FLOW)
    assert template.updated_by == other_user.username


def test_template_update_rejects_a_blank_name_and_keeps_the_row(user):
    template = StrategyTemplateFactory(owner=user, name="Keep me")

    with pytest.raises(ValidationError) as caught:
        services.strategy_template_update(template=template, user=user, data={"name": ""})

    assert set(caught.value.message_dict) == {"name"}
    assert StrategyTemplate.objects.get(pk=template.pk).name == "Keep me"


def test_template_delete_is_soft(user):
    template = StrategyTemplateFactory(owner=user)

    services.strategy_template_delete(template=template, user=user)

    assert not StrategyTemplate.objects.filter(pk=template.pk).exists()
    row = StrategyTemplate.all_objects.get(pk=template.pk)
    assert row.is_deleted and row.deleted_at is not None and row.updated_by == user.username


def test_instance_from_a_template_copies_flow_parameters_and_description_independently(user):
    template = StrategyTemplateFactory(owner=user, logic_flow=FLOW, parameters={"fast": 5}, description="SMA cross")

    instance = services.strategy_instance_create(user=user, name="Mine", template_id=template.pk)
    services.strategy_template_update(template=template, user=user, data={"parameters": {"fast": 99}})

    instance.refresh_from_db()
    assert instance.template_id == template.pk
    assert instance.logic_flow == FLOW
    assert instance.parameters == {"fast": 5}
    assert instance.description == "SMA cross"


def test_instance_from_a_template_keeps_explicitly_given_values(user):
    template = StrategyTemplateFactory(owner=user, parameters={"fast": 5})

    instance = services.strategy_instance_create(
        user=user, name="Mine", template_id=template.pk, parameters={"fast": 7}, description=""
    )

    assert instance.parameters == {"fast": 7}
    assert instance.description == ""
    assert instance.logic_flow == template.logic_flow


@pytest.mark.parametrize("whose", ["other user's", "deleted"])
def test_instance_cannot_start_from_another_users_or_a_deleted_template(user, other_user, whose):
    template = StrategyTemplateFactory(owner=other_user if whose == "other user's" else user)
    if whose == "deleted":
        template.soft_delete()

    with pytest.raises(ValidationError) as caught:
        services.strategy_instance_create(user=user, name="Mine", template_id=template.pk)

    assert caught.value.message_dict == {"template_id": [f"No strategy template '{template.pk}'."]}
    assert not StrategyInstance.all_objects.exists()


def test_archive_and_unarchive_are_idempotent(user):
    instance = StrategyInstanceFactory(owner=user)

    services.strategy_instance_archive(instance=instance, user=user)
    services.strategy_instance_archive(instance=instance, user=user)
    assert StrategyInstance.objects.get(pk=instance.pk).status == StrategyStatus.ARCHIVED

    services.strategy_instance_unarchive(instance=instance, user=user)
    assert StrategyInstance.objects.get(pk=instance.pk).status == StrategyStatus.ACTIVE


def test_instance_delete_is_soft_and_restore_brings_it_back(user):
    instance = StrategyInstanceFactory(owner=user)

    services.strategy_instance_delete(instance=instance, user=user)
    assert not selectors.strategy_instance_list(user=user).exists()
    assert StrategyInstance.all_objects.get(pk=instance.pk).is_deleted

    services.strategy_instance_restore(instance=instance, user=user)
    assert selectors.strategy_instance_get(user=user, instance_id=instance.pk) == instance


def test_selectors_show_a_user_only_their_own_alive_strategies(user, other_user):
    mine = StrategyInstanceFactory(owner=user)
    StrategyInstanceFactory(owner=other_user)
    StrategyInstanceFactory(owner=user, is_deleted=True)

    assert list(selectors.strategy_instance_list(user=user)) == [mine]
    with pytest.raises(StrategyInstance.DoesNotExist):
        selectors.strategy_instance_get(user=other_user, instance_id=mine.pk)


def test_update_service_refuses_fields_it_does_not_own(user):
    instance = StrategyInstanceFactory(owner=user)

    with pytest.raises(TypeError, match="user_id"):
        services.strategy_instance_update(instance=instance, user=user, data={"user_id": "someone else"})
