"""Flows for the code generation tests: one that uses every kind of system template, and helpers to run a
generated module on bars the way a trader would."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from engine.tests.flow_builders import edge, flow


def node(node_id: str, template: str, label: str | None = None, **params: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"id": node_id, "template": template, "params": params}
    if label is not None:
        described["label"] = label
    return described


def every_kind_flow(*, stops: bool = True) -> dict[str, Any]:
    """Data (fields and ohlcv), indicators (one to four inputs, multi-output), every math and condition
    template, all four signals and, with `stops`, all four risk rules."""
    nodes = [
        node("bars", "ohlcv", "Bars"),
        node("close", "close", "Close"),
        node("high", "high"),
        node("low", "low"),
        node("open", "open"),
        node("volume", "volume"),
        node("fast", "sma", "Fast SMA", timeperiod={"$param": "fast"}),
        node("slow", "ema", "Slow EMA", timeperiod={"$param": "slow"}),
        node("bands", "bbands", "Bollinger", timeperiod=20, nbdevup=2.0, nbdevdn=2.0),
        node("rsi", "rsi", "RSI", timeperiod=14),
        node("atr", "atr", "ATR", timeperiod=14),
        node("stoch", "stoch", "Stochastic"),
        node("mfi", "mfi", "Money flow"),
        node("ha", "ha", "Heikin Ashi candles"),  # four long output names: too many to unpack on one line
        node("macd", "macd", "MACD"),
        node("one", "constant", "One", value=1),
        node("spread", "subtract", "Spread"),
        node("width", "divide", "Band width"),
        node("sum", "add"),
        node("product", "multiply"),
        node("lowest", "min"),
        node("highest", "max"),
        node("size", "abs", "Spread size"),
        node("flipped", "negate"),
        node("prev", "lag", "Previous close", bars=2),
        node("diff", "change", "Change", bars=3),
        node("pct", "pct_change", "Percent change", bars=5),
        node("up", "cross_above", "Fast crosses above slow"),
        node("down", "cross_below", "Fast crosses below slow"),
        node("rsi_cross_50", "cross_below", "RSI crosses below 50", value=50),
        node("overbought", "greater_than", "Overbought", value=70),
        node("oversold", "less_than", "Oversold", value=30),
        node("ge", "greater_equal", "Above the upper band"),
        node("le", "less_equal", "Below the lower band"),
        node("eq", "equal", "Unchanged close"),
        node("mid", "between", "RSI in the middle", lower=35, upper=65),
        node("inside", "between", "Inside the bands"),
        node("rising", "rising", "Rising", bars=2),
        node("falling", "falling", "Falling", bars=3),
        node("calm", "not", "Not overbought"),
        node("buy", "and", "Buy"),
        node("buy_more", "and", "Buy filtered"),
        node("exit_long_when", "or", "Exit long when"),
        node("exit_long_any", "or", "Exit long or unchanged"),
        node("sell", "and", "Sell"),
        node("cover", "or", "Cover"),
        node("stoch_high", "greater_than", "Stochastic high", value=80),
        node("wide", "greater_than", "Wide bands"),
        node("enter_long", "entry_long", "Enter long"),
        node("exit_long", "exit_long", "Exit long"),
        node("enter_short", "entry_short", "Enter short"),
        node("exit_short", "exit_short", "Exit short"),
        node("exit_short_2", "exit_short", "Exit short too"),
    ]
    edges = [
        edge("close", "close", "fast", "series"),
        edge("close", "close", "slow", "series"),
        edge("close", "close", "bands", "series"),
        edge("close", "close", "rsi", "series"),
        edge("high", "high", "atr", "high"),
        edge("low", "low", "atr", "low"),
        edge("bars", "close", "atr", "close"),
        edge("bars", "high", "stoch", "high"),
        edge("bars", "low", "stoch", "low"),
        edge("bars", "close", "stoch", "close"),
        edge("high", "high", "mfi", "high"),
        edge("low", "low", "mfi", "low"),
        edge("close", "close", "mfi", "close"),
        edge("volume", "volume", "mfi", "volume"),
        edge("open", "open", "ha", "open"),
        edge("high", "high", "ha", "high"),
        edge("low", "low", "ha", "low"),
        edge("close", "close", "ha", "close"),
        edge("close", "close", "macd", "series"),
        edge("fast", "value", "spread", "a"),
        edge("slow", "value", "spread", "b"),
        edge("bands", "upperband", "width", "a"),
        edge("bands", "lowerband", "width", "b"),
        edge("close", "close", "sum", "a"),
        edge("one", "value", "sum", "b"),
        edge("spread", "value", "product", "a"),
        edge("atr", "value", "product", "b"),
        edge("ha", "haopen", "lowest", "a"),
        edge("ha", "haclose", "lowest", "b"),
        edge("macd", "macd", "highest", "a"),
        edge("macd", "macdsignal", "highest", "b"),
        edge("spread", "value", "size", "a"),
        edge("size", "value", "flipped", "a"),
        edge("close", "close", "prev", "series"),
        edge("close", "close", "diff", "series"),
        edge("close", "close", "pct", "series"),
        edge("fast", "value", "up", "a"),
        edge("slow", "value", "up", "b"),
        edge("fast", "value", "down", "a"),
        edge("slow", "value", "down", "b"),
        edge("rsi", "value", "rsi_cross_50", "a"),
        edge("rsi", "value", "overbought", "a"),
        edge("rsi", "value", "oversold", "a"),
        edge("close", "close", "ge", "a"),
        edge("bands", "upperband", "ge", "b"),
        edge("close", "close", "le", "a"),
        edge("bands", "lowerband", "le", "b"),
        edge("close", "close", "eq", "a"),
        edge("prev", "value", "eq", "b"),
        edge("rsi", "value", "mid", "series"),
        edge("close", "close", "inside", "series"),
        edge("bands", "lowerband", "inside", "lower"),
        edge("bands", "upperband", "inside", "upper"),
        edge("fast", "value", "rising", "series"),
        edge("sum", "value", "falling", "series"),
        edge("overbought", "value", "calm", "a"),
        edge("up", "value", "buy", "a"),
        edge("calm", "value", "buy", "b"),
        edge("buy", "value", "buy_more", "a"),
        edge("mid", "value", "buy_more", "b"),
        edge("down", "value", "exit_long_when", "a"),
        edge("ge", "value", "exit_long_when", "b"),
        edge("exit_long_when", "value", "exit_long_any", "a"),
        edge("eq", "value", "exit_long_any", "b"),
        edge("stoch", "slowk", "stoch_high", "a"),
        edge("width", "value", "wide", "a"),
        edge("one", "value", "wide", "b"),
        edge("down", "value", "sell", "a"),
        edge("inside", "value", "sell", "b"),
        edge("up", "value", "cover", "a"),
        edge("le", "value", "cover", "b"),
        edge("buy", "value", "enter_long", "when"),
        edge("exit_long_any", "value", "exit_long", "when"),
        edge("sell", "value", "enter_short", "when"),
        edge("cover", "value", "exit_short", "when"),
        edge("falling", "value", "exit_short_2", "when"),
    ]
    if stops:
        nodes += [
            node("sl", "stop_loss", "Stop loss", percent=0.6),
            node("tp", "take_profit", "Take profit", percent=1.2),
            node("trail", "trailing_stop", "Trailing stop", percent=0.8),
            node("sizing", "position_size", "Half the equity", fraction=0.5),
        ]
    return flow(nodes, edges)


EVERY_KIND_PARAMETERS = {"fast": 8, "slow": 21}


def import_module(path: Path) -> ModuleType:
    """Import a generated module from its file (as `python strategy.py` would load it, without running main)."""
    name = f"generated_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module
