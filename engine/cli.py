"""The engine's command line: validate a logic flow, or backtest it on a CSV of bars, printing JSON.

    python -m engine validate FLOW.json [--params PARAMS.json]
    python -m engine backtest FLOW.json BARS.csv [--config CONFIG.json] [--params PARAMS.json]

Results go to stdout as JSON. Problems with the input (a file that cannot be read, JSON that does not parse,
an invalid flow, config or bar file) go to stderr, one per line, each naming the file and where in it, and
the exit status is 1; usage errors exit with 2. The engine's heavy dependencies (numpy, pyarrow, TA-Lib,
numba) are imported inside the commands, so `--help` answers at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.errors import EngineError, Problem

EXIT_OK = 0
EXIT_INVALID = 1  # argparse itself exits with 2 on a usage error


class InputError(Exception):
    """The command cannot run on what it was given. Each line names a file and what is wrong with it."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except InputError as error:
        for line in error.lines:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        # The reader left early (`... | head`): stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m engine",
        description="Validate a strategy's logic flow, or backtest it on OHLCV bars. Prints JSON.",
        epilog="Exit status: 0 success, 1 invalid input (problems on stderr), 2 usage error.",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check a flow; prints {valid, problems}",
        description='Check a logic flow against the system node library. Prints {"valid": ..., "problems": [...]} '
        "and exits 0 when the flow is valid, 1 when it is not.",
    )
    validate.add_argument("flow", type=Path, metavar="FLOW.json", help="the logic flow (format v1)")
    validate.add_argument("--params", type=Path, metavar="PARAMS.json", help="values of the flow's $param bindings")
    validate.set_defaults(run=_validate)

    backtest = commands.add_parser(
        "backtest",
        help="backtest a flow on a CSV of bars; prints {metrics, trades, warnings}",
        description="Backtest a logic flow on OHLCV bars. Prints the result as JSON: metrics, trades, warnings.",
    )
    backtest.add_argument("flow", type=Path, metavar="FLOW.json", help="the logic flow (format v1)")
    backtest.add_argument(
        "bars",
        type=Path,
        metavar="BARS.csv",
        help="columns timestamp, open, high, low, close, volume; timestamps ISO 8601 or epoch seconds/milliseconds",
    )
    backtest.add_argument(
        "--config", type=Path, metavar="CONFIG.json", help="backtest settings (commission, fill, ...)"
    )
    backtest.add_argument("--params", type=Path, metavar="PARAMS.json", help="values of the flow's $param bindings")
    backtest.set_defaults(run=_backtest)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from engine.catalogue import system_catalogue
    from engine.flow import validate_flow

    flow = _read_json(args.flow)
    parameters = _read_object(args.params, "parameter values") if args.params else None
    problems = validate_flow(flow, system_catalogue(), parameters)
    _print_json({"valid": not problems, "problems": [p.as_dict() for p in problems]})
    return EXIT_INVALID if problems else EXIT_OK


def _backtest(args: argparse.Namespace) -> int:
    from engine.backtest import run_backtest
    from engine.bars import read_csv
    from engine.catalogue import system_catalogue
    from engine.config import resolve_config
    from engine.errors import ConfigError, DataError, FlowError
    from engine.flow import validate_flow

    # Every file is checked before anything runs, so one attempt reports what is wrong with all of them.
    errors: list[str] = []
    flow = _collect(errors, _read_json, args.flow)
    parameters = _collect(errors, _read_object, args.params, "parameter values") if args.params else None
    config = None
    if args.config:
        raw_config = _collect(errors, _read_object, args.config, "backtest settings")
        try:
            config = resolve_config(raw_config) if raw_config is not None else None
        except ConfigError as error:
            errors += _problem_lines(args.config, error)
    catalogue = system_catalogue()
    if flow is not None and (parameters is not None or not args.params):
        errors += [_problem_line(args.flow, p) for p in validate_flow(flow, catalogue, parameters)]
    try:
        bars = read_csv(args.bars)
    except OSError as error:
        errors.append(f"{args.bars}: cannot read the file: {error.strerror or error}")
    except DataError as error:
        errors += _problem_lines(args.bars, error)
    if errors:
        raise InputError(errors)

    try:
        result = run_backtest(flow, bars, config=config, parameters=parameters, catalogue=catalogue)
    except (FlowError, ConfigError) as error:  # the config is resolved: a ConfigError now is a risk node's setting
        raise InputError(_problem_lines(args.flow, error)) from error
    except DataError as error:
        raise InputError(_problem_lines(args.bars, error)) from error
    outcome = result.to_dict()
    _print_json({key: outcome[key] for key in ("metrics", "trades", "warnings")})
    return EXIT_OK


def _read_json(path: Path) -> Any:
    try:
        text = path.read_bytes()
    except OSError as error:
        raise InputError([f"{path}: cannot read the file: {error.strerror or error}"]) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError([f"{path}, line {error.lineno}, column {error.colno}: invalid JSON: {error.msg}"]) from error
    except UnicodeDecodeError as error:
        raise InputError([f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"]) from error


def _read_object(path: Path, what: str) -> dict[str, Any]:
    value = _read_json(path)
    if not isinstance(value, dict):
        raise InputError([f"{path}: expected a JSON object of {what}, found {type(value).__name__}"])
    return value


def _collect(errors: list[str], read: Callable[..., Any], *args: Any) -> Any:
    """Run one reader; on failure note its lines in `errors` and give None, so the other files still get checked."""
    try:
        return read(*args)
    except InputError as error:
        errors += error.lines
        return None


def _problem_lines(path: Path, error: EngineError) -> list[str]:
    return [_problem_line(path, problem) for problem in error.problems]


def _problem_line(path: Path, problem: Problem) -> str:
    """`bars.csv, line 7: high 'abc' is not a number`. Engine messages name their node, edge or field
    themselves; only a CSV line number lives outside the message."""
    where = f"{path}, line {problem.line}" if problem.line is not None else str(path)
    return f"{where}: {problem.message}"


def _print_json(payload: dict[str, Any]) -> None:
    # One compact line: json's C encoder only runs without indentation, and a million-bar result is large.
    sys.stdout.write(json.dumps(payload, allow_nan=False) + "\n")
