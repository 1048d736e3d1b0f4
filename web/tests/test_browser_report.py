"""A quick test's report and the tests list in a real Chromium."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from marketdata.tests.factories import DatasetFactory
from quicktests.models import QuickTest
from strategy_builder.celery import app as celery_app
from web.tests.browser import sign_in
from web.tests.test_browser_editor import REFERENCE, REFERENCE_PARAMS, _strategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]


def _run_eagerly(trader, monkeypatch, flow: dict, *, name: str, bar_count: int) -> QuickTest:
    """A quick test of `flow` on a new dataset, posted through the API and run eagerly, in process."""
    from rest_framework.test import APIClient

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    dataset = DatasetFactory(name=name, bar_count=bar_count)
    strategy = _strategy(trader, flow, REFERENCE_PARAMS)
    client = APIClient()
    client.force_authenticate(trader)
    answer = client.post(
        "/api/v1/quick-tests/", {"instance": strategy.pk, "test_config": {"dataset": dataset.pk}}, format="json"
    )
    assert answer.status_code == 202, answer.content
    return QuickTest.objects.get(pk=answer.json()["id"])


@pytest.fixture
def completed(trader, monkeypatch):
    """A quick test of the reference strategy run to COMPLETED through the API (eagerly, in process)."""
    test = _run_eagerly(trader, monkeypatch, REFERENCE, name="Minute bars", bar_count=3000)
    assert test.status == "COMPLETED", test.error_message
    return test


def test_the_report_of_a_completed_test_reads_at_a_glance_and_a_trade_row_zooms_the_chart(
    page: Page, live_server, trader, completed
):
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/tests/{completed.pk}/")

    expect(page.get_by_role("heading", name=re.compile("SMA cross"))).to_contain_text("COMPLETED")
    expect(page.get_by_test_id("report-meta")).to_contain_text("Minute bars · SYNTH · 1m")
    figures = page.get_by_role("region", name="Headline figures")
    expect(figures).to_contain_text("Return")
    expect(figures).to_contain_text(f"{completed.metrics_summary['sharpe_ratio']:.2f}")
    chart = page.get_by_test_id("result-chart")
    trades = completed.test_result["counts"]["trades"]
    assert trades > 0
    expect(chart).to_have_attribute("data-markers", str(2 * trades))
    expect(chart).to_have_attribute("data-interval", "2m")  # 3,000 minute bars drawn as at most 2,000 candles
    full = float(chart.get_attribute("data-visible-to")) - float(chart.get_attribute("data-visible-from"))

    trade = sorted(completed_trades(completed), key=lambda t: t["entry_time"])[2]
    entry = datetime.fromisoformat(trade["entry_time"]).timestamp()
    exit_ = datetime.fromisoformat(trade["exit_time"]).timestamp()
    rows = page.get_by_test_id("trade-row")
    expect(rows.first).to_be_visible()
    rows.nth(2).click()
    # The finer candles replace the overview once the zoom has settled: the view must still hold the trade.
    expect(chart).to_have_attribute("data-interval", "bar")  # zoomed in: the bars themselves, asked for again
    page.wait_for_function(
        f"() => {{ const c = document.querySelector('[data-testid=result-chart]');"
        f" return (c.dataset.visibleTo - c.dataset.visibleFrom) < {full} * 0.5"
        f" && c.dataset.visibleFrom <= {entry} && c.dataset.visibleTo >= {exit_}; }}"
    )
    assert float(chart.get_attribute("data-visible-from")) <= entry
    assert float(chart.get_attribute("data-visible-to")) >= exit_

    page.get_by_role("tab", name="Metrics").click()
    expect(page.get_by_test_id("metrics")).to_contain_text("Sortino ratio")
    performance = page.get_by_test_id("performance")
    summary = completed.test_result["performance_summary"]
    expect(performance.get_by_role("row", name=re.compile("^Total closed trades"))).to_contain_text(
        f"{summary['all']['trades']}{summary['long']['trades']}{summary['short']['trades']}"
    )
    page.get_by_role("tab", name="Monthly returns").click()
    month = completed.test_result["returns"]["monthly_pct"][0][0]
    expect(page.get_by_test_id("monthly-returns")).to_contain_text(f"{month:.1f}")
    assert errors == []


def test_trade_markers_sit_on_the_bars_the_trades_entered_and_exited(page: Page, live_server, trader, monkeypatch):
    """With fewer bars than candles the chart draws the bars themselves: each marker is at its fill's bar."""
    test = _run_eagerly(trader, monkeypatch, REFERENCE, name="Few bars", bar_count=1200)
    first_two = sorted(completed_trades(test), key=lambda t: t["entry_time"])[:2]
    assert len(first_two) == 2
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/{test.pk}/")

    chart = page.get_by_test_id("result-chart")
    expect(chart).to_have_attribute("data-interval", "bar")
    expected = sorted(
        int(datetime.fromisoformat(t[key]).timestamp()) for t in first_two for key in ("entry_time", "exit_time")
    )
    expect(chart).to_have_attribute("data-first-markers", ",".join(str(t) for t in expected))


