"""The browser app's pages as Django serves them: sign-in, the shell, the Vite tags, the CSP header."""

import json
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import override_settings

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r'<script type="module" crossorigin="" src="(/static/app/[^"]+\.js)"></script>')
STYLESHEET_TAG = re.compile(r'<link\s+rel="stylesheet" href="([^"]+\.css)"')


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_the_strategies_page_asks_for_sign_in_first(client):
    response = client.get("/strategies/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/strategies/"


def test_sign_in_with_the_form_lands_on_my_strategies(client):
    get_user_model().objects.create_user("trader", password="a-long-password")

    page = client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "trader", "password": "a-long-password"})

    assert page.status_code == 200
    assert b'autocomplete="current-password"' in page.content
    assert response.status_code == 302
    assert response.headers["Location"] == "/strategies/"


def test_a_wrong_password_is_shown_on_the_form_with_the_username_kept(client):
    get_user_model().objects.create_user("trader", password="a-long-password")

    response = client.post("/accounts/login/", {"username": "trader", "password": "wrong"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "enter a correct username and password" in page
    assert 'value="trader"' in page


@pytest.mark.parametrize("debug", [True, False])
def test_the_demo_hint_shows_only_on_the_embedded_set_up_with_a_demo_account(client, debug):
    get_user_model().objects.create_user("demo", password="demo-password-123")

    with override_settings(DEBUG=debug):
        page = client.get("/accounts/login/").content.decode()

    assert ('data-testid="demo-hint"' in page) is debug
    assert ("bootstrap-credentials.json</code>" in page) is debug
    assert "demo-password-123" not in page


def test_no_demo_hint_without_a_demo_account(client):
    with override_settings(DEBUG=True):
        page = client.get("/accounts/login/").content.decode()

    assert 'data-testid="demo-hint"' not in page


def test_sign_out_is_a_post_and_returns_to_sign_in(client):
    user = get_user_model().objects.create_user("trader", password="a-long-password")
    client.force_login(user)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/"
    assert client.get("/strategies/").status_code == 302


def test_the_strategies_page_mounts_the_built_entry_through_the_vite_manifest(client, frontend_built):
    """django-vite's tags on Django 6.1: the hashed script and its CSS, both real files of the build."""
    user = get_user_model().objects.create_user("trader", password="a-long-password")
    client.force_login(user)
    manifest = json.loads(frontend_built.read_text())
    entry = manifest["src/pages/strategies.tsx"]

    page = client.get("/strategies/").content.decode()

    scripts = SCRIPT_TAG.findall(page)
    assert scripts == [f"/static/app/{entry['file']}"]
    assert STYLESHEET_TAG.findall(page) == ["/static/css/site.css", *(f"/static/app/{css}" for css in entry["css"])]
    for path in [entry["file"], *entry["css"]]:
        assert finders.find(f"app/{path}"), f"{path} is not served by the static files finders"
    assert 'id="root"' in page
    assert 'data-testid="username">trader<' in page
    assert "<script>" not in page


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/strategies/", "/admin/login/", "/api/v1/", "/api/schema/"])
def test_every_page_has_a_strict_content_security_policy(client, url, frontend_built):
    user = get_user_model().objects.create_user("trader", password="a-long-password")
    client.force_login(user)

    response = client.get(url, HTTP_ACCEPT="text/html")

    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    body = response.content.decode(errors="replace")
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", body), (
        f"{url} has an inline script, which the policy blocks"
    )


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_only_the_api_docs_may_use_inline_styles_and_never_inline_scripts(client, url):
    user = get_user_model().objects.create_user("trader", password="a-long-password")
    client.force_login(user)

    response = client.get(url)

    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())


def test_the_build_is_served_from_the_app_prefix():
    assert settings.DJANGO_VITE["default"]["static_url_prefix"] == "app"
    assert ("app", settings.FRONTEND_DIST) in settings.STATICFILES_DIRS


def _mine_and_theirs(client):
    """A strategy of the signed-in trader's (its name needing escaping) and one of another user's."""
    from strategies.models import StrategyInstance

    me = get_user_model().objects.create_user("trader", password="a-long-password")
    other = get_user_model().objects.create_user("other", password="a-long-password")
    flow = {"schema_version": 1, "nodes": [], "edges": []}
    mine = StrategyInstance.objects.create(user_id=str(me.pk), name="Mine <b>", logic_flow=flow, parameters={})
    theirs = StrategyInstance.objects.create(user_id=str(other.pk), name="Theirs", logic_flow=flow, parameters={})
    client.force_login(me)
    return mine, theirs


