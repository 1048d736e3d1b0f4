"""Writes of builder_sessions: start, autosave, heartbeat, lock, close, commit, collaborators.

Every write re-reads the session row under SELECT ... FOR UPDATE and checks, in this order, that the
session is still open, that nobody else holds a live edit lock (423) and, for draft saves, that the save
was based on the current version (412). A refused write changes nothing. Every accepted write by a user
counts as activity: it moves `last_activity_at` and slides `expires_at` by SESSION_IDLE_EXPIRY.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from engine.errors import FlowError, Problem
from engine.flow import validate_flow
from nodes.selectors import node_catalogue_for_user
from strategies.selectors import strategy_instance_list
from strategies.services import strategy_instance_create, strategy_instance_update
from strategies.validators import empty_flow
from strategy_builder.actors import actor_name

from . import drafts
from .choices import SessionType
from .errors import (
    InstanceChanged,
    InstanceGone,
    SessionClosed,
    SessionExpired,
    SessionLocked,
    StaleDraft,
    VersionRequired,
)
from .models import BuilderSession
from .selectors import session_is_visible_to

UNSET: Any = object()


def session_start(
    *,
    user,
    session_type: str = SessionType.DRAFT,
    instance_id: str | None = None,
    session_name: str | None = None,
    draft_logic_flow: Any = None,
    draft_parameters: Any = None,
    draft_metadata: Any = None,
    now: datetime | None = None,
) -> BuilderSession:
    """Open a session on one of `user`'s strategy instances, or on a strategy not created yet.

    The draft starts as the instance's flow and parameters unless the caller brings its own (a tab
    recovering local work, say); a new strategy starts from an empty flow.
    """
    now = now or timezone.now()
    instance = None
    if instance_id is not None:
        instance = strategy_instance_list(user=user).filter(pk=instance_id).first()
        if instance is None:
            raise ValidationError(
                {"instance": ValidationError(f"You have no strategy instance '{instance_id}'.", code="does_not_exist")}
            )
    if draft_logic_flow is None:
        draft_logic_flow = instance.logic_flow if instance else empty_flow()
    if draft_parameters is None:
        draft_parameters = instance.parameters if instance else {}
    drafts.check_draft(logic_flow=draft_logic_flow, parameters=draft_parameters, ui=draft_metadata)

    uid = str(user.pk)
    metadata = drafts.draft_metadata(version=1, ui=draft_metadata, saved_by=uid, saved_at=now)
    if instance is not None:
        metadata["instance_base"] = instance.updated_at.isoformat()
    return BuilderSession.objects.create(
        user_id=uid,
        instance=instance,
        session_type=session_type,
        session_name=session_name,
        draft_logic_flow=draft_logic_flow,
        draft_parameters=draft_parameters,
        draft_metadata=metadata,
        last_activity_at=now,
        expires_at=now + settings.SESSION_IDLE_EXPIRY,
        created_by=actor_name(user),
        updated_by=actor_name(user),
    )


@transaction.atomic
def session_save(
    *,
    session: BuilderSession,
    user,
    base_version: int | None,
    draft_logic_flow: Any = UNSET,
    draft_parameters: Any = UNSET,
    draft_metadata: Any = UNSET,
    session_name: Any = UNSET,
    now: datetime | None = None,
) -> BuilderSession:
    """Autosave: replace the parts of the draft given, if `base_version` is still the current version.

    The draft may be an unfinished, invalid flow; as long as it is well-formed (format v1) it is stored all
    the same (see `draft_problems`).
    """
    if base_version is None:
        raise VersionRequired()
    now = now or timezone.now()
    session = _for_update(session, user)
    logic_flow = session.draft_logic_flow if draft_logic_flow is UNSET else draft_logic_flow
    parameters = session.draft_parameters if draft_parameters is UNSET else draft_parameters
    ui = drafts.ui_metadata(session) if draft_metadata is UNSET else draft_metadata
    _check_writable(session, user, now)
    drafts.check_draft(logic_flow=logic_flow, parameters=parameters, ui=ui)
    _check_version(session, base_version)

    uid = str(user.pk)
    session.draft_logic_flow = logic_flow
    session.draft_parameters = parameters
    session.draft_metadata = {
        **(session.draft_metadata or {}),
        **drafts.draft_metadata(version=drafts.draft_version(session) + 1, ui=ui, saved_by=uid, saved_at=now),
    }
    if session_name is not UNSET:
        session.session_name = session_name
    _touch(session, now)
    session.updated_by = actor_name(user)
    session.save()
    return session


@transaction.atomic
def session_heartbeat(*, session: BuilderSession, user, now: datetime | None = None) -> BuilderSession:
    """The editor is still open: keep the session from expiring."""
    now = now or timezone.now()
    session = _for_update(session, user)
    _check_open(session, now)
    _touch(session, now)
    session.save(update_fields=["last_activity_at", "expires_at"])
    return session


@transaction.atomic
def session_lock(*, session: BuilderSession, user, now: datetime | None = None) -> BuilderSession:
    """Take the edit lock for SESSION_LOCK_TTL, or renew it when `user` already holds it."""
    now = now or timezone.now()
    session = _for_update(session, user)
    _check_writable(session, user, now)
    held = drafts.live_lock(session, now)
    since = datetime.fromisoformat(held["since"]) if held else now
    session.lock_info = drafts.new_lock(holder=str(user.pk), since=since, until=now + settings.SESSION_LOCK_TTL)
    _touch(session, now)
    session.save(update_fields=["lock_info", "last_activity_at", "expires_at"])
    return session


@transaction.atomic
def session_unlock(*, session: BuilderSession, user, now: datetime | None = None) -> BuilderSession:
    """Release `user`'s edit lock, or any lock when `user` owns the session (a collaborator gone quiet must not
    keep the owner out). Releasing a lock nobody holds is a no-op; another user's lock, for a collaborator, 423."""
    now = now or timezone.now()
    session = _for_update(session, user)
    held = drafts.live_lock(session, now)
    if held and held["holder"] != str(user.pk) and session.user_id != str(user.pk):
        raise SessionLocked(lock=held)
    if session.lock_info is not None:
        session.lock_info = None
        session.save(update_fields=["lock_info"])
    return session


