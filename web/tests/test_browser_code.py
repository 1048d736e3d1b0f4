"""A strategy's code generations page in a real Chromium: history, highlighted module, diff, download, generate."""

import copy
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from codegen.models import CodeGeneration
from codegen.services import codegen_generate
from web.tests.browser import sign_in
from web.tests.test_browser_editor import REFERENCE, REFERENCE_PARAMS, _strategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]

# Where the screenshots go, to look at (SB_SCREENSHOTS=dir); none are taken without it.
SCREENSHOTS = os.environ.get("SB_SCREENSHOTS")


def _shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


@pytest.fixture
def two_generations(trader):
    """The reference strategy generated twice through the service: fast = 10, then (an hour later) fast = 5."""
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    older, created = codegen_generate(user=trader, instance_id=strategy.pk)
    assert created
    newer, created = codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fast": 5})
    assert created
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    CodeGeneration.objects.filter(pk=older.pk).update(created_at=an_hour_ago - timedelta(hours=1))
    CodeGeneration.objects.filter(pk=newer.pk).update(created_at=an_hour_ago)
    return strategy, older, newer


def test_the_history_shows_the_newest_module_highlighted_with_its_checks_a_diff_and_a_download(
    page: Page, live_server, trader, two_generations
):
    strategy, older, newer = two_generations
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/strategies/{strategy.pk}/code/")

    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("#2")
    expect(rows.first).to_contain_text("VALID")
    expect(rows.first).to_contain_text(f"{newer.line_count} lines")
    expect(rows.first).to_have_attribute("aria-pressed", "true")
    expect(rows.nth(1)).to_contain_text("#1")
    module = page.get_by_test_id("module")
    keyword = module.locator("span.hljs-keyword", has_text="def").first
    expect(keyword).to_be_visible()
    expect(keyword).to_have_css("color", "rgb(215, 58, 73)")  # GitHub's theme, from the page's stylesheet
    expect(module.locator("span.hljs-string", has_text='"fast"').first).to_be_visible()
    assert module.locator("[style]").count() == 0  # the theme is a stylesheet: nothing inline for the CSP
    expect(module.locator(".code-gutter")).to_contain_text(str(newer.line_count))
    expect(page.get_by_test_id("check-syntax")).to_contain_text("Passed")
    expect(page.get_by_test_id("check-security")).to_contain_text("Passed")
    expect(page.get_by_test_id("check-complexity")).to_contain_text(str(newer.complexity_score))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied ✓")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == newer.generated_code
    download = page.get_by_role("link", name="Download .py")
    expect(download).to_have_attribute("href", f"/api/v1/code-generations/{newer.pk}/download/")
    answer = page.request.get(f"{live_server.url}/api/v1/code-generations/{newer.pk}/download/")
    assert answer.status == 200
    assert answer.text() == newer.generated_code
    assert 'filename="sma_cross_' in answer.headers["content-disposition"]
    expect(page.get_by_role("link", name="◂ Editor")).to_have_attribute("href", f"/strategies/{strategy.pk}/edit/")
    _shoot(page, "code-desktop-module")

    page.get_by_label("Compare with").select_option(older.pk)

    diff = page.get_by_test_id("diff")
    expect(diff.locator(".diff-del")).to_have_text(['-    "fast": 10,'])
    expect(diff.locator(".diff-add")).to_have_text(['+    "fast": 5,'])
    expect(diff.locator(".diff-hunk")).to_have_count(1)
    expect(page.get_by_test_id("diff-summary")).to_contain_text("+1 \u22121")  # a minus sign
    assert f"against={older.pk}" in page.url
    _shoot(page, "code-desktop-diff")

    rows.nth(1).click()
    expect(rows.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("link", name="Download .py")).to_have_attribute(
        "href", f"/api/v1/code-generations/{older.pk}/download/"
    )
    expect(module).to_contain_text('"fast": 10,')
    assert errors == []


