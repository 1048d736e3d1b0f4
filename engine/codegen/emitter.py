"""The emitter: a valid flow (with its parameters) becomes one standalone Python module.

The module reads like code a person wrote and reproduces the quick test exactly:

- a docstring naming the strategy, the generator version and the flow's hash; `PARAMETERS` (the strategy
  parameters the nodes are bound to), `RISK` (the flow's risk rules) and `DEFAULT_CONFIG`;
- `generate_signals(bars)`: one variable per node, named after its label, computed by the same TA-Lib and
  numpy calls as engine.ops, in the order the engine evaluates them;
- `backtest(bars, config)`: the engine's own simulation kernel, trade records, metrics and trade list,
  copied verbatim from the engine (see engine.codegen.shared), behind the same glue as engine.simulate;
- `main()`, so `python strategy.py BARS.csv [--config CONFIG.json]` prints the metrics as JSON.

Security: nothing from the flow is pasted into code. Values reach it through `literal` (validated, then
written by the emitter), names through `Names` (derived, checked against str.isidentifier and the keyword
lists), and labels, ids and template names only inside comments as escaped ASCII literals. The output is
deterministic: the same flow and parameters give the same bytes.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import talib

from engine.catalogue import Catalogue
from engine.config import CONFIG_SCHEMA
from engine.errors import FlowError, Problem
from engine.flow import PASSTHROUGH_OP, Plan, Step, compile_flow

from .literals import (
    MAX_IDENTIFIER,
    MAX_PORT_SUFFIX,
    LiteralError,
    Names,
    comment_text,
    docstring_safe,
    literal,
    sanitise,
    string_literal,
)
from .shared import copy_engine_code

GENERATOR_VERSION = "1.0.0"
LINE_LENGTH = 120  # the project's ruff line length; generated modules are formatted for it
INDENT = "        "
MAX_PARAMETER_NAME = 40  # the body of generate_signals, inside its `with np.errstate(...)` block

# The engine code a generated module carries, verbatim (dependencies follow automatically).
SHARED_ROOTS = [
    ("engine.bars", "FIELDS"),
    ("engine.bars", "_EPOCH_UNITS"),
    ("engine.simulate", "_run"),
    ("engine.simulate", "Trades"),
    ("engine.simulate", "Simulation"),
    ("engine.metrics", "metrics_summary"),
    ("engine.metrics", "performance_summary"),
    ("engine.metrics", "calendar_returns"),
    ("engine.result", "trade_list"),
    ("engine.backtest", "warm_up_bars"),
]
# engine.bars.Bars has methods a generated module has no use for (getattr by field name): it gets this one.
PROVIDED = {("engine.bars", "Bars")}
_BARS = '''
@dataclass(frozen=True)
class Bars:
    """Bars in time order: int64 UTC nanosecond timestamps, float64 prices and volume."""

    timestamp: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.close)
'''

# Helpers from engine.ops copied when a node needs them.
OP_HELPERS = {"shift": ("engine.ops.base", "shift"), "_divide": ("engine.ops.builtin", "_divide")}

SIGNAL_KINDS = ("entry_long", "exit_long", "entry_short", "exit_short")
ARITHMETIC = {"add": "np.add", "subtract": "np.subtract", "multiply": "np.multiply", "min": "np.minimum"}
ARITHMETIC |= {"max": "np.maximum", "divide": "_divide"}
UNARY = {"abs": "np.abs", "negate": "np.negative"}
COMPARE = {"gt": "np.greater", "lt": "np.less", "ge": "np.greater_equal", "le": "np.less_equal", "eq": "np.equal"}

_GLUE = '''
def column(bars: pd.DataFrame, name: str) -> np.ndarray:
    """One OHLCV column of `bars` as a contiguous float64 array, as TA-Lib takes it."""
    return np.ascontiguousarray(bars[name].to_numpy(dtype=np.float64))
'''

_HAND_WRITTEN_HELPERS = {
    "cross_above": '''
def cross_above(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """a[i] > b[i] and a[i-1] <= b[i-1]; bar 0 never crosses, and a missing value (NaN) means no cross."""
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), a.shape)
    return (a > b) & (shift(a, 1) <= shift(b, 1))
''',
    "cross_below": '''
def cross_below(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """a[i] < b[i] and a[i-1] >= b[i-1]; bar 0 never crosses, and a missing value (NaN) means no cross."""
    b = np.broadcast_to(np.asarray(b, dtype=np.float64), a.shape)
    return (a < b) & (shift(a, 1) >= shift(b, 1))
''',
    "rising": '''
def rising(series: np.ndarray, bars: int) -> np.ndarray:
    """Strictly rising on each of the last `bars` bars: s[i] > s[i-1] > ... > s[i-bars]."""
    return _steps_in_window(series > shift(series, 1), bars)
''',
    "falling": '''
def falling(series: np.ndarray, bars: int) -> np.ndarray:
    """Strictly falling on each of the last `bars` bars: s[i] < s[i-1] < ... < s[i-bars]."""
    return _steps_in_window(series < shift(series, 1), bars)
''',
    "_steps_in_window": '''
def _steps_in_window(step: np.ndarray, bars: int) -> np.ndarray:
    """Whether each of the last `bars` steps qualifies, from a running count of qualifying steps."""
    running = np.concatenate(([0], np.cumsum(step, dtype=np.int64)))
    window_start = np.maximum(np.arange(len(step)) + 1 - bars, 0)
    return running[1:] - running[window_start] == bars
''',
}
_HELPER_NEEDS = {
    "cross_above": ["shift"],
    "cross_below": ["shift"],
    "rising": ["shift", "_steps_in_window"],
    "falling": ["shift", "_steps_in_window"],
}

_RUNNER = '''
def load_bars(path: str) -> pd.DataFrame:
    """OHLCV bars from a CSV file with columns timestamp, open, high, low, close, volume (any case).

    Timestamps are ISO 8601 (UTC unless they carry an offset) or epoch seconds, milliseconds, microseconds or
    nanoseconds, as Strategy Builder reads them. The frame is indexed by UTC time.
    """
    frame = pd.read_csv(path)
    frame.columns = [str(name).strip().lower() for name in frame.columns]
    missing = [name for name in ("timestamp", *FIELDS) if name not in frame.columns]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} column")
    stamps = frame["timestamp"]
    if pd.api.types.is_numeric_dtype(stamps):
        numbers = stamps.to_numpy()
        ns_per_unit = next((ns for bound, ns in _EPOCH_UNITS if np.abs(numbers).max() < bound), 1)
        if numbers.dtype.kind in "iu" or np.array_equal(numbers, np.trunc(numbers)):
            nanos = numbers.astype(np.int64) * ns_per_unit
        else:
            nanos = np.round(numbers * ns_per_unit).astype(np.int64)
        index = pd.to_datetime(nanos, unit="ns", utc=True)
    else:
        index = pd.to_datetime(stamps, format="ISO8601", utc=True)
    bars = frame[list(FIELDS)].astype(np.float64)
    bars.index = pd.DatetimeIndex(index, name="timestamp")
    return bars


def as_bars(frame: pd.DataFrame) -> Bars:
    """The frame's columns as the arrays the simulation and the metrics read (timestamps in UTC nanoseconds)."""
    index = pd.DatetimeIndex(frame.index)
    timestamps = index.as_unit("ns").asi8
    return Bars(timestamps, *(np.ascontiguousarray(frame[name], dtype=np.float64) for name in FIELDS))


