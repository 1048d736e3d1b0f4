"""Bars on disk: one Parquet file per dataset, read and written through Django's storage API so that any
worker, on any machine, reads the same file (a shared disk, S3 ...)."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.core.files.storage import Storage

from engine.bars import FIELDS, Bars

# Uncompressed, dictionary-free float columns read straight into numpy: a million bars load in a few
# tens of milliseconds, which matters more here than the file size.
_SCHEMA = pa.schema(
    [pa.field("timestamp", pa.timestamp("ns", tz="UTC"), nullable=False)]
    + [pa.field(name, pa.float64(), nullable=False) for name in FIELDS]
)


def bars_to_parquet(bars: Bars) -> bytes:
    table = pa.Table.from_arrays(
        [pa.array(bars.timestamp.astype("datetime64[ns]"), type=_SCHEMA.field("timestamp").type)]
        + [pa.array(bars.field(name), type=pa.float64()) for name in FIELDS],
        schema=_SCHEMA,
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none", use_dictionary=False, write_statistics=["timestamp"])
    return buffer.getvalue()


def read_bars(storage: Storage, name: str, *, columns: tuple[str, ...] = ("timestamp", *FIELDS)) -> dict:
    """The named columns of a stored file as contiguous numpy arrays (timestamps as int64 ns)."""
    with storage.open(name, "rb") as file:
        table = pq.read_table(file, columns=list(columns), use_threads=True)
    arrays = {}
    for column in columns:
        values = table.column(column).combine_chunks()
        if column == "timestamp":
            values = values.cast(pa.int64())
        arrays[column] = np.ascontiguousarray(values.to_numpy(zero_copy_only=False))
    return arrays


def bars_from_columns(arrays: dict) -> Bars:
    return Bars(timestamp=arrays["timestamp"], **{name: arrays[name] for name in FIELDS})
