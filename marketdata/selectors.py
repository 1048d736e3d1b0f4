"""Reads of market_datasets. A user sees their own datasets and the shared ones."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from datetime import UTC, datetime

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.http import Http404

from engine.bars import COLUMNS, Bars

from .candles import Candles, candles
from .models import Dataset
from .storage import bars_from_columns, read_bars


def dataset_list(*, user) -> QuerySet[Dataset]:
    """The user's datasets and the shared ones (served by ix_dataset_user_created)."""
    return Dataset.objects.filter(Q(user_id=str(user.pk)) | Q(user_id__isnull=True))


def dataset_get(*, user, dataset_id: str) -> Dataset:
    """A dataset the user may use; anything else, another user's included, is 404."""
    try:
        return dataset_list(user=user).get(pk=dataset_id)
    except (Dataset.DoesNotExist, ValueError) as exc:
        raise Http404(f"No dataset {dataset_id!r}.") from exc


def dataset_csv_filename(dataset: Dataset, bars: Bars) -> str:
    """The download's file name: symbol, timeframe and the dates of the first and last bar it holds
    ("EUR-USD_1h_20240101-20240630.csv"), in characters every file system takes."""
    first, last = (_day(ns) for ns in (bars.timestamp[0], bars.timestamp[-1]))
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", f"{dataset.symbol}").strip("-.") or "bars"
    timeframe = re.sub(r"[^A-Za-z0-9]+", "", dataset.timeframe)
    return f"{stem}_{timeframe}_{first}-{last}.csv"


def _day(ns) -> str:
    return str(np.datetime64(int(ns), "ns").astype("datetime64[D]")).replace("-", "")


# Bars kept in this process for reads that come again and again (a chart pans and zooms over the same
# dataset): keyed by the file's name and the SHA-256 its row records, so a file stored anew is read anew;
# bounded in bytes (a million bars take 48 MB), least recently used first out, the newest always kept.
_CACHE_MAX_BYTES = 192 * 2**20


class _BarsCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], Bars] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, dataset: Dataset) -> Bars:
        key = (dataset.file.name, dataset.checksum)
        with self._lock:
            if (bars := self._entries.get(key)) is not None:
                self._entries.move_to_end(key)
                return bars
        bars = bars_from_columns(read_bars(default_storage, dataset.file.name))
        for name in COLUMNS:
            getattr(bars, name).setflags(write=False)  # shared by every request: nobody may change them
        with self._lock:
            self._entries[key] = bars
            while len(self._entries) > 1 and sum(map(_size, self._entries.values())) > self.max_bytes:
                self._entries.popitem(last=False)
        return bars

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _size(bars: Bars) -> int:
    return sum(getattr(bars, name).nbytes for name in COLUMNS)


bars_cache = _BarsCache(_CACHE_MAX_BYTES)


def dataset_cached_bars(dataset: Dataset) -> Bars:
    """All the dataset's bars, read-only, from this process's memory when it has read them before.
    For reads only: the engine's runs use `services.dataset_load_bars`, whose arrays are their own."""
    return bars_cache.get(dataset)


def dataset_candles(
    *, dataset: Dataset, start: datetime | None, end: datetime | None, max_points: int
) -> tuple[Candles, Bars]:
    """The candles of the bars from `start` to `end` (see marketdata.candles) and those bars. A bound past
    the data is refused naming it and what the dataset covers; a range inside the data without a bar (a
    gap) has no candles."""
    covers = f"the dataset covers {_moment(dataset.first_timestamp)} to {_moment(dataset.last_timestamp)}"
    if start is not None and start > dataset.last_timestamp:
        raise ValidationError(
            {"start": ValidationError(f"start is after the last bar; {covers}.", code="out_of_range")}
        )
    if end is not None and end < dataset.first_timestamp:
        raise ValidationError({"end": ValidationError(f"end is before the first bar; {covers}.", code="out_of_range")})
    bars = dataset_cached_bars(dataset)
    # Bounds beyond the stored first and last bar select from the ends (and may lie outside what int64 ns holds).
    lo = 0 if start is None or start <= dataset.first_timestamp else int(np.searchsorted(bars.timestamp, _ns(start)))
    hi = (
        len(bars)
        if end is None or end >= dataset.last_timestamp
        else int(np.searchsorted(bars.timestamp, _ns(end), side="right"))
    )
    selected = bars.slice(lo, max(lo, hi))
    return candles(selected, max_points=max_points), selected


def _ns(moment: datetime) -> int:
    return int(np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "ns").astype(np.int64))


def _moment(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
