"""Writes to market_datasets. A dataset is its row and its Parquet file together: an import writes both
or neither."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from typing import IO

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from engine.bars import COLUMNS, Bars, read_csv
from engine.errors import DataError, Problem
from strategy_builder.models import new_id

from .models import Dataset
from .selectors import dataset_cached_bars
from .storage import bars_from_columns, bars_to_parquet, read_bars

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def dataset_import_csv(
    *,
    file: str | IO,
    name: str,
    symbol: str,
    timeframe: str,
    user_id: str | None,
    source: str = "CSV upload",
    actor: str | None = None,
) -> Dataset:
    """Import a CSV of OHLCV bars. Raises DataError naming every bad line and field, or ValidationError
    for bad metadata; in either case nothing is stored."""
    # An upload Django has put in a temporary file is read from there rather than into memory.
    bars = read_csv(file.temporary_file_path() if hasattr(file, "temporary_file_path") else file)
    return dataset_create(
        bars=bars, name=name, symbol=symbol, timeframe=timeframe, user_id=user_id, source=source, actor=actor
    )


def dataset_create(
    *,
    bars: Bars,
    name: str,
    symbol: str,
    timeframe: str,
    user_id: str | None,
    source: str,
    actor: str | None = None,
) -> Dataset:
    """Store validated bars as a new dataset: the file first, then the row; the file is removed again if
    the row cannot be written."""
    if len(bars) == 0:
        raise DataError(Problem(code="no_bars", message="The data holds no bars."))
    data = bars_to_parquet(bars)
    dataset = Dataset(
        id=new_id(),
        name=name,
        symbol=symbol,
        timeframe=timeframe,
        source=source,
        bar_count=len(bars),
        first_timestamp=_as_datetime(bars.timestamp[0]),
        last_timestamp=_as_datetime(bars.timestamp[-1]),
        checksum=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
        user_id=user_id,
        created_by=actor,
        updated_by=actor,
    )
    dataset.full_clean(exclude=["file"])
    dataset.file.name = default_storage.save(f"datasets/{dataset.id}.parquet", ContentFile(data))
    try:
        with transaction.atomic():
            dataset.save(force_insert=True)
    except BaseException:
        default_storage.delete(dataset.file.name)
        raise
    logger.info("Imported dataset %s: %s %s, %d bars", dataset.id, symbol, timeframe, len(bars))
    return dataset


def dataset_delete(*, dataset: Dataset, actor: str | None = None) -> None:
    """Soft-delete: the dataset disappears from lists and cannot be chosen for new tests; its file stays
    for the record of the tests already run on it."""
    dataset.soft_delete(by=actor)


def dataset_load_bars(
    dataset: Dataset, *, start: datetime | None = None, end: datetime | None = None, cached: bool = False
) -> Bars:
    """The dataset's bars with timestamps in [start, end] (either bound optional), in arrays of their own.
    `cached`: copied from this process's cache of the file (selectors.dataset_cached_bars) rather than read
    from the file, for work that reads the same dataset again and again (a sweep's chunks)."""
    if cached:
        whole = dataset_cached_bars(dataset)
        lo, hi = _bounds(whole.timestamp, start, end)
        return Bars(*(getattr(whole, name)[lo:hi].copy() for name in COLUMNS))
    bars = bars_from_columns(read_bars(default_storage, dataset.file.name))
    lo, hi = _bounds(bars.timestamp, start, end)
    return bars if (lo, hi) == (0, len(bars)) else bars.slice(lo, hi)


def dataset_count_bars(dataset: Dataset, *, start: datetime | None = None, end: datetime | None = None) -> int:
    """How many bars fall in [start, end], reading only the timestamp column."""
    if (start and start > dataset.last_timestamp) or (end and end < dataset.first_timestamp):
        return 0
    timestamps = read_bars(default_storage, dataset.file.name, columns=("timestamp",))["timestamp"]
    lo, hi = _bounds(timestamps, start, end)
    return hi - lo


def _bounds(timestamps: np.ndarray, start: datetime | None, end: datetime | None) -> tuple[int, int]:
    lo = 0 if start is None else int(np.searchsorted(timestamps, _as_ns(start), side="left"))
    hi = len(timestamps) if end is None else int(np.searchsorted(timestamps, _as_ns(end), side="right"))
    return lo, max(lo, hi)


def _as_ns(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValidationError(f"{moment.isoformat()} has no time zone.")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _as_datetime(ns: np.int64) -> datetime:
    return _EPOCH + timedelta(microseconds=int(ns) // 1_000)
