"""The hostile CSV corpus against `POST /api/v1/datasets/` (and `import_bars`, which reads from disk): never
a 5xx, every refusal a small 400 that names a line or a field, and nothing stored after one."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from marketdata.models import Dataset

from .corpus_csv import CORPUS, HostileCsv

pytestmark = pytest.mark.django_db

URL = "/api/v1/datasets/"
MAX_ERROR_BYTES = 64 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def client():
    api = APIClient()
    api.force_authenticate(get_user_model().objects.create_user("mallory", password="a-long-password-1"))
    return api


def _upload(client, data: bytes):
    file = io.BytesIO(data)
    file.name = "bars.csv"
    return client.post(URL, {"name": "Hostile", "symbol": "EVIL", "timeframe": "1d", "file": file}, format="multipart")


def _nothing_stored(media_root) -> bool:
    return not Dataset.all_objects.exists() and not [p for p in media_root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
def test_a_hostile_csv_upload_is_imported_or_refused_with_a_small_400_naming_where(
    client, media_root, case: HostileCsv
):
    response = _upload(client, case.data())

    assert response.status_code < 500, response.content[:2000]
    if case.accepted:
        assert response.status_code == 201, response.json()
        assert Dataset.objects.get().bar_count >= 1
        return
    assert response.status_code == 400, response.content[:2000]
    assert len(response.content) < MAX_ERROR_BYTES
    problems = response.json()["error"]["problems"]
    located = [p for p in problems if p["code"] != "too_many_problems"]
    assert located and all("line" in p or "field" in p for p in located), problems
    assert len(problems) <= 101
    first = located[0]
    assert first.get("line") == case.line, problems
    if case.field:
        assert first.get("field") == case.field, problems
    assert _nothing_stored(media_root)


@pytest.mark.parametrize("case", [c for c in CORPUS if not c.large], ids=lambda case: case.name)
def test_import_bars_reads_each_file_as_the_upload_does(tmp_path, media_root, case: HostileCsv):
    path = tmp_path / "bars.csv"
    path.write_bytes(case.data())
    command = ["import_bars", str(path), "--symbol", "EVIL", "--timeframe", "1d", "--shared"]

    if case.accepted:
        call_command(*command, stdout=io.StringIO())
        assert Dataset.objects.get().bar_count >= 1
    else:
        with pytest.raises(CommandError, match=f"line {case.line}" if case.line else "was not imported"):
            call_command(*command, stdout=io.StringIO())
        assert _nothing_stored(media_root)


def test_an_upload_over_the_size_limit_is_a_small_413_and_nothing_is_stored(client, settings, media_root):
    settings.DATASET_UPLOAD_MAX_BYTES = 1_000_000
    data = CORPUS[0].data() + b"2030-01-01T00:00:00Z,1,1,1,1,1\n" * 40_000  # about 1.2 MB

    response = _upload(client, data)

    assert response.status_code == 413
    assert len(response.content) < MAX_ERROR_BYTES
    assert "1,000,000 bytes" in response.json()["error"]["message"]
    assert _nothing_stored(media_root)
