"""Reads of market_datasets. A user sees their own datasets and the shared ones."""

from __future__ import annotations

import re

import numpy as np
from django.db.models import Q, QuerySet
from django.http import Http404

from engine.bars import Bars

from .models import Dataset


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
