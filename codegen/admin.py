import json

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from strategy_builder.admin_users import OwnerListFilter, UserNamesMixin

from .models import CodeGeneration
from .services import codegen_delete

_CODE_STYLE = "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; "
_CODE_STYLE += "white-space: pre; max-height: 50em; overflow: auto; padding: 1em; background: #f8f8f8"


def _pre(text: str) -> str:
    return format_html('<pre style="{}">{}</pre>', _CODE_STYLE, text)


@admin.register(CodeGeneration)
class CodeGenerationAdmin(UserNamesMixin, admin.ModelAdmin):
    """Generations are records: staff read them (code in monospace, checks as JSON) and may delete them."""

    list_display = (
        "__str__",
        "validation_status",
        "owner",
        "instance",
        "code_version",
        "line_count",
        "complexity_score",
        "generated_in",
        "created_at",
    )
    list_filter = (
        "validation_status",
        OwnerListFilter,
        ("instance", admin.RelatedOnlyFieldListFilter),
        "code_version",
        "created_at",
    )
    list_select_related = ("instance",)
    search_fields = ("id", "user_id", "code_hash", "instance__id", "instance__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "id",
        "instance",
        "owner",
        "validation_status",
        "syntax_check_passed",
        "security_check_passed",
        "code_hash",
        "code_version",
        "line_count",
        "complexity_score",
        "generated_in",
        "created_at",
        "created_by",
        "validation_result_pretty",
        "parameters_snapshot_pretty",
        "code",
        "logic_flow_snapshot_pretty",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # generated through the API or the editor, never typed in

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # generated code is a record: readable, never edited

    @admin.display(description="generation time", ordering="generation_time")
    def generated_in(self, obj: CodeGeneration) -> str:
        return "—" if obj.generation_time is None else f"{obj.generation_time * 1000:,.1f} ms"

    @admin.display(description="generated code")
    def code(self, obj: CodeGeneration) -> str:
        return _pre(obj.generated_code) if obj.generated_code else "— (no code: see the validation result)"

    @admin.display(description="validation result")
    def validation_result_pretty(self, obj: CodeGeneration) -> str:
        return _pre(json.dumps(obj.validation_result, indent=2)) if obj.validation_result is not None else "—"

    @admin.display(description="parameters")
    def parameters_snapshot_pretty(self, obj: CodeGeneration) -> str:
        return _pre(json.dumps(obj.parameters_snapshot, indent=2))

    @admin.display(description="logic flow")
    def logic_flow_snapshot_pretty(self, obj: CodeGeneration) -> str:
        return _pre(json.dumps(obj.logic_flow_snapshot, indent=2))

    def delete_model(self, request: HttpRequest, obj: CodeGeneration) -> None:
        codegen_delete(generation=obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for generation in queryset:
            codegen_delete(generation=generation, user=request.user)
