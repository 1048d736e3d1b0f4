"""Backtests end to end: signals (or a flow) and bars in, metrics, trades, curves and warnings out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from engine.bars import Bars
from engine.config import BacktestConfig, resolve_config
from engine.metrics import metrics_summary
from engine.result import DEFAULT_MAX_POINTS, result_warnings, test_result
from engine.signals import StrategySignals
from engine.simulate import Simulation, simulate


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """A finished backtest. `metrics` is the `metrics_summary`; `to_dict()` is the `test_result` content
    (config, metrics, trades, warnings, equity_curve, drawdown_curve, counts), JSON-serialisable.

    The trade list and the curves are built when first asked for, so a caller that only wants the
    metrics (a parameter sweep, say) does not pay for them.
    """

    config: BacktestConfig
    metrics: dict[str, Any]
    simulation: Simulation
    bars: Bars
    signals: StrategySignals
    max_points: int = DEFAULT_MAX_POINTS

    @cached_property
    def details(self) -> dict[str, Any]:
        """The `test_result` content: equity_curve, drawdown_curve, trades, counts, warnings."""
        return test_result(self.bars, self.signals, self.simulation, max_points=self.max_points)

    @property
    def trades(self) -> list[dict[str, Any]]:
        return self.details["trades"]

    @property
    def equity(self) -> np.ndarray:
        """Equity at every bar's close (not downsampled)."""
        return self.simulation.equity

    @property
    def warnings(self) -> list[str]:
        return result_warnings(self.signals, self.simulation)

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config.as_dict(), "metrics": self.metrics, **self.details}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=False)


def run_signals(
    bars: Bars,
    signals: StrategySignals,
    config: BacktestConfig | dict[str, Any] | None = None,
    *,
    first_trading_bar: int = 0,
    max_points: int = DEFAULT_MAX_POINTS,
) -> BacktestResult:
    """Simulate `signals` over `bars` and measure the result. Raises ConfigError for a bad config.

    `first_trading_bar` is where buy & hold starts (see engine.metrics); `max_points` bounds the curves.
    """
    resolved = config if isinstance(config, BacktestConfig) else resolve_config(config)
    simulation = simulate(bars, signals, resolved)
    metrics = metrics_summary(
        bars, simulation, risk_free_rate=resolved.risk_free_rate, first_trading_bar=first_trading_bar
    )
    return BacktestResult(
        config=resolved, metrics=metrics, simulation=simulation, bars=bars, signals=signals, max_points=max_points
    )


def run_backtest(
    flow: dict[str, Any],
    bars: Bars,
    *,
    config: BacktestConfig | dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
    catalogue: Any = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> BacktestResult:
    """Compile `flow` (with its strategy `parameters`), evaluate it over `bars` and backtest its signals.

    `catalogue` is the node catalogue the flow's templates come from (the system catalogue by default).
    Buy & hold starts where every indicator has a value, as in backtesting.py.
    Raises ConfigError for a bad config (before any evaluation), FlowError for a bad flow.
    """
    from engine.evaluate import evaluate  # imported on use: the flow machinery loads TA-Lib
    from engine.flow import compile_flow

    resolved = config if isinstance(config, BacktestConfig) else resolve_config(config)
    if catalogue is None:
        from engine.catalogue import system_catalogue

        catalogue = system_catalogue()
    plan = compile_flow(flow, catalogue, parameters)
    evaluation = evaluate(plan, bars)
    return run_signals(
        bars,
        evaluation.signals,
        resolved,
        first_trading_bar=warm_up_bars(evaluation.values),
        max_points=max_points,
    )


def warm_up_bars(values: dict[str, dict[str, np.ndarray]]) -> int:
    """The first bar at which every series a flow computed has a value (backtesting.py's indicator warm-up:
    the latest first non-NaN index; a series with no value at all counts as 0, as there)."""
    firsts = [
        _first_value(series)
        for ports in values.values()
        for series in ports.values()
        if series.ndim == 1 and series.dtype.kind == "f"
    ]
    return max(firsts, default=0)


def _first_value(series: np.ndarray) -> int:
    """Index of the first non-NaN value (0 if none), looking at short heads first: warm-ups are short."""
    for stop in (256, 65_536, len(series)):
        missing = np.isnan(series[:stop])
        if not missing.all():
            return int(missing.argmin())
    return 0
