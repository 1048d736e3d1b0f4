"""How a finished backtest is stored: headline metrics in `metrics_summary`; curves (downsampled by the
engine), counts, warnings and the configuration in `test_result`; the trade list, which grows with the
data (thousands of trades on a long minute series), in a Parquet file beside the bar files, so a row stays
within the spec's ~50 KB budget whatever the test. `test_result["trades_file"]` names that file."""

from __future__ import annotations

import functools
import io
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from engine.backtest import BacktestResult

# Curves are for charts: cents of equity and hundredths of a basis point of drawdown are plenty.
_ROUNDING = {"equity": 2, "drawdown_pct": 4}
# Returns by month and year, for a heatmap: hundredths of a basis point too (decades of months stay a few KB).
_RETURNS_DECIMALS = 4


def stored_result(quicktest_id: str, result: BacktestResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the trades file and return (`test_result`, `metrics_summary`) for the row."""
    details = result.to_dict()
    metrics = details.pop("metrics")
    trades = details.pop("trades")
    for curve in ("equity_curve", "drawdown_curve"):
        details[curve] = {
            key: [round(v, _ROUNDING[key]) for v in values] if key in _ROUNDING else values
            for key, values in details[curve].items()
        }
    returns = details["returns"]
    details["returns"] = {
        "years": returns["years"],
        "yearly_pct": _rounded(returns["yearly_pct"]),
        "monthly_pct": [_rounded(months) for months in returns["monthly_pct"]],
    }
    details["trades_file"] = _write_trades(quicktest_id, trades)
    return details, metrics


def _rounded(values: list[float | None]) -> list[float | None]:
    return [None if value is None else round(value, _RETURNS_DECIMALS) for value in values]


def trades_file_delete(test_result: dict[str, Any] | None) -> None:
    name = (test_result or {}).get("trades_file")
    if name:
        default_storage.delete(name)


def load_trades(test_result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The test's trades in the order they closed ([] for a test without a result). The rows are shared
    with the process's cache: read them, do not change them."""
    name = (test_result or {}).get("trades_file")
    if not name:
        return []
    # The size is asked each time, so a file gone from storage is missed (FileNotFoundError) as before.
    return list(_trade_rows(name, default_storage.size(name)))


def load_trade_columns(
    test_result: dict[str, Any] | None, types: dict[str, pa.DataType], limit: int
) -> tuple[int, dict[str, list[Any]]]:
    """How many trades the test has, and the first `limit` of them column by column: each of `types`' columns
    cast to its type (a column the file lacks, as in files written before it existed, is all None)."""
    name = (test_result or {}).get("trades_file")
    table = _trade_table(name, default_storage.size(name)) if name else pa.table({})
    head = table.slice(0, limit)
    shown = min(limit, table.num_rows)  # not head.num_rows: a slice of a table without columns has `limit`
    columns = {
        field: head[field].cast(type_).to_pylist() if field in head.column_names else [None] * shown
        for field, type_ in types.items()
    }
    return table.num_rows, columns


@functools.lru_cache(maxsize=2)
def _trade_rows(name: str, size: int) -> tuple[dict[str, Any], ...]:
    """The rows of a trades file, kept for the next request: a report reads a test's trades page after page
    (500 a page, dozens of pages at a million bars), and turning the file into rows costs far more than a
    page (some 250 ms for 20,000 trades). A file's name is its test's and never rewritten; two are kept."""
    return tuple(_trade_table(name, size).to_pylist())


@functools.lru_cache(maxsize=2)
def _trade_table(name: str, size: int) -> pa.Table:
    """A trades file read, kept as _trade_rows' rows are (`trades-columns/` reads it whole each time)."""
    with default_storage.open(name, "rb") as file:
        return pq.read_table(file)


def trades_parquet(trades: list[dict[str, Any]]) -> bytes:
    """The trades file's content: one row per trade, zstd-compressed Parquet."""
    buffer = io.BytesIO()
    table = pa.Table.from_pylist(trades) if trades else pa.table({})
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _write_trades(quicktest_id: str, trades: list[dict[str, Any]]) -> str:
    name = f"quicktests/{quicktest_id}/trades.parquet"
    return default_storage.save(name, ContentFile(trades_parquet(trades)))
