"""Settings for pytest (pytest.ini names this module).

pytest-django loads settings before any conftest.py runs, so the test defaults are set here: a throwaway
SECRET_KEY (settings refuse to start without one outside DEBUG) and VAR_DIR var/test, where the SQLite
test database and test files live. Everything else is the one settings module; a Celery worker
that the tests start inherits these variables and the test database's DATABASE_URL.
"""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
# Always var/test, never a developer's own VAR_DIR; under pytest-xdist one directory per worker (gw0, gw1, ...).
os.environ["VAR_DIR"] = str(
    Path(__file__).resolve().parent.parent / "var" / "test" / os.environ.get("PYTEST_XDIST_WORKER", "")
)
Path(os.environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)

from .settings import *  # noqa: E402, F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's in-memory default, so a Celery worker process started by a test sees the test
    # database; named after this process so that test runs side by side never share one.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")

# Tests create many users; the production hasher is slow on purpose.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
