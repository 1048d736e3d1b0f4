"""How a finished backtest is stored: headline metrics in `metrics_summary`; curves (downsampled by the
engine), counts, warnings and the configuration in `test_result`; the trade list, which grows with the
data (thousands of trades on a long minute series), in a Parquet file beside the bar files, so a row stays
within the spec's ~50 KB budget whatever the test. `test_result["trades_file"]` names that file."""

from __future__ import annotations

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
    """The test's trades in the order they closed ([] for a test without a result)."""
    name = (test_result or {}).get("trades_file")
    if not name:
        return []
    with default_storage.open(name, "rb") as file:
        return pq.read_table(file).to_pylist()


def trades_parquet(trades: list[dict[str, Any]]) -> bytes:
    """The trades file's content: one row per trade, zstd-compressed Parquet."""
    buffer = io.BytesIO()
    table = pa.Table.from_pylist(trades) if trades else pa.table({})
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _write_trades(quicktest_id: str, trades: list[dict[str, Any]]) -> str:
    name = f"quicktests/{quicktest_id}/trades.parquet"
    return default_storage.save(name, ContentFile(trades_parquet(trades)))
