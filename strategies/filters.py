import django_filters

from strategy_builder.api.filters import IsoDateTimeFilter

from .choices import StrategyStatus
from .models import StrategyInstance, StrategyTemplate


class _StrategyFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=StrategyStatus.choices)
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Name contains (case-insensitive).")
    created_after = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Created at or after (ISO 8601)."
    )
    created_before = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="Created before (ISO 8601)."
    )
    ordering = django_filters.OrderingFilter(
        fields=("name", "created_at", "updated_at"),
        help_text="Sort by name, created_at or updated_at; '-' for descending.",
    )


class StrategyTemplateFilterSet(_StrategyFilterSet):
    class Meta:
        model = StrategyTemplate
        fields = ("status", "name", "created_after", "created_before")


class StrategyInstanceFilterSet(_StrategyFilterSet):
    template_id = django_filters.CharFilter(field_name="template_id", help_text="Created from this template.")

    class Meta:
        model = StrategyInstance
        fields = ("status", "name", "template_id", "created_after", "created_before")
