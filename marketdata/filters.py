import django_filters

from .choices import Timeframe
from .models import Dataset


class DatasetFilterSet(django_filters.FilterSet):
    symbol = django_filters.CharFilter(field_name="symbol", lookup_expr="iexact")
    timeframe = django_filters.ChoiceFilter(choices=Timeframe.choices)
    shared = django_filters.BooleanFilter(field_name="user_id", lookup_expr="isnull", label="Shared datasets only")

    class Meta:
        model = Dataset
        fields = ["symbol", "timeframe", "shared"]
