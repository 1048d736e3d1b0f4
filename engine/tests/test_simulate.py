"""Each simulation rule on tiny hand-made bars (ARCHITECTURE §7 and engine/simulate.py's docstring)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.bars import Bars
from engine.config import resolve_config
from engine.errors import ConfigError, DataError
from engine.signals import StrategySignals
from engine.simulate import simulate
from engine.synthetic import generate_bars

DAY = 86_400 * 10**9


def make_bars(*ohlc: tuple[float, float, float, float]) -> Bars:
    columns = [np.array(column, dtype=float) for column in zip(*ohlc, strict=True)]
    n = len(ohlc)
    return Bars(np.arange(n, dtype=np.int64) * DAY, *columns, np.ones(n))


def flat(*prices: float) -> Bars:
    """Bars that open, close and range at one price each: no stop can trigger by accident."""
    return make_bars(*((p, p, p, p) for p in prices))


def make_signals(n: int, **at: list[int] | float) -> StrategySignals:
    arrays = {}
    for name in ("entry_long", "exit_long", "entry_short", "exit_short"):
        arrays[name] = np.zeros(n, dtype=bool)
        arrays[name][at.pop(name, [])] = True
    return StrategySignals(**arrays, **at)


def run(bars: Bars, signals: StrategySignals, **config):
    return simulate(bars, signals, resolve_config({"initial_capital": 1000, **config}))


def test_next_open_fills_a_signal_at_the_following_open():
    bars = make_bars((10, 11, 9, 10), (12, 13, 11, 12), (13, 14, 12, 14), (15, 16, 14, 15), (16, 17, 15, 16))
    sim = run(bars, make_signals(5, entry_long=[0], exit_long=[2]))
    trades = sim.trades
    assert (trades.entry_bar[0], trades.entry_price[0]) == (1, 12)
    assert (trades.exit_bar[0], trades.exit_price[0]) == (3, 15)
    assert trades.units[0] == pytest.approx(1000 / 12)
    assert trades.exit_reason_names == ["signal"]


def test_close_fills_a_signal_at_that_close():
    bars = make_bars((10, 11, 9, 10), (12, 13, 11, 12), (13, 14, 12, 14), (15, 16, 14, 15), (16, 17, 15, 16))
    sim = run(bars, make_signals(5, entry_long=[0], exit_long=[2]), fill="close")
    trades = sim.trades
    assert (trades.entry_bar[0], trades.entry_price[0]) == (0, 10)
    assert (trades.exit_bar[0], trades.exit_price[0]) == (2, 14)
    assert sim.equity[-1] == pytest.approx(1400)


def test_equity_is_marked_to_each_close():
    sim = run(flat(10, 10, 12, 9, 11), make_signals(5, entry_long=[0], exit_long=[3]))
    # 100 units bought at bar 1's open (10); sold at bar 4's open (11)
    np.testing.assert_allclose(sim.equity, [1000, 1000, 1200, 900, 1100])


def test_a_gap_through_the_stop_fills_at_the_open():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (90, 92, 88, 91), (91, 91, 91, 91))
    sim = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05))
    assert sim.trades.exit_reason_names == ["stop_loss"]
    assert (sim.trades.exit_bar[0], sim.trades.exit_price[0]) == (2, 90)


def test_a_stop_inside_the_bar_fills_at_the_level():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (99, 100, 94, 98), (98, 98, 98, 98))
    sim = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05))
    assert (sim.trades.exit_bar[0], sim.trades.exit_price[0]) == (2, pytest.approx(95))


def test_a_short_stop_gapped_through_fills_at_the_open():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (110, 112, 108, 111), (111, 111, 111, 111))
    sim = run(bars, make_signals(4, entry_short=[0], stop_loss=0.05), direction="short")
    assert sim.trades.exit_reason_names == ["stop_loss"]
    assert sim.trades.exit_price[0] == 110
    assert sim.trades.pnl[0] == pytest.approx(-100)  # 10 units short from 100, bought back at 110


def test_take_profit_fills_at_the_level_or_at_a_better_open():
    inside = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (101, 111, 100, 105), (105, 105, 105, 105))
    gapped = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (115, 116, 114, 115), (115, 115, 115, 115))
    signals = make_signals(4, entry_long=[0], take_profit=0.10)
    assert run(inside, signals).trades.exit_price[0] == pytest.approx(110)
    assert run(gapped, signals).trades.exit_price[0] == 115
    assert run(gapped, signals).trades.exit_reason_names == ["take_profit"]


def test_when_stop_and_target_are_both_inside_one_bar_the_stop_is_hit_first():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (100, 120, 80, 100), (100, 100, 100, 100))
    sim = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05, take_profit=0.05))
    assert sim.trades.exit_reason_names == ["stop_loss"]
    assert sim.trades.exit_price[0] == pytest.approx(95)


def test_with_next_open_fills_stops_are_checked_in_the_entry_bar_itself():
    bars = make_bars((100, 100, 100, 100), (100, 101, 90, 95), (95, 95, 95, 95))
    sim = run(bars, make_signals(3, entry_long=[0], stop_loss=0.05))
    assert (sim.trades.entry_bar[0], sim.trades.exit_bar[0]) == (1, 1)
    assert sim.trades.exit_price[0] == pytest.approx(95)


def test_with_close_fills_stops_start_at_the_bar_after_the_entry():
    bars = make_bars((100, 101, 90, 100), (100, 101, 99, 100), (99, 99, 90, 92), (92, 92, 92, 92))
    sim = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05), fill="close")
    assert (sim.trades.entry_bar[0], sim.trades.exit_bar[0]) == (0, 2)
    assert sim.trades.exit_price[0] == pytest.approx(95)


def test_a_signal_exit_at_the_open_comes_before_the_stop_in_that_bar():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (98, 98, 80, 85), (85, 85, 85, 85))
    sim = run(bars, make_signals(4, entry_long=[0], exit_long=[1], stop_loss=0.05))
    assert sim.trades.exit_reason_names == ["signal"]
    assert (sim.trades.exit_bar[0], sim.trades.exit_price[0]) == (2, 98)


def test_the_trailing_stop_follows_the_highest_close_from_the_next_bar():
    bars = make_bars(
        (100, 100, 100, 100),
        (100, 101, 99, 100),  # entry at 100: stop at 90
        (100, 130, 100, 120),  # the high (130) does not move it; the close does, to 108 from the next bar
        (120, 121, 109, 110),  # low 109 stays above 108
        (110, 111, 100, 105),  # low 100 crosses 108 (the close of 110 moved nothing: 99 < 108)
        (105, 105, 105, 105),
    )
    sim = run(bars, make_signals(6, entry_long=[0], trailing_stop=0.10))
    assert sim.trades.exit_reason_names == ["trailing_stop"]
    assert (sim.trades.exit_bar[0], sim.trades.exit_price[0]) == (4, pytest.approx(108))


def test_the_tighter_of_stop_loss_and_trailing_stop_names_the_exit():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (100, 131, 100, 130), (130, 130, 100, 110))
    sim = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05, trailing_stop=0.10))
    assert sim.trades.exit_reason_names == ["trailing_stop"]
    assert sim.trades.exit_price[0] == pytest.approx(117)


def test_an_entry_while_in_a_position_is_ignored():
    sim = run(flat(10, 10, 10, 20, 20, 20), make_signals(6, entry_long=[0, 1, 2], exit_long=[4]))
    assert len(sim.trades) == 1
    assert sim.trades.units[0] == pytest.approx(100)
    assert sim.equity[-1] == pytest.approx(2000)


def test_an_opposite_entry_without_an_exit_is_ignored():
    sim = run(flat(10, 10, 10, 20, 20, 20), make_signals(6, entry_long=[0], entry_short=[2]), direction="both")
    assert len(sim.trades) == 1
    assert sim.trades.exit_reason_names == ["end_of_data"]


def test_an_exit_and_an_opposite_entry_on_one_bar_reverse_the_position():
    sim = run(
        flat(10, 10, 10, 20, 20, 15, 15),
        make_signals(7, entry_long=[0], exit_long=[2], entry_short=[2], exit_short=[4]),
        direction="both",
        commission=0.001,
    )
    trades = sim.trades
    assert trades.exit_reason_names == ["reversal", "signal"]
    assert (trades.exit_bar[0], trades.entry_bar[1]) == (3, 3)
    assert trades.exit_price[0] == trades.entry_price[1] == 20
    cash_after_close = 1000 - trades.commission[0] + trades.units[0] * 10
    assert trades.units[1] == pytest.approx(-cash_after_close / (20 * 1.001))


def test_an_exit_and_an_entry_of_the_same_side_on_one_bar_only_exit():
    sim = run(flat(10, 10, 10, 20, 20, 20), make_signals(6, entry_long=[0, 2], exit_long=[2]))
    assert len(sim.trades) == 1
    assert sim.trades.exit_bar[0] == 3
    assert sim.equity[-1] == pytest.approx(2000)


def test_conflicting_signals_when_flat_do_nothing():
    bars = flat(10, 10, 10, 10)
    same_side = make_signals(4, entry_long=[0], exit_long=[0])
    both_sides = make_signals(4, entry_long=[0], entry_short=[0])
    assert len(run(bars, same_side).trades) == 0
    assert len(run(bars, both_sides, direction="both").trades) == 0


def test_direction_masks_the_other_sides_signals():
    bars = flat(10, 10, 12, 12, 8, 8)
    signals = make_signals(6, entry_long=[0], exit_long=[2], entry_short=[2], exit_short=[4])
    long_only = run(bars, signals, direction="long").trades
    short_only = run(bars, signals, direction="short").trades
    assert list(np.sign(long_only.units)) == [1]
    assert list(np.sign(short_only.units)) == [-1]
    assert (short_only.entry_bar[0], short_only.exit_bar[0]) == (3, 5)


def test_slippage_moves_every_fill_against_the_trader():
    bars = flat(100, 100, 100, 100, 100)
    long_trade = run(bars, make_signals(5, entry_long=[0], exit_long=[2]), slippage_bps=10).trades
    short_trade = run(bars, make_signals(5, entry_short=[0], exit_short=[2]), slippage_bps=10, direction="short").trades
    assert (long_trade.entry_price[0], long_trade.exit_price[0]) == (pytest.approx(100.1), pytest.approx(99.9))
    assert (short_trade.entry_price[0], short_trade.exit_price[0]) == (pytest.approx(99.9), pytest.approx(100.1))
    assert long_trade.pnl[0] < 0 and short_trade.pnl[0] < 0


def test_slippage_also_applies_to_stop_fills_and_the_end_of_data_close():
    bars = make_bars((100, 100, 100, 100), (100, 101, 99, 100), (99, 99, 90, 92), (92, 92, 92, 92))
    stopped = run(bars, make_signals(4, entry_long=[0], stop_loss=0.05), slippage_bps=100).trades
    held = run(flat(100, 100, 100), make_signals(3, entry_long=[0]), slippage_bps=100).trades
    assert stopped.exit_price[0] == pytest.approx(101 * 0.95 * 0.99)
    assert held.exit_price[0] == pytest.approx(99)


def test_commission_is_a_fraction_of_notional_on_each_side():
    sim = run(flat(100, 100, 100, 110, 110), make_signals(5, entry_long=[0], exit_long=[2]), commission=0.01)
    units = 1000 / (100 * 1.01)  # size 1: notional plus entry commission is the whole equity
    assert sim.trades.units[0] == pytest.approx(units)
    assert sim.trades.commission[0] == pytest.approx(units * 100 * 0.01 + units * 110 * 0.01)
    assert sim.equity[-1] == pytest.approx(1000 + units * 10 - sim.trades.commission[0])
    assert sim.commissions == pytest.approx(sim.trades.commission[0])


def test_whole_units_round_down_and_an_unaffordable_entry_is_skipped():
    bars = flat(300, 300, 300, 300, 2000, 2000, 2000)
    sim = run(bars, make_signals(7, entry_long=[0, 4], exit_long=[2]), whole_units=True)
    assert sim.trades.units[0] == 3  # floor(1000 / 300)
    assert len(sim.trades) == 1
    assert sim.skipped_entries == 1
    assert "skipped" in sim.warnings[0]


def test_size_is_a_fraction_of_equity_and_the_flows_position_size_overrides_it():
    bars = flat(10, 10, 10, 10)
    assert run(bars, make_signals(4, entry_long=[0]), size=0.5).trades.units[0] == pytest.approx(50)
    overridden = make_signals(4, entry_long=[0], position_size=0.25)
    assert run(bars, overridden, size=0.5).trades.units[0] == pytest.approx(25)


def test_a_position_open_at_the_end_closes_at_the_last_close():
    bars = make_bars((10, 10, 10, 10), (10, 10, 10, 10), (10, 14, 9, 12))
    sim = run(bars, make_signals(3, entry_long=[0]), commission=0.01)
    assert sim.trades.exit_reason_names == ["end_of_data"]
    assert (sim.trades.exit_bar[0], sim.trades.exit_price[0]) == (2, 12)
    assert sim.equity[-1] == pytest.approx(1000 + sim.trades.pnl[0])


def test_signals_on_the_last_bar():
    bars = flat(10, 10, 10, 11)
    assert len(run(bars, make_signals(4, entry_long=[3])).trades) == 0
    assert len(run(bars, make_signals(4, entry_long=[3]), fill="close").trades) == 0
    closing = run(bars, make_signals(4, entry_long=[0], exit_long=[3]), fill="close").trades
    assert closing.exit_reason_names == ["signal"]


def test_equity_reaching_zero_closes_the_position_and_stops_trading():
    bars = flat(10, 10, 15, 25, 5, 5)
    sim = run(bars, make_signals(6, entry_short=[0], exit_short=[4], entry_long=[4]), direction="both")
    assert sim.trades.exit_reason_names == ["liquidation"]
    assert sim.liquidated_at == 3
    np.testing.assert_array_equal(sim.equity[3:], 0)
    assert len(sim.warnings) == 1


def test_signals_must_match_the_bars():
    with pytest.raises(DataError) as raised:
        run(flat(1, 2, 3), make_signals(2))
    assert {p.field for p in raised.value.problems} == {"entry_long", "exit_long", "entry_short", "exit_short"}


def test_risk_levels_out_of_range_name_their_field():
    with pytest.raises(ConfigError) as raised:
        run(flat(1, 2, 3), make_signals(3, stop_loss=1.5, trailing_stop=0, take_profit=-1, position_size=2))
    fields = {p.field for p in raised.value.problems}
    assert fields == {"stop_loss", "take_profit", "trailing_stop", "position_size"}


def test_no_bars_is_a_data_error():
    empty = Bars(np.empty(0, dtype=np.int64), *(np.empty(0) for _ in range(5)))
    with pytest.raises(DataError):
        run(empty, make_signals(0))


configs = st.fixed_dictionaries(
    {
        "fill": st.sampled_from(["next_open", "close"]),
        "direction": st.sampled_from(["long", "short", "both"]),
        "commission": st.sampled_from([0.0, 0.001, 0.01]),
        "slippage_bps": st.sampled_from([0.0, 5.0]),
        "size": st.sampled_from([1.0, 0.5]),
        "whole_units": st.booleans(),
    }
)
risks = st.fixed_dictionaries(
    {},
    optional={
        "stop_loss": st.sampled_from([0.01, 0.03]),
        "take_profit": st.sampled_from([0.02, 0.05]),
        "trailing_stop": st.sampled_from([0.01, 0.04]),
    },
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), config=configs, risk=risks, cut=st.integers(2, 399))
def test_accounting_holds_and_the_past_never_depends_on_the_future(seed, config, risk, cut):
    """Final equity is the capital plus every trade's P&L; trades never overlap; and simulating only the
    first `cut` bars changes nothing before its last bar (where the end-of-data close happens)."""
    bars = generate_bars(400, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    signals = StrategySignals(*(rng.random(400) < 0.08 for _ in range(4)), **risk)
    full = run(bars, signals, **config)
    trades = full.trades
    if full.liquidated_at is None:
        assert full.equity[-1] == pytest.approx(1000 + trades.pnl.sum(), rel=1e-9)
    assert np.all(trades.entry_bar <= trades.exit_bar)
    assert np.all(trades.entry_bar[1:] >= trades.exit_bar[:-1])

    head = StrategySignals(
        *(getattr(signals, name)[:cut] for name in ("entry_long", "exit_long", "entry_short", "exit_short")), **risk
    )
    partial = run(bars.slice(0, cut), head, **config)
    np.testing.assert_array_equal(partial.equity[: cut - 1], full.equity[: cut - 1])
    closed_before = trades.exit_bar < cut - 1
    np.testing.assert_array_equal(partial.trades.exit_bar[: closed_before.sum()], trades.exit_bar[closed_before])
