from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from strategy_builder.models import AliveManager, AllObjectsManager, BaseModel

from .choices import SessionType
from .querysets import BuilderSessionQuerySet


class BuilderSession(BaseModel):
    """A user's editing session: an autosaved draft of a strategy's flow, parameters and UI state."""

    instance = models.ForeignKey(
        "strategies.StrategyInstance",
        on_delete=models.DB_CASCADE,
        null=True,
        blank=True,
        related_name="builder_sessions",
        db_index=False,
    )
    user_id = models.CharField(max_length=255)
    session_type = models.CharField(
        max_length=50, choices=SessionType.choices, default=SessionType.DRAFT, db_default=SessionType.DRAFT
    )
    session_name = models.CharField(max_length=255, null=True, blank=True)
    draft_logic_flow = models.JSONField()
    draft_parameters = models.JSONField(default=dict, db_default={}, blank=True)
    draft_metadata = models.JSONField(null=True, blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    last_activity_at = models.DateTimeField(default=timezone.now, db_default=Now())
    expires_at = models.DateTimeField(null=True, blank=True)
    collaborator_ids = models.JSONField(null=True, blank=True)
    lock_info = models.JSONField(null=True, blank=True)

    objects = AliveManager.from_queryset(BuilderSessionQuerySet)()
    all_objects = AllObjectsManager.from_queryset(BuilderSessionQuerySet)()

    class Meta(BaseModel.Meta):
        db_table = "builder_sessions"
        ordering = ("-last_activity_at",)
        indexes = [
            models.Index(fields=["instance"], name="ix_builder_sessions_instance_id"),
            models.Index(fields=["user_id"], name="ix_builder_sessions_user_id"),
            models.Index(fields=["session_type"], name="ix_builder_sessions_session_type"),
            models.Index(fields=["is_active"], name="ix_builder_sessions_is_active"),
            models.Index(fields=["last_activity_at"], name="ix_builder_sessions_last_activity_at"),
            models.Index(fields=["expires_at"], name="ix_builder_sessions_expires_at"),
            models.Index(fields=["is_deleted"], name="ix_builder_sessions_is_deleted"),
            # "User's active sessions": WHERE user_id = ? AND is_active = TRUE
            models.Index(fields=["user_id", "is_active"], name="ix_session_user_active"),
            # "User's recent sessions": WHERE user_id = ? ORDER BY last_activity_at DESC
            models.Index(fields=["user_id", "last_activity_at"], name="ix_session_user_activity"),
            models.Index(fields=["session_type", "is_active"], name="ix_session_type_active"),
            # "Expired sessions cleanup": WHERE expires_at < NOW() AND is_active = TRUE
            models.Index(fields=["expires_at", "is_active"], name="ix_session_expires"),
            # "Session for specific strategy": WHERE instance_id = ? AND user_id = ?
            models.Index(fields=["instance", "user_id"], name="ix_session_instance_user"),
            # Retention: purge 30 days after last activity.
            models.Index(fields=["is_deleted", "last_activity_at"], name="ix_session_deleted_activity"),
        ]

    def __str__(self) -> str:
        return self.session_name or f"Session {self.id}"
