import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from marketdata.models import Dataset

from .factories import DatasetFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/datasets/"
CSV = b"timestamp,open,high,low,close,volume\n2024-01-02,100,101,99,100.5,1000\n2024-01-03,100.5,102,100,101.5,1200\n"


@pytest.fixture
def trader():
    return UserFactory()


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def _upload(client, data: bytes = CSV, **fields):
    file = io.BytesIO(data)
    file.name = "bars.csv"
    body = {"file": file, "name": "My bars", "symbol": "ACME", "timeframe": "1d"} | fields
    return client.post(URL, body, format="multipart")


def test_upload_creates_a_private_dataset(client, trader):
    response = _upload(client)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["bar_count"], body["shared"], body["symbol"]) == (2, False, "ACME")
    assert Dataset.objects.get(pk=body["id"]).user_id == str(trader.pk)


def test_a_bad_csv_is_a_400_naming_line_and_field_and_stores_nothing(client, media_root):
    response = _upload(client, b"timestamp,open,high,low,close,volume\n2024-01-02,100,99,101,100,1\n")

    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert {"line": 2, "field": "high"}.items() <= problems[0].items()
    assert not Dataset.all_objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_only_staff_upload_shared_datasets(client):
    response = _upload(client, shared=True)

    assert response.status_code == 403
    assert not Dataset.all_objects.exists()


def test_list_shows_own_and_shared_never_another_users(client, trader):
    own, shared = DatasetFactory(user_id=str(trader.pk)), DatasetFactory()
    theirs = DatasetFactory(user_id="someone-else")

    listed = {row["id"] for row in client.get(URL).json()["results"]}

    assert listed == {own.pk, shared.pk}
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 404


def test_users_delete_their_own_datasets_not_shared_ones(client, trader):
    own, shared = DatasetFactory(user_id=str(trader.pk)), DatasetFactory()

    assert client.delete(f"{URL}{own.pk}/").status_code == 204
    assert client.delete(f"{URL}{shared.pk}/").status_code == 403
    assert list(Dataset.objects.values_list("pk", flat=True)) == [shared.pk]


def test_import_bars_command_imports_a_shared_dataset(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_bytes(CSV)

    call_command("import_bars", str(path), "--symbol", "ACME", "--timeframe", "1d", "--shared", stdout=io.StringIO())

    dataset = Dataset.objects.get()
    assert (dataset.symbol, dataset.bar_count, dataset.user_id) == ("ACME", 2, None)


def test_import_bars_command_lists_every_bad_line(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_bytes(b"timestamp,open,high,low,close,volume\n2024-01-02,-1,2,1,1.5,1\n2024-01-01,1,2,1,1.5,1\n")

    with pytest.raises(CommandError) as raised:
        call_command("import_bars", str(path), "--symbol", "X", "--timeframe", "1d", "--shared")

    assert "line 2, field open" in str(raised.value) and "line 3, field timestamp" in str(raised.value)
    assert not Dataset.all_objects.exists()


def test_load_demo_datasets_loads_real_daily_and_hourly_data_once():
    call_command("load_demo_datasets", "--skip-generated", stdout=io.StringIO())
    call_command("load_demo_datasets", "--skip-generated", stdout=io.StringIO())

    loaded = {d.symbol: d for d in Dataset.objects.all()}
    assert set(loaded) == {"GOOG", "EURUSD"}
    assert (loaded["GOOG"].timeframe, loaded["GOOG"].bar_count) == ("1d", 2148)
    assert (loaded["EURUSD"].timeframe, loaded["EURUSD"].bar_count) == ("1h", 5000)
    assert loaded["GOOG"].user_id is None