@transaction.atomic
def session_close(*, session: BuilderSession, user, now: datetime | None = None) -> BuilderSession:
    """The owner is done with the session: it stops accepting writes and its lock goes. Idempotent."""
    now = now or timezone.now()
    session = _for_update(session, user)
    _check_owner(session, user, "close")
    if not session.is_active:
        return session
    held = drafts.live_lock(session, now)
    if held and held["holder"] != str(user.pk):
        raise SessionLocked(lock=held)
    session.is_active = False
    session.lock_info = None
    session.last_activity_at = now
    session.updated_by = actor_name(user)
    session.save(update_fields=["is_active", "lock_info", "last_activity_at", "updated_by"])
    return session


@transaction.atomic
def session_commit(
    *,
    session: BuilderSession,
    user,
    base_version: int | None = None,
    name: str | None = None,
    description: str | None = None,
    overwrite: bool = False,
    now: datetime | None = None,
) -> BuilderSession:
    """Write the draft into the strategy instance after full validation, creating the instance when the
    session has none; the session then points at it. All or nothing.

    `base_version`, when given, makes sure the draft committed is the one the client last saw. A strategy
    changed since the draft was based on it (another session committed, the API saved) is not overwritten
    unless `overwrite` says so: the commit answers 409 and the client can merge or start again.
    """
    now = now or timezone.now()
    session = _for_update(session, user)
    _check_owner(session, user, "commit")
    _check_writable(session, user, now)
    if base_version is not None:
        _check_version(session, base_version)
    problems = draft_problems(session, owner=user)
    if problems:
        raise FlowError(problems)

    if session.instance_id is None:
        instance = strategy_instance_create(
            user=user,
            name=name or session.session_name or "Untitled strategy",
            description=description,
            logic_flow=session.draft_logic_flow,
            parameters=session.draft_parameters,
        )
        session.instance = instance
    else:
        instance = strategy_instance_list(user=user).select_for_update().filter(pk=session.instance_id).first()
        if instance is None:
            raise InstanceGone(
                "The strategy this session edits was deleted; commit would have nowhere to go. "
                "Start a new session with this draft to save it as a new strategy."
            )
        base = drafts.instance_base(session)
        if not overwrite and base is not None and base != instance.updated_at.isoformat():
            raise InstanceChanged(
                f"The strategy was changed at {instance.updated_at.isoformat()}, after this draft was based on it "
                f"({base}); committing would overwrite that change. Commit with overwrite=true to replace it, "
                "or start a new session from the strategy as it is now."
            )
        changes: dict[str, Any] = {"logic_flow": session.draft_logic_flow, "parameters": session.draft_parameters}
        if name:
            changes["name"] = name
        if description is not None:
            changes["description"] = description
        strategy_instance_update(instance=instance, user=user, data=changes)

    session.draft_metadata = {
        **(session.draft_metadata or {}),
        "committed_version": drafts.draft_version(session),
        "committed_at": now.isoformat(),
        "instance_base": instance.updated_at.isoformat(),
    }
    _touch(session, now)
    session.updated_by = actor_name(user)
    session.save()
    return session


