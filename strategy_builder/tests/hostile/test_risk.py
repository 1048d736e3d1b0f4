"""Out-of-range, non-finite and mistyped risk values are one invalid_params problem on the node's param at
validation (so a quick test is refused with 400), never a backtest that fails or a module that crashes."""

import pytest

from engine.catalogue import system_catalogue
from engine.flow import validate_flow
from engine.tests.test_flow_validation import sma_cross

from .corpus_risk import RISK_VALUES

PARAM = {"stop_loss": "percent", "trailing_stop": "percent", "take_profit": "percent", "position_size": "fraction"}


@pytest.mark.parametrize(("template", "value"), RISK_VALUES, ids=repr)
def test_a_hostile_risk_value_is_one_problem_on_its_param(template, value):
    flow = sma_cross()
    flow["nodes"].append({"id": "rule", "template": template, "params": {PARAM[template]: value}})

    found = validate_flow(flow, system_catalogue())

    assert [(p.code, p.node_id, p.field) for p in found] == [("invalid_params", "rule", f"params.{PARAM[template]}")]
