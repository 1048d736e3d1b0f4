import json
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from engine.errors import EngineError
from engine.metrics import BACKTESTING_PY_NAMES
from strategy_builder.actors import actor_name
from strategy_builder.admin_users import UserNamesMixin
from strategy_builder.api.exceptions import QueueUnavailable

from .models import QuickTest
from .services import quicktest_delete, quicktest_rerun

_PRETTY_FIELDS = ("test_config", "parameters_snapshot", "test_result", "logic_flow_snapshot")
MONEY = frozenset({"equity_final", "equity_peak", "commissions"})
RATIO_DECIMALS = {"sharpe_ratio": 2, "sortino_ratio": 2, "calmar_ratio": 2, "profit_factor": 2, "sqn": 2}
RATIO_DECIMALS |= {"beta": 3, "kelly_criterion": 3}


def format_metric(key: str, value: Any) -> str:
    """A metrics_summary figure as a trader reads it: percentages and money with 2 decimals, ratios with 2
    or 3, durations as days and hours, times in UTC; "—" where there is none (a ratio without trades)."""
    if value is None:
        return "—"
    if key.endswith("_pct"):
        return f"{value:,.2f} %"
    if key in MONEY:
        return f"{value:,.2f}"
    if key in RATIO_DECIMALS:
        return f"{value:,.{RATIO_DECIMALS[key]}f}"
    if key.endswith("_seconds"):
        return str(timedelta(seconds=round(value)))
    if isinstance(value, str) and key in ("start", "end"):
        return value.replace("T", " ").replace("Z", " UTC")
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3f}"
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _pretty(value) -> str:
    if value is None:
        return "—"
    return format_html('<pre style="max-height: 40em; overflow: auto">{}</pre>', json.dumps(value, indent=2))


@admin.register(QuickTest)
class QuickTestAdmin(UserNamesMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "status",
        "owner",
        "instance",
        "return_pct",
        "sharpe_ratio",
        "trades",
        "run_time",
        "created_at",
        "completed_at",
    )
    list_filter = ("status", "created_at", "completed_at")
    list_select_related = ("instance",)
    search_fields = ("id", "test_name", "user_id", "instance__id", "instance__name")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    actions = ["rerun"]
    exclude = (*_PRETTY_FIELDS, "metrics_summary", "user_id", "execution_time")  # shown as below
    readonly_fields = (
        "id",
        "instance",
        "owner",
        "test_name",
        "status",
        "error_message",
        "run_time",
        "created_at",
        "started_at",
        "completed_at",
        "created_by",
        "metrics",
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
    def metrics(self, obj: QuickTest) -> str:
        """metrics_summary as a table, with backtesting.py's labels, in its order."""
        summary = obj.metrics_summary
        if not summary:
            return "—"
        keys = [key for key in BACKTESTING_PY_NAMES if key in summary]
        keys += [key for key in summary if key not in BACKTESTING_PY_NAMES]
        rows = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td style="text-align: right">{}</td></tr>',
            ((BACKTESTING_PY_NAMES.get(key, key), format_metric(key, summary[key])) for key in keys),
        )
        return format_html('<table class="metrics-summary">{}</table>', rows)

    def _figure(self, obj: QuickTest, key: str) -> str:
        return format_metric(key, (obj.metrics_summary or {}).get(key))

    @admin.display(description="return")
    def return_pct(self, obj: QuickTest) -> str:
        return self._figure(obj, "return_pct")

    @admin.display(description="Sharpe")
    def sharpe_ratio(self, obj: QuickTest) -> str:
        return self._figure(obj, "sharpe_ratio")

    @admin.display(description="trades")
    def trades(self, obj: QuickTest) -> str:
        return self._figure(obj, "trades")

    @admin.display(description="run time", ordering="execution_time")
    def run_time(self, obj: QuickTest) -> str:
        return "—" if obj.execution_time is None else f"{obj.execution_time:.3f} s"

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
            except (EngineError, ValidationError, QueueUnavailable) as exc:
                self.message_user(request, f"{quicktest}: cannot re-run: {exc}", messages.ERROR)
            else:
                self.message_user(request, f"{quicktest}: re-run queued as {new.pk}.", messages.SUCCESS)

    def delete_model(self, request: HttpRequest, obj: QuickTest) -> None:
        quicktest_delete(quicktest=obj, actor=actor_name(request.user))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for quicktest in queryset:
            quicktest_delete(quicktest=quicktest, actor=actor_name(request.user))
