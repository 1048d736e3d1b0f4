from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from sessions_app.choices import SessionType
from sessions_app.models import BuilderSession
from strategies.models import StrategyInstance
from strategies.tests.factories import StrategyInstanceFactory

from .conftest import client_for
from .factories import BuilderSessionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/builder-sessions/"
UNFINISHED = {
    "schema_version": 1,
    "nodes": [{"id": "n1", "template": "no_such_indicator", "params": {}, "position": {"x": 0, "y": 0}}],
    "edges": [],
}


def detail(session_id: str, action: str = "") -> str:
    return f"{URL}{session_id}/{action + '/' if action else ''}"


def start(client, **body) -> dict:
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def stored(session_id: str) -> BuilderSession:
    return BuilderSession.objects.get(pk=session_id)


def error(response) -> dict:
    return response.json()["error"]


# --- Starting and reading ---------------------------------------------------------------------------


def test_a_session_for_a_new_strategy_starts_from_an_empty_flow_at_version_1(api, owner, settings):
    before = timezone.now()
    response = api.post(URL, {"session_type": "AUTOSAVE", "session_name": "Idea"}, format="json")

    assert response.status_code == 201
    assert response["ETag"] == '"1"'
    body = response.json()
    assert body["version"] == 1
    assert body["instance"] is None
    assert body["session_type"] == SessionType.AUTOSAVE
    assert body["draft_logic_flow"] == {"schema_version": 1, "nodes": [], "edges": []}
    assert body["user_id"] == str(owner.pk)
    assert body["is_active"] is True
    assert datetime.fromisoformat(body["expires_at"]) >= before + settings.SESSION_IDLE_EXPIRY
    assert any(problem["code"] for problem in body["problems"])  # an empty flow has no entry signal yet


def test_a_session_on_an_existing_strategy_starts_from_its_flow_and_parameters(api, owner):
    instance = StrategyInstanceFactory(owner=owner)

    body = start(api, instance=instance.pk)

    assert body["instance"] == instance.pk
    assert body["draft_logic_flow"] == instance.logic_flow
    assert body["draft_parameters"] == instance.parameters


def test_a_session_cannot_be_started_on_another_users_strategy(api, stranger):
    theirs = StrategyInstanceFactory(owner=stranger)

    response = api.post(URL, {"instance": theirs.pk}, format="json")

    assert response.status_code == 400
    assert error(response)["problems"] == [
        {"code": "does_not_exist", "message": f"You have no strategy instance '{theirs.pk}'.", "field": "instance"}
    ]
    assert not BuilderSession.objects.exists()


def test_reading_a_session_returns_its_draft_with_the_version_as_etag(api):
    session = start(api, draft_logic_flow=UNFINISHED, draft_metadata={"zoom": 1.5})

    response = api.get(detail(session["id"]))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["draft_logic_flow"] == UNFINISHED
    assert response.json()["draft_metadata"] == {"zoom": 1.5}


# --- Autosave ----------------------------------------------------------------------------------------


