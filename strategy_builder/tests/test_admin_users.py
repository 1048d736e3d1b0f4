"""Every admin shows a stored user id as the user's username, linked to their admin page, on the changelist
and the change page, with the names of a whole page read in one query (the page's query count does not
grow with its rows); and figures are rounded as a trader reads them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from codegen.models import CodeGeneration
from marketdata.tests.factories import DatasetFactory
from nodes.tests.factories import CustomNodeTemplateFactory
from quicktests.tests.factories import QuickTestFactory, ReferenceStrategyFactory
from sessions_app.tests.factories import BuilderSessionFactory
from strategies.tests.factories import StrategyInstanceFactory, StrategyTemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


def _quicktest(owner):
    return QuickTestFactory(instance=ReferenceStrategyFactory(user=owner))


def _generation(owner):
    instance = StrategyInstanceFactory(owner=owner)
    return CodeGeneration.objects.create(
        instance=instance, user_id=instance.user_id, logic_flow_snapshot={}, generated_code="", code_hash="0" * 64
    )


ADMINS = {  # changelist URL -> a row owned by a user
    "/admin/quicktests/quicktest/": _quicktest,
    "/admin/codegen/codegeneration/": _generation,
    "/admin/sessions_app/buildersession/": lambda owner: BuilderSessionFactory(owner=owner),
    "/admin/strategies/strategyinstance/": lambda owner: StrategyInstanceFactory(owner=owner),
    "/admin/strategies/strategytemplate/": lambda owner: StrategyTemplateFactory(owner=owner),
    "/admin/nodes/nodetemplate/": lambda owner: CustomNodeTemplateFactory(owner=owner),
    "/admin/marketdata/dataset/": lambda owner: DatasetFactory(bar_count=20, user_id=str(owner.pk)),
}


# Staff may type the owner's id of a strategy; it is shown with the linked name beside it.
EDITABLE_OWNER = {"/admin/strategies/strategyinstance/", "/admin/strategies/strategytemplate/"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def staff_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="a-long-admin-password"))
    return client


def _link(user) -> str:
    return f'<a href="/admin/auth/user/{user.pk}/change/">{user.username}</a>'


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ADMINS)
def test_the_changelist_shows_owners_as_linked_usernames_in_one_query_per_page(staff_client, url):
    make = ADMINS[url]
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    rows = [make(ada), make(grace)]

    page = staff_client.get(url).content.decode()

    assert _link(ada) in page and _link(grace) in page
    few = _queries(staff_client, url)
    rows += [make(UserFactory()) for _ in range(5)]
    assert _queries(staff_client, url) == few


@pytest.mark.parametrize("url", ADMINS)
def test_the_change_page_shows_the_owner_as_a_linked_username(staff_client, url):
    ada = UserFactory(username="ada")
    row = ADMINS[url](ada)

    page = staff_client.get(f"{url}{row.pk}/change/").content.decode()

    assert _link(ada) in page
    if url not in EDITABLE_OWNER:
        assert "User id" not in page  # not the bare id beside the name


def test_a_user_id_of_nobody_is_shown_as_it_is(staff_client):
    StrategyInstanceFactory(user_id="999999")

    page = staff_client.get("/admin/strategies/strategyinstance/").content.decode()

    assert "999999 <small>(no such user)</small>" in page


def test_a_sessions_collaborators_and_lock_holder_are_usernames(staff_client):
    ada, grace, alan = UserFactory(username="ada"), UserFactory(username="grace"), UserFactory(username="alan")
    until = timezone.now().isoformat()
    session = BuilderSessionFactory(
        owner=ada,
        session_type="COLLABORATIVE",
        collaborator_ids=[str(grace.pk), str(alan.pk)],
        lock_info={"holder": str(grace.pk), "since": until, "until": until},
    )

    changelist = staff_client.get("/admin/sessions_app/buildersession/").content.decode()
    page = staff_client.get(f"/admin/sessions_app/buildersession/{session.pk}/change/").content.decode()

    assert f"{_link(grace)} until {until}" in changelist
    assert f"{_link(grace)}, {_link(alan)}" in page


def test_quick_test_figures_are_rounded_and_the_metrics_are_a_table(staff_client):
    metrics = {
        "start": "2020-01-01T00:00:00Z",
        "return_pct": 12.3456789,
        "equity_final": 11234.5678,
        "sharpe_ratio": 1.23456,
        "kelly_criterion": 0.123456,
        "max_drawdown_duration_seconds": 183600.0,
        "profit_factor": None,
        "trades": 7,
    }
    quicktest = QuickTestFactory(metrics_summary=metrics, execution_time=0.123456789)

    changelist = staff_client.get("/admin/quicktests/quicktest/").content.decode()
    page = staff_client.get(f"/admin/quicktests/quicktest/{quicktest.pk}/change/").content.decode()

    for figure in ("12.35 %", "1.23", "0.123 s"):
        assert figure in changelist
    cell = '<th scope="row">{}</th><td style="text-align: right">{}</td>'
    for label, figure in [
        ("Start", "2020-01-01 00:00:00 UTC"),
        ("Return [%]", "12.35 %"),
        ("Equity Final [$]", "11,234.57"),
        ("Sharpe Ratio", "1.23"),
        ("Kelly Criterion", "0.123"),
        ("Max. Drawdown Duration", "2 days, 3:00:00"),
        ("Profit Factor", "—"),
        ("# Trades", "7"),
    ]:
        assert cell.format(label, figure) in page
    assert "12.3456789" not in page and "0.123456789" not in page


def test_generation_time_is_rounded(staff_client):
    generation = _generation(UserFactory())
    CodeGeneration.objects.filter(pk=generation.pk).update(generation_time=0.0123456)

    page = staff_client.get("/admin/codegen/codegeneration/").content.decode()

    assert "12.3 ms" in page and "0.0123456" not in page


def test_the_owner_filter_lists_usernames_and_filters_by_owner(staff_client):
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    mine, _ = _generation(ada), _generation(grace)

    page = staff_client.get("/admin/codegen/codegeneration/").content.decode()
    filtered = staff_client.get("/admin/codegen/codegeneration/", {"user_id": str(ada.pk)})

    assert f'<a href="?user_id={ada.pk}">ada</a></li>' in page
    assert [row.pk for row in filtered.context["cl"].result_list] == [mine.pk]
