"""The headline figures of a backtest (`metrics_summary`), defined as backtesting.py 0.6.6 defines them.

Every figure follows `backtesting._stats.compute_stats`, re-implemented with vectorised numpy (no pandas), so a
user can put our numbers next to backtesting.py's. `BACKTESTING_PY_NAMES` maps each key to backtesting.py's
label. The output is JSON-safe:

- numbers are plain floats or ints; NaN and infinities (a ratio without a denominator, a statistic of no
  trades) become None;
- times are ISO 8601 strings in UTC ("2024-01-02T09:30:00Z");
- durations are numbers of seconds, in keys ending in `_seconds`. Like backtesting.py, drawdown and trade
  durations are rounded up to the resolution of the bar interval (whole days for daily bars, whole minutes
  for minute bars, ...);
- percentages are in percent (12.5 means 12.5 %), in keys ending in `_pct`. Drawdowns are negative.

Two inputs backtesting.py takes from its Strategy object are parameters here: `first_trading_bar` (the
bar buy & hold starts from; backtesting.py uses the warm-up of the slowest indicator) and `risk_free_rate`.

Beside it, for the report: `performance_summary`, TradingView's Strategy Tester "Performance Summary" for all,
long and short trades (PERFORMANCE_NAMES), and `calendar_returns`, the returns by month and year. Their
conventions are the same (JSON numbers, None, `_pct` in percent), losses negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.bars import Bars
from engine.simulate import Simulation

NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
_RESOLUTIONS_NS = (NS_PER_DAY, 3_600 * NS_PER_SECOND, 60 * NS_PER_SECOND, NS_PER_SECOND, 1_000_000, 1_000, 1)

BACKTESTING_PY_NAMES: dict[str, str] = {
    "start": "Start",
    "end": "End",
    "duration_seconds": "Duration",
    "exposure_time_pct": "Exposure Time [%]",
    "equity_final": "Equity Final [$]",
    "equity_peak": "Equity Peak [$]",
    "commissions": "Commissions [$]",
    "return_pct": "Return [%]",
    "buy_and_hold_return_pct": "Buy & Hold Return [%]",
    "return_ann_pct": "Return (Ann.) [%]",
    "volatility_ann_pct": "Volatility (Ann.) [%]",
    "cagr_pct": "CAGR [%]",
    "sharpe_ratio": "Sharpe Ratio",
    "sortino_ratio": "Sortino Ratio",
    "calmar_ratio": "Calmar Ratio",
    "alpha_pct": "Alpha [%]",
    "beta": "Beta",
    "max_drawdown_pct": "Max. Drawdown [%]",
    "avg_drawdown_pct": "Avg. Drawdown [%]",
    "max_drawdown_duration_seconds": "Max. Drawdown Duration",
    "avg_drawdown_duration_seconds": "Avg. Drawdown Duration",
    "trades": "# Trades",
    "win_rate_pct": "Win Rate [%]",
    "best_trade_pct": "Best Trade [%]",
    "worst_trade_pct": "Worst Trade [%]",
    "avg_trade_pct": "Avg. Trade [%]",
    "max_trade_duration_seconds": "Max. Trade Duration",
    "avg_trade_duration_seconds": "Avg. Trade Duration",
    "profit_factor": "Profit Factor",
    "expectancy_pct": "Expectancy [%]",
    "sqn": "SQN",
    "kelly_criterion": "Kelly Criterion",
}


@dataclass(frozen=True)
class BarsBasis:
    """What metrics_summary needs of the bars alone, so that a sweep backtesting many strategies on the same
    bars computes it once (`bars_basis`): the timestamps and closes, the bar interval, the calendar periods of
    the Sharpe ratio, and the market's centred log returns for the beta."""

    ts: np.ndarray
    close: np.ndarray
    period: float
    annual_days: int
    period_ends: np.ndarray  # the last bar of each calendar period that has bars
    market_log_returns: np.ndarray  # centred (mean subtracted)
    market_variance: float  # the dot product of market_log_returns with itself