@transaction.atomic
def session_set_collaborators(
    *, session: BuilderSession, user, collaborator_ids: list[str], now: datetime | None = None
) -> BuilderSession:
    """The owner of a COLLABORATIVE session says who else may open and save it. A collaborator removed while
    holding the edit lock loses it with their access."""
    now = now or timezone.now()
    session = _for_update(session, user)
    _check_owner(session, user, "manage the collaborators of")
    _check_open(session, now)
    if session.session_type != SessionType.COLLABORATIVE:
        raise ValidationError(
            {
                "collaborator_ids": ValidationError(
                    f"Only a {SessionType.COLLABORATIVE} session has collaborators; this one is {session.session_type}.",
                    code="not_collaborative",
                )
            }
        )
    wanted = list(dict.fromkeys(str(uid) for uid in collaborator_ids))
    if session.user_id in wanted:
        raise ValidationError(
            {"collaborator_ids": ValidationError("The owner is not a collaborator of their own session.", code="owner")}
        )
    found = {
        str(pk) for pk in get_user_model().objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True)
    }
    unknown = [uid for uid in wanted if uid not in found]
    if unknown:
        raise ValidationError(
            {"collaborator_ids": ValidationError(f"No such user: {', '.join(unknown)}.", code="does_not_exist")}
        )
    session.collaborator_ids = wanted or None
    if session.lock_info is not None and session.lock_info["holder"] not in [session.user_id, *wanted]:
        session.lock_info = None
    _touch(session, now)
    session.save(update_fields=["collaborator_ids", "lock_info", "last_activity_at", "expires_at"])
    return session


@transaction.atomic
def session_expire(*, session: BuilderSession, now: datetime | None = None) -> BuilderSession:
    """Staff: end a session now, as the expiry job would. Its draft stays readable."""
    now = now or timezone.now()
    session = _for_update(session, None)
    session.is_active = False
    session.lock_info = None
    if session.expires_at is None or session.expires_at > now:
        session.expires_at = now
    session.save(update_fields=["is_active", "lock_info", "expires_at"])
    return session


def session_release_lock(*, session: BuilderSession) -> int:
    """Staff: drop whatever edit lock the session has, whoever holds it."""
    return BuilderSession.objects.filter(pk=session.pk, lock_info__isnull=False).update(lock_info=None)


def draft_problems(session: BuilderSession, *, owner=None) -> list[Problem]:
    """Everything full validation finds wrong with the draft, against the owner's node catalogue.

    `owner` saves a query when the caller already has the owning user at hand.
    """
    if owner is None or str(owner.pk) != session.user_id:
        owner = get_user_model().objects.get(pk=session.user_id)
    return validate_flow(session.draft_logic_flow, node_catalogue_for_user(owner), parameters=session.draft_parameters)


def _for_update(session: BuilderSession, user) -> BuilderSession:
    """The session's row, locked until the transaction ends, if `user` may still see it."""
    locked = BuilderSession.objects.select_for_update().filter(pk=session.pk).first()
    if locked is None or (user is not None and not session_is_visible_to(locked, user)):
        raise Http404("No builder session with this id.")
    return locked


def _check_open(session: BuilderSession, now: datetime) -> None:
    if not session.is_active:
        raise SessionClosed("This session is closed; its draft can still be read, or a new session started from it.")
    if session.expires_at is not None and session.expires_at <= now:
        raise SessionExpired(
            f"This session expired at {session.expires_at.isoformat()} after a period without activity; "
            "its draft can still be read, or a new session started from it."
        )


def _check_writable(session: BuilderSession, user, now: datetime) -> None:
    _check_open(session, now)
    held = drafts.live_lock(session, now)
    if held and held["holder"] != str(user.pk):
        raise SessionLocked(lock=held)


def _check_version(session: BuilderSession, base_version: int) -> None:
    current = drafts.draft_version(session)
    if base_version != current:
        raise StaleDraft(current=session, current_version=current, base_version=base_version)


def _check_owner(session: BuilderSession, user, action: str) -> None:
    if session.user_id != str(user.pk):
        raise PermissionDenied(f"Only the owner of a session can {action} it.")


def _touch(session: BuilderSession, now: datetime) -> None:
    session.last_activity_at = now
    session.expires_at = now + settings.SESSION_IDLE_EXPIRY
