"""The comparison page as Django serves it: the user's own 2-4 tests, 400 for a bad list, 404 for anyone else's."""

import re

import pytest
from django.contrib.auth import get_user_model

from quicktests.models import QuickTest
from strategies.models import StrategyInstance
from web.views import CHART_STYLE_SHA256

pytestmark = pytest.mark.django_db

FLOW = {"schema_version": 1, "nodes": [], "edges": []}


def _user(name: str):
    return get_user_model().objects.create_user(name, password="a-long-password")


def _test(user) -> QuickTest:
    strategy = StrategyInstance.objects.create(user_id=str(user.pk), name="S", logic_flow=FLOW, parameters={})
    return QuickTest.objects.create(
        user_id=str(user.pk), instance=strategy, test_config={}, parameters_snapshot={}, logic_flow_snapshot=FLOW
    )


@pytest.fixture
def me(client):
    user = _user("trader")
    client.force_login(user)
    return user


def test_my_tests_mount_the_page_in_the_order_given_with_the_charts_style_allowed(client, me, frontend_built):
    first, second = _test(me), _test(me)

    response = client.get(f"/tests/compare/?ids={second.pk},{first.pk}")

    assert response.status_code == 200
    assert f'data-ids="{second.pk},{first.pk}"' in response.content.decode()
    policy = response.headers["Content-Security-Policy"]
    assert re.search(rf"style-src 'self' '{re.escape(CHART_STYLE_SHA256)}'(;|$)", policy)
    assert "script-src 'self';" in policy


def test_another_users_test_answers_404(client, me):
    mine, theirs = _test(me), _test(_user("other"))

    assert client.get(f"/tests/compare/?ids={mine.pk},{theirs.pk}").status_code == 404
    assert client.get(f"/tests/compare/?ids={mine.pk},00000000-0000-4000-8000-0000000000ff").status_code == 404


@pytest.mark.parametrize(
    ("ids", "says"),
    [
        ("", "Give 2 to 4 quick test ids"),
        ("{a}", "Compare 2 to 4 quick tests, not 1."),
        ("{a},{b},{a}1,{a}2,{a}3", "Compare 2 to 4 quick tests, not 5."),
        ("{a},{a}", "is given more than once"),
    ],
)
def test_a_bad_list_of_ids_is_a_400_page_saying_what_is_wrong(client, me, ids, says):
    a, b = _test(me), _test(me)

    response = client.get("/tests/compare/", {"ids": ids.format(a=a.pk, b=b.pk)})

    assert response.status_code == 400
    page = response.content.decode()
    assert says in page
    assert 'id="root"' not in page


def test_the_page_asks_for_sign_in_first(client):
    response = client.get("/tests/compare/?ids=a,b")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
