"""List filters mirroring the spec's quick_tests common queries; the list is always the user's own tests.

- by instance and status: ?instance=<id>&status=COMPLETED
- the user's history, newest first: no filter (the default ordering)
- failures in the last N hours: ?status=FAILED&within_hours=24
- the user's tests of one strategy: ?instance=<id>
"""

from datetime import timedelta

import django_filters
from django.utils import timezone

from strategy_builder.api.filters import IsoDateTimeFilter

from .choices import QuickTestStatus
from .models import QuickTest

# "now minus N hours" must stay a date (after year 1, or it overflows into a 500); a century covers any history.
WITHIN_HOURS_MAX = 100 * 24 * 366


class QuickTestFilterSet(django_filters.FilterSet):
    instance = django_filters.CharFilter(field_name="instance_id", label="Strategy instance id")
    status = django_filters.MultipleChoiceFilter(choices=QuickTestStatus.choices)
    within_hours = django_filters.NumberFilter(
        method="filter_within_hours",
        min_value=0,
        max_value=WITHIN_HOURS_MAX,
        label=f"Created in the last N hours (at most {WITHIN_HOURS_MAX:,}: 100 years)",
    )
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = QuickTest
        fields = ["instance", "status", "within_hours", "created_after", "created_before"]

    def filter_within_hours(self, queryset, name: str, value) -> object:
        return queryset.filter(created_at__gt=timezone.now() - timedelta(hours=float(value)))
