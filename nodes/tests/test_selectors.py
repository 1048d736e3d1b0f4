import pytest
from django.http import Http404

from nodes.models import NodeTemplate
from nodes.selectors import node_catalogue_for_user, node_template_get, node_template_list

from .factories import CustomNodeTemplateFactory, NodeTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_list_holds_system_templates_and_the_users_own_alive_custom_ones():
    user = UserFactory()
    NodeTemplateFactory(name="sma")
    CustomNodeTemplateFactory(owner=user, name="mine")
    CustomNodeTemplateFactory(owner=user, name="mine_deleted", is_deleted=True)
    CustomNodeTemplateFactory(name="theirs")

    assert {t.name for t in node_template_list(user)} == {"sma", "mine"}


def test_the_catalogue_adds_the_users_custom_templates_to_the_library_deleted_ones_flagged():
    user = UserFactory()
    CustomNodeTemplateFactory(owner=user, name="mine")
    CustomNodeTemplateFactory(owner=user, name="mine_deleted", is_deleted=True)
    CustomNodeTemplateFactory(name="theirs")

    catalogue = node_catalogue_for_user(user)

    assert catalogue.get("sma").is_system
    mine = catalogue.get("mine")
    assert not mine.is_system and not mine.is_deleted
    assert catalogue.problems(mine) == []
    assert [p.name for p in mine.inputs] == ["series"]  # a preset inherits its base's ports
    assert catalogue.get("mine_deleted").is_deleted
    assert "theirs" not in catalogue


def test_the_most_popular_query_orders_alive_templates_by_usage():
    NodeTemplateFactory(name="rare", usage_count=1)
    NodeTemplateFactory(name="popular", usage_count=50)
    NodeTemplateFactory(name="gone", usage_count=99, is_deleted=True)

    assert [t.name for t in NodeTemplate.all_objects.most_popular()] == ["popular", "rare"]


def test_get_finds_a_system_or_own_template_and_404s_on_anyone_elses():
    user = UserFactory()
    system, mine, theirs = NodeTemplateFactory(), CustomNodeTemplateFactory(owner=user), CustomNodeTemplateFactory()

    assert node_template_get(user, system.pk) == system
    assert node_template_get(user, mine.pk) == mine
    with pytest.raises(Http404):
        node_template_get(user, theirs.pk)


def test_out_of_range_schema_limits_stop_the_start(settings):
    from django.apps import apps

    settings.NODE_SCHEMA_MAX_DEPTH = 65
    with pytest.raises(ValueError, match="max_depth"):
        apps.get_app_config("nodes").ready()
