import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from engine.bars import write_csv
from engine.errors import DataError
from engine.synthetic import generate_bars
from marketdata.models import Dataset
from marketdata.services import (
    dataset_count_bars,
    dataset_create,
    dataset_delete,
    dataset_import_csv,
    dataset_load_bars,
)

from .factories import DatasetFactory

pytestmark = pytest.mark.django_db

GOOD_CSV = b"""timestamp,open,high,low,close,volume
2024-01-02,100,101,99,100.5,1000
2024-01-03,100.5,102,100,101.5,1200
2024-01-04,101.5,103,101,102,900
"""


def _import(data: bytes, **kwargs) -> Dataset:
    defaults = {"name": "Test", "symbol": "TEST", "timeframe": "1d", "user_id": "1"}
    return dataset_import_csv(file=io.BytesIO(data), **(defaults | kwargs))


def _stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def test_import_stores_the_bars_and_describes_them():
    dataset = _import(GOOD_CSV)

    assert dataset.bar_count == 3
    assert dataset.first_timestamp == datetime(2024, 1, 2, tzinfo=UTC)
    assert dataset.last_timestamp == datetime(2024, 1, 4, tzinfo=UTC)
    with default_storage.open(dataset.file.name, "rb") as stored:
        data = stored.read()
    assert dataset.checksum == hashlib.sha256(data).hexdigest()
    assert dataset.file_size == len(data)
    bars = dataset_load_bars(Dataset.objects.get(pk=dataset.pk))
    assert bars.close.tolist() == [100.5, 101.5, 102.0]
    assert bars.timestamp.dtype == np.int64


def test_loading_round_trips_every_column_exactly():
    original = generate_bars(2_000, seed=3)
    dataset = dataset_create(bars=original, name="x", symbol="X", timeframe="1m", user_id=None, source="test")

    loaded = dataset_load_bars(dataset)

    for column in ("timestamp", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(loaded, column), getattr(original, column))


def test_loading_a_date_range_returns_only_bars_inside_it_inclusive():
    dataset = DatasetFactory(bar_count=100)  # minute bars from 2020-01-01 00:00 UTC
    start, end = datetime(2020, 1, 1, 0, 10, tzinfo=UTC), datetime(2020, 1, 1, 0, 19, tzinfo=UTC)

    bars = dataset_load_bars(dataset, start=start, end=end)

    assert len(bars) == 10
    assert bars.timestamp[0] == np.datetime64("2020-01-01T00:10", "ns").astype(np.int64)
    assert dataset_count_bars(dataset, start=start, end=end) == 10
    assert dataset_count_bars(dataset, start=datetime(2021, 1, 1, tzinfo=UTC)) == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, None), (datetime(2020, 1, 1, 0, 10, tzinfo=UTC), datetime(2020, 1, 1, 0, 19, tzinfo=UTC))],
)
def test_loading_from_the_cache_gives_the_same_bars_in_arrays_of_their_own(start, end):
    dataset = DatasetFactory(bar_count=100)
    read = dataset_load_bars(dataset, start=start, end=end)

    first = dataset_load_bars(dataset, start=start, end=end, cached=True)
    first.close[0] = -1.0  # the caller's to change: the cache and the next caller do not see it
    second = dataset_load_bars(dataset, start=start, end=end, cached=True)

    for column in ("timestamp", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(second, column), getattr(read, column))
    assert first.close[0] == -1.0 and second.close[0] == read.close[0]
    assert all(getattr(second, column).flags.writeable for column in ("timestamp", "close"))


@pytest.mark.parametrize(
    ("csv", "line", "field"),
    [
        (b"timestamp,open,high,low,close\n2024-01-02,1,2,0.5,1.5\n", 1, "volume"),
        (
            b"timestamp,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\nnot a date,1,2,0.5,1.5,10\n",
            3,
            "timestamp",
        ),
        (
            b"timestamp,open,high,low,close,volume\n2024-01-03,1,2,0.5,1.5,10\n2024-01-02,1,2,0.5,1.5,10\n",
            3,
            "timestamp",
        ),
        (b"timestamp,open,high,low,close,volume\n2024-01-02,-1,2,0.5,1.5,10\n", 2, "open"),
        (b"timestamp,open,high,low,close,volume\n2024-01-02,1,0.4,0.5,0.45,10\n", 2, "high"),
        (b"timestamp,open,high,low,close,volume\n2024-01-02,1,2,0.5,NaN,10\n", 2, "close"),
    ],
    ids=[
        "missing column",
        "unparsable timestamp",
        "non-increasing timestamp",
        "negative price",
        "high below low",
        "NaN",
    ],
)
def test_a_bad_csv_is_refused_naming_line_and_field_and_nothing_is_stored(media_root, csv, line, field):
    with pytest.raises(DataError) as raised:
        _import(csv)

    problems = raised.value.as_dicts()
    assert any(p.get("field") == field and p.get("line") == line for p in problems), problems
    assert not Dataset.all_objects.exists()
    assert _stored_files(media_root) == []


def test_every_bad_line_is_reported_at_once():
    csv = b"timestamp,open,high,low,close,volume\n2024-01-02,-1,2,0.5,1.5,10\n2024-01-03,1,2,0.5,1.5,10\n2024-01-04,1,2,0.5,x,10\n"

    with pytest.raises(DataError) as raised:
        _import(csv)

    assert {(p.line, p.field) for p in raised.value.problems} >= {(2, "open"), (4, "close")}


def test_bad_metadata_stores_nothing(media_root):
    with pytest.raises(ValidationError) as raised:
        _import(GOOD_CSV, timeframe="7 fortnights")

    assert "timeframe" in raised.value.message_dict
    assert _stored_files(media_root) == []


def test_the_file_is_removed_when_the_row_cannot_be_written(media_root, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Dataset, "save", fail)
    with pytest.raises(RuntimeError):
        _import(GOOD_CSV)

    assert _stored_files(media_root) == []


def test_delete_hides_the_dataset_but_keeps_its_file():
    dataset = DatasetFactory()

    dataset_delete(dataset=dataset, actor="someone")

    assert not Dataset.objects.filter(pk=dataset.pk).exists()
    assert Dataset.all_objects.get(pk=dataset.pk).deleted_at is not None
    assert default_storage.exists(dataset.file.name)


def test_write_csv_output_imports_back_unchanged():
    original = generate_bars(300, seed=11)
    buffer = io.BytesIO()
    write_csv(original, buffer)

    dataset = _import(buffer.getvalue(), timeframe="1m")

    np.testing.assert_array_equal(dataset_load_bars(dataset).close, original.close)
