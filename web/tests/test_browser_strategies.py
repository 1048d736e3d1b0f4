"""My strategies in a real Chromium: sign in, create, search, duplicate, archive, unarchive, delete."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from strategies.models import StrategyInstance, StrategyTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]

PASSWORD = "a-long-password"


def _user(username: str):
    return get_user_model().objects.create_user(username, password=PASSWORD)


def _strategy(user, name: str, **fields) -> StrategyInstance:
    return StrategyInstance.objects.create(
        user_id=str(user.pk),
        name=name,
        logic_flow={"schema_version": 1, "nodes": [], "edges": []},
        parameters={},
        **fields,
    )


def _sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/strategies/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/strategies/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My strategies")).to_be_visible()


def _rows(page: Page):
    return page.get_by_test_id("strategy-row")


def test_a_trader_signs_in_and_manages_their_strategies(page: Page, live_server):
    trader = _user("trader")
    _strategy(trader, "Breakout")
    other = _user("someone-else")
    _strategy(other, "Not yours")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    _sign_in(page, live_server, "trader")
    expect(_rows(page)).to_have_count(1)
    expect(page.get_by_text("Not yours")).to_have_count(0)

    page.get_by_role("button", name="+ New strategy").click()
    dialog = page.get_by_role("dialog", name="New strategy")
    dialog.get_by_label("Name").fill("SMA cross")
    dialog.get_by_role("button", name="Create strategy").click()
    expect(page).to_have_url(re.compile(r"/strategies/[0-9a-f-]{36}/edit/$"))  # straight into the editor
    expect(page.get_by_role("heading", name="SMA cross")).to_be_visible()
    created = StrategyInstance.objects.get(user_id=str(trader.pk), name="SMA cross")
    assert created.logic_flow == {"schema_version": 1, "nodes": [], "edges": []}
    assert page.url.endswith(f"/strategies/{created.pk}/edit/")
    page.get_by_role("link", name="◂ Strategies").click()
    expect(_rows(page)).to_have_count(2)

    page.get_by_label("Search strategies by name").fill("sma")
    expect(_rows(page)).to_have_count(1)
    row = _rows(page).filter(has_text="SMA cross")
    row.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_role("status")).to_have_text("Duplicated “SMA cross”.")
    expect(_rows(page)).to_have_count(2)
    expect(page.get_by_text("Copy of SMA cross")).to_be_visible()

    _rows(page).filter(has_text="Copy of SMA cross").get_by_role("button", name="Archive").click()
    expect(page.get_by_role("status")).to_have_text("Archived “Copy of SMA cross”.")
    expect(_rows(page)).to_have_count(1)
    page.get_by_text("Archived", exact=True).click()
    archived = _rows(page)
    expect(archived).to_have_count(1)
    archived.get_by_role("button", name="Unarchive").click()
    expect(page.get_by_role("status")).to_have_text("Restored “Copy of SMA cross”.")
    expect(_rows(page)).to_have_count(0)
    page.get_by_text("All", exact=True).click()
    page.get_by_label("Search strategies by name").fill("")
    expect(_rows(page)).to_have_count(3)

    _rows(page).filter(has_text="Breakout").get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete this strategy?")
    expect(confirm).to_contain_text("“Breakout” disappears")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Deleted “Breakout”.")
    expect(_rows(page)).to_have_count(2)
    assert StrategyInstance.all_objects.get(name="Breakout").is_deleted
    assert errors == []


def test_a_strategy_starts_from_one_of_my_templates(page: Page, live_server):
    trader = _user("trader")
    flow = {
        "schema_version": 1,
        "nodes": [{"id": "n1", "template": "close", "position": {"x": 0, "y": 0}}],
        "edges": [],
    }
    StrategyTemplate.objects.create(user_id=str(trader.pk), name="My cross", logic_flow=flow, parameters={})

    _sign_in(page, live_server, "trader")
    page.get_by_role("button", name="+ New strategy").click()
    dialog = page.get_by_role("dialog", name="New strategy")
    dialog.get_by_label("Name").fill("From the template")
    dialog.get_by_label("Start from").select_option(label="Template: My cross")
    dialog.get_by_role("button", name="Create strategy").click()

    expect(page.get_by_test_id("flow-node")).to_have_count(1)  # the editor, showing the template's flow
    assert StrategyInstance.objects.get(name="From the template").logic_flow == flow


def test_a_refused_create_is_shown_in_the_dialog_and_keeps_what_was_typed(page: Page, live_server):
    _user("trader")
    _sign_in(page, live_server, "trader")

    page.get_by_role("button", name="+ New strategy").click()
    dialog = page.get_by_role("dialog", name="New strategy")
    dialog.get_by_label("Name").fill("A name")
    dialog.get_by_label("Description").fill("bad \u0000 text")
    page.route(
        "**/api/v1/strategy-instances/",
        lambda route: (
            route.fulfill(
                status=400,
                content_type="application/json",
                body='{"error": {"status": 400, "code": "invalid", "message": "The request has problems.",'
                ' "problems": [{"code": "invalid", "message": "Text may not contain NUL.", "field": "description"}]}}',
            )
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    dialog.get_by_role("button", name="Create strategy").click()

    expect(dialog.get_by_role("alert")).to_contain_text("Text may not contain NUL.")
    expect(dialog.get_by_role("alert")).to_contain_text("description")
    expect(dialog.get_by_label("Name")).to_have_value("A name")
    assert not StrategyInstance.objects.exists()


def test_the_page_says_so_when_the_server_cannot_be_reached(page: Page, live_server):
    _user("trader")
    _sign_in(page, live_server, "trader")

    page.route("**/api/v1/strategy-instances/**", lambda route: route.abort())
    page.get_by_label("Search strategies by name").fill("anything")

    expect(page.get_by_role("alert")).to_contain_text("No connection to the server")


def test_the_phone_layout_keeps_every_action_reachable(page: Page, live_server):
    trader = _user("trader")
    _strategy(trader, "Mean reversion")
    page.set_viewport_size({"width": 390, "height": 844})

    _sign_in(page, live_server, "trader")

    row = _rows(page).first
    for action in ("Duplicate", "Archive", "Delete"):
        expect(row.get_by_role("button", name=action)).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_api_docs_work_under_the_content_security_policy(page: Page, live_server):
    """Swagger UI's start-up script is a file (the split view), so the strict policy lets it run."""
    _user("trader")
    _sign_in(page, live_server, "trader")
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    page.get_by_role("link", name="API").click()

    # The first request for /api/schema/ builds the schema (seconds of CPU; more on a loaded machine).
    expect(page.get_by_text("/api/v1/strategy-instances/").first).to_be_visible(timeout=30_000)
    assert refused == [], refused
