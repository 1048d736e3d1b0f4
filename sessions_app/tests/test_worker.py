from datetime import timedelta

import pytest
from django.utils import timezone

from sessions_app.models import BuilderSession
from sessions_app.retention import expire_sessions_task

from .factories import BuilderSessionFactory


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_finds_the_retention_tasks_and_expires_sessions(live_worker):
    expired = BuilderSessionFactory(expires_at=timezone.now() - timedelta(minutes=1))
    live = BuilderSessionFactory()

    live_worker.send(expire_sessions_task)  # beat jobs keep no result: watch the row instead

    live_worker.wait_until(lambda: not BuilderSession.objects.get(pk=expired.pk).is_active)
    assert BuilderSession.objects.get(pk=live.pk).is_active
