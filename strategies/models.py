"""The two tables the spec calls existing: strategy templates and the user's strategy instances."""

from django.db import models

from strategy_builder.models import BaseModel

from .choices import StrategyStatus


class StrategyBase(BaseModel):
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    logic_flow = models.JSONField(default=dict, db_default={})
    parameters = models.JSONField(default=dict, db_default={}, blank=True)
    user_id = models.CharField(max_length=255)
    status = models.CharField(
        max_length=50, choices=StrategyStatus.choices, default=StrategyStatus.ACTIVE, db_default=StrategyStatus.ACTIVE
    )

    class Meta(BaseModel.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.name


class StrategyTemplate(StrategyBase):
    """A reusable starting point; instances may be created from it."""

    class Meta(StrategyBase.Meta):
        db_table = "strategy_templates"
        ordering = ("-created_at",)
        indexes = [
            # A user's templates, newest first.
            models.Index(fields=["user_id", "created_at"], name="ix_strattpl_user_created"),
            models.Index(fields=["is_deleted"], name="ix_strategy_templates_is_deleted"),
        ]


class StrategyInstance(StrategyBase):
    """A user's strategy: the flow and parameter values that quick tests and code generation use."""

    template = models.ForeignKey(
        StrategyTemplate,
        on_delete=models.DB_SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
        db_index=False,
    )

    class Meta(StrategyBase.Meta):
        db_table = "strategy_instances"
        ordering = ("-created_at",)
        indexes = [
            # A user's strategies, newest first; and the ones from a template.
            models.Index(fields=["user_id", "created_at"], name="ix_stratinst_user_created"),
            models.Index(fields=["user_id", "status"], name="ix_stratinst_user_status"),
            models.Index(fields=["template"], name="ix_strategy_instances_tpl"),
            models.Index(fields=["is_deleted"], name="ix_strategy_instances_is_del"),
        ]
