"""The trader's figures beyond metrics_summary: the Performance Summary (all / long / short), each trade's run-up
and drawdown, and the returns by month and year. First on a hand-built case whose every number is worked out
below, then against backtesting.py's and vectorbt's trade tables and equity on the oracle runs, and the
vectorised excursions against a plain loop over each trade's bars."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from engine.backtest import run_signals
from engine.bars import Bars
from engine.metrics import PERFORMANCE_NAMES, SIDES, calendar_returns, performance_summary
from engine.result import trade_excursions
from engine.signals import StrategySignals
from engine.simulate import END_OF_DATA, LIQUIDATION, REVERSAL, SIGNAL, Simulation
from engine.synthetic import generate_bars
from engine.tests import test_oracle_backtesting as backtesting_oracle
from engine.tests import test_oracle_vectorbt as vectorbt_oracle

# Daily bars from Saturday 2023-12-30, so the first two bars are in December 2023 and the rest in January 2024.
#          open   high   low    close
PRICES = [
    (100.0, 101.0, 90.0, 100.0),  # 0  2023-12-30  entry_long signal (its low of 90 is never held)
    (100.0, 104.0, 97.0, 103.0),  # 1  2023-12-31  long 1 fills at the open, 100
    (103.0, 108.0, 102.0, 107.0),  # 2  2024-01-01
    (107.0, 111.0, 106.0, 110.0),  # 3  2024-01-02  exit_long signal
    (
        110.0,
        112.0,
        109.0,
        111.0,
    ),  # 4  2024-01-03  long 1 exits at the open, 110 (its high of 112 comes after); entry_short
    (110.0, 111.0, 104.0, 105.0),  # 5  2024-01-04  short fills at the open, 110
    (105.0, 106.0, 100.0, 102.0),  # 6  2024-01-05
    (102.0, 115.0, 101.0, 114.0),  # 7  2024-01-06  exit_short signal
    (114.0, 116.0, 113.0, 115.0),  # 8  2024-01-07  short exits at the open, 114; entry_long
    (115.0, 117.0, 112.0, 113.0),  # 9  2024-01-08  long 2 fills at the open, 115 (stop at 115 * 0.95 = 109.25)
    (112.0, 118.0, 108.0, 109.0),  # 10 2024-01-09  the low reaches the stop: long 2 exits at 109.25
    (109.0, 110.0, 107.0, 108.0),  # 11 2024-01-10
]
CONFIG = {"initial_capital": 10_000, "commission": 0.001, "whole_units": True, "direction": "both", "size": 1.0}


def hand_bars() -> Bars:
    stamps = pd.date_range("2023-12-30", periods=len(PRICES), freq="1D").as_unit("ns").asi8
    open_, high, low, close = (np.array(column) for column in zip(*PRICES, strict=True))
    return Bars(stamps, open_, high, low, close, np.ones(len(PRICES)))


def hand_signals(n: int = len(PRICES)) -> StrategySignals:
    def at(*bars: int) -> np.ndarray:
        signal = np.zeros(n, dtype=bool)
        signal[list(bars)] = True
        return signal

    return StrategySignals(at(0, 8), at(3), at(4), at(7), stop_loss=0.05)


def hand_run(**config):
    return run_signals(hand_bars(), hand_signals(), {**CONFIG, **config})


# Worked out by hand (whole units: floor(cash / (fill * 1.001)); commission 0.1 % of each fill's value):
# long 1:  99 units at 100 (floor(10000 / 100.1)), out at 110: 990 - 9.9 - 10.89 = 969.21, return 10 % - 0.21 %
# short:   99 units at 110 (floor(10969.21 / 110.11)), out at 114: -396 - 10.89 - 11.286 = -418.176, -3.84 %
# long 2:  91 units at 115 (floor(10551.034 / 115.115)), stopped at 109.25: -523.25 - 10.465 - 9.94175 = -543.65675,
#          -5 % - 0.195 %
LONG_1, SHORT, LONG_2 = 969.21, -418.176, -543.65675


def test_hand_built_trades_are_the_ones_worked_out():
    trades = hand_run().trades
    assert [(t["side"], t["entry_bar"], t["exit_bar"], t["size"], t["exit_reason"]) for t in trades] == [
        ("long", 1, 4, 99, "signal"),
        ("short", 5, 8, 99, "signal"),
        ("long", 9, 10, 91, "stop_loss"),
    ]
    assert [t["pnl"] for t in trades] == pytest.approx([LONG_1, SHORT, LONG_2])
    assert [t["return_pct"] for t in trades] == pytest.approx([9.79, -3.84, -5.195])


def test_run_up_and_drawdown_of_each_trade_by_hand():
    trades = hand_run().trades
    # long 1 holds bars 1-3 whole (highest high 111, lowest low 97) and exits at bar 4's open: 112 never counts
    # short holds bars 5-7 (highest 115, lowest 100) and exits at bar 8's open: 116 never counts
    # long 2 holds bar 9 (117, 112), then bar 10 from its open (112) down to the stop (109.25): 118 never counts
    expected = [
        (99 * 11, 11.0, 99 * -3, -3.0),
        (99 * 10, 10 / 110 * 100, 99 * -5, -5 / 110 * 100),
        (91 * 2, 2 / 115 * 100, 91 * -5.75, -5.0),
    ]
    got = [(t["run_up"], t["run_up_pct"], t["drawdown"], t["drawdown_pct"]) for t in trades]
    for trade, (gotten, wanted) in enumerate(zip(got, expected, strict=True)):
        assert gotten == pytest.approx(wanted), trade


def test_filled_at_the_close_the_entry_bar_is_not_held_and_the_exit_bar_is():
    trade = hand_run(fill="close").trades[0]
    # in at bar 0's close (100): its low of 90 came before; out at bar 3's close (110), after its high of 111
    assert (trade["entry_bar"], trade["exit_bar"], trade["entry_price"], trade["exit_price"]) == (0, 3, 100, 110)
    assert (trade["run_up"], trade["drawdown"]) == pytest.approx((99 * 11, 99 * -3))


def test_performance_summary_all_long_short_by_hand():
    summary = hand_run().details["performance_summary"]
    assert list(summary) == list(SIDES)
    assert all(list(figures) == list(PERFORMANCE_NAMES) for figures in summary.values())
    commissions = {"long 1": 9.9 + 10.89, "short": 10.89 + 11.286, "long 2": 10.465 + 9.94175}
    expected_all = {
        "trades": 3,
        "winning_trades": 1,
        "losing_trades": 2,
        "win_rate_pct": 100 / 3,
        "net_profit": LONG_1 + SHORT + LONG_2,  # 7.37725, the final equity less the initial capital
        "net_profit_pct": 0.0737725,
        "gross_profit": LONG_1,
        "gross_profit_pct": 9.6921,
        "gross_loss": SHORT + LONG_2,  # -961.83275
        "gross_loss_pct": -9.6183275,
        # equity at bar 6's close: cash 10969.21 - 10.89 plus the short's 99 * (110 - 102) = 11750.32,
        # 1750.32 above the lowest equity before it (the initial 10000)
        "max_run_up": 1750.32,
        "max_run_up_pct": 17.5032,
        "commission_paid": sum(commissions.values()),
        "avg_trade": 7.37725 / 3,
        "avg_win": LONG_1,
        "avg_win_pct": 9.79,
        "avg_loss": -961.83275 / 2,
        "avg_loss_pct": (-3.84 - 5.195) / 2,
        "win_loss_ratio": LONG_1 / (961.83275 / 2),
        "largest_win": LONG_1,
        "largest_loss": LONG_2,
        "best_trade_pct": 9.79,
        "worst_trade_pct": -5.195,
        "avg_bars": (3 + 3 + 1) / 3,  # 4 - 1, 8 - 5, 10 - 9
        "avg_bars_winning": 3,
        "avg_bars_losing": 2,
    }
    expected_long = {
        **expected_all,
        "trades": 2,
        "losing_trades": 1,
        "win_rate_pct": 50,
        "net_profit": LONG_1 + LONG_2,
        "net_profit_pct": (LONG_1 + LONG_2) / 100,
        "gross_loss": LONG_2,
        "gross_loss_pct": LONG_2 / 100,
        "max_run_up": None,
        "max_run_up_pct": None,
        "commission_paid": commissions["long 1"] + commissions["long 2"],
        "avg_trade": (LONG_1 + LONG_2) / 2,
        "avg_loss": LONG_2,
        "avg_loss_pct": -5.195,
        "win_loss_ratio": LONG_1 / -LONG_2,
        "avg_bars": 2,
        "avg_bars_losing": 1,
    }
    expected_short = {
        "trades": 1,
        "winning_trades": 0,
        "losing_trades": 1,
        "win_rate_pct": 0,
        "net_profit": SHORT,
        "net_profit_pct": SHORT / 100,
        "gross_profit": 0,
        "gross_profit_pct": 0,
        "gross_loss": SHORT,
        "gross_loss_pct": SHORT / 100,
        "max_run_up": None,
        "max_run_up_pct": None,
        "commission_paid": commissions["short"],
        "avg_trade": SHORT,
        "avg_win": None,
        "avg_win_pct": None,
        "avg_loss": SHORT,
        "avg_loss_pct": -3.84,
        "win_loss_ratio": None,
        "largest_win": None,
        "largest_loss": SHORT,
        "best_trade_pct": -3.84,
        "worst_trade_pct": -3.84,
        "avg_bars": 3,
        "avg_bars_winning": None,
        "avg_bars_losing": 3,
    }
    for side, expected in (("all", expected_all), ("long", expected_long), ("short", expected_short)):
        for key, value in expected.items():
            assert summary[side][key] == (None if value is None else pytest.approx(value)), (side, key)


def test_monthly_and_yearly_returns_by_hand():
    returns = hand_run().details["returns"]
    # December 2023 ends at bar 1: cash 10000 - 9.9 plus 99 * (103 - 100) = 10287.1, against the initial 10000;
    # January 2024 ends at bar 11, flat at 10000 + 7.37725
    december = 2.871
    january = (10_007.37725 / 10_287.1 - 1) * 100
    assert returns["years"] == [2023, 2024]
    assert returns["yearly_pct"] == pytest.approx([december, january])
    assert returns["monthly_pct"][0] == [None] * 11 + [pytest.approx(december)]
    assert returns["monthly_pct"][1] == [pytest.approx(january)] + [None] * 11


def test_no_trades_summary_has_zeros_and_none_and_is_json():
    bars = generate_bars(40)
    none = np.zeros(len(bars), dtype=bool)
    result = run_signals(bars, StrategySignals(none, none, none, none))
    summary = result.details["performance_summary"]
    json.dumps(result.to_dict(), allow_nan=False)
    for side in SIDES:
        assert summary[side]["trades"] == 0
        assert summary[side]["gross_profit"] == summary[side]["commission_paid"] == 0
        assert summary[side]["avg_trade"] is None and summary[side]["win_loss_ratio"] is None
    assert summary["all"]["max_run_up"] == 0


def test_months_without_bars_are_none_and_months_compound_into_years():
    stamps = pd.DatetimeIndex(
        [*pd.date_range("2019-11-01", "2020-02-29", freq="1D"), *pd.date_range("2020-05-01", "2021-03-31", freq="1D")]
    )
    bars = generate_bars(len(stamps), seed=4)
    bars = Bars(stamps.as_unit("ns").asi8, bars.open, bars.high, bars.low, bars.close, bars.volume)
    result = random_run(bars)
    returns = result.details["returns"]
    assert returns["years"] == [2019, 2020, 2021]
    assert returns["monthly_pct"][1][2:4] == [None, None]  # March and April 2020
    for year, yearly, months in zip(returns["years"], returns["yearly_pct"], returns["monthly_pct"], strict=True):
        growth = np.prod([1 + m / 100 for m in months if m is not None])
        assert (growth - 1) * 100 == pytest.approx(yearly, rel=1e-9, abs=1e-9), year
    total = np.prod([1 + y / 100 for y in returns["yearly_pct"]])
    assert total * 10_000 == pytest.approx(result.equity[-1], rel=1e-9)


def random_run(bars: Bars, seed: int = 3, **config):
    rng = np.random.default_rng(seed)
    n = len(bars)
    entry, exit_ = rng.random(n) < 0.08, rng.random(n) < 0.08
    signals = StrategySignals(entry, exit_, exit_.copy(), entry.copy(), **config.pop("risk", {}))
    return run_signals(bars, signals, {"direction": "both", "commission": 0.001, "initial_capital": 10_000, **config})


def excursions_by_loop(bars: Bars, simulation: Simulation) -> tuple[list[float], list[float]]:
    """trade_excursions' conventions, one trade and one bar at a time."""
    run_ups, drawdowns = [], []
    trades = simulation.trades
    for k in range(len(trades)):
        entry, exit_ = int(trades.entry_bar[k]), int(trades.exit_bar[k])
        reason = int(trades.exit_reason[k])
        prices = [trades.entry_price[k], trades.exit_price[k]]
        held = list(range(entry + 1 if simulation.fill == "close" else entry, exit_))
        if reason in (END_OF_DATA, LIQUIDATION) or (simulation.fill == "close" and reason in (SIGNAL, REVERSAL)):
            held.append(exit_)
        else:
            prices.append(bars.open[exit_])
        for bar in held:
            prices += [bars.high[bar], bars.low[bar]]
        units, price = trades.units[k], trades.entry_price[k]
        best, worst = (max(prices), min(prices)) if units > 0 else (min(prices), max(prices))
        run_ups.append(units * (best - price))
        drawdowns.append(units * (worst - price))
    return run_ups, drawdowns


