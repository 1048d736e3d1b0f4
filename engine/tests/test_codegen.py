"""Code generation: the generated module is standalone, readable, deterministic, lint-clean, and reproduces the
engine's backtest (trades and metrics) exactly."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.backtest import run_backtest, warm_up_bars
from engine.bars import read_csv, write_csv
from engine.catalogue import system_catalogue
from engine.codegen import GENERATOR_VERSION, VALID, check_code, flow_hash, generate_module
from engine.codegen.literals import sanitise
from engine.errors import FlowError
from engine.evaluate import evaluate
from engine.flow import compile_flow
from engine.synthetic import generate_bars
from engine.tests.codegen_flows import EVERY_KIND_PARAMETERS, every_kind_flow, import_module, node
from engine.tests.flow_builders import edge, flow, flow_around

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "engine" / "examples"
RUFF = Path(sys.executable).with_name("ruff")
SYSTEM = system_catalogue()


def reference() -> tuple[dict, dict, dict]:
    return tuple(json.loads((EXAMPLES / f"reference_{part}.json").read_text()) for part in ("flow", "params", "config"))


def ruff_problems(directory: Path) -> str:
    """What `ruff check` and `ruff format --check` (with the project's settings) say about the files in
    `directory`; empty when both are clean."""
    config = ["--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    check = subprocess.run([RUFF, "check", *config, str(directory)], capture_output=True, text=True)
    form = subprocess.run(
        [RUFF, "format", "--check", "--diff", *config, str(directory)], capture_output=True, text=True
    )
    return "".join(result.stdout + result.stderr for result in (check, form) if result.returncode)


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory) -> Path:
    """2,000 hourly bars as a CSV file, written the way Strategy Builder exports bars."""
    path = tmp_path_factory.mktemp("bars") / "bars.csv"
    write_csv(generate_bars(2_000, seed=5, freq="1h"), path)
    return path


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    code = generate_module(every_kind_flow(), SYSTEM, EVERY_KIND_PARAMETERS, strategy_name="Every kind").code
    path = tmp_path_factory.mktemp("every_kind") / "every_kind.py"
    path.write_text(code)
    return import_module(path)


def test_the_reference_strategy_run_as_a_script_prints_the_quick_test_metrics(tmp_path, bars_csv):
    flow_, params, config = reference()
    module = generate_module(flow_, SYSTEM, params, strategy_name="Reference strategy")
    script = tmp_path / "strategy.py"
    script.write_text(module.code)
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(config))

    run = subprocess.run(
        [sys.executable, str(script), str(bars_csv), "--config", str(config_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # nowhere near the engine: the module must not need it
        env={"PATH": "/usr/bin:/bin"},
    )

    assert run.returncode == 0, run.stderr
    expected = run_backtest(flow_, read_csv(bars_csv), config=config, parameters=params)
    assert expected.metrics["trades"] > 10
    assert json.loads(run.stdout) == expected.metrics


def test_the_generated_module_imports_no_engine_code():
    flow_, params, _ = reference()
    tree = ast.parse(generate_module(flow_, SYSTEM, params).code)
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported == {"__future__", "argparse", "json", "math", "sys", "dataclasses", "typing"} | {
        "numpy",
        "pandas",
        "talib",
    }


@pytest.mark.parametrize("direction", ["long", "short", "both"])
@pytest.mark.parametrize("fill", ["next_open", "close"])
def test_trades_and_metrics_equal_the_engine_for_every_fill_and_direction(every_kind, bars_csv, fill, direction):
    config = {"fill": fill, "direction": direction, "commission": 0.001, "slippage_bps": 3}
    expected = run_backtest(every_kind_flow(), read_csv(bars_csv), config=config, parameters=EVERY_KIND_PARAMETERS)

    generated = every_kind.backtest(every_kind.load_bars(bars_csv), config)

    assert len(expected.trades) > 20
    assert generated["trades"] == expected.trades  # entry/exit bars and times, prices, sizes, P&L, exit reasons
    assert generated["metrics"] == expected.metrics
    assert generated["performance_summary"] == expected.details["performance_summary"]
    assert generated["returns"] == expected.details["returns"]


def test_stops_targets_and_trailing_stops_exit_at_the_same_bars_and_prices(every_kind, bars_csv):
    reasons: set[str] = set()
    for direction in ("long", "short"):
        config = {"direction": direction, "whole_units": True, "initial_capital": 50_000}
        expected = run_backtest(every_kind_flow(), read_csv(bars_csv), config=config, parameters=EVERY_KIND_PARAMETERS)
        generated = every_kind.backtest(every_kind.load_bars(bars_csv), config)
        assert generated["trades"] == expected.trades
        assert generated["metrics"] == expected.metrics
        reasons |= {trade["exit_reason"] for trade in expected.trades}
    assert {"stop_loss", "take_profit", "trailing_stop", "signal"} <= reasons


def test_without_risk_nodes_the_config_sizes_the_positions(tmp_path, bars_csv):
    flow_ = every_kind_flow(stops=False)
    path = tmp_path / "no_stops.py"
    path.write_text(generate_module(flow_, SYSTEM, EVERY_KIND_PARAMETERS).code)
    module = import_module(path)
    config = {"direction": "both", "size": 0.3, "fill": "close", "risk_free_rate": 0.02}

    expected = run_backtest(flow_, read_csv(bars_csv), config=config, parameters=EVERY_KIND_PARAMETERS)
    generated = module.backtest(module.load_bars(bars_csv), config)

    assert module.RISK == {}
    assert generated["trades"] == expected.trades
    assert generated["metrics"] == expected.metrics


def test_presets_and_composites_are_written_as_the_operations_they_stand_for(tmp_path, bars_csv):
    preset = {
        "name": "trend_50",
        "display_name": "Trend 50",
        "node_type": "INDICATOR",
        "parameter_schema": {},
        "default_parameters": {},
        "input_ports": [],
        "output_ports": [],
        "execution_hints": {"op": "preset", "base": "sma", "fixed_params": {"timeperiod": 50}},
        "user_id": "u1",
    }
    composite = {
        "name": "gap",
        "display_name": "Gap to average",
        "node_type": "INDICATOR",
        "parameter_schema": {
            "type": "object",
            "properties": {"period": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20}},
            "additionalProperties": False,
        },
        "default_parameters": {"period": 20},
        "input_ports": [{"name": "series", "type": "series", "required": True}],
        "output_ports": [{"name": "gap", "type": "series"}],
        "execution_hints": {
            "op": "composite",
            "flow": flow(
                [
                    {
                        "id": "avg",
                        "template": "sma",
                        "label": "Average",
                        "params": {"timeperiod": {"$param": "period"}},
                    },
                    {"id": "copy", "template": "lag", "params": {"bars": 1}},
                    {"id": "diff", "template": "subtract", "label": "Gap"},
                ],
                [
                    edge("avg", "value", "copy", "series"),
                    edge("avg", "value", "diff", "b"),
                    edge("copy", "value", "diff", "a"),
                ],
            ),
            "inputs": {"series": {"node": "avg", "port": "series"}},
            "outputs": {"gap": {"node": "diff", "port": "value"}},
        },
        "user_id": "u1",
    }
    catalogue = SYSTEM.with_templates([preset, composite])
    flow_ = flow(
        [
            node("close", "close", "Close"),
            node("trend", "trend_50", "Trend"),
            node("gap", "gap", "Gap to average", period=10),
            node("above", "cross_above", "Above the trend"),
            node("stretched", "greater_than", "Stretched", value=0),
            node("buy", "entry_long", "Buy"),
            node("sell", "exit_long", "Sell"),
        ],
        [
            edge("close", "close", "trend", "series"),
            edge("close", "close", "gap", "series"),
            edge("close", "close", "above", "a"),
            edge("trend", "value", "above", "b"),
            edge("gap", "gap", "stretched", "a"),
            edge("above", "value", "buy", "when"),
            edge("stretched", "value", "sell", "when"),
        ],
    )
    path = tmp_path / "custom.py"
    path.write_text(generate_module(flow_, catalogue, {}).code)
    module = import_module(path)

    expected = run_backtest(flow_, read_csv(bars_csv), catalogue=catalogue)
    generated = module.backtest(module.load_bars(bars_csv))

    assert "talib.SMA(close, timeperiod=50)" in path.read_text()
    assert len(expected.trades) > 5
    assert generated["trades"] == expected.trades
    assert generated["metrics"] == expected.metrics


def test_the_same_flow_and_parameters_give_the_same_bytes_and_moving_a_node_changes_nothing():
    flow_, params, _ = reference()
    first = generate_module(flow_, SYSTEM, params, strategy_name="Golden cross")
    moved = json.loads(json.dumps(flow_))
    moved["nodes"][0]["position"] = {"x": 999, "y": -5}
    second = generate_module(moved, SYSTEM, dict(reversed(params.items())), strategy_name="Golden cross")

    assert second.code == first.code
    assert second.code_hash == first.code_hash == hashlib.sha256(first.code.encode()).hexdigest()
    changed = generate_module(flow_, SYSTEM, {**params, "fast": 12}, strategy_name="Golden cross")
    assert changed.code_hash != first.code_hash
    assert changed.flow_hash == first.flow_hash  # the flow is the same; its parameter values are not


def test_the_module_names_its_strategy_version_and_flow_and_reads_its_parameters():
    flow_, params, _ = reference()
    module = generate_module(flow_, SYSTEM, params, strategy_name="Golden cross")
    tree = ast.parse(module.code)
    docstring = ast.get_docstring(tree)

    assert docstring.startswith("Strategy Golden cross:")
    assert GENERATOR_VERSION in docstring and flow_hash(flow_) in docstring
    assert module.flow_hash == flow_hash(flow_)
    assert "PARAMETERS = {\n" in module.code
    assert '    "fast": 10,\n    "slow": 30,\n    "rsi_period": 14,\n}' in module.code
    assert 'fast_sma = talib.SMA(close, timeperiod=PARAMETERS["fast"])' in module.code
    assert '# Node "sma_fast", template "sma": "Fast SMA"' in module.code
    assert "rsi_below_70 = np.less(rsi, 70.0)" in module.code


def test_changing_parameters_in_the_module_changes_its_signals(tmp_path, bars_csv):
    flow_, params, _ = reference()
    path = tmp_path / "strategy.py"
    path.write_text(generate_module(flow_, SYSTEM, params).code)
    module = import_module(path)
    bars = module.load_bars(bars_csv)
    before = module.generate_signals(bars)["entry_long"].copy()
    module.PARAMETERS["fast"] = 5

    after = module.generate_signals(bars)["entry_long"]

    assert not np.array_equal(before, after)


def test_labels_become_unique_identifiers_and_unusable_ones_fall_back_to_the_node_id_or_template_and_id():
    nodes = [
        node("c", "close", "Close"),
        node("a1", "sma", "Fast SMA", timeperiod=5),
        node("a2", "sma", "Fast SMA", timeperiod=6),
        node("k", "sma", "import", timeperiod=7),
        node("d", "sma", "__class__", timeperiod=8),
        node("p", "sma", "print", timeperiod=9),
        node("n", "sma", "n", timeperiod=10),
        node("x", "sma", "", timeperiod=11),
        node("u", "sma", "\U0001d412\U0001d425\U0001d428\U0001d430 SMA", timeperiod=12),  # bold "Slow"
        node("g", "greater_than", "1st > 2nd"),
        node("e", "entry_long"),
    ]
    edges = [edge("c", "close", target, "series") for target in ("a1", "a2", "k", "d", "p", "n", "x", "u")]
    edges += [edge("a1", "value", "g", "a"), edge("a2", "value", "g", "b"), edge("g", "value", "e", "when")]
    code = generate_module(flow(nodes, edges), SYSTEM).code

    for line in [
        "fast_sma = talib.SMA(close, timeperiod=5)",
        "fast_sma_2 = talib.SMA(close, timeperiod=6)",
        "k = talib.SMA(close, timeperiod=7)",  # "import" is a keyword
        "d = talib.SMA(close, timeperiod=8)",  # "__class__" leaves "class", a keyword
        "p = talib.SMA(close, timeperiod=9)",  # "print" is a builtin
        "sma_n = talib.SMA(close, timeperiod=10)",  # "n" is generate_signals' bar count, and the node's id
        "x = talib.SMA(close, timeperiod=11)",
        "slow_sma = talib.SMA(close, timeperiod=12)",
        "n1st_2nd = np.greater(fast_sma, fast_sma_2)",
        "e = n1st_2nd",
    ]:
        assert line in code


def test_an_invalid_flow_is_refused_with_every_problem():
    broken = flow([node("s", "sma"), node("x", "no_such_template")], [edge("s", "value", "s", "series")])

    with pytest.raises(FlowError) as caught:
        generate_module(broken, SYSTEM)

    codes = {(p.code, p.node_id) for p in caught.value.problems}
    assert {("unknown_template", "x"), ("cycle", "s"), ("no_entry_signal", None)} <= codes


def test_generated_modules_pass_the_checks_and_ruff(tmp_path):
    flow_, params, _ = reference()
    modules = {
        "reference": generate_module(flow_, SYSTEM, params, strategy_name="Golden cross"),
        "every_kind": generate_module(every_kind_flow(), SYSTEM, EVERY_KIND_PARAMETERS),
        "no_stops": generate_module(every_kind_flow(stops=False), SYSTEM, EVERY_KIND_PARAMETERS),
    }
    for name, module in modules.items():
        (tmp_path / f"{name}.py").write_text(module.code)
        report = check_code(module.code)
        assert report.status == VALID, report.as_dict()
        assert report.line_count == module.code.count("\n")
        assert report.functions["generate_signals"] == 1  # straight-line node code
        assert report.as_dict()["complexity"]["module_max"] == max(report.functions.values())

    assert ruff_problems(tmp_path) == ""


def test_complexity_scores_the_strategys_decisions_not_the_copied_simulation_loop():
    """complexity_score is the cyclomatic complexity of the strategy's logic, generate_signals, written as
    vectorised code: 1 + each comparison or crossing + each and / or combining them (what McCabe would count
    in the same rules written bar by bar). The simulation kernel every module carries does not count."""
    up_day = flow(
        [node("bars", "ohlcv"), node("up", "greater_than"), node("buy", "entry_long")],
        [edge("bars", "close", "up", "a"), edge("bars", "open", "up", "b"), edge("up", "value", "buy", "when")],
    )
    flow_, params, _ = reference()
    simple = check_code(generate_module(up_day, SYSTEM).code)
    golden_cross = check_code(generate_module(flow_, SYSTEM, params).code)
    every_kind = check_code(generate_module(every_kind_flow(), SYSTEM, EVERY_KIND_PARAMETERS).code)

    assert simple.complexity == 2  # close > open
    assert golden_cross.complexity == 5  # cross above, RSI < 70, and; cross below
    assert every_kind.complexity > golden_cross.complexity
    simulation = max(simple.functions.values())
    assert simulation == max(golden_cross.functions.values()) > golden_cross.complexity  # the same copied loop
    assert simple.as_dict()["complexity"]["strategy"] == 2


@pytest.fixture(scope="module")
def small_bars_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("small") / "bars.csv"
    write_csv(generate_bars(400, seed=8, freq="1h"), path)
    return path


@pytest.mark.parametrize("spec", list(SYSTEM), ids=lambda spec: spec.name)
def test_every_system_template_computes_exactly_what_the_engine_computes(spec, tmp_path, small_bars_csv):
    flow_ = flow_around(spec)
    flow_["nodes"][-1]["label"] = "Node under test"
    path = tmp_path / f"{spec.name}.py"
    path.write_text(generate_module(flow_, SYSTEM).code)
    module = import_module(path)
    plan = compile_flow(flow_, SYSTEM)
    expected = evaluate(plan, read_csv(small_bars_csv))

    generated = module.generate_signals(module.load_bars(small_bars_csv))

    for port in spec.outputs:
        if port.type == "number":
            continue  # a scalar: it reaches the series that read it, compared there
        name = "node_under_test" if len(spec.outputs) == 1 else f"node_under_test_{sanitise(port.name, 12)}"
        np.testing.assert_array_equal(generated["values"][name], expected.values["n"][port.name], err_msg=port.name)
    for kind in ("entry_long", "exit_long", "entry_short", "exit_short"):
        np.testing.assert_array_equal(generated[kind], getattr(expected.signals, kind), err_msg=kind)
    assert generated["first_trading_bar"] == warm_up_bars(expected.values)
    assert {key: module.RISK.get(key) for key in plan.risk} == dict(plan.risk)


def test_the_simulation_metrics_and_trade_list_are_the_engines_own_source_copied_verbatim():
    from engine import backtest, metrics, result, simulate

    flow_, params, _ = reference()
    code = generate_module(flow_, SYSTEM, params).code

    for function in (
        simulate._run.py_func,  # the numba kernel, without its @njit decorator
        simulate._close.py_func,
        simulate.Trades,
        simulate.Simulation,
        metrics.metrics_summary,
        metrics._period_returns,
        metrics.performance_summary,
        metrics.calendar_returns,
        result.trade_list,
        result.trade_excursions,
        backtest.warm_up_bars,
    ):
        source = "".join(line for line in inspect.getsourcelines(function)[0] if not line.startswith("@njit"))
        assert source in code, function.__qualname__
    assert "njit" not in code and "numba" not in code


@pytest.mark.parametrize("unit", ["iso", "s", "ms", "fractional s"])
def test_the_module_reads_bars_files_as_the_engine_does(tmp_path, unit):
    bars = generate_bars(50, seed=4, freq="1min")
    stamps = {
        "iso": [f"{t}Z" for t in bars.timestamp.astype("datetime64[ns]").astype("datetime64[s]").astype(str)],
        "s": (bars.timestamp // 10**9).tolist(),
        "ms": (bars.timestamp // 10**6).tolist(),
        "fractional s": (bars.timestamp / 10**9 + 0.25).tolist(),
    }[unit]
    prices = zip(*(bars.field(name).tolist() for name in ("open", "high", "low", "close", "volume")), strict=True)
    rows = [",".join(map(str, (stamp, *values))) for stamp, values in zip(stamps, prices, strict=True)]
    path = tmp_path / "bars.csv"
    path.write_text("Timestamp,Open,High,Low,Close,Volume\n" + "\n".join(rows) + "\n")
    flow_, params, _ = reference()
    (tmp_path / "strategy.py").write_text(generate_module(flow_, SYSTEM, params).code)
    module = import_module(tmp_path / "strategy.py")

    read = module.as_bars(module.load_bars(path))
    expected = read_csv(path)

    for name in ("timestamp", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(read, name), getattr(expected, name), err_msg=name)
