"""Parameter sweeps: one flow backtested over many combinations of its strategy parameters, and over windows
of the bars (walk-forward folds), giving each combination's metrics and the return statistics the overfitting
measures need (engine.overfitting: the Deflated Sharpe Ratio from `moments`, PBO by CSCV from `blocks`).

Indicators are causal, so they are evaluated once over all the bars and each window is simulated on its slice
with the signals sliced the same way: a window's trading starts flat at its first bar, its indicators have the
full history before it. For windows=None every row's metrics are those of run_backtest with the combination.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.backtest import run_signals, warm_up_bars
from engine.bars import Bars
from engine.config import BacktestConfig, resolve_config
from engine.signals import StrategySignals

SIGNAL_NAMES = ("entry_long", "exit_long", "entry_short", "exit_short")


@dataclass(frozen=True)
class SweepRow:
    """One combination's results. `parameters` holds the swept names only; `metrics[k]` is the
    metrics_summary of window k; `moments[k]` is (n, Σr, Σr², Σr³, Σr⁴) of the per-bar returns of window k
    (see `bar_returns`); `blocks[b]` is (n, Σr, Σr²) of the returns in the b-th of `n_blocks` equal
    consecutive slices of the first window."""

    parameters: dict[str, Any]
    metrics: list[dict[str, Any]]
    moments: np.ndarray
    blocks: np.ndarray


def run_sweep(
    flow: dict[str, Any],
    bars: Bars,
    combinations: Sequence[Mapping[str, Any]],
    *,
    config: BacktestConfig | dict[str, Any] | None,
    base_parameters: Mapping[str, Any] | None = None,
    catalogue: Any = None,
    windows: Sequence[tuple[int, int]] | None = None,
    n_blocks: int = 16,
) -> list[SweepRow]:
    """Backtest `flow` with each combination ({param name: value}, merged over `base_parameters`) on each
    window ((start, stop) bar ranges; all the bars by default). Raises ConfigError for a bad config, FlowError
    for a combination the flow refuses, ValueError for an empty or out-of-range window."""
    from engine.evaluate import evaluate  # imported on use: the flow machinery loads TA-Lib
    from engine.flow import compile_flow

    resolved = config if isinstance(config, BacktestConfig) else resolve_config(config)
    if catalogue is None:
        from engine.catalogue import system_catalogue

        catalogue = system_catalogue()
    spans = _checked_windows(windows, len(bars), n_blocks)
    window_bars = [bars.slice(start, stop) for start, stop in spans]
    base = dict(base_parameters or {})
    rows = []
    for combination in combinations:
        plan = compile_flow(flow, catalogue, {**base, **combination})
        evaluation = evaluate(plan, bars)
        warm_up = warm_up_bars(evaluation.values)
        metrics, equities = [], []
        for (start, stop), part in zip(spans, window_bars, strict=True):
            result = run_signals(
                part,
                window_signals(evaluation.signals, start, stop),
                resolved,
                first_trading_bar=max(warm_up - start, 0),
            )
            metrics.append(result.metrics)
            equities.append(result.equity)
        rows.append(
            SweepRow(
                parameters=dict(combination),
                metrics=metrics,
                moments=np.array([return_moments(bar_returns(e, resolved.initial_capital)) for e in equities]),
                blocks=return_blocks(bar_returns(equities[0], resolved.initial_capital), n_blocks),
            )
        )
    return rows


def window_signals(signals: StrategySignals, start: int, stop: int) -> StrategySignals:
    """The signals of bars[start:stop] (views, not copies), with the same risk settings."""
    return StrategySignals(
        *(getattr(signals, name)[start:stop] for name in SIGNAL_NAMES),
        stop_loss=signals.stop_loss,
        take_profit=signals.take_profit,
        trailing_stop=signals.trailing_stop,
        position_size=signals.position_size,
        warnings=signals.warnings,
    )


def bar_returns(equity: np.ndarray, initial_capital: float) -> np.ndarray:
    """The simple return of the equity over each bar, the first against the initial capital: one per bar.
    After a liquidation the equity stays 0 and so does its return (0/0 counts as 0)."""
    previous = np.r_[initial_capital, equity[:-1]]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = equity / previous - 1
    returns[previous == 0] = 0.0
    return returns


def return_moments(returns: np.ndarray) -> np.ndarray:
    """(n, Σr, Σr², Σr³, Σr⁴): enough to pool windows and get the mean, variance, skew and kurtosis."""
    squared = returns * returns
    return np.array([len(returns), returns.sum(), squared.sum(), (squared * returns).sum(), (squared * squared).sum()])


def return_blocks(returns: np.ndarray, n_blocks: int) -> np.ndarray:
    """(n, Σr, Σr²) of each of `n_blocks` consecutive slices of `returns` as equal as can be (np.array_split:
    the first len % n_blocks slices have one return more)."""
    return np.array(
        [[len(part), part.sum(), (part * part).sum()] for part in np.array_split(returns, n_blocks)]
    ).reshape(n_blocks, 3)


def _checked_windows(windows: Sequence[tuple[int, int]] | None, n: int, n_blocks: int) -> list[tuple[int, int]]:
    if n_blocks < 1:
        raise ValueError(f"n_blocks must be at least 1, not {n_blocks}.")
    spans = [(0, n)] if windows is None else [(int(start), int(stop)) for start, stop in windows]
    if not spans:
        raise ValueError("windows must hold at least one (start, stop) range.")
    for start, stop in spans:
        if not 0 <= start < stop <= n:
            raise ValueError(f"window ({start}, {stop}) is not a non-empty range of the {n} bars.")
    return spans
