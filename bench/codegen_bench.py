"""Code generation for a 50-node flow: emitting the module and checking it.

    .venv/bin/python bench/codegen_bench.py [--repeat 50]

Prints, beside the target (< 100 ms for generating and checking):
- generate + check: engine.codegen.generate_module (validating and compiling the flow, emitting the module,
  hashing it) followed by engine.codegen.check_code (ast parse and compile, the security allow-list, radon's
  cyclomatic complexity, line count); median and fastest of --repeat runs after a warm-up run;
- each part on its own (generate, then check), and the first, cold run in a fresh process (it reads and
  parses the engine modules whose code the module copies; later runs reuse that);
- the module's size: lines, bytes, functions, highest complexity.
The node catalogue is built before timing, as the service has it cached.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.catalogue import system_catalogue  # noqa: E402
from engine.codegen import VALID, check_code, generate_module  # noqa: E402

TARGET_MS = 100


def fifty_node_flow() -> tuple[dict, dict]:
    """A realistic large strategy: price data, 18 indicators, arithmetic, 17 conditions, four signals and
    four risk rules: 50 nodes."""
    nodes: list[dict] = [
        {"id": "close", "template": "close", "label": "Close"},
        {"id": "high", "template": "high", "label": "High"},
        {"id": "low", "template": "low", "label": "Low"},
        {"id": "volume", "template": "volume", "label": "Volume"},
    ]
    edges: list[dict] = []

    def add(node_id: str, template: str, label: str, inputs: dict[str, tuple[str, str]], **params) -> None:
        nodes.append({"id": node_id, "template": template, "label": label, "params": params})
        for port, (source, source_port) in inputs.items():
            edges.append({"source": source, "source_port": source_port, "target": node_id, "target_port": port})

    close, high, low, volume = ("close", "close"), ("high", "high"), ("low", "low"), ("volume", "volume")
    periods = [8, 10, 13, 20, 30, 50, 100, 200]
    for period in periods:
        add(f"sma{period}", "sma", f"SMA {period}", {"series": close}, timeperiod=period)
    for period in (9, 21, 55):
        add(f"ema{period}", "ema", f"EMA {period}", {"series": close}, timeperiod={"$param": f"ema_{period}"})
    add("rsi", "rsi", "RSI", {"series": close}, timeperiod={"$param": "rsi_period"})
    add("bands", "bbands", "Bollinger bands", {"series": close}, timeperiod=20)
    add("atr", "atr", "ATR", {"high": high, "low": low, "close": close}, timeperiod=14)
    add("macd", "macd", "MACD", {"series": close})
    add("stoch", "stoch", "Stochastic", {"high": high, "low": low, "close": close})
    add("mfi", "mfi", "Money flow", {"high": high, "low": low, "close": close, "volume": volume})
    add("adx", "adx", "ADX", {"high": high, "low": low, "close": close})
    add("spread", "subtract", "Trend spread", {"a": ("sma10", "value"), "b": ("sma50", "value")})
    add("width", "divide", "Band width", {"a": ("bands", "upperband"), "b": ("bands", "lowerband")})
    add("risk", "multiply", "ATR risk", {"a": ("atr", "value"), "b": ("spread", "value")})
    conditions = [
        ("golden", "cross_above", {"a": ("sma50", "value"), "b": ("sma200", "value")}, {}),
        ("death", "cross_below", {"a": ("sma50", "value"), "b": ("sma200", "value")}, {}),
        ("fast_up", "cross_above", {"a": ("ema9", "value"), "b": ("ema21", "value")}, {}),
        ("fast_down", "cross_below", {"a": ("ema9", "value"), "b": ("ema21", "value")}, {}),
        ("rsi_ok", "less_than", {"a": ("rsi", "value")}, {"value": 70}),
        ("rsi_low", "less_than", {"a": ("rsi", "value")}, {"value": 30}),
        ("trending", "greater_than", {"a": ("adx", "value")}, {"value": 25}),
        ("money_in", "greater_than", {"a": ("mfi", "value")}, {"value": 50}),
        ("stoch_mid", "between", {"series": ("stoch", "slowk")}, {"lower": 20, "upper": 80}),
        ("rising", "rising", {"series": ("sma20", "value")}, {"bars": 3}),
        ("wide", "greater_than", {"a": ("width", "value")}, {"value": 1.02}),
    ]
    for node_id, template, inputs, params in conditions:
        add(node_id, template, node_id.replace("_", " ").capitalize(), inputs, **params)
    add("long_setup", "and", "Long setup", {"a": ("fast_up", "value"), "b": ("rsi_ok", "value")})
    add("long_trend", "and", "Long in trend", {"a": ("long_setup", "value"), "b": ("trending", "value")})
    add("short_setup", "and", "Short setup", {"a": ("fast_down", "value"), "b": ("money_in", "value")})
    add("exit_any", "or", "Exit either way", {"a": ("death", "value"), "b": ("rsi_low", "value")})
    add("calm", "not", "Calm", {"a": ("wide", "value")})
    add("cover", "or", "Cover", {"a": ("golden", "value"), "b": ("calm", "value")})
    add("enter_long", "entry_long", "Enter long", {"when": ("long_trend", "value")})
    add("exit_long", "exit_long", "Exit long", {"when": ("exit_any", "value")})
    add("enter_short", "entry_short", "Enter short", {"when": ("short_setup", "value")})
    add("exit_short", "exit_short", "Exit short", {"when": ("cover", "value")})
    for node_id, template, label, params in [
        ("sl", "stop_loss", "Stop loss", {"percent": 2}),
        ("tp", "take_profit", "Take profit", {"percent": 6}),
        ("trail", "trailing_stop", "Trailing stop", {"percent": 3}),
        ("sizing", "position_size", "Position size", {"fraction": 0.5}),
    ]:
        add(node_id, template, label, {}, **params)
    assert len(nodes) == 50, len(nodes)
    parameters = {"ema_9": 9, "ema_21": 21, "ema_55": 55, "rsi_period": 14}
    return {"schema_version": 1, "nodes": nodes, "edges": edges}, parameters


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    flow, parameters = fifty_node_flow()
    catalogue = system_catalogue()

    started = time.perf_counter()
    module = generate_module(flow, catalogue, parameters, strategy_name="Fifty nodes")
    report = check_code(module.code)
    cold_ms = (time.perf_counter() - started) * 1000
    assert report.status == VALID, report.as_dict()

    both = timed(lambda: check_code(generate_module(flow, catalogue, parameters).code), args.repeat)
    generate = timed(lambda: generate_module(flow, catalogue, parameters), args.repeat)
    check = timed(lambda: check_code(module.code), args.repeat)

    median = statistics.median(both)
    print(f"Code generation for a {len(flow['nodes'])}-node flow ({args.repeat} runs after a warm-up)")
    print(
        f"  generate + check   median {median:7.1f} ms   fastest {min(both):7.1f} ms   target < {TARGET_MS} ms", end=""
    )
    print("   OK" if median < TARGET_MS else "   MISSED")
    print(f"  generate           median {statistics.median(generate):7.1f} ms   fastest {min(generate):7.1f} ms")
    print(f"  check              median {statistics.median(check):7.1f} ms   fastest {min(check):7.1f} ms")
    print(f"  first run (cold)          {cold_ms:7.1f} ms   (reads the engine sources the module copies)")
    print(
        f"  module: {report.line_count} lines, {len(module.code.encode()):,} bytes, {len(report.functions)} functions, "
        f"strategy complexity {report.complexity}, highest {report.as_dict()['complexity']['module_max']} "
        f"({report.as_dict()['complexity']['most_complex']})"
    )


if __name__ == "__main__":
    main()