def simulate(bars: Bars, signals: dict[str, Any], config: dict[str, Any]) -> Simulation:
    """Trades and equity of the signals over the bars under `config`, with RISK applied."""
    sides = {"long": ("long",), "short": ("short",), "both": ("long", "short")}[config["direction"]]
    codes = np.zeros(len(bars), dtype=np.uint8)
    for name, bit in (
        ("entry_long", ENTRY_LONG_BIT),
        ("exit_long", EXIT_LONG_BIT),
        ("entry_short", ENTRY_SHORT_BIT),
        ("exit_short", EXIT_SHORT_BIT),
    ):
        if name.endswith(sides):
            codes[signals[name]] |= bit
    equity, records, skipped, liquidated = _run(
        bars.open,
        bars.high,
        bars.low,
        bars.close,
        codes,
        config["fill"] == "close",
        bool(config["whole_units"]),
        float(config["initial_capital"]),
        float(config["commission"]),
        float(config["slippage_bps"]) / 1e4,
        float(RISK.get("position_size", config["size"])),
        RISK.get("stop_loss", math.nan),
        RISK.get("take_profit", math.nan),
        RISK.get("trailing_stop", math.nan),
        int(np.count_nonzero(codes & (ENTRY_LONG_BIT | ENTRY_SHORT_BIT))),
    )
    trades = Trades(
        entry_bar=records[:, _ENTRY_BAR].astype(np.int64),
        exit_bar=records[:, _EXIT_BAR].astype(np.int64),
        entry_price=records[:, _ENTRY_PRICE].copy(),
        exit_price=records[:, _EXIT_PRICE].copy(),
        units=records[:, _UNITS].copy(),
        commission=records[:, _COMMISSION].copy(),
        exit_reason=records[:, _REASON].astype(np.int8),
    )
    return Simulation(
        equity=equity,
        trades=trades,
        initial_capital=float(config["initial_capital"]),
        fill=config["fill"],
        skipped_entries=int(skipped),
        liquidated_at=int(liquidated) if liquidated >= 0 else None,
    )