def test_the_editor_opens_my_strategy_and_answers_404_for_anyone_elses(client, frontend_built):
    mine, theirs = _mine_and_theirs(client)

    page = client.get(f"/strategies/{mine.pk}/edit/")
    missing = client.get(f"/strategies/{theirs.pk}/edit/")
    unknown = client.get("/strategies/no-such-id/edit/")

    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-instance-id="{mine.pk}"' in body
    assert 'data-strategy-name="Mine &lt;b&gt;"' in body
    assert SCRIPT_TAG.findall(body) == [
        f"/static/app/{json.loads(frontend_built.read_text())['src/pages/editor.tsx']['file']}"
    ]
    assert _csp(page)["script-src"] == ["'self'"]
    assert missing.status_code == 404
    assert "Theirs" not in missing.content.decode()
    assert unknown.status_code == 404


def test_the_editor_asks_for_sign_in_first(client):
    response = client.get("/strategies/anything/edit/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/?next=")


def test_the_sign_in_page_is_rate_limited_and_says_when_to_retry(client, settings):
    get_user_model().objects.create_user("trader", password="a-long-password")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "trader", "password": "wrong"})

    response = client.post("/accounts/login/", {"username": "trader", "password": "a-long-password"})

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.content.decode()
    assert "Too many failed login attempts" in page
    assert 'class="topbar"' in page
    assert _csp(response)["script-src"] == ["'self'"]


def test_the_report_allows_exactly_the_charts_attribution_style_and_nothing_else_inline(client):
    """The hash in CHART_CSP is of the <style> text the installed lightweight-charts injects for its logo."""
    import base64
    import hashlib
    from pathlib import Path

    from quicktests.models import QuickTest
    from strategies.models import StrategyInstance
    from web.views import CHART_STYLE_SHA256

    library = Path(settings.BASE_DIR, "frontend/node_modules/lightweight-charts/dist/lightweight-charts.production.mjs")
    style = re.search(r'createElement\("style"\),this\.\w+\.innerText="([^"]*)"', library.read_text()).group(1)
    assert "sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() == CHART_STYLE_SHA256

    me = get_user_model().objects.create_user("trader", password="a-long-password")
    flow = {"schema_version": 1, "nodes": [], "edges": []}
    strategy = StrategyInstance.objects.create(user_id=str(me.pk), name="S", logic_flow=flow, parameters={})
    test = QuickTest.objects.create(
        user_id=str(me.pk), instance=strategy, test_config={}, parameters_snapshot={}, logic_flow_snapshot=flow
    )
    client.force_login(me)

    policy = _csp(client.get(f"/tests/{test.pk}/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'", f"'{CHART_STYLE_SHA256}'"]


def test_another_users_quick_test_report_answers_404(client):
    from quicktests.models import QuickTest
    from strategies.models import StrategyInstance

    me = get_user_model().objects.create_user("trader", password="a-long-password")
    other = get_user_model().objects.create_user("other", password="a-long-password")
    flow = {"schema_version": 1, "nodes": [], "edges": []}
    theirs = StrategyInstance.objects.create(user_id=str(other.pk), name="Theirs", logic_flow=flow, parameters={})
    test = QuickTest.objects.create(
        user_id=str(other.pk), instance=theirs, test_config={}, parameters_snapshot={}, logic_flow_snapshot=flow
    )
    client.force_login(me)

    assert client.get(f"/tests/{test.pk}/").status_code == 404
    assert client.get("/tests/").status_code == 200


def test_the_code_page_opens_my_strategy_and_answers_404_for_anyone_elses(client, frontend_built):
    mine, theirs = _mine_and_theirs(client)

    page = client.get(f"/strategies/{mine.pk}/code/")
    missing = client.get(f"/strategies/{theirs.pk}/code/")
    unknown = client.get("/strategies/no-such-id/code/")

    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-instance-id="{mine.pk}"' in body
    assert 'data-strategy-name="Mine &lt;b&gt;"' in body
    assert f'data-editor-url="/strategies/{mine.pk}/edit/"' in body
    assert SCRIPT_TAG.findall(body) == [
        f"/static/app/{json.loads(frontend_built.read_text())['src/pages/code.tsx']['file']}"
    ]
    assert _csp(page)["style-src"] == ["'self'"]
    assert missing.status_code == 404
    assert "Theirs" not in missing.content.decode()
    assert unknown.status_code == 404
