"""Parameter sweeps in a real Chromium: the editor's Optimise dialog, and a sweep's page (progress and
cancel, verdict, best combination, heatmap, table, walk-forward folds), with its two ways to keep a winner."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from marketdata.tests.factories import DatasetFactory
from quicktests import sweeps
from quicktests.models import QuickTest
from strategies.models import StrategyInstance
from strategy_builder.celery import app as celery_app
from web.tests.browser import open_editor, sign_in
from web.tests.test_browser_editor import REFERENCE, REFERENCE_PARAMS, _strategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# fast 5..40 step 5 (8 values) by slow 20, 30: 16 in the grid; fast < slow keeps 3 (slow 20) + 5 (slow 30).
GRID = {"fast": {"start": 5, "stop": 40, "step": 5}, "slow": {"values": [20, 30]}}
CONSTRAINT = {"left": "fast", "op": "<", "right": "slow"}


@pytest.fixture
def eager(monkeypatch, settings):
    """Quick tests (and a sweep's chord: its chunks, then its finish) run in process, as they are created."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.SWEEP_CHUNK_SIZE = 4


@pytest.fixture
def dataset(db):
    return DatasetFactory(name="Minute bars", bar_count=3000)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _sweep(user, strategy, dataset, sweep) -> QuickTest:
    """A sweep created and run through the API, so its result has exactly the shape the API stores."""
    answer = _client(user).post(
        "/api/v1/quick-tests/",
        {"instance": strategy.pk, "test_config": {"dataset": dataset.pk, "sweep": sweep}},
        format="json",
    )
    assert answer.status_code == 202, answer.content
    return QuickTest.objects.get(pk=answer.json()["id"])


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_optimise_dialog_counts_combinations_puts_a_bad_step_beside_its_field_and_starts_the_sweep(
    page: Page, live_server, trader, dataset, eager
):
    page.set_viewport_size({"width": 1400, "height": 900})
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    _shot(page, "editor-bar-1400")

    page.get_by_role("button", name="Optimise").click()
    dialog = page.get_by_role("dialog", name="Optimise the parameters")
    expect(dialog).to_be_visible()
    fast = dialog.get_by_test_id("sweep-param-fast")
    # The bounds come from the schema of SMA's timeperiod, the node param bound to `fast`.
    expect(fast).to_contain_text("now 10 · whole number, ≥ 1, ≤ 100000")
    expect(fast).to_contain_text("sma_fast")
    fast.get_by_label("How to vary fast").select_option("range")
    fast.get_by_label("start of fast").fill("5")
    fast.get_by_label("stop of fast").fill("40")
    fast.get_by_label("step of fast").fill("5")
    expect(dialog.get_by_test_id("sweep-count-fast")).to_have_text("8 values")
    slow = dialog.get_by_test_id("sweep-param-slow")
    slow.get_by_label("How to vary slow").select_option("values")
    slow.get_by_label("Values of slow").fill("20, 30")
    total = dialog.get_by_test_id("sweep-total")
    expect(total).to_contain_text("16 combinations · at most 10,000")
    dialog.get_by_role("button", name="+ parameter < parameter").click()
    dialog.get_by_label("Constraint 1 right").select_option("slow")
    expect(total).to_contain_text("8 combinations after the constraints (16 in the grid)")
    dialog.get_by_label("At least this many trades").fill("1")
    dialog.get_by_label("Rank by").select_option("return_pct")
    dialog.get_by_label("Walk-forward analysis").check()
    dialog.get_by_label("Folds").fill("3")
    _shot(page, "optimise-dialog-1400")

    fast.get_by_label("step of fast").fill("0")
    dialog.get_by_role("button", name="Start the sweep").click()
    problem = fast.get_by_test_id("problem-test_config.sweep.parameters.fast.step")
    expect(problem).to_have_text("must be greater than 0, not 0.")
    expect(fast.get_by_label("start of fast")).to_have_value("5")  # the form keeps what was typed
    expect(slow.get_by_label("Values of slow")).to_have_value("20, 30")
    assert QuickTest.objects.count() == 0

    fast.get_by_label("step of fast").fill("5")
    dialog.get_by_role("button", name="Start the sweep").click()
    page.wait_for_url(re.compile(r"/tests/[0-9a-f-]{36}/$"))
    test = QuickTest.objects.get()
    assert page.url.endswith(f"/tests/{test.pk}/")
    assert test.test_config["sweep"] == {
        "parameters": GRID,
        "sample": None,
        "objective": {"metric": "return_pct", "goal": "max"},
        "constraints": [CONSTRAINT, {"metric": "trades", "op": ">=", "value": 1}],
        "walk_forward": {"folds": 3, "in_sample": 0.75, "anchored": False},
    }
    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_contain_text("COMPLETED")
    expect(page.get_by_test_id("combination-row")).to_have_count(8)


def test_the_dialog_on_a_phone_stacks_its_fields(page: Page, live_server, trader, dataset):
    page.set_viewport_size({"width": 390, "height": 844})
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)
    _shot(page, "editor-bar-390")
    page.get_by_role("button", name="Optimise").click()
    dialog = page.get_by_role("dialog", name="Optimise the parameters")
    dialog.get_by_test_id("sweep-param-fast").get_by_label("How to vary fast").select_option("range")
    box = dialog.bounding_box()
    assert box and box["width"] <= 390
    _shot(page, "optimise-dialog-390")


