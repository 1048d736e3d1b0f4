import io

import pytest
from django.contrib.auth import get_user_model

from marketdata.models import Dataset

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/marketdata/dataset/add/"


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("admin", password="a-long-admin-password")
    client.force_login(admin)
    return client


def _csv(data: bytes):
    file = io.BytesIO(data)
    file.name = "bars.csv"
    return file


def test_staff_upload_a_shared_dataset_through_the_admin_form(staff_client):
    csv = _csv(b"timestamp,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-03,1.5,2,1,1.8,12\n")

    response = staff_client.post(
        ADD_URL, {"csv_file": csv, "name": "Uploaded", "symbol": "ACME", "timeframe": "1d", "shared": "on"}
    )

    dataset = Dataset.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{dataset.pk}/change/")
    assert (dataset.bar_count, dataset.user_id) == (2, None)


def test_a_bad_file_shows_each_line_and_stores_nothing(staff_client):
    csv = _csv(b"timestamp,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n")

    response = staff_client.post(ADD_URL, {"csv_file": csv, "name": "Bad", "symbol": "ACME", "timeframe": "1d"})

    assert response.status_code == 200
    assert "line 3, field timestamp" in response.content.decode()
    assert not Dataset.all_objects.exists()
