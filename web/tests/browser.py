"""Helpers for the browser tests: a signed-in page, and the editor's canvas driven as a user would."""

from django.test import Client
from playwright.sync_api import Locator, Page, expect


def sign_in(page: Page, live_server, user) -> None:
    """Sign the page's browser context in as `user` (the sign-in form itself has its own test)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def open_editor(page: Page, live_server, strategy) -> None:
    page.goto(f"{live_server.url}/strategies/{strategy.pk}/edit/")
    expect(page.get_by_test_id("save-status")).to_contain_text("Saved")


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'[data-testid="flow-node"][data-node-id="{node_id}"]')


def port(page: Page, node_id: str, side: str, name: str) -> Locator:
    return node(page, node_id).get_by_test_id(f"port-{side}-{name}")


def _center(locator: Locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box, f"{locator} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_wire(page: Page, source: Locator, target: Locator, *, release: bool = True) -> None:
    """Press on one port, move to another and let go, with pointer steps like a hand's."""
    x, y = _center(source)
    tx, ty = _center(target)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move((x + tx) / 2, (y + ty) / 2, steps=5)
    page.mouse.move(tx, ty, steps=5)
    if release:
        page.mouse.up()


def connect(page: Page, source: str, source_port: str, target: str, target_port: str) -> None:
    drag_wire(page, port(page, source, "out", source_port), port(page, target, "in", target_port))


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-status")).to_contain_text("Saved", timeout=10_000)
