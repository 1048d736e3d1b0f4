"""The backtest configuration: its JSON Schema, its defaults, and resolving raw input into a `BacktestConfig`.

The schema is the single source of truth for what a configuration may hold; `resolve_config` validates
against it, reports every problem at once (each naming its field), and fills in the defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from engine.errors import ConfigError, Problem
from engine.limits import number_problem, shown
from engine.signals import RISK_RANGES

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://strategy-builder.local/schemas/backtest-config.json",
    "title": "Backtest configuration",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "initial_capital": {
            "description": "Cash the backtest starts with.",
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 10000,
        },
        "commission": {
            "description": "Commission as a fraction of traded notional, charged on each side (0.001 = 0.1 %).",
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 0.1,
            "default": 0,
        },
        "slippage_bps": {
            "description": "Slippage in basis points, applied against the trader on every fill.",
            "type": "number",
            "minimum": 0,
            "default": 0,
        },
        "fill": {
            "description": "When a signal decided at a bar's close is filled: the next bar's open, or that close.",
            "enum": ["next_open", "close"],
            "default": "next_open",
        },
        "direction": {
            "description": "Which sides the strategy may trade.",
            "enum": ["long", "short", "both"],
            "default": "long",
        },
        "size": {
            "description": "Fraction of equity committed to each position (commission included).",
            "type": "number",
            **RISK_RANGES["position_size"].json_schema(),  # as a Position Size node's fraction
            "default": 1.0,
        },
        "whole_units": {
            "description": "Trade whole units only (rounding the position size down).",
            "type": "boolean",
            "default": False,
        },
        "risk_free_rate": {
            "description": "Annual risk-free rate used by the Sharpe and Sortino ratios (0.02 = 2 %).",
            "type": "number",
            "exclusiveMinimum": -1,
            "exclusiveMaximum": 1,
            "default": 0,
        },
    },
}

Fill = Literal["next_open", "close"]
Direction = Literal["long", "short", "both"]

_CODES = {
    "type": "invalid_type",
    "enum": "invalid_choice",
    "minimum": "out_of_range",
    "maximum": "out_of_range",
    "exclusiveMinimum": "out_of_range",
    "exclusiveMaximum": "out_of_range",
}


@dataclass(frozen=True)
class BacktestConfig:
    """A validated backtest configuration with every default applied."""

    initial_capital: float = 10000.0
    commission: float = 0.0
    slippage_bps: float = 0.0
    fill: Fill = "next_open"
    direction: Direction = "long"
    size: float = 1.0
    whole_units: bool = False
    risk_free_rate: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_config(raw: dict[str, Any] | None) -> BacktestConfig:
    """Validate `raw` against CONFIG_SCHEMA and return it with defaults applied.

    Raises ConfigError listing every problem found, each naming its field.
    """
    from jsonschema import Draft202012Validator  # imported on use: keeps `import engine` light

    if raw is None:
        raw = {}
    problems = [p for error in Draft202012Validator(CONFIG_SCHEMA).iter_errors(raw) for p in _problems(error)]
    if isinstance(raw, dict):
        flagged = {p.field for p in problems}
        # The numbers a run can use (engine.limits): JSON Schema passes NaN and a 400-digit capital alike.
        problems += [
            Problem(code="out_of_range", message=f"{key}: must be a usable number, not {why}.", field=key)
            for key, value in raw.items()
            if key in CONFIG_SCHEMA["properties"] and key not in flagged and (why := number_problem(value)) is not None
        ]
    if problems:
        problems.sort(key=lambda p: (p.field or "", p.code))
        raise ConfigError(problems)
    values = {
        key: raw.get(key, spec["default"])
        for key, spec in CONFIG_SCHEMA["properties"].items()  # every property has a default
    }
    for key in ("initial_capital", "commission", "slippage_bps", "size", "risk_free_rate"):
        values[key] = float(values[key])
    return BacktestConfig(**values)


def _problems(error: Any) -> list[Problem]:
    """Turn one jsonschema ValidationError into Problems, each naming its field."""
    if error.validator == "additionalProperties":
        allowed = ", ".join(CONFIG_SCHEMA["properties"])
        return [
            Problem(
                code="unknown_field", message=f"{key}: unknown configuration field (allowed: {allowed}).", field=key
            )
            for key in sorted(set(error.instance) - set(CONFIG_SCHEMA["properties"]))
        ]
    code = _CODES.get(error.validator, "invalid")
    field = ".".join(str(part) for part in error.absolute_path)
    if not field:
        return [Problem(code=code, message="The configuration must be a JSON object.")]
    return [Problem(code=code, message=f"{field}: {_describe(error)}", field=field)]


def _describe(error: Any) -> str:
    value = error.validator_value
    given = shown(repr(error.instance))
    match error.validator:
        case "type":
            return f"must be a {value}, not {given}."
        case "enum":
            return f"must be one of {', '.join(map(repr, value))}, not {given}."
        case "minimum":
            return f"must be at least {value}, not {given}."
        case "maximum":
            return f"must be at most {value}, not {given}."
        case "exclusiveMinimum":
            return f"must be greater than {value}, not {given}."
        case "exclusiveMaximum":
            return f"must be less than {value}, not {given}."
    return error.message
