"""Retention of builder_sessions (spec, Data Retention Policies): active until `expires_at`, deleted
30 days (SESSION_PURGE_AFTER) after `last_activity_at`. The services and the beat tasks that run them."""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from strategy_builder.retention import RETENTION_TASK_OPTIONS, batches, purge

from .models import BuilderSession

logger = logging.getLogger(__name__)


def sessions_expire(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Deactivate the sessions whose `expires_at` has passed, dropping their edit locks.

    The spec's "Expired sessions cleanup" (WHERE expires_at < NOW() AND is_active = TRUE, on
    ix_session_expires). Drafts stay as they are, readable until the purge.
    """
    now = now or timezone.now()
    expired = BuilderSession.all_objects.expired(now)
    count = 0
    for ids in batches(expired, batch_size=batch_size):
        count += expired.filter(pk__in=ids).update(is_active=False, lock_info=None, updated_at=now)
    return count


def sessions_purge(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Hard-delete sessions, soft-deleted or not, last active more than SESSION_PURGE_AFTER ago."""
    now = now or timezone.now()
    return purge(BuilderSession.all_objects.idle_before(now - settings.SESSION_PURGE_AFTER), batch_size=batch_size)


@shared_task(name="sessions_app.expire_sessions", **RETENTION_TASK_OPTIONS)
def expire_sessions_task() -> int:
    count = sessions_expire()
    logger.info("Deactivated %d expired builder sessions", count)
    return count


@shared_task(name="sessions_app.purge_sessions", **RETENTION_TASK_OPTIONS)
def purge_sessions_task() -> int:
    count = sessions_purge()
    logger.info("Deleted %d builder sessions idle for over %s", count, settings.SESSION_PURGE_AFTER)
    return count
