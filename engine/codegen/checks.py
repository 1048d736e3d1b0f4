"""Checks of generated code before it is stored: syntax, security, complexity and size.

- Syntax: `ast.parse` and `compile` (nothing is executed).
- Security: an allow-list over the syntax tree. Generated modules compute; they never reach the file system,
  the network, other processes or the interpreter's internals beyond reading the bars file and the config
  file named on their command line. Exactly this is allowed:

  imports     `import` of ALLOWED_IMPORTS only (numpy as np, pandas as pd, talib, argparse, json, math, sys);
              `from M import N` of ALLOWED_FROM_IMPORTS only (__future__.annotations, dataclasses.dataclass
              and field, typing.Any); nowhere but at the top level of the module.
  builtins    a name that is a Python builtin must be in ALLOWED_BUILTINS when it is read: so no eval, exec,
              compile, open, __import__, getattr, setattr, delattr, globals, locals, vars, breakpoint, input,
              help, memoryview, type ... The only dunder name that may be read is __name__.
  modules     a module is used only as `module.attribute`, with the attribute in that module's allow-list
              (MODULE_ATTRIBUTES; talib: its indicator functions; math: its public functions and constants),
              so a module cannot be passed around, aliased or searched.
  attributes  never a dunder (`x.__class__`, `__globals__` ...), and never one of DENIED_ATTRIBUTES
              (pandas' eval/query, file writers and readers such as to_csv or tofile, str.format on a
              template, frame and code internals such as f_globals).
  statements  no `global`/`nonlocal`, no `async` code, no imports outside the module's top level.

- Complexity: `complexity` (stored as complexity_score) scores the strategy's own logic, `generate_signals`,
  and nothing else: every module carries the same simulation loop and helpers, whose complexity says
  nothing about the strategy. generate_signals is straight-line vectorised code, so its decisions are
  counted as McCabe would count them in the same rules written bar by bar: 1 (radon's figure for the
  function) + one per comparison or crossing (`a > b`, np.less, cross_above, rising ...) + one per `&`, `|`
  or `^` combining boolean series (as `and` / `or` count). The report also holds radon's figure for every
  function and the module's highest.
- Line count: the module's lines.

A module is VALID when it parses and breaks no security rule; SYNTAX_ERROR when it does not parse (then it
is not checked further); SECURITY_ERROR when it breaks a rule, each violation listed with its line.
"""

from __future__ import annotations

import ast
import builtins
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import talib
from radon.complexity import cc_visit_ast

VALID, SYNTAX_ERROR, SECURITY_ERROR = "VALID", "SYNTAX_ERROR", "SECURITY_ERROR"

ALLOWED_IMPORTS = {"numpy": "np", "pandas": "pd", "talib": "talib", "argparse": "argparse", "json": "json"}
ALLOWED_IMPORTS |= {"math": "math", "sys": "sys"}
ALLOWED_FROM_IMPORTS = {
    "__future__": {"annotations"},
    "dataclasses": {"dataclass", "field"},
    "typing": {"Any"},
}
ALLOWED_BUILTINS = frozenset(
    {
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "frozenset", "int", "isinstance", "len", "list",
        "max", "min", "next", "print", "property", "range", "reversed", "round", "set", "sorted", "str", "sum",
        "tuple", "zip", "ValueError", "TypeError", "KeyError", "IndexError", "True", "False", "None",
    }
)  # fmt: skip
ALLOWED_DUNDER_NAMES = frozenset({"__name__"})
MODULE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "np": frozenset(
        {
            "abs", "add", "any", "arange", "array_equal", "asarray", "ascontiguousarray", "bool_", "broadcast",
            "broadcast_to", "divide",
            "column_stack", "concatenate", "count_nonzero", "cumsum", "datetime64", "datetime_as_string",
            "datetime_data", "diff", "dot", "empty", "equal", "errstate", "exp", "flatnonzero", "float64",
            "floating", "full", "greater", "greater_equal", "inf", "int64", "int8", "integer", "isfinite", "isnan",
            "isnat", "less", "less_equal", "log", "max", "maximum", "mean", "median", "min", "minimum", "multiply",
            "nan", "nan_to_num", "ndarray", "negative", "r_", "round", "searchsorted", "sign", "sqrt", "std",
            "subtract", "sum", "timedelta64", "trunc", "uint8", "unique", "var", "where", "zeros",
        }
    ),
    "pd": frozenset({"DataFrame", "DatetimeIndex", "api", "read_csv", "to_datetime"}),
    "argparse": frozenset({"ArgumentParser", "FileType"}),
    "json": frozenset({"dumps", "load", "loads"}),
    "sys": frozenset({"argv", "exit"}),
}  # fmt: skip
DENIED_ATTRIBUTES = frozenset(
    {
        "eval", "query", "format", "format_map", "system", "popen",
        "to_csv", "to_pickle", "read_pickle", "to_parquet", "to_json", "to_excel", "to_sql", "to_hdf", "to_feather",
        "to_stata", "to_html", "to_latex", "to_markdown", "to_clipboard", "to_xml", "to_orc",
        "tofile", "fromfile", "save", "savez", "savetxt", "load", "loadtxt", "genfromtxt", "memmap",
        "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "gi_frame", "gi_code", "cr_frame", "ag_frame",
        "tb_frame", "co_code", "func_globals",
    }
)  # fmt: skip
MODULE_ATTRIBUTE_EXCEPTIONS = {("json", "load")}  # json.load reads the --config file argparse opened


