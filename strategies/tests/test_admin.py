import json

import pytest
from django.contrib.auth import get_user_model

from strategies.models import StrategyInstance, StrategyTemplate

from .factories import StrategyInstanceFactory, StrategyTemplateFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/strategies/strategyinstance/"


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(admin)
    client.admin = admin
    return client


def test_changelist_shows_every_users_rows_including_soft_deleted(staff_client, user, other_user):
    StrategyInstanceFactory(owner=user, name="Alive one")
    StrategyInstanceFactory(owner=other_user, name="Deleted one", is_deleted=True)

    response = staff_client.get(CHANGELIST, {"q": "one"})

    assert response.status_code == 200
    assert b"Alive one" in response.content and b"Deleted one" in response.content


def test_delete_action_soft_deletes_and_restore_brings_back(staff_client, user):
    instance = StrategyInstanceFactory(owner=user)

    staff_client.post(CHANGELIST, {"action": "soft_delete_selected", "_selected_action": [instance.pk]})
    row = StrategyInstance.all_objects.get(pk=instance.pk)
    assert row.is_deleted and row.updated_by == staff_client.admin.username

    staff_client.post(CHANGELIST, {"action": "restore_selected", "_selected_action": [instance.pk]})
    assert not StrategyInstance.all_objects.get(pk=instance.pk).is_deleted


def test_there_is_no_hard_delete(staff_client, user):
    template = StrategyTemplateFactory(owner=user)

    response = staff_client.post(f"/admin/strategies/strategytemplate/{template.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert StrategyTemplate.all_objects.filter(pk=template.pk).exists()


def _form(**overrides):
    data = {
        "name": "Staff made",
        "description": "",
        "user_id": "42",
        "status": "ACTIVE",
        "logic_flow": json.dumps({"schema_version": 1, "nodes": [], "edges": []}),
        "parameters": json.dumps({"fast": 3}),
    }
    return {**data, **overrides}


def test_adding_records_the_staff_member_as_creator(staff_client):
    response = staff_client.post("/admin/strategies/strategytemplate/add/", _form())

    assert response.status_code == 302
    template = StrategyTemplate.objects.get(name="Staff made")
    assert template.created_by == template.updated_by == staff_client.admin.username
    assert template.user_id == "42"


def test_a_malformed_flow_is_refused_by_the_form(staff_client):
    flow = json.dumps({"schema_version": 1, "nodes": [{"id": "a"}], "edges": []})

    response = staff_client.post("/admin/strategies/strategytemplate/add/", _form(logic_flow=flow))

    assert response.status_code == 200
    assert "nodes[0].template: Node a has no &#x27;template&#x27;: every node needs one." in response.content.decode()
    assert not StrategyTemplate.objects.exists()
