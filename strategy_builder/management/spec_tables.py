"""The table spec's indexes and foreign keys, transcribed from spec/strategy-builder-tables.md.

Kept apart from the models on purpose: `schema_report` checks the live database against the spec
itself, so a model that drifts from the spec is caught, not copied.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecForeignKey:
    column: str
    references_table: str
    references_column: str
    on_delete: str

    def describe(self) -> str:
        return f"{self.column} -> {self.references_table}({self.references_column}) ON DELETE {self.on_delete}"


@dataclass(frozen=True)
class SpecTable:
    name: str
    indexes: dict[str, tuple[str, ...]]  # name -> columns, in order; PRIMARY KEY (id) aside
    foreign_keys: tuple[SpecForeignKey, ...] = ()


_TO_INSTANCE = SpecForeignKey("instance_id", "strategy_instances", "id", "CASCADE")

SPEC_TABLES: tuple[SpecTable, ...] = (
    SpecTable(
        "node_templates",
        {
            "ix_node_templates_name": ("name",),
            "ix_node_templates_node_type": ("node_type",),
            "ix_node_templates_category": ("category",),
            "ix_node_templates_is_system_template": ("is_system_template",),
            "ix_node_templates_user_id": ("user_id",),
            "ix_node_templates_is_deleted": ("is_deleted",),
            "ix_node_type_system": ("node_type", "is_system_template"),
            "ix_node_user_type": ("user_id", "node_type"),
            "ix_node_category_type": ("category", "node_type"),
            "ix_node_deleted_created": ("is_deleted", "created_at"),
            "ix_node_unique_system_name": ("name", "is_system_template"),
        },
    ),
    SpecTable(
        "quick_tests",
        {
            "ix_quick_tests_instance_id": ("instance_id",),
            "ix_quick_tests_user_id": ("user_id",),
            "ix_quick_tests_status": ("status",),
            "ix_quick_tests_completed_at": ("completed_at",),
            "ix_quick_tests_is_deleted": ("is_deleted",),
            "ix_quicktest_instance_status": ("instance_id", "status"),
            "ix_quicktest_user_created": ("user_id", "created_at"),
            "ix_quicktest_status_created": ("status", "created_at"),
            "ix_quicktest_user_instance": ("user_id", "instance_id"),
            "ix_quicktest_deleted_completed": ("is_deleted", "completed_at"),
        },
        (_TO_INSTANCE,),
    ),
    SpecTable(
        "code_generations",
        {
            "ix_code_generations_instance_id": ("instance_id",),
            "ix_code_generations_user_id": ("user_id",),
            "ix_code_generations_code_hash": ("code_hash",),
            "ix_code_generations_validation_status": ("validation_status",),
            "ix_code_generations_is_deleted": ("is_deleted",),
            "ix_codegen_instance_created": ("instance_id", "created_at"),
            "ix_codegen_user_created": ("user_id", "created_at"),
            "ix_codegen_validation_status": ("validation_status", "created_at"),
            "ix_codegen_user_instance": ("user_id", "instance_id"),
            "ix_codegen_hash_instance": ("code_hash", "instance_id"),
            "ix_codegen_deleted_created": ("is_deleted", "created_at"),
        },
        (_TO_INSTANCE,),
    ),
    SpecTable(
        "builder_sessions",
        {
            "ix_builder_sessions_instance_id": ("instance_id",),
            "ix_builder_sessions_user_id": ("user_id",),
            "ix_builder_sessions_session_type": ("session_type",),
            "ix_builder_sessions_is_active": ("is_active",),
            "ix_builder_sessions_last_activity_at": ("last_activity_at",),
            "ix_builder_sessions_expires_at": ("expires_at",),
            "ix_builder_sessions_is_deleted": ("is_deleted",),
            "ix_session_user_active": ("user_id", "is_active"),
            "ix_session_user_activity": ("user_id", "last_activity_at"),
            "ix_session_type_active": ("session_type", "is_active"),
            "ix_session_expires": ("expires_at", "is_active"),
            "ix_session_instance_user": ("instance_id", "user_id"),
            "ix_session_deleted_activity": ("is_deleted", "last_activity_at"),
        },
        (_TO_INSTANCE,),
    ),
)

SPEC_TABLE_NAMES: tuple[str, ...] = tuple(table.name for table in SPEC_TABLES)

# The "existing tables" the spec's foreign keys point at, parents first.
STRATEGY_TABLE_NAMES: tuple[str, ...] = ("strategy_templates", "strategy_instances")
