"""The strategy editor in a real Chromium, driven as a trader would: palette, wires, parameters, problems,
undo, autosave, conflicts, a quick test and generated code."""

import copy
import json
import re
from collections import Counter

import pytest
from playwright.sync_api import Page, expect

from marketdata.tests.factories import DatasetFactory
from quicktests.models import QuickTest
from sessions_app.models import BuilderSession
from strategies.models import StrategyInstance
from strategy_builder.celery import app as celery_app
from web.tests.browser import connect, drag_wire, node, open_editor, port, sign_in, wait_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]

REFERENCE = json.loads(open("engine/examples/reference_flow.json").read())  # noqa: SIM115
REFERENCE_PARAMS = {"fast": 10, "slow": 30, "rsi_period": 14}
EMPTY = {"schema_version": 1, "nodes": [], "edges": []}


def _strategy(user, flow=EMPTY, parameters=None, name="SMA cross"):
    return StrategyInstance.objects.create(
        user_id=str(user.pk), name=name, logic_flow=copy.deepcopy(flow), parameters=parameters or {}
    )


def _draft(strategy) -> dict:
    session = BuilderSession.objects.filter(instance_id=strategy.pk, is_active=True).latest("last_activity_at")
    return session.draft_logic_flow


@pytest.fixture
def wide(page: Page) -> Page:
    page.set_viewport_size({"width": 1600, "height": 1000})
    return page


def _drop(page: Page, template: str, search: str, x: float, y: float) -> None:
    """Find a node in the palette and drag it onto the canvas at (x, y) from the canvas's top-left."""
    page.get_by_label("Search nodes", exact=True).fill(search)
    item = page.get_by_test_id(f"palette-{template}")
    item.drag_to(page.locator(".canvas .react-flow__pane"), target_position={"x": x, "y": y})


def _set_param(page: Page, node_id: str, label: str, value: str) -> None:
    node(page, node_id).locator(".sb-node-head").click()
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Tab")


