"""Named query pieces for code_generations, one per "Common Query" of the table spec (each served by its index)."""

from __future__ import annotations

from strategy_builder.models import SoftDeleteQuerySet


class CodeGenerationQuerySet(SoftDeleteQuerySet):
    def for_instance(self, instance_id: str) -> CodeGenerationQuerySet:
        """A strategy's generations: WHERE instance_id = ? ORDER BY created_at DESC (ix_codegen_instance_created)."""
        return self.filter(instance_id=instance_id).order_by("-created_at")

    def duplicate_of(self, code_hash: str, instance_id: str) -> CodeGenerationQuerySet:
        """The same code already generated for the strategy: WHERE code_hash = ? AND instance_id = ?
        (ix_codegen_hash_instance)."""
        return self.filter(code_hash=code_hash, instance_id=instance_id)

    def with_status(self, *statuses: str) -> CodeGenerationQuerySet:
        """E.g. recent security failures: WHERE validation_status = ? ORDER BY created_at DESC
        (ix_codegen_validation_status)."""
        matching = (
            self.filter(validation_status__in=statuses)
            if len(statuses) > 1
            else self.filter(validation_status=statuses[0])
        )
        return matching.order_by("-created_at")

    def recent_for_user(self, user) -> CodeGenerationQuerySet:
        """A user's generations: WHERE user_id = ? ORDER BY created_at DESC (ix_codegen_user_created)."""
        return self.for_user(user).order_by("-created_at")

    def for_user_and_instance(self, user, instance_id: str) -> CodeGenerationQuerySet:
        """A user's generations of one strategy: WHERE user_id = ? AND instance_id = ? (ix_codegen_user_instance)."""
        return self.for_user(user).filter(instance_id=instance_id)