def test_an_unfinished_draft_is_stored_and_its_problems_listed_by_node(api):
    session = start(api)

    response = api.patch(
        detail(session["id"]),
        {"draft_logic_flow": UNFINISHED, "draft_metadata": {"selected": "n1"}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["version"] == 2
    assert body["draft_logic_flow"] == UNFINISHED
    assert body["draft_metadata"] == {"selected": "n1"}
    assert "n1" in {problem.get("node_id") for problem in body["problems"]}
    assert stored(session["id"]).draft_logic_flow == UNFINISHED


def test_two_clients_saving_from_the_same_version_end_with_one_412_and_no_lost_draft(api, owner):
    session = start(api)
    first_tab, second_tab = client_for(owner), client_for(owner)
    first_draft = {**UNFINISHED, "nodes": [{**UNFINISHED["nodes"][0], "label": "first tab"}]}
    second_draft = {**UNFINISHED, "nodes": [{**UNFINISHED["nodes"][0], "label": "second tab"}]}

    first = first_tab.patch(detail(session["id"]), {"draft_logic_flow": first_draft}, HTTP_IF_MATCH='"1"')
    second = second_tab.patch(detail(session["id"]), {"draft_logic_flow": second_draft}, HTTP_IF_MATCH='"1"')

    assert first.status_code == 200
    assert second.status_code == 412
    assert error(second)["code"] == "stale_version"
    assert second["ETag"] == '"2"'
    assert second.json()["current"]["version"] == 2
    assert second.json()["current"]["draft_logic_flow"] == first_draft
    assert stored(session["id"]).draft_logic_flow == first_draft

    retried = second_tab.patch(detail(session["id"]), {"draft_logic_flow": second_draft}, HTTP_IF_MATCH='"2"')
    assert retried.status_code == 200
    assert retried.json()["version"] == 3


def test_a_save_that_does_not_say_its_base_version_is_refused_with_428(api):
    session = start(api)

    response = api.patch(detail(session["id"]), {"draft_logic_flow": UNFINISHED}, format="json")

    assert response.status_code == 428
    assert error(response)["code"] == "version_required"
    assert stored(session["id"]).draft_logic_flow["nodes"] == []


def test_a_malformed_if_match_is_a_400_naming_the_header(api):
    session = start(api)

    response = api.patch(detail(session["id"]), {"draft_logic_flow": UNFINISHED}, HTTP_IF_MATCH="*")

    assert response.status_code == 400
    assert error(response)["problems"][0]["field"] == "If-Match"


def test_the_save_action_takes_the_base_version_in_the_body_for_sendbeacon(api):
    session = start(api)

    saved = api.post(detail(session["id"], "save"), {"base_version": 1, "draft_parameters": {"fast": 5}})
    stale = api.post(detail(session["id"], "save"), {"base_version": 1, "draft_parameters": {"fast": 7}})

    assert saved.status_code == 200 and saved.json()["draft_parameters"] == {"fast": 5}
    assert stale.status_code == 412
    assert stored(session["id"]).draft_parameters == {"fast": 5}


def test_each_save_moves_last_activity_and_slides_expiry(api, settings):
    session = start(api)
    BuilderSession.objects.filter(pk=session["id"]).update(
        last_activity_at=timezone.now() - timedelta(hours=5), expires_at=timezone.now() + timedelta(minutes=1)
    )
    before = timezone.now()

    api.patch(detail(session["id"]), {"session_name": "renamed"}, HTTP_IF_MATCH='"1"')

    row = stored(session["id"])
    assert row.last_activity_at >= before
    assert row.expires_at == row.last_activity_at + settings.SESSION_IDLE_EXPIRY


def test_heartbeat_keeps_the_session_alive_without_changing_the_draft(api, settings):
    session = start(api)
    BuilderSession.objects.filter(pk=session["id"]).update(last_activity_at=timezone.now() - timedelta(hours=5))
    before = timezone.now()

    response = api.post(detail(session["id"], "heartbeat"))

    assert response.status_code == 200
    assert response.json()["version"] == 1
    row = stored(session["id"])
    assert row.last_activity_at >= before
    assert row.expires_at == row.last_activity_at + settings.SESSION_IDLE_EXPIRY


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"draft_logic_flow": ["not", "a", "flow"]}, "draft_logic_flow"),
        ({"draft_logic_flow": {"nodes": {"n1": {}}}}, "draft_logic_flow.nodes"),
        ({"draft_logic_flow": {**UNFINISHED, "nodes": [{"id": "n1"}]}}, "draft_logic_flow.nodes[0].template"),
        ({"draft_logic_flow": {**UNFINISHED, "edges": [{"source": "n1"}]}}, "draft_logic_flow.edges[0].target"),
        ({"draft_parameters": [1, 2]}, "draft_parameters"),
        ({"draft_metadata": "zoom=2"}, "draft_metadata"),
        ({"draft_colour": "red"}, "draft_colour"),
    ],
)
def test_a_malformed_draft_is_refused_naming_the_field_and_the_stored_draft_is_unchanged(api, body, field):
    session = start(api, draft_logic_flow=UNFINISHED)

    response = api.patch(detail(session["id"]), body, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 400
    assert field in {problem.get("field") for problem in error(response)["problems"]}
    row = stored(session["id"])
    assert (row.draft_logic_flow, row.draft_metadata["version"]) == (UNFINISHED, 1)


def test_a_draft_over_the_node_limit_is_a_400_and_over_the_size_limit_a_413(api, settings):
    session = start(api)
    node = UNFINISHED["nodes"][0]
    too_many = {"schema_version": 1, "nodes": [{**node, "id": f"n{i}"} for i in range(501)], "edges": []}
    settings.SESSION_DRAFT_MAX_BYTES = 10_000
    too_big = {"schema_version": 1, "nodes": [{**node, "label": "x" * 10_000}], "edges": []}

    many = api.patch(detail(session["id"]), {"draft_logic_flow": too_many}, format="json", HTTP_IF_MATCH='"1"')
    big = api.patch(detail(session["id"]), {"draft_logic_flow": too_big}, format="json", HTTP_IF_MATCH='"1"')

    assert many.status_code == 400
    assert error(many)["problems"][0]["code"] == "too_many_nodes"
    assert big.status_code == 413
    assert error(big)["code"] == "draft_too_large"
    assert stored(session["id"]).draft_logic_flow["nodes"] == []


# --- Closed, expired and foreign sessions ------------------------------------------------------------


def test_a_closed_session_refuses_saves_with_409_and_keeps_its_draft_readable(api):
    session = start(api, draft_logic_flow=UNFINISHED)
    assert api.post(detail(session["id"], "close")).json()["is_active"] is False

    save = api.patch(detail(session["id"]), {"draft_logic_flow": {}}, format="json", HTTP_IF_MATCH='"1"')
    heartbeat = api.post(detail(session["id"], "heartbeat"))

    assert (save.status_code, error(save)["code"]) == (409, "session_closed")
    assert heartbeat.status_code == 409
    assert api.get(detail(session["id"])).json()["draft_logic_flow"] == UNFINISHED


def test_an_expired_session_refuses_saves_even_before_the_expiry_job_ran(api):
    session = start(api, draft_logic_flow=UNFINISHED)
    BuilderSession.objects.filter(pk=session["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.patch(detail(session["id"]), {"draft_logic_flow": {}}, format="json", HTTP_IF_MATCH='"1"')

    assert (response.status_code, error(response)["code"]) == (409, "session_expired")
    assert stored(session["id"]).draft_logic_flow == UNFINISHED


def test_another_users_session_answers_404_on_every_verb(api, stranger):
    theirs = BuilderSessionFactory(owner=stranger, draft_logic_flow=UNFINISHED)
    requests = [
        api.get(detail(theirs.pk)),
        api.patch(detail(theirs.pk), {"draft_logic_flow": {}}, format="json", HTTP_IF_MATCH='"1"'),
        api.post(detail(theirs.pk, "save"), {"base_version": 1, "draft_logic_flow": {}}, format="json"),
        api.post(detail(theirs.pk, "heartbeat")),
        api.post(detail(theirs.pk, "lock")),
        api.delete(detail(theirs.pk, "lock")),
        api.post(detail(theirs.pk, "close")),
        api.post(detail(theirs.pk, "commit")),
        api.put(detail(theirs.pk, "collaborators"), {"collaborator_ids": []}, format="json"),
    ]

    assert [response.status_code for response in requests] == [404] * len(requests)
    theirs.refresh_from_db()
    assert (theirs.draft_logic_flow, theirs.is_active, theirs.lock_info) == (UNFINISHED, True, None)
    assert api.get(URL).json()["count"] == 0


# --- Listing -----------------------------------------------------------------------------------------


def test_the_list_shows_your_sessions_most_recent_first_and_filters_active_ones(api, owner, stranger):
    now = timezone.now()
    older = BuilderSessionFactory(owner=owner, last_activity_at=now - timedelta(hours=3))
    closed = BuilderSessionFactory(owner=owner, last_activity_at=now - timedelta(hours=1), is_active=False)
    newest = BuilderSessionFactory(owner=owner, last_activity_at=now)
    BuilderSessionFactory(owner=stranger)

    recent = api.get(URL).json()
    active = api.get(URL, {"is_active": "true"}).json()

    assert [row["id"] for row in recent["results"]] == [newest.pk, closed.pk, older.pk]
    assert "draft_logic_flow" not in recent["results"][0]
    assert [row["id"] for row in active["results"]] == [newest.pk, older.pk]


def test_the_list_finds_your_sessions_on_one_strategy(api, owner):
    instance = StrategyInstanceFactory(owner=owner)
    on_it = BuilderSessionFactory(owner=owner, instance=instance)
    BuilderSessionFactory(owner=owner)

    response = api.get(URL, {"instance": instance.pk})

    assert [row["id"] for row in response.json()["results"]] == [on_it.pk]


# --- Edit lock ---------------------------------------------------------------------------------------


def collaborative_session(api, colleague) -> dict:
    session = start(api, session_type="COLLABORATIVE", draft_logic_flow=UNFINISHED)
    response = api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk)]})
    assert response.status_code == 200, response.json()
    return session