def bars_basis(bars: Bars) -> BarsBasis:
    ts = np.asarray(bars.timestamp, dtype=np.int64)
    close = np.asarray(bars.close, dtype=np.float64)
    period = _bar_period_ns(ts)
    annual_days, period_ends = _period_ends(ts, period)
    with np.errstate(divide="ignore", invalid="ignore"):
        market_log_returns = np.diff(np.log(close)) if len(close) >= 3 else np.empty(0)
        market_log_returns -= market_log_returns.mean() if len(market_log_returns) else 0.0
    return BarsBasis(
        ts=ts,
        close=close,
        period=period,
        annual_days=annual_days,
        period_ends=period_ends,
        market_log_returns=market_log_returns,
        market_variance=float(np.dot(market_log_returns, market_log_returns)),
    )


def metrics_summary(
    bars: Bars,
    simulation: Simulation,
    *,
    risk_free_rate: float = 0.0,
    first_trading_bar: int = 0,
    basis: BarsBasis | None = None,
) -> dict[str, Any]:
    """The headline figures of `simulation` over `bars`, keyed as BACKTESTING_PY_NAMES lists them.
    `basis` is `bars_basis(bars)`, when the caller has it already."""
    if basis is None:
        basis = bars_basis(bars)
    ts, close, period = basis.ts, basis.close, basis.period
    equity = simulation.equity
    trades = simulation.trades
    n = len(equity)

    with np.errstate(divide="ignore", invalid="ignore"):
        dd = 1 - equity / np.maximum.accumulate(equity)
        dd_durations, dd_peaks = _drawdown_durations_and_peaks(dd, ts)

        # Bars with a position: trades never overlap, but one can open on the bar the previous one closed.
        bars_held = np.sum(trades.exit_bar - trades.entry_bar + 1) - np.sum(
            trades.entry_bar[1:] == trades.exit_bar[:-1]
        )
        exposure_pct = float(bars_held) / n * 100

        total_return = (equity[-1] - equity[0]) / equity[0] * 100
        buy_hold = (close[-1] - close[first_trading_bar]) / close[first_trading_bar] * 100

        annual_days, period_returns = basis.annual_days, _period_returns(equity, basis.period_ends)
        gmean = _geometric_mean(period_returns)
        ann_return = (1 + gmean) ** annual_days - 1
        variance = period_returns.var(ddof=1) if len(period_returns) > 1 else np.nan
        volatility = np.sqrt((variance + (1 + gmean) ** 2) ** annual_days - (1 + gmean) ** (2 * annual_days)) * 100
        duration_ns = int(ts[-1] - ts[0])
        years = (duration_ns // NS_PER_DAY + (duration_ns % NS_PER_DAY) // NS_PER_SECOND / 86_400) / 365.25
        cagr = ((equity[-1] / equity[0]) ** (1 / years) - 1) * 100 if years else np.nan
        sharpe = (ann_return * 100 - risk_free_rate * 100) / (volatility or np.nan)
        downside = np.sqrt(np.mean(np.minimum(period_returns, 0) ** 2)) if len(period_returns) else np.nan
        sortino = (ann_return - risk_free_rate) / (downside * np.sqrt(annual_days))
        max_dd = -np.nan_to_num(dd.max())
        calmar = ann_return / (-max_dd or np.nan)
        beta = _beta(equity, basis)
        alpha = total_return - risk_free_rate * 100 - beta * (buy_hold - risk_free_rate * 100)

        pnl = trades.pnl
        returns = trades.return_pct / 100
        n_trades = len(trades)
        win_rate = np.mean(pnl > 0) if n_trades else np.nan
        trade_durations = ts[trades.exit_bar] - ts[trades.entry_bar]
        mean_win = np.mean(pnl[pnl > 0]) if np.any(pnl > 0) else np.nan
        mean_loss = np.mean(pnl[pnl < 0]) if np.any(pnl < 0) else np.nan
        pnl_std = np.std(pnl, ddof=1) if n_trades > 1 else np.nan

        metrics = {
            "start": iso_utc(ts[0]),
            "end": iso_utc(ts[-1]),
            "duration_seconds": duration_ns / NS_PER_SECOND,
            "exposure_time_pct": exposure_pct,
            "equity_final": equity[-1],
            "equity_peak": equity.max(),
            "commissions": simulation.commissions,
            "return_pct": total_return,
            "buy_and_hold_return_pct": buy_hold,
            "return_ann_pct": ann_return * 100,
            "volatility_ann_pct": volatility,
            "cagr_pct": cagr,
            "sharpe_ratio": sharpe,
            "sortino_ratio": sortino,
            "calmar_ratio": calmar,
            "alpha_pct": alpha,
            "beta": beta,
            "max_drawdown_pct": max_dd * 100,
            "avg_drawdown_pct": -_mean(dd_peaks) * 100,
            "max_drawdown_duration_seconds": _ceil_seconds(_max(dd_durations), period),
            "avg_drawdown_duration_seconds": _ceil_seconds(_mean(dd_durations), period),
            "trades": n_trades,
            "win_rate_pct": win_rate * 100,
            "best_trade_pct": _max(returns) * 100,
            "worst_trade_pct": _min(returns) * 100,
            "avg_trade_pct": _geometric_mean(returns) * 100,
            "max_trade_duration_seconds": _ceil_seconds(_max(trade_durations), period),
            "avg_trade_duration_seconds": _ceil_seconds(_mean(trade_durations), period),
            "profit_factor": returns[returns > 0].sum() / (abs(returns[returns < 0].sum()) or np.nan),
            "expectancy_pct": _mean(returns) * 100,
            "sqn": np.sqrt(n_trades) * _mean(pnl) / (pnl_std or np.nan),
            "kelly_criterion": win_rate - (1 - win_rate) / (mean_win / -mean_loss),
        }
    return {key: json_number(value) for key, value in metrics.items()}


# The figures of `performance_summary`, each under TradingView's Strategy Tester label (its "Performance Summary"
# tab) or, marked so, backtesting.py's. Money is in the account currency, percentages are of the initial capital
# unless the label says otherwise, and losses are negative (net profit = gross profit + gross loss).
PERFORMANCE_NAMES: dict[str, str] = {
    "trades": "Total Closed Trades",
    "winning_trades": "Number Winning Trades",
    "losing_trades": "Number Losing Trades",
    "win_rate_pct": "Percent Profitable",
    "net_profit": "Net Profit",
    "net_profit_pct": "Net Profit %",
    "gross_profit": "Gross Profit",
    "gross_profit_pct": "Gross Profit %",
    "gross_loss": "Gross Loss",
    "gross_loss_pct": "Gross Loss %",
    "max_run_up": "Max Run-up",
    "max_run_up_pct": "Max Run-up %",
    "commission_paid": "Commission Paid",
    "avg_trade": "Avg Trade",
    "avg_win": "Avg Winning Trade",
    "avg_win_pct": "Avg Winning Trade % (of entry value)",
    "avg_loss": "Avg Losing Trade",
    "avg_loss_pct": "Avg Losing Trade % (of entry value)",
    "win_loss_ratio": "Ratio Avg Win / Avg Loss",
    "largest_win": "Largest Winning Trade",
    "largest_loss": "Largest Losing Trade",
    "best_trade_pct": "Best Trade [%] (backtesting.py)",
    "worst_trade_pct": "Worst Trade [%] (backtesting.py)",
    "avg_bars": "Avg # Bars in Trades",
    "avg_bars_winning": "Avg # Bars in Winning Trades",
    "avg_bars_losing": "Avg # Bars in Losing Trades",
}
SIDES = ("all", "long", "short")


def performance_summary(simulation: Simulation) -> dict[str, dict[str, Any]]:
    """TradingView's Performance Summary: {"all": {...}, "long": {...}, "short": {...}}, keyed as
    PERFORMANCE_NAMES lists them, over the closed trades of all sides, of long trades and of short trades.

    Definitions (TradingView's unless noted):
    - a trade's P&L is net of its entry and exit commission; winning trades have P&L > 0, losing trades < 0
      (a trade at exactly 0 is neither); "Percent Profitable" is winning trades over all trades;
    - "Gross Profit" / "Gross Loss": the sum of the winners' / the losers' P&L (Gross Loss is negative);
      "Net Profit" is their sum; the `_pct` figures of these three are percent of the initial capital;
    - "Avg Winning Trade" / "Avg Losing Trade": mean P&L of the winners / losers; their `_pct` forms are the mean
      return on the entry value (Trades.return_pct, net); "Ratio Avg Win / Avg Loss" is avg win / |avg loss|;
    - "Largest Winning Trade" / "Largest Losing Trade": the largest winner's / the largest loser's P&L (None
      without winners / losers); backtesting.py's "Best Trade [%]" / "Worst Trade [%]" are the highest and lowest
      return of any trade of the side, as in metrics_summary;
    - "Avg # Bars in Trades": mean of exit bar - entry bar (a trade opened and closed in one bar counts 0),
      over all, winning and losing trades;
    - "Max Run-up": the largest rise of the equity (marked at bar closes, as metrics_summary's drawdown is, not
      intrabar) above its lowest earlier value, the initial capital included; `max_run_up_pct` is that rise in
      percent of the initial capital. It is a figure of the whole account: None in the long and short columns,
      which TradingView leaves blank too.
    Figures of no trades (averages, ratios, largest) are None.
    """
    trades = simulation.trades
    capital = simulation.initial_capital
    equity = simulation.equity
    max_run_up = float(np.max(equity - np.minimum.accumulate(np.r_[capital, equity])[1:]))
    sides = {"all": trades.units != 0, "long": trades.units > 0, "short": trades.units < 0}
    summary = {}
    for side, chosen in sides.items():
        figures = _trade_figures(
            trades.pnl[chosen],
            trades.return_pct[chosen],
            trades.commission[chosen],
            trades.exit_bar[chosen] - trades.entry_bar[chosen],
            capital,
        )
        account = side == "all"
        figures["max_run_up"] = max_run_up if account else None
        figures["max_run_up_pct"] = max_run_up / capital * 100 if account else None
        summary[side] = {key: json_number(figures[key]) for key in PERFORMANCE_NAMES}
    return summary


def _trade_figures(
    pnl: np.ndarray, returns_pct: np.ndarray, commission: np.ndarray, bars: np.ndarray, capital: float
) -> dict[str, Any]:
    wins, losses = pnl > 0, pnl < 0
    gross_profit, gross_loss = float(pnl[wins].sum()), float(pnl[losses].sum())
    avg_win, avg_loss = _mean(pnl[wins]), _mean(pnl[losses])
    return {
        "trades": len(pnl),
        "winning_trades": int(wins.sum()),
        "losing_trades": int(losses.sum()),
        "win_rate_pct": wins.sum() / len(pnl) * 100 if len(pnl) else math.nan,
        "net_profit": gross_profit + gross_loss,
        "net_profit_pct": (gross_profit + gross_loss) / capital * 100,
        "gross_profit": gross_profit,
        "gross_profit_pct": gross_profit / capital * 100,
        "gross_loss": gross_loss,
        "gross_loss_pct": gross_loss / capital * 100,
        "commission_paid": float(commission.sum()),
        "avg_trade": _mean(pnl),
        "avg_win": avg_win,
        "avg_win_pct": _mean(returns_pct[wins]),
        "avg_loss": avg_loss,
        "avg_loss_pct": _mean(returns_pct[losses]),
        "win_loss_ratio": avg_win / -avg_loss if math.isfinite(avg_win) and math.isfinite(avg_loss) else math.nan,
        "largest_win": _max(pnl[wins]),
        "largest_loss": _min(pnl[losses]),
        "best_trade_pct": _max(returns_pct),
        "worst_trade_pct": _min(returns_pct),
        "avg_bars": _mean(bars),
        "avg_bars_winning": _mean(bars[wins]),
        "avg_bars_losing": _mean(bars[losses]),
    }


def calendar_returns(bars: Bars, simulation: Simulation) -> dict[str, list]:
    """Returns by calendar month and year (UTC), compounded from the equity curve, in percent:
    {"years": [2023, 2024], "yearly_pct": [...], "monthly_pct": [[January, ..., December], ...]}.

    A period's return is its last bar's equity over the previous period's last bar's equity, minus 1; the first
    period's base is the initial capital. So months compound into their year exactly, and a year's return is the
    equity's change over the year. A month with no bars is None (a gap in the data: its movement counts in the
    next month with bars); so is every period after the equity reached zero.
    """
    ts = np.asarray(bars.timestamp, dtype=np.int64)
    first_month, last_month = (np.datetime64(int(t), "ns").astype("datetime64[M]") for t in (ts[0], ts[-1]))
    # the first bar of every month, found by binary search: the cost follows the months, not the bars
    edges = np.arange(first_month, last_month + np.timedelta64(2, "M")).astype("datetime64[ns]").astype(np.int64)
    starts = np.searchsorted(ts, edges)
    with_bars = np.flatnonzero(starts[1:] > starts[:-1])  # months (from first_month) that have bars
    month_ends = starts[with_bars + 1] - 1
    months = first_month.astype(np.int64) + with_bars  # months since January 1970
    years = months // 12
    year_ends = month_ends[np.r_[np.flatnonzero(np.diff(years)), len(years) - 1]]
    first, count = int(years[0]), int(years[-1] - years[0]) + 1
    capital, equity = simulation.initial_capital, simulation.equity
    monthly = _spread(months - first * 12, _period_end_returns(equity[month_ends], capital), count * 12)
    yearly = _spread(np.unique(years) - first, _period_end_returns(equity[year_ends], capital), count)
    return {
        "years": list(range(1970 + first, 1970 + first + count)),
        "yearly_pct": _json_list(yearly),
        "monthly_pct": [_json_list(row) for row in monthly.reshape(count, 12)],
    }


def _period_end_returns(ends: np.ndarray, base: float) -> np.ndarray:
    """Percent returns between consecutive period-end equities, the first against `base`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (ends / np.r_[base, ends[:-1]] - 1) * 100


def _spread(positions: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, np.nan)
    out[positions] = values
    return out


def _json_list(values: np.ndarray) -> list:
    return [json_number(value) for value in values.tolist()]


def json_number(value: Any) -> Any:
    """A plain Python number (None for NaN and infinities); anything that is not a number passes through."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def iso_utc(timestamp_ns: int | np.integer) -> str:
    """An int64 nanosecond UTC timestamp as ISO 8601 ("2024-01-02T09:30:00Z"), sub-seconds only when present."""
    return iso_utc_array(np.asarray([timestamp_ns], dtype=np.int64))[0]


def iso_utc_array(timestamps_ns: np.ndarray) -> list[str]:
    """ISO 8601 UTC strings for int64 nanosecond timestamps, at the coarsest unit that loses nothing."""
    ts = np.asarray(timestamps_ns, dtype=np.int64)
    unit = "s"
    for candidate, step in (("s", NS_PER_SECOND), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)):
        unit = candidate
        if not np.any(ts % step):
            break
    return np.datetime_as_string(ts.astype("datetime64[ns]"), unit=unit, timezone="UTC").tolist()


