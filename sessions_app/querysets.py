"""Named query pieces for builder_sessions, one per "Common Query" of the table spec."""

from __future__ import annotations

import json
from datetime import datetime

from strategy_builder.models import SoftDeleteQuerySet

from .choices import SessionType


class BuilderSessionQuerySet(SoftDeleteQuerySet):
    def active(self) -> BuilderSessionQuerySet:
        """With for_user: "User's active sessions" (ix_session_user_active)."""
        return self.filter(is_active=True)

    def recent(self) -> BuilderSessionQuerySet:
        """With for_user: "User's recent sessions" (ix_session_user_activity)."""
        return self.order_by("-last_activity_at")

    def for_instance(self, instance_id: str) -> BuilderSessionQuerySet:
        """With for_user: "Session for specific strategy" (ix_session_instance_user)."""
        return self.filter(instance_id=instance_id)

    def expired(self, now: datetime) -> BuilderSessionQuerySet:
        """The spec's "Expired sessions cleanup": expires_at < NOW() AND is_active = TRUE (ix_session_expires)."""
        return self.filter(expires_at__lt=now, is_active=True)

    def idle_before(self, cutoff: datetime) -> BuilderSessionQuerySet:
        """Sessions last active before `cutoff` (ix_builder_sessions_last_activity_at): the purge's rows."""
        return self.filter(last_activity_at__lt=cutoff)

    def shared_with(self, user) -> BuilderSessionQuerySet:
        """COLLABORATIVE sessions listing `user` among their collaborators (ix_session_type_active first).

        `collaborator_ids` is a JSON list of user-id strings; the quoted id matches one whole element of
        its text. (JSON containment would say it directly, but SQLite has no such lookup.)
        """
        return self.filter(session_type=SessionType.COLLABORATIVE, collaborator_ids__icontains=json.dumps(str(user.pk)))
