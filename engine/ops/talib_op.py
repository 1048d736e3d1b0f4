"""Indicators computed by TA-Lib, so their values are the ones the field already trusts."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import talib
from talib import abstract

from .base import Call, Operation, OperationError, PortShape, expect_ports


@cache
def _talib_functions() -> frozenset[str]:
    return frozenset(talib.get_functions())


class TalibOp(Operation):
    """`execution_hints = {"op": "talib", "function": "BBANDS", "inputs": [ports in TA-Lib's argument order],
    "outputs": [ports in TA-Lib's output order]}`. Params are passed by TA-Lib's own keyword names."""

    name = "talib"

    def check(self, hints: Mapping[str, Any], shape: PortShape) -> list[str]:
        function = hints.get("function")
        if function not in _talib_functions():
            return [f'execution_hints["function"] {function!r} is not a TA-Lib function']
        info = abstract.Function(function).info
        inputs, outputs = hints.get("inputs"), hints.get("outputs")
        problems = []
        arity = sum(len(v) if isinstance(v, list) else 1 for v in info["input_names"].values())
        if not isinstance(inputs, list) or len(inputs) != arity:
            problems.append(f'execution_hints["inputs"] must list the {arity} port(s) TA-Lib {function} takes')
        if not isinstance(outputs, list) or len(outputs) != len(info["output_names"]):
            problems.append(
                f'execution_hints["outputs"] must list the {len(info["output_names"])} output(s) of TA-Lib {function}'
            )
        if problems:
            return problems
        return expect_ports(
            shape,
            inputs=[(name, "series", True) for name in inputs],
            outputs=[(name, "series") for name in outputs],
            params=list(info["parameters"]),
        )

    def compute(self, call: Call) -> dict[str, np.ndarray]:
        function = getattr(talib, call.hints["function"])
        arrays = [np.ascontiguousarray(call.inputs[port], dtype=np.float64) for port in call.hints["inputs"]]
        try:
            result = function(*arrays, **call.params)
        except Exception as exc:  # TA-Lib signals a failed call (TA_BAD_PARAM ...) with a plain Exception
            raise OperationError(str(exc)) from exc
        results = result if isinstance(result, tuple) else (result,)
        return {
            port: np.asarray(values, dtype=np.float64)
            for port, values in zip(call.hints["outputs"], results, strict=True)
        }

    def lookback(self, hints: Mapping[str, Any], params: Mapping[str, Any]) -> int:
        return abstract.Function(hints["function"], **params).lookback

    def describe(self, hints: Mapping[str, Any], params: Mapping[str, Any]) -> str:
        args = ", ".join(str(v) for v in params.values())
        return f"{hints['function']}({args})" if args else hints["function"]
