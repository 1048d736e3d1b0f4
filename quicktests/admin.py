import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html

from engine.errors import EngineError
from strategy_builder.actors import actor_name

from .models import QuickTest
from .services import quicktest_delete, quicktest_rerun

_PRETTY_FIELDS = ("test_config", "parameters_snapshot", "metrics_summary", "test_result", "logic_flow_snapshot")


def _pretty(value) -> str:
    if value is None:
        return "—"
    return format_html('<pre style="max-height: 40em; overflow: auto">{}</pre>', json.dumps(value, indent=2))


@admin.register(QuickTest)
class QuickTestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "user_id", "instance", "execution_time", "created_at", "completed_at")
    list_filter = ("status", "created_at", "completed_at")
    list_select_related = ("instance",)
    search_fields = ("id", "test_name", "user_id", "instance__id", "instance__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["rerun"]
    exclude = _PRETTY_FIELDS
    readonly_fields = (
        "id",
        "instance",
        "user_id",
        "test_name",
        "status",
        "error_message",
        "execution_time",
        "created_at",
        "started_at",
        "completed_at",
        "created_by",
        *(f"{field}_pretty" for field in _PRETTY_FIELDS),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # quick tests are created by running one (API, UI) or by the re-run action

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a result is a record: readable, never edited

    @admin.display(description="test config")
    def test_config_pretty(self, obj: QuickTest) -> str:
        return _pretty(obj.test_config)

    @admin.display(description="parameters")
    def parameters_snapshot_pretty(self, obj: QuickTest) -> str:
        return _pretty(obj.parameters_snapshot)

    @admin.display(description="metrics")
    def metrics_summary_pretty(self, obj: QuickTest) -> str:
        return _pretty(obj.metrics_summary)

    @admin.display(description="result")
    def test_result_pretty(self, obj: QuickTest) -> str:
        return _pretty(obj.test_result)

    @admin.display(description="logic flow")
    def logic_flow_snapshot_pretty(self, obj: QuickTest) -> str:
        return _pretty(obj.logic_flow_snapshot)

    @admin.action(description="Re-run the selected quick tests (same flow, parameters and configuration)")
    def rerun(self, request: HttpRequest, queryset) -> None:
        for quicktest in queryset:
            try:
                new = quicktest_rerun(quicktest=quicktest, actor=actor_name(request.user))
            except (EngineError, ValidationError) as exc:
                self.message_user(request, f"{quicktest}: cannot re-run: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{quicktest}: re-run queued as {new.pk}.", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: QuickTest) -> None:
        quicktest_delete(quicktest=obj, actor=actor_name(request.user))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for quicktest in queryset:
            quicktest_delete(quicktest=quicktest, actor=actor_name(request.user))
