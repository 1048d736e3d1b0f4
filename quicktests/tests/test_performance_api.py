"""The trader's figures through the API: the performance summary (all / long / short) and the monthly and yearly
returns in a test's result, each trade's run-up, drawdown and exit reason on the trades endpoint."""

import json

import numpy as np
import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from engine.backtest import run_signals
from engine.signals import StrategySignals
from engine.synthetic import generate_bars
from engine.tests.test_performance import LONG_1, LONG_2, SHORT, hand_run
from quicktests.models import QuickTest
from quicktests.results import stored_result, trades_parquet

from .factories import QuickTestFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/quick-tests/"


@pytest.fixture
def client(trader):
    api = APIClient()
    api.force_authenticate(trader)
    return api


def hand_built_test(trader) -> QuickTest:
    """A completed test whose result is the hand-built run of engine.tests.test_performance."""
    quicktest = QuickTestFactory(instance__user=trader, status="COMPLETED")
    test_result, metrics = stored_result(quicktest.pk, hand_run())
    QuickTest.objects.filter(pk=quicktest.pk).update(test_result=test_result, metrics_summary=metrics)
    return quicktest


def test_the_result_has_the_long_and_short_figures_worked_out_by_hand(client, trader):
    quicktest = hand_built_test(trader)

    result = client.get(f"{URL}{quicktest.pk}/").json()["result"]

    summary = result["performance_summary"]
    assert summary["all"]["gross_profit"] == pytest.approx(LONG_1)
    assert summary["all"]["gross_loss"] == pytest.approx(SHORT + LONG_2)
    assert summary["all"]["max_run_up"] == pytest.approx(1750.32)
    assert (summary["long"]["trades"], summary["short"]["trades"]) == (2, 1)
    assert summary["long"]["largest_loss"] == pytest.approx(LONG_2)
    assert summary["short"]["commission_paid"] == pytest.approx(10.89 + 11.286)
    assert summary["short"]["avg_win"] is None and summary["long"]["max_run_up"] is None
    assert result["returns"]["years"] == [2023, 2024]
    assert result["returns"]["monthly_pct"][0][11] == pytest.approx(2.871)


def test_trades_carry_run_up_drawdown_and_exit_reason(client, trader):
    quicktest = hand_built_test(trader)

    trades = client.get(f"{URL}{quicktest.pk}/trades/").json()["results"]

    assert [t["exit_reason"] for t in trades] == ["signal", "signal", "stop_loss"]
    assert [t["run_up"] for t in trades] == pytest.approx([99 * 11, 99 * 10, 91 * 2])
    assert [t["drawdown"] for t in trades] == pytest.approx([99 * -3, 99 * -5, 91 * -5.75])
    assert [t["run_up_pct"] for t in trades] == pytest.approx([11, 10 / 110 * 100, 2 / 115 * 100])
    assert [t["drawdown_pct"] for t in trades] == pytest.approx([-3, -5 / 110 * 100, -5])


def test_trades_stored_before_the_excursions_existed_read_as_null(client, trader):
    quicktest = hand_built_test(trader)
    name = QuickTest.objects.get(pk=quicktest.pk).test_result["trades_file"]
    old_columns = [{k: v for k, v in t.items() if not k.startswith(("run_up", "drawdown"))} for t in hand_run().trades]
    with default_storage.open(name, "wb") as file:
        file.write(trades_parquet(old_columns))

    trades = client.get(f"{URL}{quicktest.pk}/trades/").json()["results"]

    assert len(trades) == 3
    assert all(t["run_up"] is None and t["drawdown_pct"] is None for t in trades)
    assert trades[2]["exit_reason"] == "stop_loss"


def test_thirty_years_of_daily_figures_stay_a_few_kb_of_the_row():
    """The spec budgets ~50 KB a row: the summary is three fixed columns, the returns one rounded number a month."""
    bars = generate_bars(11_000, seed=2, freq="1D")
    rng = np.random.default_rng(2)
    entry, exit_ = rng.random(len(bars)) < 0.02, rng.random(len(bars)) < 0.02
    result = run_signals(bars, StrategySignals(entry, exit_, exit_.copy(), entry.copy()), {"direction": "both"})

    test_result, _ = stored_result("size-check", result)

    assert len(test_result["returns"]["years"]) == 31
    assert test_result["returns"]["monthly_pct"][5][5] == round(result.details["returns"]["monthly_pct"][5][5], 4)
    assert len(json.dumps({key: test_result[key] for key in ("performance_summary", "returns")})) < 8_000