def test_a_completed_sweep_shows_its_verdict_heatmap_table_and_folds_and_its_winner_opens_as_a_quick_test(
    page: Page, live_server, trader, dataset, eager
):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sweep = _sweep(
        trader,
        strategy,
        dataset,
        {"parameters": GRID, "constraints": [CONSTRAINT], "walk_forward": {"folds": 3, "in_sample": 0.7}},
    )
    assert sweep.status == "COMPLETED", sweep.error_message
    summary = sweep.test_result["sweep"]
    rows = sweeps.load_rows(sweep.test_result)
    assert len(rows) == 8
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/tests/{sweep.pk}/")

    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_contain_text("COMPLETED")
    expect(page.get_by_test_id("report-meta")).to_contain_text("Minute bars · SYNTH · 1m")
    expect(page.get_by_test_id("report-meta")).to_contain_text("capital 10,000.00 · commission 0.000 %")
    expect(page.get_by_test_id("report-meta")).to_contain_text("Sweep of 8 combinations, ranked by Sharpe ratio")
    verdict = page.get_by_test_id("verdict")
    expect(verdict).to_contain_text(summary["overfitting"]["verdict"])
    dsr = summary["overfitting"]["deflated_sharpe"]["dsr"]
    expect(verdict.get_by_test_id("dsr")).to_have_text(f"{dsr * 100:.0f} %")
    pbo = summary["overfitting"]["pbo"]["pbo"]
    expect(verdict.get_by_test_id("pbo")).to_have_text(f"{pbo * 100:.0f} %")
    best = summary["best"]["parameters"]
    expect(page.get_by_test_id("best-parameters")).to_have_text(f"fast {best['fast']}slow {best['slow']}")

    # The heatmap: one cell per (fast, slow) pair that ran, each coloured; the best cell is the greenest.
    cells = page.get_by_test_id("heat-cell")
    # fast 5..25 ran (with slow 30; 5..15 with slow 20 too): 5 by 2 cells, fast 20 and 25 at slow 20 empty.
    expect(cells).to_have_count(10)
    values = {(r["parameters"]["fast"], r["parameters"]["slow"]): r["metrics"]["sharpe_ratio"] for r in rows}
    filled = page.locator("[data-testid=heat-cell]:not(.heat-empty)")
    expect(filled).to_have_count(sum(v is not None for v in values.values()))
    best_cell = page.locator(f"[data-testid=heat-cell][data-x='{best['fast']}'][data-y='{best['slow']}']")
    assert float(best_cell.get_attribute("data-value")) == pytest.approx(values[(best["fast"], best["slow"])])
    colours = page.eval_on_selector_all(
        "[data-testid=heat-cell]:not(.heat-empty)", "cells => cells.map(c => getComputedStyle(c).backgroundColor)"
    )
    assert all(colour.startswith("rgb(") for colour in colours), colours  # painted under the page's CSP
    assert best_cell.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(95, 227, 95)"  # hsl(120 70% 63%)
    empty = page.locator("[data-testid=heat-cell][data-x='25'][data-y='20']")
    expect(empty).to_have_class("heat-empty")

    # The table: best first; sorting by a column asks the API for every row in that order.
    table = page.get_by_test_id("combinations")
    first = page.get_by_test_id("combination-row").first
    expect(first.locator("td").nth(1)).to_have_text(str(best["fast"]))
    table.get_by_role("button", name="fast", exact=True).click()
    expect(page.get_by_test_id("combination-row").first.locator("td").nth(1)).to_have_text("5")
    table.get_by_role("button", name="Return", exact=True).click()  # descending first
    top_return = max(r["metrics"]["return_pct"] for r in rows)
    expect(page.get_by_test_id("combination-row").first.locator("td").nth(4)).to_have_text(f"{top_return:.2f} %")

    folds = page.get_by_test_id("fold-row")
    expect(folds).to_have_count(3)
    first_fold = summary["walk_forward"]["folds"][0]
    chosen = ", ".join(f"{k} = {v}" for k, v in first_fold["parameters"].items())
    expect(folds.first).to_contain_text(chosen)
    year = first_fold["out_of_sample"]["start"][:4]
    expect(folds.first.get_by_test_id("fold-oos")).to_contain_text(re.compile(rf"{year}.* → .*{year}"))  # dates
    expect(page.get_by_test_id("oos-chart")).to_have_attribute(
        "data-points", str(len(summary["walk_forward"]["out_of_sample"]["equity_curve"]["time"]))
    )
    expect(page.get_by_test_id("oos-chart").locator("canvas").first).to_be_visible()
    _shot(page, "sweep-1400")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("verdict")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
    _shot(page, "sweep-390")
    page.set_viewport_size({"width": 1400, "height": 900})

    # The strategy changed since: the quick test still runs the sweep's own snapshot.
    StrategyInstance.objects.filter(pk=strategy.pk).update(parameters={**REFERENCE_PARAMS, "rsi_period": 20})
    page.get_by_role("button", name="Open as a quick test").click()
    page.wait_for_url(lambda url: re.search(r"/tests/[0-9a-f-]{36}/$", url) and sweep.pk not in url)
    single = QuickTest.objects.exclude(pk=sweep.pk).get()
    assert page.url.endswith(f"/tests/{single.pk}/")
    assert "sweep" not in single.test_config
    assert single.test_config["dataset"] == dataset.pk
    assert single.parameters_snapshot == {**REFERENCE_PARAMS, **best}
    assert single.logic_flow_snapshot == sweep.logic_flow_snapshot
    assert single.status == "COMPLETED", single.error_message
    assert single.metrics_summary["sharpe_ratio"] == pytest.approx(summary["best"]["metrics"]["sharpe_ratio"])
    expect(page.get_by_role("region", name="Headline figures")).to_contain_text("Sharpe")
    assert errors == []


