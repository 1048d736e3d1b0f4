import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_generates_without_warnings_or_errors(tmp_path):
    # --fail-on-warn turns every warning (an unresolvable serializer, a clashing enum name) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    schema = (tmp_path / "schema.yaml").read_text()
    for path in ("/api/v1/strategy-instances/{id}/", "/api/v1/strategy-templates/", "/api/v1/auth/token/"):
        assert f"{path}:" in schema


@pytest.mark.django_db
def test_the_schema_is_served_and_documents_the_error_shape(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    components = response.json()["components"]["schemas"]
    assert set(components["Error"]["properties"]) == {"status", "code", "message", "problems"}
    assert set(components["ErrorResponse"]["properties"]) == {"error"}


@pytest.mark.django_db
def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert urls, "the page references no assets at all"
    assert not [u for u in urls if re.match(r"^(https?:)?//", u)], f"remote URLs in the docs page: {urls}"
    assert not re.search(r"https?://", html), "the docs page mentions a remote URL"
    static = [u.removeprefix("/static/") for u in urls if u.startswith("/static/")]
    assert any(u.endswith("swagger-ui-bundle.js") for u in static)
    assert all(finders.find(u) for u in static), "a static asset the page references is missing"
