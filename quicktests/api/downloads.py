"""What the quick-test downloads need: a COMPLETED test's trades and whole result (409 for any other), the
trade list as CSV, and the files' names."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from rest_framework import renderers, status

from quicktests import selectors
from quicktests.choices import QuickTestStatus
from quicktests.models import QuickTest
from quicktests.retention import ArchivedResultMissing, quicktest_result
from strategy_builder.api.exceptions import ApiError

from .serializers import TradeSerializer


class NotCompleted(ApiError):
    """Only a COMPLETED test has a result to download."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "not_completed"


class ResultMissing(ApiError):
    """The result or trades file of a COMPLETED test is no longer in storage."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "result_missing"


def completed_trades(quicktest: QuickTest) -> list[dict[str, Any]]:
    """Every trade of a COMPLETED test; NotCompleted for any other, ResultMissing when its file is gone."""
    _require_completed(quicktest)
    try:
        return selectors.quicktest_trades(quicktest=quicktest)
    except FileNotFoundError as exc:
        name = (quicktest.test_result or {}).get("trades_file")
        raise ResultMissing(f"The trades of quick test {quicktest.pk} ({name}) are no longer in storage.") from exc


def completed_result(quicktest: QuickTest) -> dict[str, Any]:
    """A COMPLETED test's whole result, from the row or its archive, with every trade under `trades`."""
    _require_completed(quicktest)
    try:
        result = dict(quicktest_result(quicktest) or {})
    except ArchivedResultMissing as exc:
        raise ResultMissing(str(exc)) from exc
    result.pop("trades_file", None)
    return result | {"trades": completed_trades(quicktest)}


def _require_completed(quicktest: QuickTest) -> None:
    if quicktest.status != QuickTestStatus.COMPLETED:
        raise NotCompleted(
            f"Quick test {quicktest.pk} is {quicktest.status}: only a COMPLETED test has a result to download."
        )


class TradesCSVRenderer(renderers.BaseRenderer):
    """A list of trades as CSV: the trade list's columns (TradeSerializer's), then any further ones the
    stored trades carry, one trade a line. Errors are answered as JSON (see QuickTestViewSet.handle_exception)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, list):
            return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)
        columns = list(TradeSerializer().fields)
        columns += [key for key in dict.fromkeys(key for trade in data for key in trade) if key not in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
        return buffer.getvalue().encode()


def download_filename(quicktest: QuickTest, suffix: str) -> str:
    """ "<test name>_<first 8 characters of the id>_<suffix>", in characters every file system takes."""
    stem = re.sub(r"[^A-Za-z0-9.]+", "-", quicktest.test_name or "").strip("-.")[:80] or "quick-test"
    return f"{stem}_{str(quicktest.pk)[:8]}_{suffix}"