def test_use_these_parameters_writes_a_row_into_the_strategy(page: Page, live_server, trader, dataset, eager):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sweep = _sweep(trader, strategy, dataset, {"parameters": GRID, "constraints": [CONSTRAINT]})
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{sweep.pk}/")
    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_be_visible()
    row = page.get_by_test_id("combination-row").nth(2)
    third = sweeps.load_rows(sweep.test_result)[2]["parameters"]
    text = f"fast = {third['fast']}, slow = {third['slow']}"

    row.get_by_role("button", name=f"Use {text} in the strategy").click()

    expect(page.get_by_test_id("sweep-notice")).to_have_text(f"{text} written into “SMA cross”.")
    assert StrategyInstance.objects.get(pk=strategy.pk).parameters == {**REFERENCE_PARAMS, **third}


def test_use_these_parameters_goes_through_the_open_draft_so_the_editor_shows_them(
    page: Page, live_server, trader, dataset, eager
):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sweep = _sweep(trader, strategy, dataset, {"parameters": GRID, "constraints": [CONSTRAINT]})
    sign_in(page, live_server, trader)
    open_editor(page, live_server, strategy)  # starts the draft (a builder session)
    best = sweep.test_result["sweep"]["best"]["parameters"]

    page.goto(f"{live_server.url}/tests/{sweep.pk}/")
    page.get_by_role("button", name="Use these parameters").click()

    expect(page.get_by_test_id("sweep-notice")).to_contain_text("(and the draft open in its editor)")
    assert StrategyInstance.objects.get(pk=strategy.pk).parameters == {**REFERENCE_PARAMS, **best}
    open_editor(page, live_server, strategy)
    expect(page.get_by_label("Value of parameter fast")).to_have_value(str(best["fast"]))


