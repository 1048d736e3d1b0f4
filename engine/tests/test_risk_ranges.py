"""A risk rule's range is one definition, RISK_RANGES: the node library's schemas declare it, flow validation
enforces it (in the parameter's own units: percent for the stops), and what validation accepts the
simulation and the generated code run. Each RISK template is tried at its bounds."""

from __future__ import annotations

import pytest

from engine.backtest import run_backtest
from engine.catalogue import Catalogue, system_catalogue
from engine.codegen import generate_module
from engine.config import CONFIG_SCHEMA
from engine.errors import ConfigError
from engine.flow import validate_flow
from engine.library import load_system_templates
from engine.signals import RISK_RANGES, StrategySignals
from engine.simulate import _risk_settings
from engine.synthetic import generate_bars
from engine.tests.test_flow_validation import sma_cross

CATALOGUE = system_catalogue()
RISK_TEMPLATES = {t["name"]: t for t in load_system_templates() if t["node_type"] == "RISK"}
BARS = generate_bars(300, seed=3, freq="1h")


def _bounds(prop: dict) -> dict:
    return {key: prop[key] for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum") if key in prop}


@pytest.mark.parametrize("name", sorted(RISK_TEMPLATES))
def test_the_templates_schema_declares_the_engines_range(name):
    hints = RISK_TEMPLATES[name]["execution_hints"]
    prop = RISK_TEMPLATES[name]["parameter_schema"]["properties"][hints["param"]]

    assert _bounds(prop) == RISK_RANGES[hints["setting"]].json_schema(scale=hints["scale"])


def test_the_configurations_size_has_the_position_size_range():
    assert _bounds(CONFIG_SCHEMA["properties"]["size"]) == RISK_RANGES["position_size"].json_schema()


def _cases():
    """(template, value in the parameter's units, accepted?) at and around each template's bounds."""
    for name, template in sorted(RISK_TEMPLATES.items()):
        hints = template["execution_hints"]
        limits = RISK_RANGES[hints["setting"]]
        low, high = limits.low / hints["scale"], limits.high / hints["scale"]
        step = high / 1000
        yield name, low, False
        yield name, low + step, True
        yield name, high - step, True
        yield name, high, limits.high_inclusive
        yield name, high + step, False


def _with_rule(name: str, value: float) -> dict:
    flow = sma_cross()
    param = RISK_TEMPLATES[name]["execution_hints"]["param"]
    flow["nodes"].append({"id": "rule", "template": name, "params": {param: value}})
    return flow


@pytest.mark.parametrize(("name", "value", "accepted"), list(_cases()), ids=lambda v: str(v))
def test_each_risk_template_at_its_bounds(name, value, accepted):
    flow = _with_rule(name, value)
    found = validate_flow(flow, CATALOGUE)

    if accepted:
        assert found == []
        result = run_backtest(flow, BARS, catalogue=CATALOGUE)  # the simulation runs what validation accepts
        assert len(result.equity) == len(BARS)
        generate_module(flow, CATALOGUE)  # and so does code generation
    else:
        (problem,) = found
        param = RISK_TEMPLATES[name]["execution_hints"]["param"]
        assert (problem.code, problem.node_id, problem.field) == ("invalid_params", "rule", f"params.{param}")
        assert f"not {value:g}" in problem.message  # the value as the user typed it
        if param == "percent":
            assert " %" in problem.message and "between 0 and 1" not in problem.message


def test_a_stop_loss_of_100_percent_is_refused_in_percent():
    (problem,) = validate_flow(_with_rule("stop_loss", 100), CATALOGUE)

    assert problem.message.startswith("Node rule: params.percent: must be greater than 0 % and less than 100 %")
    assert problem.message.endswith("not 100 %.")


def test_a_risk_range_holds_even_where_a_templates_schema_allows_more():
    """A library whose schema was edited to allow a 100 % trailing stop still cannot send it to the simulation."""
    templates = load_system_templates()
    trailing = next(t for t in templates if t["name"] == "trailing_stop")
    percent = trailing["parameter_schema"]["properties"]["percent"]
    percent.pop("exclusiveMaximum")
    percent["maximum"] = 100
    catalogue = Catalogue.from_system_templates(templates, trusted=True)
    (problem,) = validate_flow(_with_rule("trailing_stop", 100), catalogue)

    assert problem.field == "params.percent" and "less than 100 %" in problem.message


def test_the_simulation_speaks_in_fractions_to_engine_callers():
    signals = StrategySignals(*([BARS.close > 0] * 4), stop_loss=1.0)

    with pytest.raises(ConfigError) as caught:
        _risk_settings(signals)

    assert caught.value.problems[0].message.startswith("stop_loss: must be greater than 0 and less than 1 (")
