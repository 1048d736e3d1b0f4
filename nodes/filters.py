"""Query-string filters for the node-templates API, mirroring the table spec's common queries."""

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from .choices import NodeType
from .models import NodeTemplate


class NodeTemplateFilterSet(filters.FilterSet):
    # "Get all system INDICATOR nodes": ?node_type=INDICATOR&is_system_template=true (ix_node_type_system)
    node_type = filters.ChoiceFilter(choices=NodeType.choices)
    is_system_template = filters.BooleanFilter()
    # "Search by category and type": ?category=TREND&node_type=INDICATOR (ix_node_category_type)
    category = filters.CharFilter()
    # "Get user's custom SIGNAL nodes": ?mine=true&node_type=SIGNAL (ix_node_user_type)
    mine = filters.BooleanFilter(method="filter_mine", label="Only my custom templates (false: only the others)")
    search = filters.CharFilter(method="filter_search", label="Name or display name contains")
    # "Most popular templates": ?ordering=-usage_count
    ordering = filters.OrderingFilter(fields=("usage_count", "name", "created_at"))

    class Meta:
        model = NodeTemplate
        fields = ("node_type", "is_system_template", "category", "mine", "search")

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        mine = Q(is_system_template=False, user_id=str(self.request.user.pk))
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(display_name__icontains=value))
