from django.db import models

from strategy_builder.models import AliveManager, AllObjectsManager, BaseModel

from .choices import QuickTestStatus
from .querysets import QuickTestQuerySet


class QuickTest(BaseModel):
    """One quick backtest of a strategy instance, with the flow and parameters it ran on frozen."""

    instance = models.ForeignKey(
        "strategies.StrategyInstance", on_delete=models.DB_CASCADE, related_name="quick_tests", db_index=False
    )
    user_id = models.CharField(max_length=255)
    test_name = models.CharField(max_length=255, null=True, blank=True)
    test_config = models.JSONField()
    logic_flow_snapshot = models.JSONField()
    parameters_snapshot = models.JSONField(default=dict, db_default={}, blank=True)
    status = models.CharField(
        max_length=50,
        choices=QuickTestStatus.choices,
        default=QuickTestStatus.PENDING,
        db_default=QuickTestStatus.PENDING,
    )
    test_result = models.JSONField(null=True, blank=True)
    metrics_summary = models.JSONField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    execution_time = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = AliveManager.from_queryset(QuickTestQuerySet)()
    all_objects = AllObjectsManager.from_queryset(QuickTestQuerySet)()

    class Meta(BaseModel.Meta):
        db_table = "quick_tests"
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["instance"], name="ix_quick_tests_instance_id"),
            models.Index(fields=["user_id"], name="ix_quick_tests_user_id"),
            models.Index(fields=["status"], name="ix_quick_tests_status"),
            models.Index(fields=["completed_at"], name="ix_quick_tests_completed_at"),
            models.Index(fields=["is_deleted"], name="ix_quick_tests_is_deleted"),
            # "Get completed tests for strategy": WHERE instance_id = ? AND status = 'COMPLETED'
            models.Index(fields=["instance", "status"], name="ix_quicktest_instance_status"),
            # "User's recent test history": WHERE user_id = ? ORDER BY created_at DESC
            models.Index(fields=["user_id", "created_at"], name="ix_quicktest_user_created"),
            # "Failed tests in last 24h": WHERE status = 'FAILED' AND created_at > ?
            models.Index(fields=["status", "created_at"], name="ix_quicktest_status_created"),
            # "User's tests for specific strategy": WHERE user_id = ? AND instance_id = ?
            models.Index(fields=["user_id", "instance"], name="ix_quicktest_user_instance"),
            # Retention: archive and purge by completion date.
            models.Index(fields=["is_deleted", "completed_at"], name="ix_quicktest_deleted_completed"),
        ]

    def __str__(self) -> str:
        return self.test_name or f"Quick test {self.id}"