def backtest(bars: pd.DataFrame, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Backtest the strategy on `bars` (see load_bars): the metrics, the trades, the performance summary (all,
    long and short trades) and the monthly and yearly returns, as the quick test shows them.

    `config` overrides DEFAULT_CONFIG (initial_capital, commission, slippage_bps, fill, direction, size,
    whole_units, risk_free_rate).
    """
    unknown = sorted(set(config or {}) - set(DEFAULT_CONFIG))
    if unknown:
        raise ValueError(f"unknown configuration fields: {', '.join(unknown)} (known: {', '.join(DEFAULT_CONFIG)})")
    settings = {**DEFAULT_CONFIG, **(config or {})}
    signals = generate_signals(bars)
    data = as_bars(bars)
    simulation = simulate(data, signals, settings)
    metrics = metrics_summary(
        data,
        simulation,
        risk_free_rate=float(settings["risk_free_rate"]),
        first_trading_bar=signals["first_trading_bar"],
    )
    return {
        "metrics": metrics,
        "trades": trade_list(data, simulation),
        "performance_summary": performance_summary(simulation),
        "returns": calendar_returns(data, simulation),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Backtest the strategy {STRATEGY_NAME!r} and print its metrics.")
    parser.add_argument("bars", metavar="BARS.csv", help="columns timestamp, open, high, low, close, volume")
    parser.add_argument(
        "--config",
        metavar="CONFIG.json",
        type=argparse.FileType("r", encoding="utf-8"),
        help="backtest settings overriding DEFAULT_CONFIG",
    )
    args = parser.parse_args(argv)
    config = json.load(args.config) if args.config else None
    result = backtest(load_bars(args.bars), config)
    print(json.dumps(result["metrics"], indent=2, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def _defined_names(*sources: str) -> set[str]:
    return {
        node.name
        for source in sources
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
    }


# Every name the module defines besides the copied engine code, and generate_signals' own locals: node
# variables never take them.
_MODULE_NAMES = _defined_names(_BARS, _GLUE, _RUNNER, *_HAND_WRITTEN_HELPERS.values()) | set(OP_HELPERS)
_MODULE_NAMES |= {"generate_signals", "PARAMETERS", "RISK", "DEFAULT_CONFIG", "STRATEGY_NAME", "STRATEGY_DESCRIPTION"}
_MODULE_NAMES |= {"GENERATOR_VERSION"}
_MODULE_NAMES |= {"FLOW_HASH", "np", "pd", "talib", "json", "sys", "math", "argparse", "dataclass", "field", "Any"}
_MODULE_NAMES |= {"bars", "n", "values"}


@dataclass(frozen=True)
class GeneratedModule:
    """A generated module: its code, the SHA-256 of the code and of the flow, and the generator version."""

    code: str
    code_hash: str
    flow_hash: str
    version: str = GENERATOR_VERSION


def flow_hash(flow: Any) -> str:
    """SHA-256 of the flow's canonical JSON, node positions left out (moving a node changes no code)."""
    if isinstance(flow, Mapping) and isinstance(flow.get("nodes"), list):
        nodes = [
            {k: v for k, v in node.items() if k != "position"} if isinstance(node, Mapping) else node
            for node in flow["nodes"]
        ]
        flow = {**flow, "nodes": nodes}
    canonical = json.dumps(flow, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def generate_module(
    flow: Any,
    catalogue: Catalogue,
    parameters: Mapping[str, Any] | None = None,
    *,
    strategy_name: str = "Strategy",
    description: str | None = None,
) -> GeneratedModule:
    """The standalone module of a valid flow. Raises FlowError listing every problem when the flow is invalid
    or holds a value generated code cannot carry (NaN, an infinity, a 30-digit integer ...)."""
    parameters = dict(parameters or {})
    plan = compile_flow(flow, catalogue, parameters)
    digest = flow_hash(flow)
    code = _Writer(flow, plan, catalogue, parameters, strategy_name, description, digest).module()
    return GeneratedModule(code=code, code_hash=hashlib.sha256(code.encode("utf-8")).hexdigest(), flow_hash=digest)


class _Writer:
    def __init__(
        self,
        flow: dict[str, Any],
        plan: Plan,
        catalogue: Catalogue,
        parameters: dict[str, Any],
        strategy_name: str,
        description: str | None,
        digest: str,
    ):
        self.flow = flow
        self.plan = plan
        self.catalogue = catalogue
        self.parameters = parameters
        self.strategy_name = strategy_name
        self.description = description
        self.digest = digest
        self.problems: list[Problem] = []
        self.bound: dict[str, Any] = {}  # strategy parameters the nodes read, in order of first use
        self.helpers: list[str] = []  # helper functions the nodes call, in order of first use
        self.raw_nodes = {
            node["id"]: node for node in flow["nodes"] if isinstance(node, dict) and isinstance(node.get("id"), str)
        }
        self.shared = copy_engine_code(SHARED_ROOTS, provided=PROVIDED)
        self.names = Names(set(self.shared.names) | _MODULE_NAMES)
        self.outputs: dict[tuple[str, str], str] = {}  # (node id, port) -> variable
        self.numbers: set[tuple[str, str]] = set()  # outputs that are numbers (broadcast when read as series)
        self.uses_n = False

    # -- the module ----------------------------------------------------------------------------------

    def module(self) -> str:
        body = self._signal_body()
        risk = self._risk()
        parameters = self._parameters()
        if self.problems:
            raise FlowError(self.problems)
        header = [
            self._docstring(),
            self._imports(),
            "\n".join(
                [
                    f"STRATEGY_NAME = {string_literal(self.strategy_name)}",
                    f"STRATEGY_DESCRIPTION = {string_literal(self.description or '')}",
                    f"GENERATOR_VERSION = {literal(GENERATOR_VERSION)}",
                    f"FLOW_HASH = {literal(self.digest)}",
                ]
            ),
        ]
        blocks = [
            parameters,
            risk,
            self._default_config(),
            _BARS.strip("\n"),
            *self.shared.blocks,
            *self._helper_blocks(),
            _GLUE.strip("\n"),
            body,
            _RUNNER.strip("\n"),
        ]
        return "\n\n".join(header) + "\n\n\n" + "\n\n\n".join(blocks) + "\n"

    def _docstring(self) -> str:
        if docstring_safe(self.strategy_name):
            title = f"Strategy {self.strategy_name}: standalone backtest generated by Strategy Builder."
        else:
            title = "Standalone backtest of the strategy named in STRATEGY_NAME, generated by Strategy Builder."
        return "\n".join(
            [
                f'"""{title}',
                "",
                f"Generator version {GENERATOR_VERSION}; flow hash (SHA-256) {self.digest}.",
                "",
                "Run it on a CSV of OHLCV bars (columns timestamp, open, high, low, close, volume):",
                "",
                "    python strategy.py BARS.csv [--config CONFIG.json]",
                "",
                "It prints the backtest's metrics as JSON, the figures of a quick test in Strategy Builder on the same",
                "bars and settings. generate_signals() computes the flow's nodes with TA-Lib and numpy; the simulation",
                "and the metrics below are Strategy Builder's own engine code. Needs numpy, pandas and TA-Lib.",
                '"""',
            ]
        )

    def _imports(self) -> str:
        """What the copied engine code imports, and what the emitter's own code uses (isort's order)."""
        from_imports = self.shared.from_imports | {("dataclasses", "dataclass"), ("typing", "Any")}
        lines = ["from __future__ import annotations", ""]
        lines += [f"import {module}" for module in ("argparse", "json", "math", "sys")]
        for module in sorted({m for m, _ in from_imports}):
            lines.append(f"from {module} import {', '.join(sorted(n for m, n in from_imports if m == module))}")
        lines += ["", "import numpy as np", "import pandas as pd", "import talib"]
        return "\n".join(lines)

    def _parameters(self) -> str:
        lines = ["# The strategy parameters the nodes read (the values the code was generated with)."]
        lines += _dict_lines(
            "PARAMETERS", [(literal(name), literal(value), None) for name, value in self.bound.items()]
        )
        return "\n".join(lines)

    def _risk(self) -> str:
        entries = []
        for setting, value in self.plan.risk.items():
            node_id = self.plan.risk_nodes[setting]
            try:
                entries.append((literal(setting), literal(value), f"node {comment_text(node_id)}"))
            except LiteralError as exc:
                self._problem(node_id, f"its {setting} is {exc}")
        lines = ["# The flow's risk rules: stop levels as fractions of the entry price, position_size of equity."]
        return "\n".join(lines + _dict_lines("RISK", entries))

    def _default_config(self) -> str:
        entries = [(literal(k), literal(spec["default"]), None) for k, spec in CONFIG_SCHEMA["properties"].items()]
        lines = ["# The backtest settings a quick test uses unless it is told otherwise."]
        return "\n".join(lines + _dict_lines("DEFAULT_CONFIG", entries))

    def _helper_blocks(self) -> list[str]:
        needed: list[str] = []
        for helper in self.helpers:
            for name in [*_HELPER_NEEDS.get(helper, []), helper]:
                if name not in needed:
                    needed.append(name)
        blocks = []
        copied = [OP_HELPERS[name] for name in needed if name in OP_HELPERS]
        if copied:
            extra = copy_engine_code(copied)
            blocks += [block for block in extra.blocks if block not in self.shared.blocks]
        blocks += [_HAND_WRITTEN_HELPERS[name].strip("\n") for name in needed if name in _HAND_WRITTEN_HELPERS]
        return blocks

    # -- generate_signals ------------------------------------------------------------------------------

    def _signal_body(self) -> str:
        lines = [
            "def generate_signals(bars: pd.DataFrame) -> dict[str, Any]:",
            '    """The entry and exit signals decided at the close of every bar, computed node by node; `values`,',
            "    every node's output by variable name; and `first_trading_bar`, the first bar at which every computed",
            "    series has a value (where buy & hold starts, after the indicators' warm-up).",
            '    """',
            '    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):',
        ]
        signals: dict[str, list[str]] = {kind: [] for kind in SIGNAL_KINDS}
        values: list[str] = []
        for step in self.plan.steps:
            lines.append(INDENT + "# " + self._describe(step))
            produced = self._step(step, lines)
            if step.op == "signal":
                signals[step.hints["signal"]].append(produced)
            values += [
                self.outputs[(step.node_id, port)] for port in step.outputs if (step.node_id, port) not in self.numbers
            ]
        lines.append("")
        lines += ["    " + line for line in _dict_lines("values", [(literal(v), v, None) for v in values])]
        lines.append("    return {")
        for kind in SIGNAL_KINDS:
            value = " | ".join(signals[kind]) if signals[kind] else self._bar_count("np.zeros(n, dtype=bool)")
            lines += _wrapped(f"        {literal(kind)}: ", value, ",")
        lines.append('        "values": values,')
        lines.append('        "first_trading_bar": warm_up_bars({"nodes": values}),  # {node: {port: series}}')
        lines.append("    }")
        if self.uses_n:
            lines.insert(5, "    n = len(bars)")
        return "\n".join(lines)

    def _describe(self, step: Step) -> str:
        text = f"Node {comment_text(step.node_id)}, template {comment_text(step.template)}"
        if step.label:
            text += f": {comment_text(step.label)}"
        return text

    def _step(self, step: Step, lines: list[str]) -> str:
        """Write the lines computing `step`; returns the variable of a signal node (its `when`)."""
        base = self.names.derive(
            step.label,
            step.node_id,
            f"{step.template}_{step.node_id}",
            fallback=f"node_{len(self.outputs)}",
        )
        if step.op == "signal":
            lines.append(f"{INDENT}{base} = {self._read(step, 'when')}")
            return base
        targets = self._targets(step, base)
        match step.op:
            case "field":
                lines.append(f"{INDENT}{targets[0]} = column(bars, {literal(step.hints['field'])})")
            case "ohlcv":
                for port, target in zip(step.outputs, targets, strict=True):
                    lines.append(f"{INDENT}{target} = column(bars, {literal(port)})")
            case "talib":
                self._talib(step, base, targets, lines)
            case "arithmetic":
                function = ARITHMETIC[step.hints["operator"]]
                if function == "_divide":
                    self._use("_divide")
                lines += _call(targets[0], function, [self._read(step, "a"), self._read(step, "b")])
            case "unary":
                lines += _call(targets[0], UNARY[step.hints["operator"]], [self._read(step, "a")])
            case "lag":
                self._use("shift")
                lines += _call(targets[0], "shift", [self._read(step, "series"), self._param(step, "bars")])
            case "change":
                self._change(step, targets[0], lines)
            case "constant":
                self.numbers.add((step.node_id, "value"))
                lines.append(f"{INDENT}{targets[0]} = {self._number(step, 'value')}")
            case "compare":
                function = COMPARE[step.hints["operator"]]
                lines += _call(targets[0], function, [self._read(step, "a"), self._b_or_value(step, "b", "value")])
            case "cross":
                helper = f"cross_{step.hints['direction']}"
                self._use(helper)
                lines += _call(targets[0], helper, [self._read(step, "a"), self._b_or_value(step, "b", "value")])
            case "between":
                series = self._read(step, "series")
                lower = self._b_or_value(step, "lower", "lower")
                upper = self._b_or_value(step, "upper", "upper")
                lines += _wrapped(f"{INDENT}{targets[0]} = ", f"({series} >= {lower}) & ({series} <= {upper})", "")
            case "direction":
                helper = step.hints["direction"]
                self._use(helper)
                lines += _call(targets[0], helper, [self._read(step, "series"), self._param(step, "bars")])
            case "logic":
                operator = step.hints["operator"]
                if operator == "not":
                    lines.append(f"{INDENT}{targets[0]} = ~{self._read(step, 'a')}")
                else:
                    symbol = "&" if operator == "and" else "|"
                    lines += _wrapped(
                        f"{INDENT}{targets[0]} = ", f"{self._read(step, 'a')} {symbol} {self._read(step, 'b')}", ""
                    )
            case _ if step.op == PASSTHROUGH_OP:
                for port, target in zip(step.outputs, targets, strict=True):
                    source = step.inputs[port]
                    lines.append(f"{INDENT}{target} = {self.outputs[(source.node, source.port)]}")
                    if (source.node, source.port) in self.numbers:
                        self.numbers.add((step.node_id, port))
            case _:
                self._problem(step.node_id, f"operation {step.op!r} cannot be written as code")
        return base

    def _targets(self, step: Step, base: str) -> list[str]:
        if len(step.outputs) == 1:
            names = [base]
        else:
            limit = MAX_IDENTIFIER + 1 + MAX_PORT_SUFFIX
            names = [
                self.names.derive(f"{base}_{sanitise(port, MAX_PORT_SUFFIX)}", fallback=f"{base}_{i}", limit=limit)
                for i, port in enumerate(step.outputs)
            ]
        for port, name in zip(step.outputs, names, strict=True):
            self.outputs[(step.node_id, port)] = name
        return names

    def _talib(self, step: Step, base: str, targets: list[str], lines: list[str]) -> None:
        function = step.hints["function"]
        if function not in talib.get_functions() or not function.isidentifier():
            self._problem(step.node_id, f"{function!r} is not a TA-Lib function")
            return
        args = [self._read(step, port) for port in step.hints["inputs"]]
        for key in step.params:
            if not key.isidentifier() or not key.isascii():
                self._problem(step.node_id, f"parameter name {key!r} cannot be a keyword argument")
                return
            args.append(f"{key}={self._param(step, key)}")
        lhs = ", ".join(targets)
        if len(targets) > 1 and len(f"{INDENT}{lhs} = talib.{function}(") > LINE_LENGTH:
            # Too many long names to unpack on one line: the node's name holds the tuple, then each output.
            lines += _call(base, f"talib.{function}", args)
            lines += [f"{INDENT}{target} = {base}[{i}]" for i, target in enumerate(targets)]
            return
        lines += _call(lhs, f"talib.{function}", args)

    def _change(self, step: Step, target: str, lines: list[str]) -> None:
        self._use("shift")
        series = self._read(step, "series")
        before = f"shift({series}, {self._param(step, 'bars')})"
        if step.hints["mode"] == "difference":
            lines += _wrapped(f"{INDENT}{target} = ", f"{series} - {before}", "")
        else:
            self._use("_divide")
            lines += _wrapped(f"{INDENT}{target} = ", f"(_divide({series}, {before}) - 1.0) * 100.0", "")

    def _use(self, helper: str) -> None:
        if helper not in self.helpers:
            self.helpers.append(helper)

    # -- values ----------------------------------------------------------------------------------------

    def _read(self, step: Step, port: str) -> str:
        """The expression an input reads: the feeding node's variable, broadcast when a number feeds a series."""
        source = step.inputs.get(port)
        variable = self.outputs[(source.node, source.port)]
        if (source.node, source.port) in self.numbers and step.input_types.get(port) == "series":
            return self._bar_count(f"np.full(n, {variable}, dtype=np.float64)")
        return variable

    def _bar_count(self, expression: str) -> str:
        """`expression`, which reads the number of bars `n`: generate_signals then defines it."""
        self.uses_n = True
        return expression

    def _b_or_value(self, step: Step, port: str, param: str) -> str:
        """An optional series input, or the float of its param when nothing is connected to it."""
        if step.inputs.get(port) is not None:
            return self._read(step, port)
        return self._number(step, param)

    def _number(self, step: Step, param: str) -> str:
        """A param the engine reads as float(value): float(PARAMETERS[...]) when bound, else a float literal."""
        bound = self._bound(step, param)
        if bound is not None:
            return f"float({bound})"
        try:
            return literal(float(step.params[param]))
        except (OverflowError, TypeError, ValueError) as exc:
            self._problem(step.node_id, f"param {param!r} is not a number code can hold ({exc})", f"params.{param}")
            return "0.0"

    def _param(self, step: Step, key: str) -> str:
        """A param's value in code: PARAMETERS["name"] when bound, else the resolved value as a literal."""
        bound = self._bound(step, key)
        if bound is not None:
            return bound
        try:
            return literal(step.params[key])
        except LiteralError as exc:
            self._problem(step.node_id, f"param {key!r} is {exc}", field=f"params.{key}")
            return "0"

    def _bound(self, step: Step, key: str) -> str | None:
        """PARAMETERS["name"] when the node binds `key` to a strategy parameter with that very value (after the
        engine's coercion, so 14.0 bound to an integer param is written as 14, unbound)."""
        name = self._binding(step, key)
        value = step.params[key]
        if name is None or type(self.parameters[name]) is not type(value) or self.parameters[name] != value:
            return None
        try:
            literal(value)
        except LiteralError as exc:
            self._problem(step.node_id, f"strategy parameter {name!r} is {exc}", field=f"params.{key}")
            return "0"
        self.bound.setdefault(name, value)
        return f"PARAMETERS[{literal(name)}]"

    def _binding(self, step: Step, key: str) -> str | None:
        """The strategy parameter a top-level node of a system template binds `key` to, if any."""
        raw = self.raw_nodes.get(step.node_id)
        if raw is None:
            return None  # inside a composite: its params are the composite's, resolved
        spec = self.catalogue.get(raw.get("template"), raw.get("version"))
        if spec is None or not spec.is_system:
            return None  # a preset's params may be fixed; its resolved values are written as they are
        bound = (raw.get("params") or {}).get(key)
        if not (isinstance(bound, dict) and set(bound) == {"$param"} and isinstance(bound["$param"], str)):
            return None
        name = bound["$param"]
        # A name too long for a readable line is written as its value (ruff would split the subscript).
        return name if name in self.parameters and len(name) <= MAX_PARAMETER_NAME else None

    def _problem(self, node_id: str, message: str, field: str | None = None) -> None:
        self.problems.append(
            Problem("not_generatable", f"Node {node_id}: {message}; code cannot be generated.", node_id, field=field)
        )


# -- layout: what ruff format would write ----------------------------------------------------------------


def _dict_lines(name: str, entries: list[tuple[str, str, str | None]]) -> list[str]:
    """`name = {...}` with one entry per line and a trailing comma (ruff keeps such a dict expanded)."""
    if not entries:
        return [f"{name} = {{}}"]
    lines = [f"{name} = {{"]
    for key, value, comment in entries:
        lines.append(f"    {key}: {value}," + (f"  # {comment}" if comment else ""))
    lines.append("}")
    return lines


def _call(target: str, function: str, args: list[str]) -> list[str]:
    """`target = function(args)` at the body's indentation, split the way ruff splits a call that is too long:
    arguments on one indented line, else one per line with a trailing comma."""
    head = f"{INDENT}{target} = {function}("
    one_line = head + ", ".join(args) + ")"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    inner = INDENT + "    " + ", ".join(args)
    if len(inner) <= LINE_LENGTH:
        return [head, inner, INDENT + ")"]
    return [head, *(f"{INDENT}    {arg}," for arg in args), INDENT + ")"]


def _wrapped(prefix: str, expression: str, suffix: str) -> list[str]:
    """`prefix expression suffix` on one line, or the expression in parentheses on its own line when too long."""
    line = prefix + expression + suffix
    if len(line) <= LINE_LENGTH:
        return [line]
    indent = prefix[: len(prefix) - len(prefix.lstrip())]
    return [prefix + "(", f"{indent}    {expression}", f"{indent}){suffix}"]
