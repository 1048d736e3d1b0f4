"""`manage.py bootstrap`, which `make run` calls on every start: seed, schedule, accounts; idempotent."""

import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask
from rest_framework.authtoken.models import Token

from nodes.models import NodeTemplate
from strategy_builder.management.commands.bootstrap import CREDENTIALS_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(settings, tmp_path, monkeypatch):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("BOOTSTRAP_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("BOOTSTRAP_DEMO_PASSWORD", raising=False)
    return settings


def bootstrap() -> str:
    from io import StringIO

    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def printed_passwords(output: str) -> dict[str, str]:
    passwords = {}
    for line in output.splitlines():
        words = line.split()
        if "password" in words:
            passwords[words[0]] = words[words.index("password") + 1]
    return passwords


def test_creates_a_staff_superuser_and_a_demo_user_whose_printed_passwords_work(dev):
    passwords = printed_passwords(bootstrap())

    users = get_user_model().objects
    admin, demo = users.get(username="admin"), users.get(username="demo")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert (demo.is_staff, demo.is_superuser) == (False, False)
    assert admin.check_password(passwords["admin"])
    assert demo.check_password(passwords["demo"])
    assert Token.objects.filter(user=demo).exists()


def test_generated_passwords_are_kept_readable_by_the_owner_only(dev):
    bootstrap()

    mode = (dev.VAR_DIR / CREDENTIALS_FILE).stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_running_again_changes_nothing_and_prints_the_same_credentials(dev):
    first = bootstrap()
    second = bootstrap()

    assert printed_passwords(second) == printed_passwords(first)
    assert get_user_model().objects.count() == 2
    assert NodeTemplate.objects.filter(is_system_template=True).exists()


def test_seeds_the_node_library_and_registers_the_beat_schedule(dev):
    bootstrap()

    assert NodeTemplate.objects.filter(is_system_template=True, user_id=None).count() > 0
    assert PeriodicTask.objects.filter(enabled=True).exists()


def test_a_password_from_the_environment_is_set_even_on_an_existing_user(dev, monkeypatch):
    bootstrap()
    monkeypatch.setenv("BOOTSTRAP_DEMO_PASSWORD", "a-long-demo-passphrase")

    assert printed_passwords(bootstrap())["demo"] == "a-long-demo-passphrase"
    assert get_user_model().objects.get(username="demo").check_password("a-long-demo-passphrase")


def test_a_weak_password_from_the_environment_is_refused(dev, monkeypatch):
    monkeypatch.setenv("BOOTSTRAP_ADMIN_PASSWORD", "admin")

    with pytest.raises(CommandError, match="BOOTSTRAP_ADMIN_PASSWORD is too weak"):
        bootstrap()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_a_password_changed_since_is_kept_and_not_printed(dev):
    bootstrap()
    demo = get_user_model().objects.get(username="demo")
    demo.set_password("changed-by-its-owner")
    demo.save()

    output = bootstrap()

    assert "demo (user): exists; its password was changed since and is not shown" in output
    assert get_user_model().objects.get(username="demo").check_password("changed-by-its-owner")


def test_outside_debug_no_account_is_made_without_a_password_from_the_environment(dev):
    dev.DEBUG = False

    output = bootstrap()

    assert not get_user_model().objects.exists()
    assert not (dev.VAR_DIR / CREDENTIALS_FILE).exists()
    assert "admin: not created (set BOOTSTRAP_ADMIN_PASSWORD outside DEBUG)" in output


def _signs_in(url: str, username: str, password: str) -> bool:
    """Post the sign-in form behind `url` (/admin/ -> /admin/login/) as a person would; whether it let them in."""
    from django.test import Client

    browser = Client()
    form = url if url.endswith("login/") else f"{url}login/"
    browser.post(form, {"username": username, "password": password, "next": url})
    return "_auth_user_id" in browser.session


def test_every_account_line_says_only_true_things_about_where_it_signs_in_and_its_token(dev):
    from rest_framework.test import APIClient

    lines = [line for line in bootstrap().splitlines() if "password" in line.split()]

    assert [line.split()[0] for line in lines] == ["admin", "demo"]
    for line in lines:
        words = line.split()
        username, password = words[0], words[words.index("password") + 1]
        token = words[words.index("token") + 1]
        where = line.split("signs in at ", 1)[1]
        allowed, _, refused = where.partition("(not ")
        assert re.findall(r"/[\w/]*/", allowed), line
        for url in re.findall(r"/[\w/]*/", allowed):
            assert _signs_in(url, username, password), f"{username} cannot sign in at {url}"
        for url in re.findall(r"/[\w/]*/", refused):
            assert not _signs_in(url, username, password), f"{username} can sign in at {url}"
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/strategy-instances/").status_code == 200