def completed_trades(test):
    from quicktests.selectors import quicktest_trades

    return quicktest_trades(quicktest=test)


def test_the_trade_list_sorts_and_filters(page: Page, live_server, trader, completed):
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{completed.pk}/")
    table = page.get_by_test_id("trades")
    expect(table).to_be_visible()

    table.get_by_role("button", name="P&L").click()
    table.get_by_role("button", name=re.compile("^P&L")).click()  # descending
    best = max(t["pnl"] for t in completed_trades(completed))
    first_pnl = page.get_by_test_id("trade-row").first.locator("td").nth(6).inner_text()
    assert float(first_pnl.replace(",", "")) == pytest.approx(best, abs=0.01)

    reasons = {t["exit_reason"] for t in completed_trades(completed)}
    reason = sorted(reasons)[0]
    page.get_by_label("Exit reason").select_option(reason)
    count = sum(1 for t in completed_trades(completed) if t["exit_reason"] == reason)
    expect(page.get_by_text(f"{count} of {len(completed_trades(completed))} trades")).to_be_visible()
    # The reason in words, in the list as in the chart's legend (the CSV keeps the code).
    expect(page.get_by_test_id("trade-row").first.locator("td").last).to_have_text(reason.replace("_", " "))


def test_export_csv_downloads_the_trades_the_list_shows_sorted_and_filtered(page: Page, live_server, trader, completed):
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{completed.pk}/")
    table = page.get_by_test_id("trades")
    table.get_by_role("button", name="P&L").click()
    trades = completed_trades(completed)
    side = trades[0]["side"]
    page.get_by_label("Side").select_option(side)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()

    lines = download.value.path().read_text(encoding="utf-8").split("\n")
    assert download.value.suggested_filename == f"trades-{str(completed.pk)[:8]}.csv"
    assert lines[0].split(",")[:3] == ["entry_time", "exit_time", "side"]
    kept = sorted((t for t in trades if t["side"] == side), key=lambda t: t["pnl"])
    assert len(lines) == 1 + len(kept) > 2
    assert [line.split(",")[2] for line in lines[1:]] == [side] * len(kept)
    assert [float(line.split(",")[6]) for line in lines[1:]] == [t["pnl"] for t in kept]


def test_a_failed_test_says_why_and_what_to_do(page: Page, live_server, trader):
    strategy = _strategy(trader, REFERENCE, REFERENCE_PARAMS)
    failed = QuickTest.objects.create(
        user_id=str(trader.pk),
        instance=strategy,
        status="FAILED",
        error_message="The dataset this test was set up with has been deleted.",
        test_config={"dataset": "gone"},
        parameters_snapshot=REFERENCE_PARAMS,
        logic_flow_snapshot=REFERENCE,
    )
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/{failed.pk}/")

    alert = page.get_by_test_id("report-failed")
    expect(alert).to_contain_text("The dataset this test was set up with has been deleted.")
    expect(alert).to_contain_text("run it again")
    expect(page.get_by_role("link", name="Open in the editor")).to_have_attribute(
        "href", f"/strategies/{strategy.pk}/edit/"
    )


