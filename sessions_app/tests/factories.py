from datetime import timedelta

import factory
from django.conf import settings
from django.utils import timezone

from sessions_app.choices import SessionType
from sessions_app.models import BuilderSession
from strategies.tests.factories import UserFactory


class BuilderSessionFactory(factory.django.DjangoModelFactory):
    """An open DRAFT session on a new strategy, at draft version 1, active just now."""

    class Meta:
        model = BuilderSession

    class Params:
        owner = factory.SubFactory(UserFactory)

    user_id = factory.LazyAttribute(lambda o: str(o.owner.pk))
    session_type = SessionType.DRAFT
    draft_logic_flow = factory.LazyFunction(lambda: {"schema_version": 1, "nodes": [], "edges": []})
    draft_parameters = factory.LazyFunction(dict)
    draft_metadata = factory.LazyFunction(lambda: {"version": 1, "ui": None})
    last_activity_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.last_activity_at + settings.SESSION_IDLE_EXPIRY)


def days_ago(days: float, *, now=None):
    return (now or timezone.now()) - timedelta(days=days)
