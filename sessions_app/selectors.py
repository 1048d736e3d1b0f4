"""Reads of builder_sessions. A session is seen by its owner and, when COLLABORATIVE, by its collaborators;
anyone else gets 404, exactly as if it did not exist."""

from __future__ import annotations

from django.http import Http404

from .choices import SessionType
from .models import BuilderSession
from .querysets import BuilderSessionQuerySet


def session_list(user) -> BuilderSessionQuerySet:
    """`user`'s own sessions, most recently active first ("User's recent sessions")."""
    return BuilderSession.objects.for_user(user).recent()


def session_shared_list(user) -> BuilderSessionQuerySet:
    """Other users' COLLABORATIVE sessions that list `user` as a collaborator, most recently active first."""
    return BuilderSession.objects.shared_with(user).recent()


def session_get(user, session_id: str) -> BuilderSession:
    session = BuilderSession.objects.filter(pk=session_id).first()
    if session is None or not session_is_visible_to(session, user):
        raise Http404("No builder session with this id.")
    return session


def session_is_visible_to(session: BuilderSession, user) -> bool:
    return session.user_id == str(user.pk) or session_is_shared_with(session, user)


def session_is_shared_with(session: BuilderSession, user) -> bool:
    return session.session_type == SessionType.COLLABORATIVE and str(user.pk) in (session.collaborator_ids or [])
