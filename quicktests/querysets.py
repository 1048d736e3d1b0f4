"""Named query pieces for quick_tests, one per "Common Query" of the table spec (each served by its index)."""

from __future__ import annotations

from datetime import datetime

from strategy_builder.models import SoftDeleteQuerySet

from .choices import QuickTestStatus


class QuickTestQuerySet(SoftDeleteQuerySet):
    def for_instance(self, instance_id: str) -> QuickTestQuerySet:
        return self.filter(instance_id=instance_id)

    def with_status(self, *statuses: str) -> QuickTestQuerySet:
        return self.filter(status__in=statuses) if len(statuses) > 1 else self.filter(status=statuses[0])

    def completed_for_instance(self, instance_id: str) -> QuickTestQuerySet:
        """Completed tests of a strategy: WHERE instance_id = ? AND status = 'COMPLETED' (ix_quicktest_instance_status)."""
        return self.for_instance(instance_id).with_status(QuickTestStatus.COMPLETED)

    def recent_for_user(self, user) -> QuickTestQuerySet:
        """A user's test history: WHERE user_id = ? ORDER BY created_at DESC (ix_quicktest_user_created)."""
        return self.for_user(user).order_by("-created_at")

    def failed_since(self, since: datetime) -> QuickTestQuerySet:
        """Failures after a moment: WHERE status = 'FAILED' AND created_at > ? (ix_quicktest_status_created)."""
        return self.filter(status=QuickTestStatus.FAILED, created_at__gt=since)

    def for_user_and_instance(self, user, instance_id: str) -> QuickTestQuerySet:
        """A user's tests of one strategy: WHERE user_id = ? AND instance_id = ? (ix_quicktest_user_instance)."""
        return self.for_user(user).for_instance(instance_id)

    def stuck_running(self, started_before: datetime) -> QuickTestQuerySet:
        """Runs claimed by a worker that never finished them (ix_quicktest_status_created narrows to RUNNING)."""
        return self.filter(status=QuickTestStatus.RUNNING, started_at__lt=started_before)

    def stuck_sweeps(self, touched_before: datetime) -> QuickTestQuerySet:
        """Sweeps RUNNING with no chunk started or finished since `touched_before` (each chunk moves updated_at)."""
        return self.filter(status=QuickTestStatus.RUNNING, updated_at__lt=touched_before, test_config__has_key="sweep")

    def stuck_pending(self, created_before: datetime) -> QuickTestQuerySet:
        """Tests no worker ever took (ix_quicktest_status_created: WHERE status = 'PENDING' AND created_at < ?)."""
        return self.filter(status=QuickTestStatus.PENDING, created_at__lt=created_before)
