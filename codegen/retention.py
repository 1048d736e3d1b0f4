"""Retention of code_generations (spec, Data Retention Policies): VALID code is version history and is
kept forever; failed generations are deleted CODEGEN_FAILED_RETENTION (90 days) after they were made.
A generation still PENDING has not failed and is left alone."""

from __future__ import annotations

import logging
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from strategy_builder.retention import RETENTION_TASK_OPTIONS, purge

from .choices import ValidationStatus
from .models import CodeGeneration

logger = logging.getLogger(__name__)

NOT_FAILED = (ValidationStatus.VALID, ValidationStatus.PENDING)


def code_generations_purge_failed(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Hard-delete failed generations (any status but VALID and PENDING) older than the retention period."""
    now = now or timezone.now()
    failed = CodeGeneration.all_objects.exclude(validation_status__in=NOT_FAILED).filter(
        created_at__lt=now - settings.CODEGEN_FAILED_RETENTION
    )
    return purge(failed, batch_size=batch_size)


@shared_task(name="codegen.purge_failed_generations", **RETENTION_TASK_OPTIONS)
def purge_failed_generations_task() -> int:
    count = code_generations_purge_failed()
    logger.info("Deleted %d failed code generations older than %s", count, settings.CODEGEN_FAILED_RETENTION)
    return count
