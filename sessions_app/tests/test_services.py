"""Service-level behaviour that needs a clock or real concurrency rather than an HTTP client."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sessions_app.errors import SessionExpired, StaleDraft
from sessions_app.models import BuilderSession
from sessions_app.services import session_heartbeat, session_save

from .factories import BuilderSessionFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_from_one_version_let_exactly_one_through(owner):
    session = BuilderSessionFactory(owner=owner)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(tab: str) -> None:
        try:
            start.wait()
            session_save(session=session, user=owner, base_version=1, draft_parameters={"saved_by": tab})
            outcomes[tab] = "saved"
        except StaleDraft:
            outcomes[tab] = "stale"
        finally:
            connection.close()

    tabs = [threading.Thread(target=save, args=(tab,)) for tab in ("left", "right")]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join(timeout=60)

    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(tab for tab, outcome in outcomes.items() if outcome == "saved")
    row = BuilderSession.objects.get(pk=session.pk)
    assert row.draft_parameters == {"saved_by": winner}
    assert row.draft_metadata["version"] == 2


@pytest.mark.django_db
def test_a_session_idle_past_its_expiry_refuses_heartbeats_and_saves(owner, settings):
    started = timezone.now()
    session = BuilderSessionFactory(owner=owner, last_activity_at=started)
    later = started + settings.SESSION_IDLE_EXPIRY + timedelta(seconds=1)

    with pytest.raises(SessionExpired):
        session_heartbeat(session=session, user=owner, now=later)
    with pytest.raises(SessionExpired):
        session_save(session=session, user=owner, base_version=1, draft_parameters={"a": 1}, now=later)

    assert BuilderSession.objects.get(pk=session.pk).draft_parameters == {}


@pytest.mark.django_db
def test_activity_just_before_expiry_slides_it(owner, settings):
    started = timezone.now()
    session = BuilderSessionFactory(owner=owner, last_activity_at=started)
    almost = started + settings.SESSION_IDLE_EXPIRY - timedelta(seconds=1)

    session_heartbeat(session=session, user=owner, now=almost)

    row = BuilderSession.objects.get(pk=session.pk)
    assert (row.last_activity_at, row.expires_at) == (almost, almost + settings.SESSION_IDLE_EXPIRY)