@dataclass(frozen=True)
class Violation:
    line: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class CodeReport:
    """What the checks found. `status` is VALID, SYNTAX_ERROR or SECURITY_ERROR."""

    status: str
    syntax_ok: bool
    security_ok: bool | None
    line_count: int
    complexity: int | None
    syntax_error: str | None = None
    violations: list[Violation] = field(default_factory=list)
    functions: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The details stored in `validation_result`."""
        report: dict[str, Any] = {
            "status": self.status,
            "syntax": {"passed": self.syntax_ok, "error": self.syntax_error},
            "security": {
                "passed": self.security_ok,
                "violations": [v.as_dict() for v in self.violations],
            },
            "line_count": self.line_count,
        }
        if self.complexity is not None:
            most = max(self.functions, key=lambda name: (self.functions[name], name), default=None)
            report["complexity"] = {
                "strategy": self.complexity,
                "module_max": self.functions.get(most, 0) if most else 0,
                "most_complex": most,
                "functions": len(self.functions),
            }
        return report


def check_code(code: str) -> CodeReport:
    """Run every check on `code` (nothing is executed)."""
    lines = len(code.splitlines())
    try:
        tree = ast.parse(code)
        compile(tree, "<generated strategy>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        error = f"line {exc.lineno}: {exc.msg}" if exc.lineno else exc.msg
        return CodeReport(SYNTAX_ERROR, False, None, lines, None, syntax_error=error)
    except ValueError as exc:  # source holding a null byte
        return CodeReport(SYNTAX_ERROR, False, None, lines, None, syntax_error=str(exc))
    violations = security_violations(tree)
    functions = _complexity(tree)
    return CodeReport(
        status=SECURITY_ERROR if violations else VALID,
        syntax_ok=True,
        security_ok=not violations,
        line_count=lines,
        complexity=strategy_complexity(tree, functions),
        violations=violations,
        functions=functions,
    )


def security_violations(tree: ast.Module) -> list[Violation]:
    """Every place `tree` leaves the allow-list (see the module docstring), in line order."""
    checker = _SecurityChecker(tree)
    checker.visit(tree)
    return sorted(checker.violations, key=lambda v: (v.line, v.message))


@cache
def _talib_functions() -> frozenset[str]:
    return frozenset(talib.get_functions())


@cache
def _math_names() -> frozenset[str]:
    return frozenset(name for name in dir(math) if not name.startswith("_"))


def _allowed_attributes(module_alias: str) -> frozenset[str]:
    if module_alias == "talib":
        return _talib_functions()
    if module_alias == "math":
        return _math_names()
    return MODULE_ATTRIBUTES[module_alias]


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


class _SecurityChecker(ast.NodeVisitor):
    def __init__(self, tree: ast.Module):
        self.violations: list[Violation] = []
        self.top_level = {id(node) for node in tree.body}
        self.modules: set[str] = set()  # aliases bound by allowed imports
        self.builtin_names = frozenset(dir(builtins))

    def _flag(self, node: ast.AST, message: str) -> None:
        self.violations.append(Violation(getattr(node, "lineno", 0), message))

    def visit_Import(self, node: ast.Import) -> None:
        if id(node) not in self.top_level:
            self._flag(node, "import inside a function or block")
        for alias in node.names:
            expected = ALLOWED_IMPORTS.get(alias.name)
            bound = alias.asname or alias.name
            if expected is None:
                self._flag(node, f"import of {alias.name!r}, which is not allowed")
            elif bound != expected:
                self._flag(node, f"{alias.name} imported as {bound!r} (only as {expected!r})")
            else:
                self.modules.add(bound)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if id(node) not in self.top_level:
            self._flag(node, "import inside a function or block")
        allowed = ALLOWED_FROM_IMPORTS.get(node.module or "", set()) if not node.level else set()
        for alias in node.names:
            if alias.name not in allowed or alias.asname:
                self._flag(
                    node, f"from {'.' * node.level}{node.module or ''} import {alias.name}, which is not allowed"
                )

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if _is_dunder(name) and name not in ALLOWED_DUNDER_NAMES:
            self._flag(node, f"the name {name!r}")
        elif isinstance(node.ctx, ast.Load):
            if name in self.modules:
                self._flag(node, f"the module {name!r} used other than as {name}.<attribute>")
            elif name in self.builtin_names and name not in ALLOWED_BUILTINS and not _is_dunder(name):
                self._flag(node, f"the builtin {name!r}, which is not allowed")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attribute = node.attr
        if _is_dunder(attribute):
            self._flag(node, f"access to the attribute {attribute!r}")
        if isinstance(node.value, ast.Name) and node.value.id in self.modules:
            module = node.value.id
            denied = attribute in DENIED_ATTRIBUTES and (module, attribute) not in MODULE_ATTRIBUTE_EXCEPTIONS
            if attribute not in _allowed_attributes(module) or denied:
                self._flag(node, f"{module}.{attribute}, which is not allowed")
            return  # the module name itself is fine here
        if attribute in DENIED_ATTRIBUTES:
            self._flag(node, f"the attribute {attribute!r}, which is not allowed")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self._flag(node, "a global statement")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self._flag(node, "a nonlocal statement")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._flag(node, "async code")
        self.generic_visit(node)


def _complexity(tree: ast.Module) -> dict[str, int]:
    """Cyclomatic complexity of every function and method (radon), by qualified name."""
    figures: dict[str, int] = {}
    for block in cc_visit_ast(tree):
        if hasattr(block, "methods"):
            for method in block.methods:
                figures[f"{block.name}.{method.name}"] = method.complexity
        else:
            figures[block.name] = block.complexity
    return figures


STRATEGY_FUNCTION = "generate_signals"
# Calls that decide something per bar: numpy's comparisons and the condition helpers of generated modules.
_COMPARISON_CALLS = frozenset({"greater", "less", "greater_equal", "less_equal", "equal", "not_equal"})
_CONDITION_HELPERS = frozenset({"cross_above", "cross_below", "rising", "falling"})
_COMBINING_OPERATORS = (ast.BitAnd, ast.BitOr, ast.BitXor)


def strategy_complexity(tree: ast.Module, functions: dict[str, int]) -> int:
    """The complexity of the module's generate_signals (see the module docstring); 0 without one."""
    function = next(
        (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == STRATEGY_FUNCTION),
        None,
    )
    if function is None:
        return 0
    decisions = 0
    for node in ast.walk(function):
        if isinstance(node, ast.Compare):
            decisions += len(node.ops)
        elif _is_decision(node):
            decisions += 1
    return functions.get(STRATEGY_FUNCTION, 1) + decisions


def _is_decision(node: ast.AST) -> bool:
    """A boolean combination of series, or a call that compares or detects a crossing or a direction."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _COMBINING_OPERATORS)
    return isinstance(node, ast.Call) and _is_decision_call(node.func)


def _is_decision_call(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in _CONDITION_HELPERS
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "np"
        and func.attr in _COMPARISON_CALLS
    )
