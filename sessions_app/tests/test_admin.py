from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from sessions_app.models import BuilderSession

from .factories import BuilderSessionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/sessions_app/buildersession/"


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(admin)
    return client


def live_lock(holder: str) -> dict:
    now = timezone.now()
    return {"holder": holder, "since": now.isoformat(), "until": (now + timedelta(minutes=5)).isoformat()}


def test_staff_find_sessions_by_user_and_filter_by_type_and_activity(staff_client):
    mine = BuilderSessionFactory(session_name="Crossover draft", session_type="COLLABORATIVE")
    BuilderSessionFactory(session_name="Someone else's", is_active=False)

    by_user = staff_client.get(CHANGELIST, {"q": mine.user_id})
    by_type = staff_client.get(CHANGELIST, {"session_type__exact": "COLLABORATIVE", "is_active__exact": "1"})

    assert by_user.status_code == by_type.status_code == 200
    assert b"Crossover draft" in by_user.content and b"Someone else" not in by_user.content
    assert b"Crossover draft" in by_type.content and b"Someone else" not in by_type.content


def test_the_expire_action_ends_sessions_now_and_keeps_their_drafts(staff_client):
    session = BuilderSessionFactory(lock_info=live_lock("3"), draft_parameters={"fast": 9})
    other = BuilderSessionFactory()

    response = staff_client.post(CHANGELIST, {"action": "expire_sessions", "_selected_action": [session.pk]})

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.is_active, session.lock_info, session.draft_parameters) == (False, None, {"fast": 9})
    assert session.expires_at <= timezone.now()
    assert BuilderSession.objects.get(pk=other.pk).is_active


def test_the_release_lock_action_frees_a_lock_whoever_holds_it(staff_client):
    locked = BuilderSessionFactory(lock_info=live_lock("42"))

    staff_client.post(CHANGELIST, {"action": "release_locks", "_selected_action": [locked.pk]})

    locked.refresh_from_db()
    assert locked.lock_info is None
    assert locked.is_active
