"""What can go wrong when writing a builder session. Each is an API error with its own status, so a
service can raise it and the one exception handler renders it in the project's error shape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import status

from strategy_builder.api.exceptions import ApiError, Locked, PreconditionFailed

if TYPE_CHECKING:
    from .models import BuilderSession


class StaleDraft(PreconditionFailed):
    """A save or commit was based on a version of the draft that someone has since replaced."""

    default_code = "stale_version"

    def __init__(self, *, current: BuilderSession, current_version: int, base_version: int) -> None:
        self.current = current
        super().__init__(
            f"The draft was saved as version {current_version} since version {base_version}, "
            "which this request was based on; nothing was overwritten. Merge with the current draft "
            "(in `current`) and save again with its version."
        )


class VersionRequired(ApiError):
    """A save must say which version it was based on, or it could overwrite work it never saw."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "version_required"
    default_detail = (
        "Say which version of the draft this save is based on: an If-Match header with the session's ETag, "
        "or `base_version` in the body."
    )


class SessionLocked(Locked):
    """Another user holds a live edit lock on the session."""

    default_code = "session_locked"

    def __init__(self, *, lock: dict) -> None:
        self.lock = lock
        super().__init__(f"User {lock['holder']} holds the edit lock on this session until {lock['until']}.")


class SessionClosed(ApiError):
    """The session was closed or expired; its draft can be read, and a new session started from it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "session_closed"


class DraftTooLarge(ApiError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "draft_too_large"


class SessionExpired(SessionClosed):
    default_code = "session_expired"


class InstanceGone(ApiError):
    """The strategy the session edits was deleted after the session started."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "instance_gone"


class InstanceChanged(ApiError):
    """The strategy was changed (another session's commit, the API) after this session's draft was based on it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "instance_changed"
