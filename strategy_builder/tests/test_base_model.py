"""The shared base model: string UUID ids, audit columns, and soft delete that hides rows everywhere a
user or staff member would look, while `all_objects` and foreign keys still reach them."""

from datetime import timedelta

import pytest
from django.contrib.admin import AdminSite, ModelAdmin
from django.forms import modelform_factory
from django.test import RequestFactory
from django.utils import timezone

from quicktests.models import QuickTest
from strategies.models import StrategyInstance

pytestmark = pytest.mark.django_db

FLOW = {"nodes": [], "edges": []}


def make_instance(name: str = "Trend follower", user_id: str = "1") -> StrategyInstance:
    return StrategyInstance.objects.create(name=name, user_id=user_id, logic_flow=FLOW)


def make_quick_test(instance: StrategyInstance) -> QuickTest:
    return QuickTest.objects.create(
        instance=instance, user_id=instance.user_id, test_config={}, logic_flow_snapshot=FLOW
    )


def test_new_rows_get_a_36_character_uuid_id_and_audit_columns():
    instance = make_instance()

    assert len(instance.id) == 36
    assert instance.created_at is not None and instance.updated_at is not None
    assert instance.is_deleted is False and instance.deleted_at is None


def test_soft_deleted_row_is_hidden_from_objects_but_seen_by_all_objects():
    kept, deleted = make_instance("kept"), make_instance("deleted")

    deleted.soft_delete(by="7")

    assert list(StrategyInstance.objects.all()) == [kept]
    assert set(StrategyInstance.all_objects.all()) == {kept, deleted}
    row = StrategyInstance.all_objects.get(pk=deleted.pk)
    assert row.is_deleted is True
    assert row.deleted_at is not None
    assert row.updated_by == "7"


def test_soft_delete_twice_keeps_the_first_deletion_time():
    instance = make_instance()
    instance.soft_delete()
    first = StrategyInstance.all_objects.get(pk=instance.pk).deleted_at

    instance.soft_delete()

    assert StrategyInstance.all_objects.get(pk=instance.pk).deleted_at == first


def test_restore_brings_the_row_back():
    instance = make_instance()
    instance.soft_delete()

    instance.restore(by="7")

    row = StrategyInstance.objects.get(pk=instance.pk)
    assert (row.is_deleted, row.deleted_at, row.updated_by) == (False, None, "7")


def test_queryset_soft_delete_and_restore_count_only_rows_they_change():
    first, second = make_instance("first"), make_instance("second")
    first.soft_delete()

    assert StrategyInstance.all_objects.soft_delete(by="7") == 1
    assert StrategyInstance.objects.count() == 0
    assert StrategyInstance.all_objects.filter(pk=second.pk).restore() == 1
    assert list(StrategyInstance.objects.all()) == [second]
    assert StrategyInstance.all_objects.deleted().get() == first


def test_admin_changelist_and_foreign_key_choices_hide_soft_deleted_rows():
    kept, deleted = make_instance("kept"), make_instance("deleted")
    deleted.soft_delete()
    request = RequestFactory().get("/admin/strategies/strategyinstance/")

    admin_queryset = ModelAdmin(StrategyInstance, AdminSite()).get_queryset(request)
    choices = modelform_factory(QuickTest, fields=["instance"])().fields["instance"].queryset

    assert list(admin_queryset) == [kept]
    assert list(choices) == [kept]


def test_related_managers_hide_soft_deleted_children():
    instance = make_instance()
    kept, deleted = make_quick_test(instance), make_quick_test(instance)
    deleted.soft_delete()

    assert list(instance.quick_tests.all()) == [kept]


def test_a_child_still_reaches_its_soft_deleted_parent():
    instance = make_instance()
    quick_test = make_quick_test(instance)
    instance.soft_delete()

    assert QuickTest.objects.get(pk=quick_test.pk).instance == instance


def test_for_user_returns_only_that_users_rows(django_user_model):
    user = django_user_model.objects.create_user(username="trader")
    mine, _theirs = make_instance(user_id=str(user.pk)), make_instance(user_id=str(user.pk + 1))

    assert list(StrategyInstance.objects.for_user(user)) == [mine]


def test_save_moves_updated_at_but_not_created_at():
    instance = make_instance()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    StrategyInstance.all_objects.filter(pk=instance.pk).update(created_at=an_hour_ago, updated_at=an_hour_ago)
    instance.refresh_from_db()

    instance.name = "Renamed"
    instance.save(update_fields=["name"])

    row = StrategyInstance.objects.get(pk=instance.pk)
    assert row.name == "Renamed"
    assert row.created_at == an_hour_ago
    assert row.updated_at > an_hour_ago + timedelta(minutes=59)
