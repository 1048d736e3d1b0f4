"""created_by / updated_by hold the acting user's username on every table, written by every service through
`actor_name`, and the rows the older code stamped with a user id are migrated to the username."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sessions_app.services import session_close, session_save, session_start
from strategies.admin import StrategyInstanceAdmin
from strategies.models import StrategyInstance
from strategies.services import strategy_instance_create, strategy_instance_delete, strategy_instance_update
from strategies.tests.factories import UserFactory
from strategy_builder.actors import actor_name

pytestmark = pytest.mark.django_db


def test_actor_name_is_the_username():
    user = UserFactory(username="ada")

    assert actor_name(user) == "ada"


def test_strategy_services_record_the_username():
    user = UserFactory(username="ada")
    instance = strategy_instance_create(user=user, name="Cross")
    assert (instance.created_by, instance.updated_by) == ("ada", "ada")

    editor = UserFactory(username="grace")
    strategy_instance_update(instance=instance, user=editor, data={"name": "Cross 2"})
    instance.refresh_from_db()
    assert instance.updated_by == "grace"

    strategy_instance_delete(instance=instance, user=user)
    assert StrategyInstance.all_objects.get(pk=instance.pk).updated_by == "ada"


def test_builder_session_services_record_the_username():
    user = UserFactory(username="ada")
    session = session_start(user=user)
    assert (session.created_by, session.updated_by) == ("ada", "ada")

    session = session_save(session=session, user=user, base_version=1, session_name="Draft")
    assert session.updated_by == "ada"
    session = session_close(session=session, user=user)
    session.refresh_from_db()
    assert session.updated_by == "ada"


def test_the_strategy_admin_records_the_staff_username(rf):
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    instance = StrategyInstance(name="Typed in", user_id="1", logic_flow={"nodes": [], "edges": []})
    request = rf.post("/")
    request.user = staff

    StrategyInstanceAdmin(StrategyInstance, None).save_model(request, instance, form=None, change=False)

    instance.refresh_from_db()
    assert (instance.created_by, instance.updated_by) == ("root", "root")


@pytest.fixture
def back_to_latest():
    """Whatever the test leaves the schema at, the later tests get the latest migrations."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_stored_user_ids_into_usernames_and_keeps_the_rest(back_to_latest):
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    # A username that is another user's id: each row is renamed once, from its own stored id.
    digits = UserFactory(username=str(ada.pk))
    before = [("sessions_app", "0002_id_database_default"), ("strategies", "0002_id_database_default")]
    after = [("sessions_app", "0003_actor_usernames"), ("strategies", "0003_actor_usernames")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Instance = old.get_model("strategies", "StrategyInstance")
    Session = old.get_model("sessions_app", "BuilderSession")
    flow = {"nodes": [], "edges": []}
    by_ids = Instance.objects.create(
        id="i1", name="s", user_id=str(ada.pk), logic_flow=flow, created_by=str(ada.pk), updated_by=str(grace.pk)
    )
    by_job = Instance.objects.create(id="i2", name="s", user_id=str(ada.pk), logic_flow=flow, created_by="import")
    session = Session.objects.create(
        id="b1", user_id=str(ada.pk), instance_id=by_ids.pk, draft_logic_flow=flow, created_by=str(ada.pk)
    )
    unknown = Session.objects.create(id="b2", user_id="999", draft_logic_flow=flow, updated_by="999")
    by_digits = Session.objects.create(
        id="b3", user_id=str(digits.pk), draft_logic_flow=flow, created_by=str(digits.pk)
    )

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    Instance = new.get_model("strategies", "StrategyInstance")
    Session = new.get_model("sessions_app", "BuilderSession")

    assert Instance.objects.values_list("created_by", "updated_by").get(pk=by_ids.pk) == ("ada", "grace")
    assert Instance.objects.values_list("created_by", "updated_by").get(pk=by_job.pk) == ("import", None)
    assert Session.objects.values_list("created_by", "updated_by").get(pk=session.pk) == ("ada", None)
    assert Session.objects.values_list("created_by", "updated_by").get(pk=unknown.pk) == (None, "999")
    assert Session.objects.values_list("created_by", flat=True).get(pk=by_digits.pk) == str(ada.pk)