def test_a_running_sweep_shows_its_progress_and_can_be_cancelled(
    page: Page, live_server, trader, dataset, settings, monkeypatch
):
    """The chord is held back, one chunk of two run by hand: the page shows 4 of 8 done."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.SWEEP_CHUNK_SIZE = 4
    monkeypatch.setattr("celery.canvas._chord.__call__", lambda self, body=None, **kw: None)
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    sweep = _sweep(trader, strategy, dataset, {"parameters": GRID, "constraints": [CONSTRAINT]})
    assert sweep.status == "RUNNING"
    assert sweeps.sweep_run_chunk(quicktest_id=sweep.pk, index=0) == 4
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/{sweep.pk}/")

    progress = page.get_by_test_id("sweep-progress")
    expect(progress).to_contain_text("4 of 8 combinations done")
    expect(progress.locator("progress")).to_have_attribute("value", "4")
    expect(progress.locator("progress")).to_have_attribute("max", "8")
    _shot(page, "sweep-running")
    page.get_by_role("button", name="Cancel the sweep").click()
    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_contain_text("CANCELLED")
    assert QuickTest.objects.get(pk=sweep.pk).status == "CANCELLED"


def test_a_failed_sweep_says_why_and_what_to_do(page: Page, live_server, trader, dataset, eager):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    impossible = {"metric": "trades", "op": ">=", "value": 100000}
    sweep = _sweep(trader, strategy, dataset, {"parameters": GRID, "constraints": [CONSTRAINT, impossible]})
    assert sweep.status == "FAILED"
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/{sweep.pk}/")

    failed = page.get_by_test_id("report-failed")
    expect(failed).to_contain_text("none of the 8 combinations met the constraints on the results (trades >= 100000)")
    expect(failed).to_contain_text("Fix what it names in the editor")
    expect(page.get_by_test_id("verdict")).to_have_count(0)


def test_another_users_sweep_answers_404(page: Page, live_server, trader, dataset, eager):
    other = get_user_model().objects.create_user("other", password="a-long-password")
    theirs = _sweep(
        other, _strategy(other, REFERENCE, REFERENCE_PARAMS, name="Not yours"), dataset, {"parameters": GRID}
    )
    sign_in(page, live_server, trader)

    response = page.goto(f"{live_server.url}/tests/{theirs.pk}/")

    assert response is not None and response.status == 404
    assert page.request.get(f"{live_server.url}/api/v1/quick-tests/{theirs.pk}/rows/").status == 404
    assert page.request.get(f"{live_server.url}/api/v1/quick-tests/{theirs.pk}/heatmap/?x=fast&y=slow").status == 404