def test_another_holders_live_lock_answers_423_on_writes_and_changes_nothing(api, colleague, settings):
    session = collaborative_session(api, colleague)
    colleague_api = client_for(colleague)

    taken = colleague_api.post(detail(session["id"], "lock"))
    save = api.patch(detail(session["id"]), {"draft_logic_flow": {}}, format="json", HTTP_IF_MATCH='"1"')
    take = api.post(detail(session["id"], "lock"))

    assert taken.status_code == 200
    lock = taken.json()["lock"]
    assert lock["holder"] == str(colleague.pk)
    until = datetime.fromisoformat(lock["until"])
    assert until == datetime.fromisoformat(lock["since"]) + settings.SESSION_LOCK_TTL
    assert [save.status_code, take.status_code] == [423, 423]
    assert save.json()["lock"]["holder"] == str(colleague.pk)
    assert stored(session["id"]).draft_logic_flow == UNFINISHED

    holder_save = colleague_api.patch(detail(session["id"]), {"draft_parameters": {"a": 1}}, HTTP_IF_MATCH='"1"')
    assert holder_save.status_code == 200


def test_the_holder_renews_and_releases_the_lock_and_then_others_may_write(api, colleague):
    session = collaborative_session(api, colleague)
    colleague_api = client_for(colleague)
    first = colleague_api.post(detail(session["id"], "lock")).json()["lock"]

    renewed = colleague_api.post(detail(session["id"], "lock")).json()["lock"]
    released = colleague_api.delete(detail(session["id"], "lock"))
    save = api.patch(detail(session["id"]), {"draft_parameters": {"a": 2}}, format="json", HTTP_IF_MATCH='"1"')

    assert renewed["since"] == first["since"]
    assert renewed["until"] >= first["until"]
    assert released.status_code == 200 and released.json()["lock"] is None
    assert save.status_code == 200


