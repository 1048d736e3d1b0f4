import pytest
from django.core.management import call_command

from engine.library import load_system_templates


@pytest.mark.django_db
def test_the_home_page_links_the_api_docs_and_the_admin_and_counts_the_library(client):
    call_command("seed_node_templates", verbosity=0)

    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    for href in ('href="/api/docs/"', 'href="/api/redoc/"', 'href="/api/schema/"', 'href="/admin/"'):
        assert href in page
    assert f"{len(load_system_templates())} node templates in the library" in page
    assert "/static/css/site.css" in page