def test_a_pending_test_shows_its_progress_and_updates_itself(page: Page, live_server, trader, completed):
    pending = QuickTest.objects.create(
        user_id=str(trader.pk),
        instance=completed.instance,
        status="PENDING",
        test_config=completed.test_config,
        parameters_snapshot=completed.parameters_snapshot,
        logic_flow_snapshot=completed.logic_flow_snapshot,
    )
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{pending.pk}/")
    expect(page.get_by_test_id("report-progress")).to_contain_text("Waiting for a worker")

    QuickTest.objects.filter(pk=pending.pk).update(
        status="COMPLETED",
        metrics_summary=completed.metrics_summary,
        test_result=completed.test_result,
        completed_at=datetime.now(UTC),
    )

    expect(page.get_by_test_id("report-progress")).to_have_count(0, timeout=10_000)
    expect(page.get_by_role("region", name="Headline figures")).to_be_visible()


def test_the_tests_list_filters_by_the_common_queries(page: Page, live_server, trader, completed):
    QuickTest.objects.create(
        user_id=str(trader.pk),
        instance=completed.instance,
        status="FAILED",
        error_message="x",
        test_config=completed.test_config,
        parameters_snapshot={},
        logic_flow_snapshot={},
    )
    other = get_user_model().objects.create_user("other", password="a-long-password")
    theirs = _strategy(other, REFERENCE, REFERENCE_PARAMS, name="Not yours")
    QuickTest.objects.create(
        user_id=str(other.pk),
        instance=theirs,
        status="FAILED",
        test_config={},
        parameters_snapshot={},
        logic_flow_snapshot={},
    )
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/tests/")
    rows = page.get_by_test_id("test-row")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Failed in the last day").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("FAILED")
    expect(page).to_have_url(re.compile(r"status=FAILED"))
    page.get_by_label("Status").select_option("COMPLETED")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("COMPLETED")
    page.get_by_label("Strategy").select_option(label="SMA cross")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/tests/{completed.pk}/$"))


STOPPED = {
    **REFERENCE,
    "nodes": [*REFERENCE["nodes"], {"id": "stop", "template": "stop_loss", "params": {"percent": 0.2}}],
}


@pytest.fixture
def stopped(trader, monkeypatch):
    """A completed test of the reference strategy with a 0.2 % stop loss, on 1,200 bars (each drawn as a candle)."""
    test = _run_eagerly(trader, monkeypatch, STOPPED, name="Few bars", bar_count=1200)
    assert test.status == "COMPLETED", test.error_message
    return test


def _frames(page: Page) -> None:
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def hover_bar(page: Page, moment: int) -> None:
    """Move the mouse over the candles until the crosshair is on the bar starting at `moment` (epoch seconds):
    a bisection on x, each step read back from the legend's time."""
    chart = page.get_by_test_id("result-chart")
    box = chart.bounding_box()
    y = box["y"] + box["height"] * 0.25
    low, high = box["x"] + 2, box["x"] + box["width"] - 90  # the right price scale is not the plot
    while high - low > 0.5:
        middle = (low + high) / 2
        page.mouse.move(middle, y)
        _frames(page)
        if int(chart.get_attribute("data-legend-time")) < moment:
            low = middle
        else:
            high = middle
    page.mouse.move(high, y)
    _frames(page)
    assert int(chart.get_attribute("data-legend-time")) == moment


