import django_filters

from strategy_builder.api.filters import IsoDateTimeFilter

from .choices import SessionType
from .models import BuilderSession


class BuilderSessionFilterSet(django_filters.FilterSet):
    """The spec's common queries over the caller's sessions: active ones (ix_session_user_active),
    recent ones (the default order, ix_session_user_activity), the ones on a strategy (ix_session_instance_user)."""

    is_active = django_filters.BooleanFilter(help_text="Only open (true) or only closed/expired (false) sessions.")
    session_type = django_filters.ChoiceFilter(choices=SessionType.choices)
    instance = django_filters.CharFilter(field_name="instance_id", help_text="Sessions on this strategy.")
    active_since = IsoDateTimeFilter(
        field_name="last_activity_at", lookup_expr="gte", help_text="Active at or after (ISO 8601)."
    )
    ordering = django_filters.OrderingFilter(
        fields=("last_activity_at", "created_at", "expires_at"),
        help_text="Default: most recently active first.",
    )

    class Meta:
        model = BuilderSession
        fields = ("is_active", "session_type", "instance", "active_since")
