"""The system node library: generated from TA-Lib, well-formed, complete, and in step with the committed file."""

from __future__ import annotations

import talib
from talib import abstract

from engine.library import SYSTEM_NODES_PATH, load_system_templates
from engine.library.build import build_system_templates, load_curation, render
from engine.templates import template_problems

TALIB_GROUPS = (
    "Overlap Studies",
    "Momentum Indicators",
    "Volatility Indicators",
    "Volume Indicators",
    "Cycle Indicators",
    "Price Transform",
)


def by_name() -> dict[str, dict]:
    return {t["name"]: t for t in load_system_templates()}


def test_committed_library_is_exactly_what_the_build_produces_from_installed_talib():
    assert SYSTEM_NODES_PATH.read_text(encoding="utf-8") == render(build_system_templates())


def test_every_template_is_well_formed_and_its_defaults_validate():
    for template in load_system_templates():
        assert template_problems(template) == [], template["name"]


def test_names_are_unique_and_there_are_well_over_a_hundred():
    names = [t["name"] for t in load_system_templates()]
    assert len(names) == len(set(names))
    assert len(names) > 100


def test_every_talib_function_of_the_indicator_groups_is_a_template():
    templates = by_name()
    groups = talib.get_function_groups()
    assert load_curation()["talib_groups"] == list(TALIB_GROUPS)
    for group in TALIB_GROUPS:
        for function in groups[group]:
            template = templates[function.lower()]
            assert template["node_type"] == "INDICATOR"
            assert template["execution_hints"]["function"] == function


def test_indicator_ports_and_defaults_follow_talib_metadata():
    templates = by_name()
    for group in TALIB_GROUPS:
        for function in talib.get_function_groups()[group]:
            info = abstract.Function(function).info
            template = templates[function.lower()]
            assert template["default_parameters"] == dict(info["parameters"]), function
            outputs = [p["name"] for p in template["output_ports"]]
            assert outputs == (["value"] if len(info["output_names"]) == 1 else info["output_names"]), function


def test_single_price_input_is_one_series_port_and_price_fields_are_named_ports():
    templates = by_name()
    assert [p["name"] for p in templates["sma"]["input_ports"]] == ["series"]
    assert [p["name"] for p in templates["atr"]["input_ports"]] == ["high", "low", "close"]
    assert [p["name"] for p in templates["bop"]["input_ports"]] == ["open", "high", "low", "close"]
    assert [p["name"] for p in templates["mavp"]["input_ports"]] == ["series", "periods"]
    assert [p["name"] for p in templates["obv"]["input_ports"]] == ["series", "volume"]
    assert [p["name"] for p in templates["bbands"]["output_ports"]] == ["upperband", "middleband", "lowerband"]
    assert [p["name"] for p in templates["macd"]["output_ports"]] == ["macd", "macdsignal", "macdhist"]


def test_parameter_ranges_come_from_talib():
    schema = by_name()["rsi"]["parameter_schema"]["properties"]["timeperiod"]
    assert (schema["type"], schema["minimum"], schema["maximum"], schema["default"]) == ("integer", 2, 100000, 14)
    mama = by_name()["mama"]["parameter_schema"]["properties"]["fastlimit"]
    assert (mama["type"], mama["minimum"], mama["maximum"]) == ("number", 0.01, 0.99)


def test_ma_type_parameters_are_integer_enums_that_name_the_averages():
    matype = by_name()["bbands"]["parameter_schema"]["properties"]["matype"]
    assert matype["type"] == "integer"
    assert matype["enum"][:9] == list(range(9))
    assert "0 = Simple Moving Average" in matype["description"]
    assert "1 = Exponential Moving Average" in matype["description"]


def test_non_talib_templates_cover_data_math_conditions_signals_and_risk():
    templates = by_name()
    expected = {
        "DATA": {"open", "high", "low", "close", "volume", "ohlcv"},
        "MATH": {"add", "subtract", "multiply", "divide", "abs", "negate", "min", "max", "lag", "change"}
        | {"pct_change", "constant"},
        "CONDITION": {"greater_than", "less_than", "greater_equal", "less_equal", "equal", "cross_above"}
        | {"cross_below", "between", "rising", "falling", "and", "or", "not"},
        "SIGNAL": {"entry_long", "exit_long", "entry_short", "exit_short"},
        "RISK": {"stop_loss", "take_profit", "trailing_stop", "position_size"},
    }
    for node_type, names in expected.items():
        assert {n for n, t in templates.items() if t["node_type"] == node_type} == names


def test_data_nodes_output_ports_are_named_like_the_field():
    templates = by_name()
    for field in ("open", "high", "low", "close", "volume"):
        assert templates[field]["output_ports"] == [{"name": field, "type": "series", "label": field.capitalize()}]
    assert [p["name"] for p in templates["ohlcv"]["output_ports"]] == ["open", "high", "low", "close", "volume"]


def test_conditions_output_bool_and_signals_take_one_bool_input():
    templates = by_name()
    for template in templates.values():
        if template["node_type"] == "CONDITION":
            assert template["output_ports"] == [
                {"name": "value", "type": "bool", "label": template["output_ports"][0]["label"]}
            ]
        if template["node_type"] == "SIGNAL":
            assert [(p["name"], p["type"], p["required"]) for p in template["input_ports"]] == [("when", "bool", True)]
            assert template["output_ports"] == []


def test_risk_percent_is_strictly_positive_and_stops_below_100():
    for name in ("stop_loss", "trailing_stop"):
        percent = by_name()[name]["parameter_schema"]["properties"]["percent"]
        assert (percent["exclusiveMinimum"], percent["exclusiveMaximum"]) == (0, 100)
    percent = by_name()["take_profit"]["parameter_schema"]["properties"]["percent"]
    assert (percent["exclusiveMinimum"], percent["maximum"]) == (0, 100)
    fraction = by_name()["position_size"]["parameter_schema"]["properties"]["fraction"]
    assert (fraction["exclusiveMinimum"], fraction["maximum"]) == (0, 1)


def test_load_returns_copies_callers_cannot_corrupt():
    first = load_system_templates()
    first[0]["name"] = "changed"
    first[0]["output_ports"].clear()
    second = load_system_templates()
    assert second[0]["name"] != "changed"
    assert second[0]["output_ports"]