def test_a_lock_past_its_until_no_longer_blocks_anyone(api, colleague):
    session = collaborative_session(api, colleague)
    past = timezone.now() - timedelta(minutes=1)
    BuilderSession.objects.filter(pk=session["id"]).update(
        lock_info={
            "holder": str(colleague.pk),
            "since": (past - timedelta(minutes=5)).isoformat(),
            "until": past.isoformat(),
        }
    )

    response = api.patch(detail(session["id"]), {"draft_parameters": {"a": 3}}, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 200


def test_the_owner_releases_a_collaborators_lock_and_may_write_at_once(api, colleague):
    session = collaborative_session(api, colleague)
    client_for(colleague).post(detail(session["id"], "lock"))

    released = api.delete(detail(session["id"], "lock"))
    save = api.patch(detail(session["id"]), {"draft_parameters": {"a": 4}}, format="json", HTTP_IF_MATCH='"1"')

    assert released.status_code == 200 and released.json()["lock"] is None
    assert save.status_code == 200
    assert stored(session["id"]).lock_info is None


def test_a_collaborator_cannot_release_another_collaborators_lock(api, colleague, stranger):
    session = start(api, session_type="COLLABORATIVE", draft_logic_flow=UNFINISHED)
    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk), str(stranger.pk)]})
    client_for(colleague).post(detail(session["id"], "lock"))

    response = client_for(stranger).delete(detail(session["id"], "lock"))

    assert response.status_code == 423
    assert error(response)["code"] == "session_locked"
    assert stored(session["id"]).lock_info["holder"] == str(colleague.pk)


def test_removing_a_collaborator_ends_their_lock(api, colleague, stranger):
    session = start(api, session_type="COLLABORATIVE", draft_logic_flow=UNFINISHED)
    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk), str(stranger.pk)]})
    client_for(colleague).post(detail(session["id"], "lock"))

    removed = api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(stranger.pk)]})
    owner_save = api.patch(detail(session["id"]), {"draft_parameters": {"a": 5}}, format="json", HTTP_IF_MATCH='"1"')
    other_lock = client_for(stranger).post(detail(session["id"], "lock"))

    assert removed.status_code == 200 and removed.json()["lock"] is None
    assert owner_save.status_code == 200
    assert other_lock.status_code == 200 and other_lock.json()["lock"]["holder"] == str(stranger.pk)


def test_changing_collaborators_keeps_the_lock_of_one_who_stays_and_the_owners(api, owner, colleague, stranger):
    session = start(api, session_type="COLLABORATIVE", draft_logic_flow=UNFINISHED)
    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk), str(stranger.pk)]})
    client_for(colleague).post(detail(session["id"], "lock"))

    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk)]})
    assert stored(session["id"]).lock_info["holder"] == str(colleague.pk)

    api.delete(detail(session["id"], "lock"))
    api.post(detail(session["id"], "lock"))
    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": []}, format="json")
    assert stored(session["id"]).lock_info["holder"] == str(owner.pk)


