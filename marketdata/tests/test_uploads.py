"""Reading any CSV a user uploads, and the upload size limit: by the API, the admin form and import_bars."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadhandler import FileUploadHandler
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from marketdata.models import Dataset

from .factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/datasets/"
ADMIN_ADD_URL = "/admin/marketdata/dataset/add/"
ROWS = [
    "timestamp,open,high,low,close,volume",
    "2024-01-02,100,101,99,100.5,1000",
    "2024-01-03,100.5,102,100,101.5,1200",
]


class RecordingHandler(FileUploadHandler):
    """Stands in for the handlers that keep a file (in memory or on disk): records what reaches them."""

    received: list[bytes] = []

    def receive_data_chunk(self, raw_data, start):
        RecordingHandler.received.append(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def client():
    api = APIClient()
    api.force_authenticate(UserFactory())
    return api


@pytest.fixture
def small_limit(settings):
    """Uploads limited to 4 KB; a handler after the limit's records every byte of a file that gets past it."""
    settings.DATASET_UPLOAD_MAX_BYTES = 4096
    settings.FILE_UPLOAD_HANDLERS = [
        "marketdata.uploads.UploadLimitHandler",
        f"{__name__}.RecordingHandler",
        *settings.FILE_UPLOAD_HANDLERS[1:],
    ]
    RecordingHandler.received = []
    return 4096


def _file(data: bytes):
    file = io.BytesIO(data)
    file.name = "bars.csv"
    return file


def _upload(client, data: bytes):
    body = {"name": "My bars", "symbol": "ACME", "timeframe": "1d", "file": _file(data)}
    return client.post(URL, body, format="multipart")


def _stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"], ids=["cr-only", "crlf", "lf"])
def test_an_upload_with_any_line_endings_is_imported(client, ending):
    response = _upload(client, ending.join(ROWS).encode() + ending.encode())

    assert response.status_code == 201, response.json()
    assert response.json()["bar_count"] == 2


def test_a_cr_inside_the_header_is_a_400_naming_line_1(client, media_root):
    response = _upload(client, b"timestamp,open,high,low\r,close,volume\n" + ROWS[1].encode() + b"\n")

    assert response.status_code == 400
    assert {(p["line"], p["field"]) for p in response.json()["error"]["problems"]} == {(1, "close"), (1, "volume")}
    assert not Dataset.all_objects.exists() and not _stored_files(media_root)


def test_a_bad_value_after_a_quoted_cell_spanning_lines_is_reported_at_its_real_line(client):
    data = (
        b"timestamp,open,high,low,close,volume,note\r\n"
        b'2024-01-02,100,101,99,100.5,1000,"a note\r\nover\r\nthree lines"\r\n'
        b"2024-01-03,100.5,102,100,oops,1200,\r\n"
    )

    response = _upload(client, data)

    assert response.status_code == 400
    (problem,) = response.json()["error"]["problems"]
    assert (problem["line"], problem["field"], problem["code"]) == (5, "close", "not_a_number")


def test_an_upload_larger_than_the_limit_is_a_413_naming_it_and_nothing_of_it_is_kept(client, small_limit, media_root):
    data = ("\n".join(ROWS) + "\n").encode() * 200  # about 14 KB

    response = _upload(client, data)

    assert response.status_code == 413
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (413, "too_large")
    assert "4,096 bytes" in error["message"]
    assert error["problems"] == [{"code": "too_large", "message": error["message"], "field": "file"}]
    assert RecordingHandler.received == []  # no byte of the file went to memory or a temporary file
    assert not Dataset.all_objects.exists() and not _stored_files(media_root)


def test_an_upload_within_the_limit_passes_it(client, small_limit):
    response = _upload(client, ("\n".join(ROWS) + "\n").encode())

    assert response.status_code == 201, response.json()
    assert b"".join(RecordingHandler.received).startswith(b"timestamp,")


def test_a_large_upload_is_read_from_its_temporary_file(client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes to a temporary file
    rows = [ROWS[0]] + [f"{1_700_000_000 + 60 * i},100,101,99,100.5,1000" for i in range(10_000)]

    response = _upload(client, ("\r".join(rows) + "\r").encode())

    assert response.status_code == 201, response.json()
    assert response.json()["bar_count"] == 10_000


def test_the_admin_form_shows_an_upload_larger_than_the_limit_as_the_files_error(small_limit):
    browser = Client(enforce_csrf_checks=True)  # the CSRF token, sent before the file, is still read
    browser.force_login(get_user_model().objects.create_superuser("admin", password="a-long-admin-password"))
    token = str(browser.get(ADMIN_ADD_URL).context["csrf_token"])
    fields = {"csrfmiddlewaretoken": token, "name": "Kept", "symbol": "ACME", "timeframe": "1d"}
    fields["csv_file"] = _file(b"x" * 10_000)

    response = browser.post(ADMIN_ADD_URL, fields)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["csv_file"]
    assert "uploads are limited to 0.0 MB (4,096 bytes)" in form.errors["csv_file"][0]
    assert form.data["name"] == "Kept"  # the fields before the file are shown again
    assert RecordingHandler.received == []
    assert not Dataset.all_objects.exists()


def test_import_bars_reads_a_file_of_any_size_and_line_endings(tmp_path, small_limit):
    rows = [ROWS[0]] + [f"{1_700_000_000 + 60 * i},100,101,99,100.5,1000" for i in range(1_000)]
    path = tmp_path / "bars.csv"
    path.write_bytes(("\r".join(rows) + "\r").encode())  # larger than the upload limit, CR-only

    call_command("import_bars", str(path), "--symbol", "ACME", "--timeframe", "1m", "--shared", stdout=io.StringIO())

    assert Dataset.objects.get().bar_count == 1_000


def test_fields_beyond_djangos_size_limit_are_a_413(client):
    body = {"name": "x" * 3_000_000, "symbol": "ACME", "timeframe": "1d", "file": _file(b"a,b\n")}

    response = client.post(URL, body, format="multipart")

    assert response.status_code == 413
    assert "2,621,440 bytes" in response.json()["error"]["message"]


@pytest.mark.parametrize(("count", "code"), [(1_200, "too_many_fields"), (120, "too_many_files")])
def test_more_fields_or_files_than_django_parses_are_a_400(client, count, code):
    body = {f"field{i}": (_file(b"x") if code == "too_many_files" else "x") for i in range(count)}

    response = client.post(URL, body, format="multipart")

    assert response.status_code == 400
    assert [p["code"] for p in response.json()["error"]["problems"]] == [code]


def test_a_form_encoded_body_is_refused_unread(client):
    response = client.post(URL, "name=x", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
