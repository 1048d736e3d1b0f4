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


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def test_every_operation_documents_the_errors_it_can_answer_in_the_error_shape():
    schema = _schema()

    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        where = f"{method} {path}"
        expected = {"401"}
        if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
            expected.add("400")
        if "{id}" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
            expected.add("404")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            expected.add("403")
        assert expected <= set(responses), f"{where} documents {sorted(responses)}"
        for code, response in responses.items():
            if code >= "400":
                ref = response["content"]["application/json"]["schema"]["$ref"]
                error = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert error["properties"]["error"] == {"$ref": "#/components/schemas/Error"}, where


def test_the_trades_and_lists_document_their_pages_and_errors():
    paths = _schema()["paths"]

    trades = paths["/api/v1/quick-tests/{id}/trades/"]["get"]
    assert {"200", "400", "401", "404"} <= set(trades["responses"])
    assert trades["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("PaginatedTradeList")
    assert [p["name"] for p in trades["parameters"] if p["in"] == "query"] == ["page", "page_size"]
    page = next(p for p in paths["/api/v1/strategy-instances/"]["get"]["parameters"] if p["name"] == "page_size")
    assert (page["schema"]["minimum"], page["schema"]["maximum"]) == (1, 500)


def test_a_sessions_ui_metadata_may_be_null_and_its_stale_and_locked_errors_carry_their_extras():
    schema = _schema()
    components = schema["components"]["schemas"]

    assert components["BuilderSession"]["properties"]["draft_metadata"]["nullable"] is True
    assert set(components["StaleDraftError"]["properties"]) == {"error", "current"}
    assert set(components["SessionLockedError"]["properties"]) == {"error", "lock"}
    save = schema["paths"]["/api/v1/builder-sessions/{id}/save/"]["post"]["responses"]
    assert save["412"]["content"]["application/json"]["schema"]["$ref"].endswith("StaleDraftError")
    assert save["423"]["content"]["application/json"]["schema"]["$ref"].endswith("SessionLockedError")


def test_every_flow_in_the_api_is_documented_as_the_engines_logic_flow_format():
    from engine.flowformat import flow_json_schema
    from strategy_builder.api.schema import flow_components

    components = _schema()["components"]["schemas"]
    flow = {"$ref": "#/components/schemas/LogicFlow"}

    documented, derived = components["LogicFlow"], flow_components()["LogicFlow"]
    # drf-spectacular names the schema_version enum (SchemaVersionEnum); everything else is as derived.
    assert components[documented["properties"].pop("schema_version")["$ref"].rsplit("/", 1)[1]]["enum"] == [1]
    derived["properties"].pop("schema_version")
    assert documented == derived
    assert set(flow_json_schema()["$defs"]) <= set(components)
    assert components["FlowNode"]["properties"]["params"]["additionalProperties"]["anyOf"][0] == {
        "$ref": "#/components/schemas/ParamBinding"
    }
    for component, field in [
        ("StrategyInputRequest", "logic_flow"),
        ("StrategyTemplateOutput", "logic_flow"),
        ("StrategyInstanceOutput", "logic_flow"),
        ("SessionStartRequest", "draft_logic_flow"),
        ("SessionSaveRequest", "draft_logic_flow"),
        ("BuilderSession", "draft_logic_flow"),
        ("QuickTestDetail", "logic_flow_snapshot"),
        ("CodeGenerationDetail", "logic_flow_snapshot"),
    ]:
        documented = components[component]["properties"][field]
        assert flow in (documented, *documented.get("allOf", [])), f"{component}.{field}: {documented}"