def _bar_period_ns(ts: np.ndarray) -> float:
    """The bar interval: the median spacing of the last 100 bars (backtesting.py's `_data_period`)."""
    if len(ts) < 2:
        return float("nan")
    return float(np.median(np.diff(ts[-100:])))


def _ceil_seconds(value_ns: float, period_ns: float) -> float:
    """A duration in seconds, rounded up to the resolution of the bar interval (as backtesting.py rounds it)."""
    if not math.isfinite(value_ns):
        return math.nan
    resolution = next((r for r in _RESOLUTIONS_NS if math.isfinite(period_ns) and period_ns % r == 0), 1)
    return math.ceil(value_ns / resolution) * resolution / NS_PER_SECOND


def _drawdown_durations_and_peaks(dd: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each drawdown's duration (ns, from its peak to its recovery or the last bar) and depth.

    backtesting.py's `compute_drawdown_duration_peaks`: a drawdown runs between consecutive bars at the
    running equity peak (and the last bar) that are more than one bar apart.
    """
    n = len(dd)
    at_peak = np.flatnonzero(dd == 0)
    if not len(at_peak) or at_peak[-1] != n - 1:
        at_peak = np.r_[at_peak, n - 1]
    start, stop = at_peak[:-1], at_peak[1:]
    keep = stop > start + 1
    start, stop = start[keep], stop[keep]
    if not len(start):
        return np.empty(0), np.empty(0)
    bounds = np.column_stack((start + 1, stop + 1)).ravel()
    # max over dd[start+1 : stop+1] for each drawdown; the slots between drawdowns are discarded
    peaks = np.maximum.reduceat(np.r_[dd, 0.0], bounds)[::2]
    return (ts[stop] - ts[start]).astype(np.float64), peaks


def _period_ends(ts: np.ndarray, period_ns: float) -> tuple[int, np.ndarray]:
    """Annual periods, and the last bar of each calendar period that has bars.

    backtesting.py resamples the equity by calendar day, unless the bars are weekly, monthly or yearly, and
    annualises daily returns with 365 days when the bars include weekends (more than 60 % of the 2/7 share a
    24/7 market has), else with 252. Periods are found by binary search of their boundaries in the timestamps,
    so the cost follows the number of periods, not of bars.
    """
    freq_days = int(period_ns // NS_PER_DAY) if math.isfinite(period_ns) else 0
    first_day, last_day = int(ts[0] // NS_PER_DAY), int(ts[-1] // NS_PER_DAY)
    if freq_days == 7:  # calendar weeks, Monday to Sunday (1970-01-05 was a Monday)
        annual = 52
        first_week, last_week = (first_day - 4) // 7, (last_day - 4) // 7
        edges = (np.arange(first_week, last_week + 2) * 7 + 4) * NS_PER_DAY
    elif freq_days in (31, 365):  # calendar months or years
        annual, unit = (12, "M") if freq_days == 31 else (1, "Y")
        first, last = (np.datetime64(int(t), "ns").astype(f"datetime64[{unit}]") for t in (ts[0], ts[-1]))
        edges = np.arange(first, last + np.timedelta64(2, unit)).astype("datetime64[ns]").astype(np.int64)
    else:  # calendar days
        edges = np.arange(first_day, last_day + 2, dtype=np.int64) * NS_PER_DAY
        bars_per_day = np.diff(np.searchsorted(ts, edges))
        on_weekend = (np.arange(first_day, last_day + 1) + 3) % 7 >= 5  # 1970-01-01 was a Thursday (Monday = 0)
        annual = 365 if bars_per_day[on_weekend].sum() / len(ts) > 2 / 7 * 0.6 else 252
    starts = np.searchsorted(ts, edges)  # first bar of each period; the last edge is past the last bar
    return annual, starts[1:][starts[1:] > starts[:-1]] - 1


def _period_returns(equity: np.ndarray, period_ends: np.ndarray) -> np.ndarray:
    """The returns of the equity's last value in each calendar period (see `_period_ends`)."""
    values = equity[period_ends]
    returns = values[1:] / values[:-1] - 1
    return returns[~np.isnan(returns)]


def _geometric_mean(returns: np.ndarray) -> float:
    growth = np.nan_to_num(returns, nan=0.0) + 1
    if np.any(growth <= 0):
        return 0.0
    return float(np.exp(np.log(growth).sum() / (len(growth) or np.nan)) - 1)


def _beta(equity: np.ndarray, basis: BarsBasis) -> float:
    """Covariance of the equity's and the market's log returns over the market's variance (backtesting.py's
    np.cov ratio, computed without building the covariance matrix)."""
    if len(equity) < 3:
        return math.nan
    equity_log_returns = np.diff(np.log(equity))
    equity_log_returns -= equity_log_returns.mean()
    return float(np.dot(equity_log_returns, basis.market_log_returns) / basis.market_variance)


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def _max(values: np.ndarray) -> float:
    return float(np.max(values)) if len(values) else math.nan


def _min(values: np.ndarray) -> float:
    return float(np.min(values)) if len(values) else math.nan
