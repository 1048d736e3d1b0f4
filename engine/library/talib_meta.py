"""TA-Lib's own description of its functions: inputs, parameters with their types and ranges, outputs.

The Python wrapper (`talib.abstract`) exposes names, defaults and help texts but drops the parameter
ranges and the list of allowed values (e.g. the MA types). Those live in TA-Lib's C abstract interface
(`TA_GetOptInputParameterInfo`), which this module reads through ctypes from the TA-Lib library that the
`talib` extension is linked against, so the library's schemas say exactly what TA-Lib accepts.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from functools import cache
from typing import Any

import talib
from talib import _ta_lib
from talib import abstract as talib_abstract

# TA_OptInputParameterType
_REAL_RANGE, _REAL_LIST, _INTEGER_RANGE, _INTEGER_LIST = 0, 1, 2, 3
# TA-Lib marks an unbounded real parameter with +-3e37.
_REAL_UNBOUNDED = 1e37


class _RealRange(ctypes.Structure):
    _fields_ = [
        ("min", ctypes.c_double),
        ("max", ctypes.c_double),
        ("precision", ctypes.c_int),
        ("suggested_start", ctypes.c_double),
        ("suggested_end", ctypes.c_double),
        ("suggested_increment", ctypes.c_double),
    ]


class _IntegerRange(ctypes.Structure):
    _fields_ = [
        ("min", ctypes.c_int),
        ("max", ctypes.c_int),
        ("suggested_start", ctypes.c_int),
        ("suggested_end", ctypes.c_int),
        ("suggested_increment", ctypes.c_int),
    ]


class _RealDataPair(ctypes.Structure):
    _fields_ = [("value", ctypes.c_double), ("string", ctypes.c_char_p)]


class _RealList(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(_RealDataPair)), ("count", ctypes.c_uint)]


class _IntegerDataPair(ctypes.Structure):
    _fields_ = [("value", ctypes.c_int), ("string", ctypes.c_char_p)]


class _IntegerList(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(_IntegerDataPair)), ("count", ctypes.c_uint)]


class _OptInputParameterInfo(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("param_name", ctypes.c_char_p),
        ("flags", ctypes.c_int),
        ("display_name", ctypes.c_char_p),
        ("data_set", ctypes.c_void_p),
        ("default_value", ctypes.c_double),
        ("hint", ctypes.c_char_p),
        ("help_file", ctypes.c_char_p),
    ]


@dataclass(frozen=True)
class ParamInfo:
    name: str  # the keyword the Python function takes (timeperiod, matype ...)
    display_name: str
    help: str
    kind: str  # "integer" or "number"
    default: int | float
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[tuple[int | float, str], ...] = ()


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    group: str
    display_name: str
    inputs: tuple[tuple[str, str | None], ...]  # (TA-Lib input name, price field or None), in call order
    params: tuple[ParamInfo, ...]
    outputs: tuple[str, ...]
    flags: tuple[str, ...]


@cache
def _c_library() -> ctypes.CDLL:
    # dlsym on the extension's handle also searches the libraries it is linked against (libta-lib).
    lib = ctypes.CDLL(_ta_lib.__file__)
    lib.TA_GetFuncHandle.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.TA_GetFuncHandle.restype = ctypes.c_int
    lib.TA_GetOptInputParameterInfo.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint,
        ctypes.POINTER(ctypes.POINTER(_OptInputParameterInfo)),
    ]
    lib.TA_GetOptInputParameterInfo.restype = ctypes.c_int
    return lib


def _text(value: bytes | None) -> str:
    return value.decode() if value else ""


def _c_param_infos(function: str) -> list[_OptInputParameterInfo]:
    lib = _c_library()
    handle = ctypes.c_void_p()
    if lib.TA_GetFuncHandle(function.encode(), ctypes.byref(handle)) != 0:
        raise LookupError(f"TA-Lib has no function {function}")
    count = _ta_lib._ta_getFuncInfo(function.encode())["num_opt_inputs"]
    infos = []
    for index in range(count):
        pointer = ctypes.POINTER(_OptInputParameterInfo)()
        if lib.TA_GetOptInputParameterInfo(handle, index, ctypes.byref(pointer)) != 0:
            raise LookupError(f"TA-Lib has no parameter {index} for {function}")
        infos.append(pointer.contents)
    return infos


def _param_info(python_name: str, c_info: _OptInputParameterInfo) -> ParamInfo:
    common = {
        "name": python_name,
        "display_name": _text(c_info.display_name),
        "help": _text(c_info.hint),
    }
    kind = c_info.type
    if kind == _INTEGER_RANGE:
        rng = ctypes.cast(c_info.data_set, ctypes.POINTER(_IntegerRange)).contents
        return ParamInfo(**common, kind="integer", default=int(c_info.default_value), minimum=rng.min, maximum=rng.max)
    if kind == _REAL_RANGE:
        rng = ctypes.cast(c_info.data_set, ctypes.POINTER(_RealRange)).contents
        return ParamInfo(
            **common,
            kind="number",
            default=float(c_info.default_value),
            minimum=rng.min if rng.min > -_REAL_UNBOUNDED else None,
            maximum=rng.max if rng.max < _REAL_UNBOUNDED else None,
        )
    if kind == _INTEGER_LIST:
        lst = ctypes.cast(c_info.data_set, ctypes.POINTER(_IntegerList)).contents
        choices = tuple((lst.data[i].value, _text(lst.data[i].string)) for i in range(lst.count))
        return ParamInfo(**common, kind="integer", default=int(c_info.default_value), choices=choices)
    if kind == _REAL_LIST:
        lst = ctypes.cast(c_info.data_set, ctypes.POINTER(_RealList)).contents
        choices = tuple((lst.data[i].value, _text(lst.data[i].string)) for i in range(lst.count))
        return ParamInfo(**common, kind="number", default=float(c_info.default_value), choices=choices)
    raise ValueError(f"unknown TA-Lib parameter type {kind} for {python_name}")


@cache
def function_info(function: str) -> FunctionInfo:
    """Everything TA-Lib says about one function."""
    info: dict[str, Any] = talib_abstract.Function(function).info
    inputs: list[tuple[str, str | None]] = []
    for input_name, price in info["input_names"].items():
        if isinstance(price, list):
            inputs.extend((input_name, field) for field in price)
        else:
            inputs.append((input_name, price))
    python_names = list(info["parameters"])
    c_infos = _c_param_infos(function)
    c_names = [_text(c.param_name).removeprefix("optIn").lower() for c in c_infos]
    if python_names != c_names:
        raise ValueError(f"TA-Lib's Python and C metadata disagree on the parameters of {function}")
    return FunctionInfo(
        name=function,
        group=info["group"],
        display_name=info["display_name"],
        inputs=tuple(inputs),
        params=tuple(_param_info(py, c) for py, c in zip(python_names, c_infos, strict=True)),
        outputs=tuple(info["output_names"]),
        flags=tuple(info["function_flags"] or ()),
    )


def functions_in_groups(groups: tuple[str, ...]) -> list[str]:
    """TA-Lib's functions of the given groups, in TA-Lib's order."""
    all_groups = talib.get_function_groups()
    return [name for group in groups for name in all_groups[group]]


def ma_type_names() -> dict[int, str]:
    """TA-Lib's moving-average types by number, in words ("Simple Moving Average" ...)."""
    return dict(talib.MA_Type._lookup)
