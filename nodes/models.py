from django.db import models

from strategy_builder.models import AliveManager, AllObjectsManager, BaseModel

from .choices import NodeType
from .querysets import NodeTemplateQuerySet


class NodeTemplate(BaseModel):
    """A node the builder offers: a system template from the curated library, or a user's custom one."""

    name = models.CharField(max_length=255)
    display_name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    node_type = models.CharField(max_length=50, choices=NodeType.choices)
    category = models.CharField(max_length=100, null=True, blank=True)
    parameter_schema = models.JSONField(default=dict, db_default={}, blank=True)
    default_parameters = models.JSONField(default=dict, db_default={}, blank=True)
    input_ports = models.JSONField(default=list, db_default=[], blank=True)
    output_ports = models.JSONField(default=list, db_default=[], blank=True)
    is_system_template = models.BooleanField(default=False, db_default=False)
    user_id = models.CharField(max_length=255, null=True, blank=True)
    validation_rules = models.JSONField(null=True, blank=True)
    execution_hints = models.JSONField(null=True, blank=True)
    usage_count = models.IntegerField(default=0, db_default=0)
    icon = models.CharField(max_length=100, null=True, blank=True)
    color = models.CharField(max_length=50, null=True, blank=True)
    version = models.CharField(max_length=50, default="1.0.0", db_default="1.0.0")

    objects = AliveManager.from_queryset(NodeTemplateQuerySet)()
    all_objects = AllObjectsManager.from_queryset(NodeTemplateQuerySet)()

    class Meta(BaseModel.Meta):
        db_table = "node_templates"
        ordering = ("node_type", "name")
        indexes = [
            models.Index(fields=["name"], name="ix_node_templates_name"),
            models.Index(fields=["node_type"], name="ix_node_templates_node_type"),
            models.Index(fields=["category"], name="ix_node_templates_category"),
            models.Index(fields=["is_system_template"], name="ix_node_templates_is_system_template"),
            models.Index(fields=["user_id"], name="ix_node_templates_user_id"),
            models.Index(fields=["is_deleted"], name="ix_node_templates_is_deleted"),
            # "Get all system INDICATOR nodes": WHERE node_type = ? AND is_system_template = TRUE
            models.Index(fields=["node_type", "is_system_template"], name="ix_node_type_system"),
            # "Get user's custom SIGNAL nodes": WHERE user_id = ? AND node_type = ?
            models.Index(fields=["user_id", "node_type"], name="ix_node_user_type"),
            # "Search by category and type": WHERE category = ? AND node_type = ?
            models.Index(fields=["category", "node_type"], name="ix_node_category_type"),
            # "Most popular templates": WHERE is_deleted = FALSE ORDER BY usage_count DESC
            models.Index(fields=["is_deleted", "created_at"], name="ix_node_deleted_created"),
        ]
        constraints = [
            # One system and one custom template per name.
            models.UniqueConstraint(fields=["name", "is_system_template"], name="ix_node_unique_system_name"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.name} {self.version})"
