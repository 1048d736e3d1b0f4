"""Staff see every generation, filter by status, user and strategy, and read the code as code."""

import pytest
from django.contrib.auth import get_user_model

from codegen.models import CodeGeneration
from codegen.services import codegen_generate

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/codegen/codegeneration/"


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-test-password")
    client.force_login(admin)
    return client


def test_changelist_filters_by_status_user_and_strategy(staff_client, trader, strategy):
    codegen_generate(user=trader, instance_id=strategy.pk)

    page = staff_client.get(CHANGELIST)
    by_status = staff_client.get(CHANGELIST, {"validation_status__exact": "SECURITY_ERROR"})
    by_user = staff_client.get(CHANGELIST, {"user_id": str(trader.pk)})
    by_strategy = staff_client.get(CHANGELIST, {"instance__id__exact": strategy.pk})

    assert page.status_code == 200
    for text in (b"Valid", b"Security error", b"Flow error", b"Golden cross"):
        assert text in page.content  # the status and strategy filters are offered
    assert by_status.context["cl"].result_count == 0
    assert by_user.context["cl"].result_count == by_strategy.context["cl"].result_count == 1


def test_the_code_is_shown_read_only_in_monospace_and_escaped(staff_client, trader, strategy):
    strategy.name = "<script>alert(1)</script>"
    strategy.save()
    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk)

    page = staff_client.get(f"{CHANGELIST}{generation.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<pre style="font-family: ui-monospace' in html
    assert "def generate_signals(bars: pd.DataFrame)" in html
    assert "<script>alert(1)</script>" not in html
    assert 'name="generated_code"' not in html  # no editable field
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403


def test_deleting_in_the_admin_is_soft(staff_client, trader, strategy):
    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk)

    staff_client.post(f"{CHANGELIST}{generation.pk}/delete/", {"post": "yes"})

    assert CodeGeneration.all_objects.get(pk=generation.pk).is_deleted