def test_a_trader_builds_the_reference_strategy_from_the_palette(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    layout = [
        ("close", "Close", 20, 200),
        ("sma", "simple moving", 230, 40),
        ("sma", "simple moving", 230, 200),
        ("rsi", "relative strength", 230, 360),
        ("cross_above", "crosses above", 450, 40),
        ("less_than", "less than", 450, 360),
        ("cross_below", "crosses below", 450, 520),
        ("and", "and", 670, 200),
        ("entry_long", "enter long", 880, 200),
        ("exit_long", "exit long", 880, 520),
    ]
    for template, search, x, y in layout:
        _drop(page, template, search, x, y)
    expect(page.get_by_test_id("flow-node")).to_have_count(10)

    for source, source_port, target, target_port in [
        ("close_1", "close", "sma_1", "series"),
        ("close_1", "close", "sma_2", "series"),
        ("close_1", "close", "rsi_1", "series"),
        ("sma_1", "value", "cross_above_1", "a"),
        ("sma_2", "value", "cross_above_1", "b"),
        ("rsi_1", "value", "less_than_1", "a"),
        ("cross_above_1", "value", "and_1", "a"),
        ("less_than_1", "value", "and_1", "b"),
        ("and_1", "value", "entry_long_1", "when"),
        ("sma_1", "value", "cross_below_1", "a"),
        ("sma_2", "value", "cross_below_1", "b"),
        ("cross_below_1", "value", "exit_long_1", "when"),
    ]:
        connect(page, source, source_port, target, target_port)
    expect(page.locator(".react-flow__edge")).to_have_count(12)

    _set_param(page, "sma_1", "Time Period", "10")
    expect(node(page, "sma_1").get_by_test_id("node-summary")).to_have_text("SMA · 10")
    _set_param(page, "sma_2", "Time Period", "30")
    expect(node(page, "sma_2").get_by_test_id("node-summary")).to_have_text("SMA · 30")
    _set_param(page, "less_than_1", "Value", "70")
    expect(node(page, "less_than_1").get_by_test_id("node-summary")).to_contain_text("70")

    wait_saved(page)
    expect(page.get_by_test_id("validity")).to_have_text("Valid ✓")
    draft = _draft(strategy)
    assert Counter(n["template"] for n in draft["nodes"]) == Counter(n["template"] for n in REFERENCE["nodes"])
    templates = {n["id"]: n["template"] for n in draft["nodes"]}
    wires = Counter(
        (templates[e["source"]], e["source_port"], templates[e["target"]], e["target_port"]) for e in draft["edges"]
    )
    reference_templates = {n["id"]: n["template"] for n in REFERENCE["nodes"]}
    expected = Counter(
        (reference_templates[e["source"]], e["source_port"], reference_templates[e["target"]], e["target_port"])
        for e in REFERENCE["edges"]
    )
    assert wires == expected
    params = {n["id"]: n["params"] for n in draft["nodes"]}
    assert params["sma_1"] == {"timeperiod": 10}
    assert params["sma_2"] == {}  # 30 is SMA's default: typing it changes nothing
    assert node(page, "sma_2").get_by_test_id("node-summary").inner_text() == "SMA · 30"
    assert params["less_than_1"] == {"value": 70}


def test_a_refused_connection_says_why_and_compatible_ports_light_up(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    drag_wire(
        page,
        port(page, "fast_crosses_above_slow", "out", "value"),
        port(page, "sma_fast", "in", "series"),
        release=False,
    )
    expect(port(page, "sma_fast", "in", "series")).to_have_class(re.compile(r"\bport-dim\b"))
    expect(port(page, "enter_long", "in", "when")).to_have_class(re.compile(r"\bport-compatible\b"))
    page.mouse.up()

    expect(page.get_by_test_id("toast")).to_have_text("A bool output cannot feed a series input.")
    expect(page.locator(".react-flow__edge")).to_have_count(12)


def test_a_problem_is_outlined_on_its_node_and_goes_once_fixed(wide: Page, live_server, trader):
    page = wide
    flow = copy.deepcopy(REFERENCE)
    flow["edges"] = [e for e in flow["edges"] if e["target"] != "enter_long"]
    strategy = _strategy(trader, flow, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    expect(page.get_by_test_id("validity")).to_have_text("1 problem")
    expect(node(page, "enter_long")).to_have_class(re.compile(r"\bsb-node-problem\b"))
    problem = page.get_by_test_id("problems").get_by_role("button")
    expect(problem).to_contain_text("enter_long")
    problem.click()
    expect(page.get_by_role("heading", name="Enter Long")).to_be_visible()
    page.wait_for_timeout(500)  # the view pans to the node (a 300 ms animation) before the wire is drawn

    connect(page, "entry_condition", "value", "enter_long", "when")

    wait_saved(page)
    expect(page.get_by_test_id("validity")).to_have_text("Valid ✓")
    expect(node(page, "enter_long")).not_to_have_class(re.compile(r"\bsb-node-problem\b"))


def test_undo_and_redo_restore_whole_steps_and_never_leave_a_dangling_wire(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    edges = page.locator(".react-flow__edge")

    node(page, "sma_fast").locator(".sb-node-head").click()
    page.keyboard.press("Delete")
    expect(node(page, "sma_fast")).to_have_count(0)
    expect(edges).to_have_count(9)  # its three wires went with it
    page.keyboard.press("Control+z")
    expect(node(page, "sma_fast")).to_have_count(1)
    expect(edges).to_have_count(12)
    page.keyboard.press("Control+Shift+z")
    expect(edges).to_have_count(9)
    page.keyboard.press("Control+y")  # nothing left to redo: no change
    expect(edges).to_have_count(9)
    page.keyboard.press("Control+z")
    expect(edges).to_have_count(12)

    _set_param(page, "rsi_below_70", "Value", "65")
    expect(node(page, "rsi_below_70").get_by_test_id("node-summary")).to_contain_text("65")
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(node(page, "rsi_below_70").get_by_test_id("node-summary")).to_contain_text("70")

    before = node(page, "exit_long").bounding_box()
    head = node(page, "exit_long").locator(".sb-node-head")
    box = head.bounding_box()
    page.mouse.move(box["x"] + 10, box["y"] + 8)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + 10 + step * 12, box["y"] + 8 + step * 6)
    page.mouse.up()
    moved = node(page, "exit_long").bounding_box()
    assert moved["x"] > before["x"] + 100
    page.keyboard.press("Control+z")  # the whole drag is one step
    expect(node(page, "exit_long")).to_have_attribute("data-node-id", "exit_long")
    back = node(page, "exit_long").bounding_box()
    assert abs(back["x"] - before["x"]) < 1 and abs(back["y"] - before["y"]) < 1

    wait_saved(page)
    draft = _draft(strategy)
    ids = {n["id"] for n in draft["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in draft["edges"])
    assert len(draft["edges"]) == 12


def test_a_reload_finds_the_draft_exactly_as_it_was_left(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    page.get_by_label("Search nodes", exact=True).fill("stop loss")
    page.get_by_test_id("palette-stop_loss").dblclick()
    _set_param(page, "stop_loss_1", "Loss (%)", "3.5")
    page.keyboard.press("l")  # tidy up moves every node
    wait_saved(page)
    positions = {n["id"]: n["position"] for n in _draft(strategy)["nodes"]}

    page.reload()
    expect(page.get_by_test_id("save-status")).to_contain_text("Saved")
    expect(page.get_by_test_id("flow-node")).to_have_count(11)
    expect(node(page, "stop_loss_1").get_by_test_id("node-summary")).to_have_text("Stop Loss · 3.5")
    assert {n["id"]: n["position"] for n in _draft(strategy)["nodes"]} == positions
    assert BuilderSession.objects.filter(instance_id=strategy.pk).count() == 1


def test_a_stale_save_from_a_second_browser_is_resolved_without_losing_either_side(
    wide: Page, live_server, trader, browser
):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    other_context = browser.new_context(viewport={"width": 1600, "height": 1000})
    other = other_context.new_page()
    sign_in(other, live_server, trader)
    open_editor(other, live_server, strategy)

    page.get_by_label("Search nodes", exact=True).fill("take profit")
    page.get_by_test_id("palette-take_profit").dblclick()
    wait_saved(page)

    other.get_by_label("Search nodes", exact=True).fill("trailing")
    other.get_by_test_id("palette-trailing_stop").dblclick()
    conflict = other.get_by_test_id("conflict")
    expect(conflict).to_contain_text("This draft changed elsewhere")
    expect(other.get_by_test_id("flow-node")).to_have_count(11)  # their edit is still on screen
    conflict.get_by_role("button", name="Keep mine as a new draft").click()
    wait_saved(other)
    expect(conflict).to_have_count(0)

    sessions = BuilderSession.objects.filter(instance_id=strategy.pk).order_by("created_at")
    assert sessions.count() == 2
    first, second = ([n["template"] for n in s.draft_logic_flow["nodes"]] for s in sessions)
    assert "take_profit" in first and "trailing_stop" not in first
    assert "trailing_stop" in second and "take_profit" not in second
    other_context.close()


def test_a_second_tab_is_read_only_until_it_takes_over(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    second = page.context.new_page()
    second.set_viewport_size({"width": 1600, "height": 1000})
    second.goto(f"{live_server.url}/strategies/{strategy.pk}/edit/")

    banner = second.get_by_test_id("conflict")
    expect(banner).to_contain_text("open for editing in another tab")
    banner.get_by_role("button", name="Edit here instead").click()
    expect(banner).to_have_count(0)
    expect(page.get_by_test_id("conflict")).to_contain_text("open for editing in another tab")

    second.get_by_label("Search nodes", exact=True).fill("stop loss")
    second.get_by_test_id("palette-stop_loss").dblclick()
    wait_saved(second)
    assert "stop_loss" in [n["template"] for n in _draft(strategy)["nodes"]]


def test_a_quick_test_runs_from_the_editor_to_completed(wide: Page, live_server, trader, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    page = wide
    DatasetFactory(name="Minute bars", bar_count=2000)
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    _set_param(page, "rsi_below_70", "Value", "75")
    page.get_by_role("button", name="Run ▸").click()
    dialog = page.get_by_role("dialog", name="Run a quick test")
    expect(dialog.get_by_label("Dataset")).to_contain_text("Minute bars")
    dialog.get_by_label("Commission (fraction per side)").fill("0.001")
    dialog.get_by_role("button", name="Run test").click()

    status = dialog.get_by_test_id("run-status")
    expect(status).to_contain_text("COMPLETED", timeout=30_000)
    expect(status).to_contain_text("trades")
    strategy.refresh_from_db()
    rsi = next(n for n in strategy.logic_flow["nodes"] if n["id"] == "rsi_below_70")
    assert rsi["params"] == {"value": 75}  # the run tested the draft as edited, saved to the strategy first


def test_generate_code_shows_the_module_with_a_download(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    page.get_by_role("button", name="Code").click()
    dialog = page.get_by_role("dialog", name="Generated code")
    expect(dialog.get_by_test_id("generated-code")).to_contain_text("def generate_signals(bars")
    expect(dialog.get_by_test_id("code-status")).to_contain_text("VALID")
    download = dialog.get_by_role("link", name="Download .py")
    expect(download).to_have_attribute("href", re.compile(r"^/api/v1/code-generations/[0-9a-f-]+/download/$"))


def test_a_wire_dropped_on_empty_canvas_offers_only_nodes_that_take_it_and_arrives_wired(
    wide: Page, live_server, trader
):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    source = port(page, "rsi_below_70", "out", "value")  # a bool output
    box = source.bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 160, steps=8)
    page.mouse.up()

    picker = page.get_by_role("dialog", name="Add a connected node")
    expect(picker).to_contain_text("Nodes that can take this bool output")
    options = picker.get_by_role("list", name="Compatible nodes")
    expect(options).to_contain_text("Enter Short")
    expect(options).not_to_contain_text("Simple Moving Average")  # takes a series, not a bool
    picker.get_by_label("Search nodes to connect").fill("enter short")
    picker.get_by_label("Search nodes to connect").press("Enter")

    expect(node(page, "entry_short_1")).to_be_visible()
    wait_saved(page)
    wire = [e for e in _draft(strategy)["edges"] if e["target"] == "entry_short_1"]
    assert [(e["source"], e["source_port"], e["target_port"]) for e in wire] == [("rsi_below_70", "value", "when")]


def test_copy_paste_keeps_internal_wires_and_select_all_takes_everything(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    node(page, "close").locator(".sb-node-head").click()
    node(page, "rsi").locator(".sb-node-head").click(modifiers=["Control"])
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")

    expect(page.get_by_test_id("flow-node")).to_have_count(12)
    wait_saved(page)
    draft = _draft(strategy)
    pasted = {n["id"] for n in draft["nodes"]} - {n["id"] for n in REFERENCE["nodes"]}
    assert pasted == {"close_1", "rsi_1"}
    assert [(e["source"], e["target"]) for e in draft["edges"] if e["target"] in pasted] == [("close_1", "rsi_1")]

    page.keyboard.press("Control+a")
    expect(page.locator(".react-flow__node.selected")).to_have_count(12)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Undo")


def test_save_to_strategy_asks_before_overwriting_a_strategy_changed_elsewhere(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    _set_param(page, "rsi_below_70", "Value", "60")
    wait_saved(page)
    # Meanwhile the strategy is saved through the API by another client.
    StrategyInstance.objects.filter(pk=strategy.pk).update(name="Renamed elsewhere", updated_at="2030-01-01T00:00:00Z")

    page.get_by_role("button", name="Save to strategy").click()
    dialog = page.get_by_role("dialog", name="The strategy changed since this draft started")
    expect(dialog).to_be_visible()
    strategy.refresh_from_db()
    assert next(n for n in strategy.logic_flow["nodes"] if n["id"] == "rsi_below_70")["params"] == {"value": 70}
    dialog.get_by_role("button", name="Overwrite with my draft").click()

    expect(page.get_by_test_id("toast")).to_have_text("Saved to the strategy.")
    strategy.refresh_from_db()
    assert next(n for n in strategy.logic_flow["nodes"] if n["id"] == "rsi_below_70")["params"] == {"value": 60}


def test_offline_saves_retry_and_nothing_is_lost(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    session_url = re.compile(r".*/api/v1/builder-sessions/[0-9a-f-]+/$")
    page.route(session_url, lambda route: route.abort() if route.request.method == "PATCH" else route.continue_())

    _set_param(page, "rsi_below_70", "Value", "55")
    expect(page.get_by_test_id("save-status")).to_contain_text("Offline — retrying", timeout=10_000)
    page.unroute(session_url)

    wait_saved(page)
    params = next(n for n in _draft(strategy)["nodes"] if n["id"] == "rsi_below_70")["params"]
    assert params == {"value": 55}


def test_a_server_error_is_retried_and_a_refused_save_is_shown_with_the_edit_kept(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    session_url = re.compile(r".*/api/v1/builder-sessions/[0-9a-f-]+/$")
    too_large = (
        '{"error": {"status": 413, "code": "draft_too_large", "message": "The draft is 1.2 MB; at most 1 MB is kept.",'
        ' "problems": []}}'
    )
    answers = iter([(500, "{}"), (413, too_large)])

    def refuse(route):
        if route.request.method != "PATCH":
            return route.continue_()
        status, body = next(answers, (None, None))
        if status is None:
            return route.continue_()
        return route.fulfill(status=status, content_type="application/json", body=body)

    page.route(session_url, refuse)
    _set_param(page, "rsi_below_70", "Value", "58")
    expect(page.get_by_test_id("save-status")).to_contain_text("Retrying", timeout=10_000)
    expect(page.get_by_role("alert")).to_contain_text("The draft is 1.2 MB; at most 1 MB is kept.", timeout=10_000)
    expect(node(page, "rsi_below_70").get_by_test_id("node-summary")).to_contain_text("58")

    _set_param(page, "rsi_below_70", "Value", "57")  # the next edit saves normally
    wait_saved(page)
    assert next(n for n in _draft(strategy)["nodes"] if n["id"] == "rsi_below_70")["params"] == {"value": 57}


def test_leaving_warns_only_while_something_is_unsaved(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    node(page, "exit_long").locator(".sb-node-head").click()
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("save-status")).to_contain_text("Unsaved changes")
    page.evaluate("window.location.href = '/strategies/'")
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(r"/edit/$"))

    wait_saved(page)
    page.get_by_role("link", name="◂ Strategies").click()
    expect(page).to_have_url(re.compile(r"/strategies/$"))
    assert asked == ["beforeunload"]


def test_an_edit_made_just_before_leaving_is_sent_on_the_way_out(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave anyway"

    node(page, "exit_long").locator(".sb-node-head").click()
    page.keyboard.press("Delete")
    page.goto(f"{live_server.url}/strategies/")  # well within the autosave's debounce

    expect(page.get_by_role("heading", name="My strategies")).to_be_visible()
    for _ in range(50):
        if "exit_long" not in {n["id"] for n in _draft(strategy)["nodes"]}:
            break
        page.wait_for_timeout(100)
    assert "exit_long" not in {n["id"] for n in _draft(strategy)["nodes"]}


def test_a_draft_locked_by_another_user_opens_read_only_and_can_be_taken_over(wide: Page, live_server, trader):
    page = wide
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    lock_url = re.compile(r".*/api/v1/builder-sessions/[0-9a-f-]+/lock/$")
    locked = (
        '{"error": {"status": 423, "code": "session_locked", "message": "Locked.", "problems": []},'
        ' "lock": {"holder": "42", "since": "2026-01-01T00:00:00Z", "until": "2026-01-01T00:05:00Z"}}'
    )
    page.route(lock_url, lambda route: route.fulfill(status=423, content_type="application/json", body=locked))

    page.goto(f"{live_server.url}/strategies/{strategy.pk}/edit/")
    banner = page.get_by_test_id("conflict")
    expect(banner).to_contain_text("another user is editing this draft")
    expect(page.get_by_role("button", name="Undo")).to_be_disabled()
    expect(page.get_by_test_id("palette-close")).to_be_disabled()

    banner.get_by_role("button", name="Take over").click()
    expect(banner).to_contain_text("Their lock is still live")
    page.unroute(lock_url)
    banner.get_by_role("button", name="Take over").click()
    expect(banner).to_have_count(0)
    page.get_by_test_id("palette-close").dblclick()
    wait_saved(page)
    assert len(_draft(strategy)["nodes"]) == 11


def test_the_preview_redraws_as_a_parameter_is_edited_and_shows_the_selected_nodes_output(
    wide: Page, live_server, trader
):
    page = wide
    DatasetFactory(name="Minute bars", bar_count=3000)
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    open_editor(page, live_server, strategy)

    chart = page.get_by_test_id("preview-chart")
    expect(chart).to_have_attribute("data-candles", "750")  # 3,000 bars in runs of 4 (at most 800 candles)
    figures = page.get_by_test_id("preview-figures")
    expect(figures).to_contain_text("Trades")
    before = int(chart.get_attribute("data-markers"))
    assert before > 0

    _set_param(page, "rsi_below_70", "Value", "20")  # RSI rarely below 20: far fewer entries

    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=preview-chart]').dataset.markers) < {before}"
    )
    node(page, "sma_fast").locator(".sb-node-head").click()
    expect(chart).to_have_attribute("data-output", "sma_fast.value")
    assert not QuickTest.objects.exists()  # a preview is never stored
    assert refused == []


def test_the_preview_waits_for_a_valid_strategy(wide: Page, live_server, trader):
    page = wide
    DatasetFactory(name="Minute bars", bar_count=500)
    flow = copy.deepcopy(REFERENCE)
    flow["edges"] = [e for e in flow["edges"] if e["target"] != "enter_long"]
    strategy = _strategy(trader, flow, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)

    expect(page.get_by_test_id("preview")).to_contain_text("The preview waits for a valid strategy")
