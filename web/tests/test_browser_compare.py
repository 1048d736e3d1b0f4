"""The comparison of quick tests in a real Chromium: picked on the tests list, read side by side."""

import re

import pytest
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from quicktests.models import QuickTest
from strategy_builder.celery import app as celery_app
from web.tests.browser import sign_in
from web.tests.test_browser_editor import REFERENCE, REFERENCE_PARAMS, _strategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]


@pytest.fixture
def two_runs(trader, monkeypatch) -> list[QuickTest]:
    """The reference strategy run to COMPLETED twice (eagerly, in process): fast SMA 10, then 5."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    dataset = DatasetFactory(name="Minute bars", bar_count=3000)
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    client = APIClient()
    client.force_authenticate(trader)
    tests = []
    for fast in (10, 5):
        body = {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}, "parameters": {"fast": fast}}
        answer = client.post("/api/v1/quick-tests/", body, format="json")
        assert answer.status_code == 202, answer.content
        tests.append(QuickTest.objects.get(pk=answer.json()["id"]))
    assert [test.status for test in tests] == ["COMPLETED", "COMPLETED"]
    return tests


def test_two_runs_side_by_side_best_figures_marked_the_differing_parameter_highlighted(
    page: Page, live_server, trader, two_runs, tmp_path
):
    first, second = two_runs
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/tests/compare/?ids={first.pk},{second.pk}")

    figures = page.get_by_test_id("compare-figures")
    columns = figures.get_by_test_id("compare-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(0).get_by_role("link")).to_have_attribute("href", f"/tests/{first.pk}/")
    expect(columns.nth(1).get_by_role("link")).to_have_attribute("href", f"/tests/{second.pk}/")
    sharpe = [test.metrics_summary["sharpe_ratio"] for test in two_runs]
    row = page.get_by_test_id("figure-sharpe_ratio")
    expect(row.locator("td")).to_have_text([re.compile(rf"^{s:.2f}") for s in sharpe])
    best = 0 if sharpe[0] > sharpe[1] else 1
    expect(row.locator("td").nth(best)).to_have_attribute("data-best", "true")
    expect(row.locator("td").nth(1 - best)).not_to_have_attribute("data-best", "true")

    differing = page.get_by_test_id("input-differs")
    expect(differing).to_have_count(1)
    expect(differing).to_have_class(re.compile(r"\bdiffers\b"))
    expect(differing.locator("th")).to_have_text("fast")
    expect(differing.locator("td")).to_have_text(["10", "5"])
    same = page.get_by_test_id("compare-same")
    expect(same.get_by_role("row", name=re.compile("^slow"))).not_to_be_visible()  # folded away
    same.locator("summary").click()
    expect(same.get_by_role("row", name=re.compile("^slow"))).to_contain_text("30")

    chart = page.get_by_test_id("compare-chart")
    expect(chart).to_have_attribute("data-lines", "2")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(page.locator("#tv-attr-logo")).to_be_attached()  # TradingView's attribution stays on
    page.screenshot(path=str(tmp_path / "compare-1400.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()  # as a phone opens it: the chart fits its curves to the narrow width
    scroller = page.get_by_role("region", name="Figures").locator(".table-scroll")
    expect(scroller).to_be_visible()
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # the table scrolls, not the page
    page.screenshot(path=str(tmp_path / "compare-390.png"), full_page=True)
    wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 12)"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), wide
    assert errors == []


def test_two_tests_picked_on_the_list_open_their_comparison(page: Page, live_server, trader, two_runs, tmp_path):
    first, second = two_runs
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/")
    compare = page.get_by_role("button", name="Compare")
    expect(page.get_by_test_id("test-row")).to_have_count(2)
    expect(compare).to_be_disabled()

    # The list is newest first: the second run, then the first; picked oldest first.
    page.get_by_test_id("test-row").nth(1).get_by_role("checkbox").check()
    expect(compare).to_be_disabled()
    page.get_by_test_id("test-row").nth(0).get_by_role("checkbox").check()
    expect(page.get_by_test_id("picked-count")).to_have_text("2 picked")
    page.screenshot(path=str(tmp_path / "tests-390.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.screenshot(path=str(tmp_path / "tests-1400.png"), full_page=True)
    compare.click()

    expect(page).to_have_url(f"{live_server.url}/tests/compare/?ids={first.pk},{second.pk}")
    expect(page.get_by_test_id("compare-column")).to_have_count(4)  # two tables: figures and inputs


def test_the_report_links_to_a_comparison_with_the_previous_run(page: Page, live_server, trader, two_runs):
    first, second = two_runs
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/{second.pk}/")
    page.get_by_role("link", name="Compare with previous run").click()

    expect(page).to_have_url(f"{live_server.url}/tests/compare/?ids={first.pk},{second.pk}")
    page.goto(f"{live_server.url}/tests/{first.pk}/")
    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_be_visible()
    expect(page.get_by_test_id("compare-previous")).to_have_count(0)
