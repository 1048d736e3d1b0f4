"""The one settings module, loaded the way a deployment loads it: in a fresh process with only the
environment it is given."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]
SHOW_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "OPTIONS": db.get("OPTIONS", {}),
    "TEST": db.get("TEST", {}),
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    "CELERY_BROKER_TRANSPORT_OPTIONS": getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
}))
"""


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a new interpreter whose environment is exactly `env` (plus PATH and VAR_DIR)."""
    clean_env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "strategy_builder.settings"}
    clean_env |= {"VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=REPO_ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def loaded(process: subprocess.CompletedProcess) -> dict:
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_production_without_secret_key_refuses_to_start(tmp_path):
    process = start(tmp_path)

    assert process.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in process.stderr


def test_production_with_the_development_key_refuses_to_start(tmp_path):
    process = start(tmp_path, SECRET_KEY="insecure-development-key-never-use-in-production")

    assert process.returncode != 0
    assert "SECRET_KEY is the development key" in process.stderr


def test_production_with_a_secret_key_starts_locked_down(tmp_path):
    settings = loaded(start(tmp_path, SECRET_KEY="a-real-secret", ALLOWED_HOSTS="builder.example.com"))

    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == ["builder.example.com"]
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_development_defaults_need_no_environment(tmp_path):
    settings = loaded(start(tmp_path, DEBUG="1"))

    assert settings["DEBUG"] is True
    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["NAME"] == str(tmp_path / "db.sqlite3")
    assert settings["CELERY_BROKER_URL"] == "filesystem://"
    # A sweep's chord needs a result backend; the embedded one needs no server either.
    assert settings["CELERY_RESULT_BACKEND"] == f"file://{tmp_path / 'results'}"


def test_a_redis_broker_keeps_results_there_and_redelivers_a_dead_workers_messages(tmp_path):
    settings = loaded(start(tmp_path, DEBUG="1", CELERY_BROKER_URL="redis://cache.internal:6379/0"))

    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache.internal:6379/0"
    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"] == {
        "visibility_timeout": 1200,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }


def test_mysql_database_url_gets_utf8mb4_strict_mode_and_utc_sessions(tmp_path):
    settings = loaded(start(tmp_path, DEBUG="1", DATABASE_URL="mysql://builder:pw@db.internal:3306/strategy_builder"))

    assert settings["ENGINE"] == "django.db.backends.mysql"
    assert settings["NAME"] == "strategy_builder"
    assert settings["OPTIONS"]["charset"] == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in settings["OPTIONS"]["init_command"]
    assert "time_zone='+00:00'" in settings["OPTIONS"]["init_command"]
    assert settings["TEST"]["CHARSET"] == "utf8mb4"


def test_broker_and_result_backend_come_from_the_environment(tmp_path):
    settings = loaded(
        start(
            tmp_path,
            DEBUG="1",
            CELERY_BROKER_URL="redis://cache.internal:6379/0",
            CELERY_RESULT_BACKEND="redis://cache.internal:6379/1",
        )
    )

    assert settings["CELERY_BROKER_URL"] == "redis://cache.internal:6379/0"
    assert settings["CELERY_RESULT_BACKEND"] == "redis://cache.internal:6379/1"


@pytest.mark.mysql
@pytest.mark.django_db
def test_mysql_sessions_run_strict_utf8mb4_in_utc():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.sql_mode, @@SESSION.character_set_connection, @@SESSION.time_zone")
        sql_mode, charset, time_zone = cursor.fetchone()

    assert "STRICT_TRANS_TABLES" in sql_mode.split(",")
    assert charset == "utf8mb4"
    assert time_zone == "+00:00"
