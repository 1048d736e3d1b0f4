import pytest
from django.contrib.auth import get_user_model

from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from strategy_builder.celery import app

from .factories import QuickTestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("admin", password="a-long-admin-password")
    client.force_login(admin)
    return client


def test_results_are_shown_readably(staff_client, strategy):
    quicktest = QuickTestFactory(
        instance=strategy, metrics_summary={"return_pct": 12.5}, test_config={"dataset": "d", "commission": 0.001}
    )

    page = staff_client.get(f"/admin/quicktests/quicktest/{quicktest.pk}/change/").content.decode()

    assert '<th scope="row">Return [%]</th><td style="text-align: right">12.50 %</td>' in page
    assert "&quot;commission&quot;: 0.001" in page
    changelist = staff_client.get("/admin/quicktests/quicktest/", {"status__exact": "PENDING"})
    assert changelist.status_code == 200 and quicktest.pk in changelist.content.decode()


def test_the_rerun_action_queues_a_new_test_from_the_old_snapshots(
    staff_client, trader, strategy, dataset, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    old = QuickTestFactory(
        instance=strategy, status=QuickTestStatus.FAILED, test_config={"dataset": dataset.pk, "commission": 0.001}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/quicktests/quicktest/", {"action": "rerun", "_selected_action": [old.pk]}, follow=True
        )

    assert "re-run queued" in response.content.decode()
    new = QuickTest.objects.exclude(pk=old.pk).get()
    assert (new.user_id, new.created_by, new.status) == (str(trader.pk), "admin", QuickTestStatus.COMPLETED)
    assert new.parameters_snapshot == old.parameters_snapshot
