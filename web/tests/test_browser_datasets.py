"""The datasets page in a real Chromium: upload (every bad line shown), preview, zoom, download, delete."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from engine.bars import MAX_PROBLEMS, write_csv
from engine.synthetic import generate_bars
from marketdata.models import Dataset
from marketdata.tests.factories import DatasetFactory
from web.tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("browser_env")]

DASH = "\N{EN DASH}"  # between the first and the last bar's time
HEADER = "timestamp,open,high,low,close,volume\n"
# Line 4 has a high below its low; line 7 a close that is not a number (the header is line 1).
BAD_CSV = HEADER + (
    "2024-01-02T00:00:00Z,10,11,9,10.5,100\n"
    "2024-01-02T00:01:00Z,10.5,11,10,10.8,120\n"
    "2024-01-02T00:02:00Z,10.8,9.5,10,10.2,90\n"
    "2024-01-02T00:03:00Z,10.2,10.9,10.1,10.6,80\n"
    "2024-01-02T00:04:00Z,10.6,11.2,10.4,11,150\n"
    "2024-01-02T00:05:00Z,11,11.4,10.9,n/a,110\n"
    "2024-01-02T00:06:00Z,11.1,11.3,10.8,11.2,95\n"
)


def _csv(bars) -> bytes:
    buffer = io.BytesIO()
    write_csv(bars, buffer)
    return buffer.getvalue()


def _file(name: str, content: bytes) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


@pytest.fixture
def trader(db):
    return get_user_model().objects.create_user("trader", password="a-long-password")


def _api_problems(user, name: str, content: bytes) -> list[dict]:
    """What the API answers for the same file: the page must show every problem of it."""
    client = APIClient()
    client.force_authenticate(user)
    answer = client.post(
        "/api/v1/datasets/",
        {"file": SimpleUploadedFile(name, content), "name": "x", "symbol": "X", "timeframe": "1m"},
        format="multipart",
    )
    assert answer.status_code == 400, answer.content
    return answer.json()["error"]["problems"]


def test_a_bad_csv_lists_every_bad_line_and_a_good_one_is_stored_previewed_and_deleted(page: Page, live_server, trader):
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    refused = "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    page.goto(f"{live_server.url}/datasets/")
    expect(page.get_by_text("No datasets yet")).to_be_visible()
    form = page.get_by_role("form", name="Upload a CSV")

    form.get_by_label("CSV file").set_input_files(_file("eurusd-bad.csv", BAD_CSV.encode()))
    expect(form.get_by_label("Name")).to_have_value("eurusd-bad")  # named after the file until typed over
    form.get_by_label("Name").fill("EURUSD minutes")
    form.get_by_label("Symbol").fill("EURUSD")
    form.get_by_label("Timeframe").select_option(label="1 minute")
    form.get_by_role("button", name="Upload").click()

    alert = form.get_by_test_id("upload-errors")
    expect(alert).to_contain_text("eurusd-bad.csv was not stored")
    expected = _api_problems(trader, "eurusd-bad.csv", BAD_CSV.encode())
    assert {p["line"] for p in expected} == {4, 7}
    items = alert.get_by_test_id("upload-problem")
    expect(items).to_have_count(len(expected))
    for item, problem in zip(items.all(), expected, strict=True):
        expect(item).to_have_attribute("data-line", str(problem["line"]))
        expect(item).to_have_text(f"Line {problem['line']}{problem['message']}")
    expect(alert.locator('[data-line="4"]').first).to_contain_text("high 9.5 is below low 10")
    expect(alert.locator('[data-line="7"]')).to_contain_text("close 'n/a' is not a number")
    expect(alert).to_contain_text(f"{len(expected)} problems on 2 lines")
    assert Dataset.objects.count() == 0
    expect(form.get_by_label("Name")).to_have_value("EURUSD minutes")  # the form keeps what was typed
    expect(form.get_by_label("Symbol")).to_have_value("EURUSD")

    good = generate_bars(300, seed=3)
    form.get_by_label("CSV file").set_input_files(_file("eurusd.csv", _csv(good)))
    expect(alert).to_have_count(0)
    form.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("status")).to_contain_text("Uploaded “EURUSD minutes”: 300 bars.")
    stored = Dataset.objects.get()
    assert (stored.user_id, stored.symbol, stored.timeframe, stored.bar_count) == (str(trader.pk), "EURUSD", "1m", 300)
    row = page.locator(f'[data-testid="dataset-row"][data-id="{stored.pk}"]')
    expect(row).to_contain_text("EURUSD minutes")
    expect(row).to_contain_text(f"2020-01-01 {DASH} 2020-01-01")
    expect(row).to_contain_text("Mine")
    expect(row.get_by_role("button", name="EURUSD minutes")).to_have_attribute("aria-pressed", "true")
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_role("heading", name="EURUSD minutes")).to_be_visible()
    expect(preview.get_by_test_id("preview-meta")).to_contain_text(
        f"EURUSD · 1 minute · 300 bars · 2020-01-01 00:00 UTC {DASH} 2020-01-01 04:59 UTC"
    )
    chart = preview.get_by_test_id("dataset-chart")
    expect(chart).to_have_attribute("data-candles", "300")
    expect(chart).to_have_attribute("data-interval", "bar")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(form.get_by_label("Name")).to_have_value("")  # ready for the next file

    row.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete “EURUSD minutes”?")
    dialog.get_by_role("button", name="Delete").click()

    expect(page.get_by_role("status")).to_contain_text("Deleted “EURUSD minutes”.")
    expect(page.get_by_test_id("dataset-row")).to_have_count(0)
    assert not Dataset.objects.exists()
    assert errors == [refused]  # the browser's own note of the bad file's 400, and nothing else


def test_shared_datasets_cannot_be_deleted_and_another_users_never_appear(page: Page, live_server, trader):
    other = get_user_model().objects.create_user("someone-else", password="a-long-password")
    shared = DatasetFactory(name="Shared minutes", symbol="SYNTH", bar_count=3000)
    mine = DatasetFactory(name="My hours", symbol="ABC", user_id=str(trader.pk), bar_count=50)
    theirs = DatasetFactory(name="Their bars", symbol="XYZ", user_id=str(other.pk))
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/datasets/?dataset={theirs.pk}")

    rows = page.get_by_test_id("dataset-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("Their bars")).to_have_count(0)
    shared_row = page.locator(f'[data-testid="dataset-row"][data-id="{shared.pk}"]')
    mine_row = page.locator(f'[data-testid="dataset-row"][data-id="{mine.pk}"]')
    expect(shared_row).to_contain_text("Shared")
    expect(shared_row.get_by_role("button", name="Delete")).to_have_count(0)
    expect(mine_row.get_by_role("button", name="Delete")).to_have_count(1)
    # Another user's id in the address selects nothing of theirs: the first row's dataset is shown.
    expect(page).to_have_url(re.compile(rf"\?dataset={mine.pk}$"))

    download = shared_row.get_by_role("link", name="Download")
    answer = page.request.get(f"{live_server.url}{download.get_attribute('href')}")
    assert answer.status == 200
    assert answer.text().splitlines()[0] == "timestamp,open,high,low,close,volume"
    assert len(answer.text().splitlines()) == 1 + 3000

    owners = page.get_by_role("group", name="Show")
    owners.get_by_text("Shared", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Shared minutes")
    owners.get_by_text("All", exact=True).click()
    page.get_by_label("Filter by symbol").fill("abc")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("My hours")


def test_zooming_the_preview_asks_for_finer_candles_and_showing_all_returns_to_the_overview(
    page: Page, live_server, trader
):
    shared = DatasetFactory(name="Shared minutes", bar_count=3000)
    page.set_viewport_size({"width": 1400, "height": 900})
    sign_in(page, live_server, trader)

    page.goto(f"{live_server.url}/datasets/?dataset={shared.pk}")

    chart = page.get_by_test_id("dataset-chart")
    expect(chart).to_have_attribute("data-interval", "2m")  # 3,000 minute bars drawn as at most 2,000 candles
    expect(chart).to_have_attribute("data-candles", "1500")
    expect(page.get_by_test_id("chart-scale")).to_contain_text("1,500 candles, each 2m of bars")
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(20):
        page.mouse.wheel(0, -300)
    expect(chart).to_have_attribute("data-interval", "bar")  # the visible range again, bar by bar
    visible = float(chart.get_attribute("data-visible-to")) - float(chart.get_attribute("data-visible-from"))
    assert visible < 3000 * 60 / 3

    page.get_by_role("button", name="Show all").click()
    expect(chart).to_have_attribute("data-interval", "2m")


def test_a_file_with_more_bad_lines_than_the_api_lists_shows_all_it_lists_and_says_how_many_more(
    page: Page, live_server, trader
):
    rows = [f"2024-01-02T00:{minute // 60:02d}:{minute % 60:02d}Z,10,11,9,x{minute},100" for minute in range(150)]
    content = (HEADER + "\n".join(rows) + "\n").encode()
    expected = _api_problems(trader, "many.csv", content)
    assert len(expected) == MAX_PROBLEMS + 1  # the engine's limit, then a count of the rest
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/datasets/")
    form = page.get_by_role("form", name="Upload a CSV")

    form.get_by_label("CSV file").set_input_files(_file("many.csv", content))
    form.get_by_label("Symbol").fill("X")
    form.get_by_role("button", name="Upload").click()

    items = form.get_by_test_id("upload-problem")
    expect(items).to_have_count(MAX_PROBLEMS + 1)
    expect(items.first).to_have_text("Line 2close 'x0' is not a number")
    expect(items.nth(MAX_PROBLEMS - 1)).to_have_text("Line 101close 'x99' is not a number")
    expect(items.last).to_have_text("50 more problems not listed")
    expect(form.get_by_test_id("upload-errors")).to_contain_text("100 problems on 100 lines")
    assert not Dataset.objects.exists()


def test_while_a_file_uploads_the_form_is_disabled_and_shows_its_progress(page: Page, live_server, trader):
    content = _csv(generate_bars(6000, seed=5))  # about 300 KB: some seconds at the throttled speed below
    sign_in(page, live_server, trader)
    page.goto(f"{live_server.url}/datasets/")
    form = page.get_by_role("form", name="Upload a CSV")
    form.get_by_label("CSV file").set_input_files(_file("slow.csv", content))
    form.get_by_label("Symbol").fill("SLOW")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 60_000},
    )

    form.get_by_role("button", name="Upload").click()

    busy = form.get_by_role("button", name=re.compile(r"^(Uploading… \d+ %|Checking the bars…)$"))
    expect(busy).to_be_disabled()
    expect(form.get_by_label("Symbol")).to_be_disabled()
    expect(form.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Uploaded “slow”: 6,000 bars.", timeout=30_000)
    expect(form.get_by_role("progressbar")).to_have_count(0)
    expect(form.get_by_label("Symbol")).to_be_enabled()
    assert Dataset.objects.get().bar_count == 6000
