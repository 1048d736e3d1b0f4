"""Attacks from corpus_urls: whatever an API client sends to /api/, it gets the error shape back."""

from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model

from strategy_builder.tests.test_api_errors import error_of

from .corpus_urls import DOCS_PAGES, INSTANCES, UNKNOWN_URLS, WRITE_METHODS, WRONG_METHODS


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("method", "url"), UNKNOWN_URLS, ids=lambda value: str(value)[:60])
def test_every_unknown_api_url_answers_404_in_the_shape_with_or_without_debug(settings, client, debug, method, url):
    settings.DEBUG = debug  # with DEBUG on, Django answers the resolver's 404 with its HTML technical page

    response = getattr(client, method)(url, HTTP_ACCEPT="application/json")

    assert response["Content-Type"].startswith("application/json")
    error = error_of(response)
    assert (error["status"], error["code"]) == (404, "not_found")
    shown = unquote(url) if len(url) <= 200 else unquote(url)[:200] + "..."
    assert error["message"] == f"No API endpoint at {shown}."


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("method", "url"), WRONG_METHODS)
def test_a_wrong_method_on_any_api_url_answers_405_in_the_shape(settings, client, debug, method, url):
    settings.DEBUG = debug
    client.force_login(get_user_model().objects.create(username="alice"))

    response = getattr(client, method)(url, HTTP_ACCEPT="application/json")

    error = error_of(response)
    assert (error["status"], error["code"]) == (405, "method_not_allowed")
    assert method.upper() not in response["Allow"].split(", ")


@pytest.mark.django_db
def test_a_debug_404_outside_the_api_is_still_djangos_page(settings, client):
    settings.DEBUG = True

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("url", DOCS_PAGES)
def test_a_wrong_method_on_the_docs_pages_answers_in_the_shape_to_a_json_client(settings, client, debug, url):
    settings.DEBUG = debug

    error = error_of(client.post(url, HTTP_ACCEPT="application/json"))

    assert error["status"] in (405, 406)


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("method", WRITE_METHODS)
def test_a_write_to_an_api_url_without_its_slash_is_redirected_keeping_its_method(settings, client, debug, method):
    settings.DEBUG = debug  # with DEBUG on, Django's slash redirect raises an error for a POST

    response = getattr(client, method)(f"{INSTANCES.rstrip('/')}?x=1", {"name": "x"}, content_type="application/json")

    assert (response.status_code, response["Location"]) == (308, f"{INSTANCES}?x=1")


@pytest.mark.django_db
def test_a_browser_still_gets_the_browsable_apis_html_error_page(client):
    response = client.get("/api/v1/strategy-instances/", HTTP_ACCEPT="text/html")

    assert (response.status_code, response["Content-Type"].split(";")[0]) == (401, "text/html")