def _utc_seconds(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def test_hovering_an_exit_shows_the_trade_and_its_exit_reason_in_the_legend(page: Page, live_server, trader, stopped):
    page.set_viewport_size({"width": 1400, "height": 900})
    trades = sorted(completed_trades(stopped), key=lambda t: t["entry_time"])
    stop = next(t for t in trades if t["exit_reason"] == "stop_loss")
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{stopped.pk}/")
    chart = page.get_by_test_id("result-chart")
    expect(chart).to_have_attribute("data-ready", "true")
    expect(chart).to_have_attribute("data-interval", "bar")

    page.get_by_test_id("trade-row").nth(trades.index(stop)).click()  # zooms in on the trade: bars wide apart
    expect(chart).to_have_attribute("data-detail", "1")
    hover_bar(page, _utc_seconds(stop["exit_time"]))

    fills = page.get_by_test_id("legend-fills")
    expect(fills).to_contain_text("stop loss")
    expect(fills).to_contain_text(f"Long exit at {stop['exit_price']:,.4f} (entered at {stop['entry_price']:,.4f})")
    expect(fills).to_contain_text(f"P&L {stop['pnl']:,.2f} ({stop['return_pct']:,.2f} %)")

    hover_bar(page, _utc_seconds(stop["entry_time"]))
    expect(fills).to_have_text(f"Long entry at {stop['entry_price']:,.4f}")


def test_the_legend_reads_the_bar_under_the_crosshair_and_the_last_bar_off_the_chart(
    page: Page, live_server, trader, stopped
):
    from engine.synthetic import generate_bars

    page.set_viewport_size({"width": 1400, "height": 900})
    bars = generate_bars(1200, seed=7)  # the fixture's dataset
    metrics = stopped.metrics_summary
    capital = 10_000
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{stopped.pk}/")
    chart = page.get_by_test_id("result-chart")
    expect(chart).to_have_attribute("data-ready", "true")
    legend = page.get_by_test_id("chart-legend")

    i = 700
    hover_bar(page, int(bars.timestamp[i]) // 10**9)

    expect(legend).to_contain_text(
        f"O {bars.open[i]:,.4f}H {bars.high[i]:,.4f}L {bars.low[i]:,.4f}C {bars.close[i]:,.4f}"
    )
    start = 29  # buy & hold starts where the slowest indicator, SMA(30), has its first value (as in backtesting.py)
    expect(legend).to_contain_text(f"Buy & hold {capital * bars.close[i] / bars.close[start]:,.2f}")
    curve = stopped.test_result["equity_curve"]
    point = max(k for k, bar in enumerate(curve["bar"]) if bar <= i)  # the curve's point at or before the bar
    expect(legend).to_contain_text(f"Equity {curve['equity'][point]:,.2f}")

    page.mouse.move(5, 5)  # off the chart: the last bar, whose figures are the test's final ones
    expect(legend).to_contain_text(f"Equity {metrics['equity_final']:,.2f}")
    expect(legend).to_contain_text(f"Buy & hold {capital * (1 + metrics['buy_and_hold_return_pct'] / 100):,.2f}")
    expect(legend).to_contain_text(f"C {bars.close[-1]:,.4f}")


def test_on_a_phone_the_report_is_one_column_and_its_tables_scroll_sideways(page: Page, live_server, trader, stopped):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/tests/{stopped.pk}/")
    chart = page.get_by_test_id("result-chart")
    expect(chart).to_have_attribute("data-ready", "true")

    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out of the page
    legend = page.get_by_test_id("chart-legend").bounding_box()
    candles = chart.bounding_box()
    assert legend["y"] + legend["height"] <= candles["y"]  # the legend sits above the chart, not over it
    assert candles["height"] >= 400  # the three panes stacked in one chart, tall enough to read
    rows = page.get_by_test_id("trade-row")
    expect(rows.first).to_be_visible()
    row = rows.first.bounding_box()
    assert row["height"] < 50  # one line per trade, not every cell wrapped
    scroller = page.locator(".table-scroll").filter(has=page.get_by_test_id("trades"))
    assert scroller.evaluate("(box) => box.scrollWidth > box.clientWidth")  # the table scrolls, the page does not
    header = page.get_by_role("columnheader", name="Exit reason")
    header.evaluate("(cell) => cell.scrollIntoView()")  # the page down to the table, the table to its last column
    expect(header).to_be_in_viewport()
    assert scroller.evaluate("(box) => box.scrollLeft") > 0


def test_with_its_dataset_deleted_the_chart_is_the_equity_and_drawdown_with_the_trades_on_the_equity(
    page: Page, live_server, trader, stopped
):
    from marketdata.models import Dataset
    from marketdata.services import dataset_delete

    dataset_delete(dataset=Dataset.objects.get(pk=stopped.test_config["dataset"]))
    trades = stopped.test_result["counts"]["trades"]
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/tests/{stopped.pk}/")

    chart = page.get_by_test_id("result-chart")
    expect(chart).to_have_attribute("data-ready", "true")
    expect(chart).to_have_attribute("data-candles", "error")
    expect(chart).to_have_attribute("data-markers", str(2 * trades))
    legend = page.get_by_test_id("chart-legend")
    expect(legend).to_contain_text(f"Equity {stopped.metrics_summary['equity_final']:,.2f}")
    expect(legend).not_to_contain_text("Buy & hold")
    assert errors == []
