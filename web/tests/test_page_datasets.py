"""The datasets page as Django serves it: sign-in first, the shell with the timeframes the API accepts."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from marketdata.choices import Timeframe
from web.views import CHART_STYLE_SHA256

pytestmark = pytest.mark.django_db


def test_the_datasets_page_asks_for_sign_in_first(client):
    response = client.get("/datasets/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/datasets/"


@override_settings(DATASET_UPLOAD_MAX_BYTES=5_000_000)
def test_the_datasets_page_mounts_its_entry_with_the_timeframes_and_the_upload_limit(client, frontend_built):
    client.force_login(get_user_model().objects.create_user("trader", password="a-long-password"))
    entry = json.loads(frontend_built.read_text())["src/pages/datasets.tsx"]

    response = client.get("/datasets/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'src="/static/app/{entry["file"]}"' in page
    timeframes = re.search(r'<script id="timeframes" type="application/json">(.*?)</script>', page)
    assert timeframes, "the timeframes are not in the page"
    assert json.loads(timeframes.group(1)) == [{"value": v, "label": label} for v, label in Timeframe.choices]
    assert json.loads(timeframes.group(1))[0] == {"value": "1m", "label": "1 minute"}
    assert 'data-max-upload-bytes="5000000"' in page
    assert '<a href="/datasets/" aria-current="page">Datasets</a>' in page
    # The candle preview's chart may add its one attribution style, and nothing else inline.
    assert f"'{CHART_STYLE_SHA256}'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", page)


def test_every_page_links_to_the_datasets_between_tests_and_the_api(client):
    client.force_login(get_user_model().objects.create_user("trader", password="a-long-password"))

    page = client.get("/strategies/").content.decode()

    nav = re.search(r'<nav class="topnav" aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    assert re.findall(r">([A-Za-z]+)</a>", nav) == ["Strategies", "Tests", "Datasets", "API"]
