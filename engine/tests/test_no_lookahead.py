"""No look-ahead, for every system template: the values a node has on bars 0..k-1 are the same whether the
flow is evaluated on those k bars only or on all of them (so nothing at bar i depends on a later bar).

Bars are generated OHLCV (a random walk with gaps, wicks and volume); params are drawn from each template's
own JSON Schema, so the property holds across the parameter space, not just at the defaults.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from engine.catalogue import TemplateSpec, system_catalogue
from engine.errors import FlowError
from engine.evaluate import evaluate
from engine.flow import compile_flow
from engine.synthetic import generate_bars
from engine.tests.flow_builders import flow_around

CATALOGUE = system_catalogue()
TEMPLATES = sorted(spec.name for spec in CATALOGUE)
# Periods are drawn from the low end of their range: long periods only add leading NaNs to compare.
PERIOD_SPAN = 60


def param_values(schema: dict[str, Any]) -> st.SearchStrategy:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if schema["type"] == "integer":
        low = schema.get("minimum", 1)
        return st.integers(min_value=low, max_value=min(schema.get("maximum", low + PERIOD_SPAN), low + PERIOD_SPAN))
    exclusive = "exclusiveMinimum" in schema
    low = schema.get("exclusiveMinimum", schema.get("minimum"))
    high = schema.get("maximum")
    low = low if low is not None else (high - 10.0 if high is not None else -5.0)
    high = high if high is not None else low + 10.0
    return st.floats(min_value=low, max_value=high, exclude_min=exclusive, allow_nan=False, allow_infinity=False)


def params_of(spec: TemplateSpec) -> st.SearchStrategy:
    properties = spec.parameter_schema.get("properties", {})
    return st.fixed_dictionaries({name: param_values(schema) for name, schema in properties.items()})


@pytest.mark.parametrize("name", TEMPLATES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=2, max_value=400), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_values_on_the_first_k_bars_do_not_depend_on_later_bars(name, data, n, seed):
    spec = CATALOGUE.get(name)
    params = data.draw(params_of(spec), label="params")
    try:
        plan = compile_flow(flow_around(spec, params=params), CATALOGUE)
    except FlowError:
        reject()  # a combination the validator refuses (MAVP's minperiod above its maxperiod)
    bars = generate_bars(n, seed=seed, freq="1h")
    k = data.draw(st.integers(min_value=1, max_value=n), label="k")

    everything = evaluate(plan, bars)
    prefix = evaluate(plan, bars.slice(0, k))

    assert everything.values.keys() == prefix.values.keys()
    for node_id, ports in everything.values.items():
        for port, values in ports.items():
            if values.ndim == 0:
                assert values == prefix.values[node_id][port]
            else:
                np.testing.assert_array_equal(prefix.values[node_id][port], values[:k], err_msg=f"{node_id}.{port}")
    for kind in ("entry_long", "exit_long", "entry_short", "exit_short"):
        np.testing.assert_array_equal(getattr(prefix.signals, kind), getattr(everything.signals, kind)[:k])