def test_generate_code_adds_a_generation_and_an_invalid_flow_says_which_node(
    page: Page, live_server, trader, two_generations
):
    strategy, _, _ = two_generations
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/strategies/{strategy.pk}/code/")
    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(2)

    page.get_by_role("button", name="Generate code").click()  # the saved strategy is what #1 was made from

    expect(page.get_by_role("status")).to_contain_text("identical to this earlier generation")
    expect(rows.nth(1)).to_have_attribute("aria-pressed", "true")
    expect(rows).to_have_count(2)

    strategy.parameters = {**REFERENCE_PARAMS, "fast": 20}
    strategy.save()
    page.get_by_role("button", name="Generate code").click()

    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("#3")
    expect(rows.first).to_have_attribute("aria-pressed", "true")
    newest = CodeGeneration.objects.filter(instance=strategy).latest("created_at")
    assert newest.parameters_snapshot["fast"] == 20
    expect(page.get_by_role("link", name="Download .py")).to_have_attribute(
        "href", f"/api/v1/code-generations/{newest.pk}/download/"
    )
    expect(page.get_by_test_id("module")).to_contain_text('"fast": 20,')

    flow = copy.deepcopy(REFERENCE)
    flow["nodes"] = [n for n in flow["nodes"] if n["id"] != "sma_fast"]
    flow["edges"] = [e for e in flow["edges"] if "sma_fast" not in (e["source"], e["target"])]
    strategy.logic_flow = flow
    strategy.save()
    page.get_by_role("button", name="Generate code").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The flow is not valid, so no code was generated")
    failed = CodeGeneration.objects.filter(instance=strategy, validation_status="FLOW_ERROR").get()
    first_problem = failed.validation_result["problems"][0]
    expect(alert).to_contain_text(first_problem["message"])
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("FLOW_ERROR")
    flow_check = page.get_by_test_id("check-flow")
    expect(flow_check).to_contain_text("Failed")
    expect(flow_check).to_contain_text(first_problem["message"])
    expect(page.get_by_role("link", name="Download .py")).to_have_count(0)
    _shoot(page, "code-desktop-flow-error")


def test_on_a_phone_the_history_sits_above_the_code_which_scrolls_sideways(
    page: Page, live_server, trader, two_generations
):
    strategy, older, _ = two_generations
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/strategies/{strategy.pk}/code/")

    history = page.get_by_role("heading", name="History").bounding_box()
    module = page.get_by_test_id("module")
    expect(module).to_be_visible()
    assert history["y"] < module.bounding_box()["y"]
    assert module.evaluate("el => el.scrollWidth > el.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    _shoot(page, "code-phone-module")
    page.get_by_label("Compare with").select_option(older.pk)
    expect(page.get_by_test_id("diff").locator(".diff-add")).to_have_count(1)
    _shoot(page, "code-phone-diff")


def test_the_history_pages_eight_at_a_time_and_an_older_one_opens_from_page_two(page: Page, live_server, trader):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    start = datetime.now(UTC) - timedelta(days=1)
    made = []
    for fast in range(2, 12):  # ten generations, #1 (fast = 2) the oldest
        generation, created = codegen_generate(user=trader, instance_id=strategy.pk, parameters={"fast": fast})
        assert created
        CodeGeneration.objects.filter(pk=generation.pk).update(created_at=start + timedelta(minutes=fast))
        made.append(generation)
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/strategies/{strategy.pk}/code/")

    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(8)
    expect(rows.first).to_contain_text("#10")
    pager = page.get_by_role("navigation", name="History pages")
    expect(pager).to_contain_text("Page 1 of 2")
    pager.get_by_role("button", name="Next →").click()
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("#2")
    expect(rows.nth(1)).to_contain_text("#1")
    rows.nth(1).click()
    expect(page.get_by_role("link", name="Download .py")).to_have_attribute(
        "href", f"/api/v1/code-generations/{made[0].pk}/download/"
    )
    expect(page.get_by_test_id("module")).to_contain_text('"fast": 2,')
    assert f"generation={made[0].pk}" in page.url
