"""List filters mirroring the spec's code_generations common queries; the list is always the user's own.

- a strategy's history, newest first: ?instance=<id>
- recent failures of one kind: ?validation_status=SECURITY_ERROR (several may be given)
- the user's generations, newest first: no filter (the default ordering)
- whether this exact code was generated before: ?code_hash=<sha256>&instance=<id>
"""

import django_filters

from strategy_builder.api.filters import IsoDateTimeFilter

from .choices import ValidationStatus
from .models import CodeGeneration


class CodeGenerationFilterSet(django_filters.FilterSet):
    instance = django_filters.CharFilter(method="filter_instance", label="Strategy instance id")
    validation_status = django_filters.MultipleChoiceFilter(
        choices=ValidationStatus.choices, method="filter_validation_status"
    )
    code_hash = django_filters.CharFilter(label="SHA-256 of the generated code")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = CodeGeneration
        fields = ["instance", "validation_status", "code_hash", "created_after", "created_before"]

    def filter_instance(self, queryset, name: str, value: str):
        return queryset.for_instance(value)

    def filter_validation_status(self, queryset, name: str, value: list[str]):
        return queryset.with_status(*value) if value else queryset
