"""What the browser benchmarks share: a throwaway project served by `manage.py runserver` and Debian's Chromium
driven by Playwright, signed in through the sign-in form.

The project lives in a temporary VAR_DIR with its own SQLite database, the embedded (DEBUG) settings and
quick tests run eagerly in the server's process; runserver serves the static files itself, slower than a
production server would.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
USERNAME = "bench"
PASSWORD = "bench-password-123"  # noqa: S105 (a throwaway account in a temporary database)
REFERENCE_FLOW = json.loads((REPO / "engine/examples/reference_flow.json").read_text())
REFERENCE_PARAMS = {"fast": 10, "slow": 30, "rsi_period": 14}


def require_build() -> None:
    if not (REPO / "frontend/dist/.vite/manifest.json").exists():
        raise SystemExit("frontend/dist is missing: run `make test` or `make run` once to build the browser app.")


@contextlib.contextmanager
def project() -> Iterator[dict]:
    """A migrated project with the node library and the bench user; yields the environment that runs it."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "VAR_DIR": var_dir, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{var_dir}/db.sqlite3",
               "CELERY_TASK_ALWAYS_EAGER": "1", "LOG_LEVEL": "WARNING"}  # fmt: skip
        env.pop("SECRET_KEY", None)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
        subprocess.run([*manage, "seed_node_templates", "-v", "0"], cwd=REPO, env=env, check=True)
        shell(env, f"from django.contrib.auth import get_user_model\n"
                   f"get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})")  # fmt: skip
        yield env


def shell(env: dict, script: str):
    """Run `script` in `manage.py shell`; returns the JSON its last printed line holds (None if it prints none)."""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=REPO, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else None


def wait_for_server(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 (our own server on loopback)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server at {url} did not answer within {timeout}s.")


@contextlib.contextmanager
def served(env: dict, port: int) -> Iterator[str]:
    """`manage.py runserver` on 127.0.0.1:`port` for the project; yields its base URL."""
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_server(f"{base}/accounts/login/")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def signed_in_page(base: str, viewport: dict) -> Iterator:
    """A Chromium page signed in as the bench user through the sign-in form."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport=viewport)
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill(USERNAME)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/strategies/")
            yield page
        finally:
            browser.close()
