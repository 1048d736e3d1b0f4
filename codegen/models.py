from django.db import models

from strategy_builder.models import AliveManager, AllObjectsManager, BaseModel

from .choices import ValidationStatus
from .querysets import CodeGenerationQuerySet


class CodeGeneration(BaseModel):
    """Python code generated from a strategy instance's flow, with the checks it passed."""

    instance = models.ForeignKey(
        "strategies.StrategyInstance", on_delete=models.DB_CASCADE, related_name="code_generations", db_index=False
    )
    user_id = models.CharField(max_length=255)
    logic_flow_snapshot = models.JSONField()
    parameters_snapshot = models.JSONField(default=dict, db_default={}, blank=True)
    generated_code = models.TextField()
    code_hash = models.CharField(max_length=64)
    validation_status = models.CharField(
        max_length=50,
        choices=ValidationStatus.choices,
        default=ValidationStatus.PENDING,
        db_default=ValidationStatus.PENDING,
    )
    validation_result = models.JSONField(null=True, blank=True)
    syntax_check_passed = models.BooleanField(null=True, blank=True)
    security_check_passed = models.BooleanField(null=True, blank=True)
    code_version = models.CharField(max_length=50, default="1.0.0", db_default="1.0.0")
    line_count = models.IntegerField(null=True, blank=True)
    complexity_score = models.IntegerField(null=True, blank=True)
    generation_time = models.FloatField(null=True, blank=True)

    objects = AliveManager.from_queryset(CodeGenerationQuerySet)()
    all_objects = AllObjectsManager.from_queryset(CodeGenerationQuerySet)()

    class Meta(BaseModel.Meta):
        db_table = "code_generations"
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["instance"], name="ix_code_generations_instance_id"),
            models.Index(fields=["user_id"], name="ix_code_generations_user_id"),
            models.Index(fields=["code_hash"], name="ix_code_generations_code_hash"),
            models.Index(fields=["validation_status"], name="ix_code_generations_validation_status"),
            models.Index(fields=["is_deleted"], name="ix_code_generations_is_deleted"),
            # "Code generation history for strategy": WHERE instance_id = ? ORDER BY created_at DESC
            models.Index(fields=["instance", "created_at"], name="ix_codegen_instance_created"),
            # "User's code generations": WHERE user_id = ? ORDER BY created_at DESC
            models.Index(fields=["user_id", "created_at"], name="ix_codegen_user_created"),
            # "Recent validation failures": WHERE validation_status = ? ORDER BY created_at DESC
            models.Index(fields=["validation_status", "created_at"], name="ix_codegen_validation_status"),
            models.Index(fields=["user_id", "instance"], name="ix_codegen_user_instance"),
            # "Check for duplicate code": WHERE code_hash = ? AND instance_id = ?
            models.Index(fields=["code_hash", "instance"], name="ix_codegen_hash_instance"),
            models.Index(fields=["is_deleted", "created_at"], name="ix_codegen_deleted_created"),
        ]

    def __str__(self) -> str:
        return f"Code {self.code_hash[:12]} ({self.validation_status})"
