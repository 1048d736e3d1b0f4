"""The backtest configuration: schema, defaults, and every problem reported with its field."""

from __future__ import annotations

import dataclasses

import pytest
from jsonschema import Draft202012Validator

from engine.config import CONFIG_SCHEMA, BacktestConfig, resolve_config
from engine.errors import ConfigError


def problems_of(raw) -> dict[str | None, str]:
    with pytest.raises(ConfigError) as raised:
        resolve_config(raw)
    return {p.field: p.code for p in raised.value.problems}


def test_the_schema_is_valid_json_schema_2020_12():
    Draft202012Validator.check_schema(CONFIG_SCHEMA)
    assert CONFIG_SCHEMA["additionalProperties"] is False


@pytest.mark.parametrize("raw", [None, {}])
def test_nothing_given_means_every_default(raw):
    config = resolve_config(raw)
    assert config == BacktestConfig()
    assert config.as_dict() == {
        "initial_capital": 10000.0,
        "commission": 0.0,
        "slippage_bps": 0.0,
        "fill": "next_open",
        "direction": "long",
        "size": 1.0,
        "whole_units": False,
        "risk_free_rate": 0.0,
    }


def test_schema_defaults_and_the_dataclass_defaults_agree():
    for field in dataclasses.fields(BacktestConfig):
        assert CONFIG_SCHEMA["properties"][field.name]["default"] == field.default, field.name
    assert set(CONFIG_SCHEMA["properties"]) == {f.name for f in dataclasses.fields(BacktestConfig)}


def test_given_values_are_kept_and_numbers_become_floats():
    config = resolve_config(
        {"initial_capital": 5000, "commission": 0.001, "fill": "close", "direction": "both", "size": 0.5,
         "whole_units": True, "slippage_bps": 2, "risk_free_rate": 0.02}
    )  # fmt: skip
    assert config == BacktestConfig(5000.0, 0.001, 2.0, "close", "both", 0.5, True, 0.02)
    assert isinstance(config.initial_capital, float)


def test_every_problem_is_reported_at_once_each_naming_its_field():
    problems = problems_of(
        {"initial_capital": 0, "commission": 0.1, "slippage_bps": -1, "fill": "open", "direction": "sideways",
         "size": 1.5, "whole_units": "yes", "risk_free_rate": 1, "leverage": 2}
    )  # fmt: skip
    assert problems == {
        "initial_capital": "out_of_range",
        "commission": "out_of_range",
        "slippage_bps": "out_of_range",
        "fill": "invalid_choice",
        "direction": "invalid_choice",
        "size": "out_of_range",
        "whole_units": "invalid_type",
        "risk_free_rate": "out_of_range",
        "leverage": "unknown_field",
    }


def test_messages_say_what_is_wrong_and_what_is_allowed():
    with pytest.raises(ConfigError) as raised:
        resolve_config({"fill": "open", "size": 0})
    messages = sorted(p.message for p in raised.value.problems)
    assert messages == [
        "fill: must be one of 'next_open', 'close', not 'open'.",
        "size: must be greater than 0, not 0.",
    ]


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(value):
    assert problems_of({"initial_capital": value, "slippage_bps": value}) == {
        "initial_capital": "out_of_range",
        "slippage_bps": "out_of_range",
    }


def test_booleans_are_not_numbers_and_numbers_are_not_booleans():
    assert problems_of({"commission": True, "whole_units": 0}) == {
        "commission": "invalid_type",
        "whole_units": "invalid_type",
    }


def test_a_config_that_is_not_an_object_is_one_problem():
    assert problems_of([1, 2]) == {None: "invalid_type"}


def test_the_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolve_config({}).size = 0.5