@pytest.mark.parametrize("fill", ["next_open", "close"])
@pytest.mark.parametrize("risk", [{}, {"stop_loss": 0.01, "take_profit": 0.02}, {"trailing_stop": 0.01}])
def test_vectorised_excursions_equal_a_loop_over_each_trades_bars(fill, risk):
    bars = generate_bars(3000, seed=11, freq="1h")
    result = random_run(bars, fill=fill, risk=risk)
    assert len(result.simulation.trades) > 50
    run_up, drawdown = trade_excursions(bars, result.simulation)
    expected_run_up, expected_drawdown = excursions_by_loop(bars, result.simulation)
    np.testing.assert_allclose(run_up, expected_run_up, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(drawdown, expected_drawdown, rtol=1e-12, atol=1e-9)
    assert np.all(run_up >= 0) and np.all(drawdown <= 0)
    # a trade's result lies between its worst and best moment, commission aside
    gross = result.simulation.trades.pnl + result.simulation.trades.commission
    assert np.all(gross <= run_up + 1e-9) and np.all(gross >= drawdown - 1e-9)


def figures_of_trade_table(pnl: pd.Series, returns: pd.Series, commission: pd.Series, bars: pd.Series) -> dict:
    """The summary's trade figures computed with pandas from an oracle's trade table."""
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    return {
        "trades": len(pnl),
        "winning_trades": len(wins),
        "losing_trades": len(losses),
        "gross_profit": wins.sum(),
        "gross_loss": losses.sum(),
        "net_profit": pnl.sum(),
        "commission_paid": commission.sum(),
        "avg_win": wins.mean(),
        "avg_loss": losses.mean(),
        "avg_win_pct": returns[pnl > 0].mean() * 100,
        "avg_loss_pct": returns[pnl < 0].mean() * 100,
        "win_loss_ratio": wins.mean() / -losses.mean(),
        "largest_win": wins.max(),
        "largest_loss": losses.min(),
        "best_trade_pct": returns.max() * 100,
        "worst_trade_pct": returns.min() * 100,
        "avg_bars": bars.mean(),
        "avg_bars_winning": bars[pnl > 0].mean(),
        "avg_bars_losing": bars[pnl < 0].mean(),
    }


def assert_figures(summary: dict, expected: dict, where: str) -> None:
    for key, value in expected.items():
        assert summary[key] == pytest.approx(float(value), rel=1e-9, abs=1e-9), (where, key)


@pytest.mark.parametrize("dataset", backtesting_oracle.DATASETS)
@pytest.mark.parametrize("strategy", [backtesting_oracle.Reversal, backtesting_oracle.SmaCrossRsiStops])
def test_summary_equals_the_figures_of_backtesting_pys_trade_table(strategy, dataset):
    _, stats, ours = backtesting_oracle.run_both(strategy, dataset, commission=0.001)
    table = stats._trades
    summary = performance_summary(ours.simulation)
    sides = {"all": table.Size != 0, "long": table.Size > 0, "short": table.Size < 0}
    for side, chosen in sides.items():
        rows = table[chosen]
        if not len(rows):
            assert summary[side]["trades"] == 0
            continue
        figures = figures_of_trade_table(rows.PnL, rows.ReturnPct, rows.Commission, rows.ExitBar - rows.EntryBar)
        assert_figures(summary[side], figures, side)
    assert summary["all"]["commission_paid"] == pytest.approx(stats["Commissions [$]"], rel=1e-9)
    assert summary["all"]["best_trade_pct"] == pytest.approx(stats["Best Trade [%]"], rel=1e-9)
    assert summary["all"]["worst_trade_pct"] == pytest.approx(stats["Worst Trade [%]"], rel=1e-9)
    assert summary["all"]["win_rate_pct"] == pytest.approx(stats["Win Rate [%]"], rel=1e-9)
    equity = stats._equity_curve.Equity.to_numpy()
    run_up = equity - np.minimum.accumulate(np.r_[ours.simulation.initial_capital, equity])[1:]
    assert summary["all"]["max_run_up"] == pytest.approx(run_up.max(), rel=1e-9)


@pytest.mark.parametrize("dataset", vectorbt_oracle.DATASETS)
def test_summary_and_returns_equal_vectorbts_trades_and_value(dataset):
    _, portfolio, ours = vectorbt_oracle.run_both("reversal", dataset, commission=0.002)
    summary = performance_summary(ours.simulation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for side, trades in (
            ("all", portfolio.trades),
            ("long", portfolio.trades.long),
            ("short", portfolio.trades.short),
        ):
            stats = trades.stats()
            assert summary[side]["trades"] == stats["Total Closed Trades"], side
            assert summary[side]["win_rate_pct"] == pytest.approx(stats["Win Rate [%]"], rel=1e-9), side
            assert summary[side]["avg_win_pct"] == pytest.approx(stats["Avg Winning Trade [%]"], rel=1e-9), side
            assert summary[side]["avg_loss_pct"] == pytest.approx(stats["Avg Losing Trade [%]"], rel=1e-9), side
            assert summary[side]["best_trade_pct"] == pytest.approx(stats["Best Trade [%]"], rel=1e-9), side
            assert summary[side]["gross_profit"] == pytest.approx(trades.winning.pnl.sum(), rel=1e-9), side
            assert summary[side]["gross_loss"] == pytest.approx(trades.losing.pnl.sum(), rel=1e-9), side
        value = portfolio.value()
    returns = calendar_returns(ours.bars, ours.simulation)
    for period, got in (("ME", returns["monthly_pct"]), ("YE", [returns["yearly_pct"]])):
        ends = value.resample(period).last().dropna()
        expected = (ends / ends.shift(1, fill_value=vectorbt_oracle.CASH) - 1) * 100
        flat = [v for row in got for v in row if v is not None]
        np.testing.assert_allclose(flat, expected.to_numpy(), rtol=1e-9, atol=1e-9)


def test_returns_before_1970_are_those_of_pandas_resample():
    index = pd.date_range("1965-11-15", periods=1500, freq="1D")
    generated = generate_bars(len(index), seed=1)
    bars = Bars(
        index.as_unit("ns").asi8, generated.open, generated.high, generated.low, generated.close, generated.volume
    )
    result = random_run(bars)
    returns = calendar_returns(bars, result.simulation)
    equity = pd.Series(result.equity, index=index)
    assert returns["years"] == [1965, 1966, 1967, 1968, 1969]
    for period, got in (
        ("ME", [m for row in returns["monthly_pct"] for m in row if m is not None]),
        ("YE", returns["yearly_pct"]),
    ):
        ends = equity.resample(period).last()
        np.testing.assert_allclose(got, (ends / ends.shift(1, fill_value=10_000) - 1).to_numpy() * 100, rtol=1e-9)


def test_a_liquidated_short_counts_its_whole_last_bar_and_later_returns_are_none():
    stamps = pd.date_range("2024-01-25", periods=12, freq="1D").as_unit("ns").asi8
    close = np.array([100, 100, 110, 130, 160, 210, 250, 240, 230, 220, 210, 200.0])
    open_ = np.r_[100.0, close[:-1]]
    bars = Bars(stamps, open_, np.maximum(open_, close) + 1, np.minimum(open_, close) - 1, close, np.ones(12))
    none = np.zeros(12, dtype=bool)
    result = run_signals(bars, StrategySignals(none, none, at_bar(0), none), {"direction": "short"})

    # 100 units short at bar 1's open (100); equity 10000 - 100 * (210 - 100) < 0 at bar 5's close (Jan 29)
    (trade,) = result.trades
    assert (trade["exit_bar"], trade["exit_reason"]) == (5, "liquidation")
    assert trade["run_up"] == pytest.approx(100 * (100 - 99))  # bar 1's low, the lowest of bars 1-5
    assert trade["drawdown"] == pytest.approx(100 * (100 - 211))  # bar 5's high counts: it closed at the close
    returns = json.loads(result.to_json())["returns"]
    assert returns["monthly_pct"][0][:2] == [-100, None]  # January lost everything; nothing to return on after
    assert result.details["performance_summary"]["all"]["max_run_up"] == 0


def at_bar(bar: int, n: int = 12) -> np.ndarray:
    signal = np.zeros(n, dtype=bool)
    signal[bar] = True
    return signal
