"""Reading a test's trades file (quicktests.results.load_trades), which the process keeps for the next page."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from quicktests.results import load_trades, trades_parquet

ROWS = [
    {"entry_bar": 3, "exit_bar": 9, "side": "long", "pnl": 12.5, "exit_reason": "signal"},
    {"entry_bar": 12, "exit_bar": 15, "side": "short", "pnl": -4.25, "exit_reason": "stop_loss"},
]


@pytest.fixture
def stored():
    name = default_storage.save(f"quicktests/{uuid.uuid4()}/trades.parquet", ContentFile(trades_parquet(ROWS)))
    yield {"trades_file": name}
    if default_storage.exists(name):
        default_storage.delete(name)


def test_the_trades_read_again_are_the_same_and_a_callers_list_is_its_own(stored):
    first = load_trades(stored)
    first.pop()

    assert load_trades(stored) == ROWS
    assert load_trades(stored) is not load_trades(stored)


def test_a_file_gone_from_storage_is_missed_even_after_it_was_read(stored):
    assert load_trades(stored) == ROWS
    default_storage.delete(stored["trades_file"])

    with pytest.raises(FileNotFoundError):
        load_trades(stored)


def test_a_test_without_a_trades_file_has_no_trades():
    assert load_trades(None) == []
    assert load_trades({"equity_curve": {}}) == []
