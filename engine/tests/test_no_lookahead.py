"""No look-ahead, for every system template: the values a node has on bars 0..k-1 are the same whether the
flow is evaluated on those k bars only or on all of them (so nothing at bar i depends on a later bar)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.catalogue import system_catalogue
from engine.evaluate import evaluate
from engine.flow import compile_flow
from engine.synthetic import generate_bars
from engine.tests.flow_builders import flow_around

TEMPLATES = sorted(spec.name for spec in system_catalogue())


@pytest.mark.parametrize("name", TEMPLATES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=2, max_value=400), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_values_on_the_first_k_bars_do_not_depend_on_later_bars(name, data, n, seed):
    catalogue = system_catalogue()
    plan = compile_flow(flow_around(catalogue.get(name)), catalogue)
    bars = generate_bars(n, seed=seed, freq="1h")
    k = data.draw(st.integers(min_value=1, max_value=n), label="k")

    everything = evaluate(plan, bars)
    prefix = evaluate(plan, bars.slice(0, k))

    for node_id, ports in everything.values.items():
        for port, values in ports.items():
            if values.ndim == 0:
                assert values == prefix.values[node_id][port]
                continue
            np.testing.assert_array_equal(prefix.values[node_id][port], values[:k], err_msg=f"{node_id}.{port}")
    for kind in ("entry_long", "exit_long", "entry_short", "exit_short"):
        np.testing.assert_array_equal(getattr(prefix.signals, kind), getattr(everything.signals, kind)[:k])