# --- Collaborators -----------------------------------------------------------------------------------


def test_collaborators_may_open_and_save_a_collaborative_session_and_nobody_else_sees_it(api, colleague, stranger):
    session = collaborative_session(api, colleague)
    colleague_api, stranger_api = client_for(colleague), client_for(stranger)

    opened = colleague_api.get(detail(session["id"]))
    saved = colleague_api.patch(detail(session["id"]), {"draft_parameters": {"fast": 3}}, HTTP_IF_MATCH='"1"')

    assert opened.status_code == 200 and opened.json()["collaborator_ids"] == [str(colleague.pk)]
    assert saved.status_code == 200
    assert stranger_api.get(detail(session["id"])).status_code == 404
    assert stranger_api.patch(detail(session["id"]), {}, HTTP_IF_MATCH='"2"').status_code == 404


def test_only_the_owner_manages_collaborators_closes_or_commits(api, colleague, stranger):
    session = collaborative_session(api, colleague)
    colleague_api = client_for(colleague)

    responses = [
        colleague_api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(stranger.pk)]}),
        colleague_api.post(detail(session["id"], "close")),
        colleague_api.post(detail(session["id"], "commit")),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    row = stored(session["id"])
    assert (row.collaborator_ids, row.is_active, row.instance_id) == ([str(colleague.pk)], True, None)


def test_collaborators_find_the_sessions_shared_with_them(api, colleague, stranger):
    session = collaborative_session(api, colleague)
    lookalike = BuilderSessionFactory(
        owner=stranger, session_type="COLLABORATIVE", collaborator_ids=[f"{colleague.pk}0", f"1{colleague.pk}"]
    )
    BuilderSessionFactory(owner=colleague)

    shared = client_for(colleague).get(f"{URL}shared/").json()
    strangers_view = client_for(stranger).get(f"{URL}shared/").json()

    assert [row["id"] for row in shared["results"]] == [session["id"]]
    assert lookalike.pk not in {row["id"] for row in shared["results"]}
    assert strangers_view["count"] == 0
    assert session["id"] not in {row["id"] for row in client_for(colleague).get(URL).json()["results"]}


def test_a_removed_collaborator_loses_access(api, colleague):
    session = collaborative_session(api, colleague)

    api.put(detail(session["id"], "collaborators"), {"collaborator_ids": []}, format="json")

    assert client_for(colleague).get(detail(session["id"])).status_code == 404
    assert client_for(colleague).get(f"{URL}shared/").json()["count"] == 0


@pytest.mark.parametrize("session_type", ["DRAFT", "AUTOSAVE"])
def test_only_a_collaborative_session_has_collaborators(api, colleague, session_type):
    session = start(api, session_type=session_type)

    response = api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(colleague.pk)]})

    assert response.status_code == 400
    assert error(response)["problems"][0]["code"] == "not_collaborative"
    assert client_for(colleague).get(detail(session["id"])).status_code == 404


def test_collaborators_must_be_existing_users_other_than_the_owner(api, owner):
    session = start(api, session_type="COLLABORATIVE")

    unknown = api.put(detail(session["id"], "collaborators"), {"collaborator_ids": ["999999"]})
    self_share = api.put(detail(session["id"], "collaborators"), {"collaborator_ids": [str(owner.pk)]})

    assert unknown.status_code == 400 and "999999" in error(unknown)["message"]
    assert self_share.status_code == 400
    assert stored(session["id"]).collaborator_ids is None


# --- Commit ------------------------------------------------------------------------------------------


def test_committing_a_session_without_a_strategy_creates_one_and_points_the_session_at_it(
    api, owner, valid_flow, valid_parameters
):
    session = start(api, session_name="Crossover", draft_logic_flow=valid_flow, draft_parameters=valid_parameters)

    response = api.post(detail(session["id"], "commit"), HTTP_IF_MATCH='"1"')

    assert response.status_code == 200, response.json()
    instance = StrategyInstance.objects.get(pk=response.json()["instance"])
    assert (instance.user_id, instance.name) == (str(owner.pk), "Crossover")
    assert (instance.logic_flow, instance.parameters) == (valid_flow, valid_parameters)
    assert response.json()["committed_version"] == 1
    assert response.json()["problems"] == []
    assert stored(session["id"]).instance_id == instance.pk


def test_committing_writes_the_draft_into_the_sessions_strategy(api, owner, valid_flow, valid_parameters):
    instance = StrategyInstanceFactory(owner=owner)
    session = start(api, instance=instance.pk)
    api.patch(
        detail(session["id"]),
        {"draft_logic_flow": valid_flow, "draft_parameters": valid_parameters},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    response = api.post(detail(session["id"], "commit"), {"base_version": 2}, format="json")

    assert response.status_code == 200, response.json()
    instance.refresh_from_db()
    assert (instance.logic_flow, instance.parameters) == (valid_flow, valid_parameters)
    assert StrategyInstance.objects.count() == 1


def test_committing_an_invalid_draft_is_a_400_with_its_problems_and_writes_nothing(api, owner):
    instance = StrategyInstanceFactory(owner=owner)
    original = instance.logic_flow
    session = start(api, instance=instance.pk)
    api.patch(detail(session["id"]), {"draft_logic_flow": UNFINISHED}, format="json", HTTP_IF_MATCH='"1"')
    new_strategy = start(api, draft_logic_flow=UNFINISHED)

    response = api.post(detail(session["id"], "commit"))
    new_response = api.post(detail(new_strategy["id"], "commit"))

    assert response.status_code == 400
    assert "n1" in {problem.get("node_id") for problem in error(response)["problems"]}
    assert new_response.status_code == 400
    instance.refresh_from_db()
    assert instance.logic_flow == original
    assert StrategyInstance.objects.count() == 1
    assert stored(new_strategy["id"]).instance_id is None


def test_committing_from_a_stale_version_is_refused_with_412(api, valid_flow, valid_parameters):
    session = start(api, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)
    api.patch(detail(session["id"]), {"session_name": "v2"}, format="json", HTTP_IF_MATCH='"1"')

    response = api.post(detail(session["id"], "commit"), HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert not StrategyInstance.objects.exists()


def test_committing_into_a_strategy_deleted_meanwhile_is_a_409(api, owner, valid_flow, valid_parameters):
    instance = StrategyInstanceFactory(owner=owner)
    session = start(api, instance=instance.pk, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)
    instance.soft_delete()

    response = api.post(detail(session["id"], "commit"))

    assert (response.status_code, error(response)["code"]) == (409, "instance_gone")


def test_two_sessions_on_one_strategy_cannot_silently_overwrite_each_others_commit(
    api, owner, valid_flow, valid_parameters
):
    instance = StrategyInstanceFactory(owner=owner)
    first = start(api, instance=instance.pk, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)
    second = start(
        api, instance=instance.pk, draft_logic_flow=valid_flow, draft_parameters={**valid_parameters, "fast": 12}
    )
    assert api.post(detail(first["id"], "commit")).status_code == 200

    refused = api.post(detail(second["id"], "commit"))

    assert (refused.status_code, error(refused)["code"]) == (409, "instance_changed")
    instance.refresh_from_db()
    assert instance.parameters == valid_parameters
    assert stored(second["id"]).draft_parameters["fast"] == 12

    forced = api.post(detail(second["id"], "commit"), {"overwrite": True}, format="json")

    assert forced.status_code == 200, forced.json()
    instance.refresh_from_db()
    assert instance.parameters["fast"] == 12


def test_a_session_commits_again_after_its_own_commit(api, owner, valid_flow, valid_parameters):
    instance = StrategyInstanceFactory(owner=owner)
    session = start(api, instance=instance.pk, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)
    assert api.post(detail(session["id"], "commit")).status_code == 200
    api.patch(
        detail(session["id"]),
        {"draft_parameters": {**valid_parameters, "slow": 40}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    response = api.post(detail(session["id"], "commit"))

    assert response.status_code == 200, response.json()
    instance.refresh_from_db()
    assert instance.parameters["slow"] == 40


def test_a_strategy_changed_through_the_api_after_the_session_started_is_not_overwritten(
    api, owner, valid_flow, valid_parameters
):
    instance = StrategyInstanceFactory(owner=owner)
    session = start(api, instance=instance.pk, draft_logic_flow=valid_flow, draft_parameters=valid_parameters)
    assert (
        api.patch(f"/api/v1/strategy-instances/{instance.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    )

    response = api.post(detail(session["id"], "commit"))

    assert (response.status_code, error(response)["code"]) == (409, "instance_changed")
    instance.refresh_from_db()
    assert instance.name == "Renamed"
    assert instance.logic_flow != valid_flow
