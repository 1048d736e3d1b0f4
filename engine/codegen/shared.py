"""The part of a generated module that is the engine's own code, copied verbatim.

A generated strategy must reproduce its quick test exactly, so the simulation loop, the trade records, the
metrics and the trade list are not written a second time for the emitter: their source is read from the
engine modules that run quick tests (`inspect`/`ast`) and copied into the module. The numba kernel is copied
without its `@njit` decorator: it is plain Python that numba compiles, and runs unchanged (slower) without it.

Each root is copied with everything it references at module level, found from the code itself: functions
and classes (recursively), constants (the statement that binds them, with the comment above it), and imports
of the few outside modules a generated module may use. Anything else (another package, a name this
module cannot trace) is an error here, at generation time, never in a trader's module.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType

# What the copied code may import, as the generated module will write it.
ALLOWED_MODULES = {"numpy": "np", "math": "math"}
ALLOWED_FROM_IMPORTS = {("dataclasses", "dataclass"), ("dataclasses", "field"), ("typing", "Any")}
DROPPED_DECORATOR_MODULES = ("numba",)


class SharedSourceError(RuntimeError):
    """The engine code to copy references something a standalone module cannot have."""


@dataclass
class SharedSource:
    """Top-level statements (in dependency order) of the copied engine code and the names it imports from
    outside the engine (numpy and math it uses as `np` and `math`, which every generated module imports)."""

    from_imports: set[tuple[str, str]] = field(default_factory=set)
    blocks: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # name -> engine module it came from
    provided: set[tuple[str, str]] = field(default_factory=set)


@dataclass(frozen=True)
class _Binding:
    """A top-level statement of an engine module and the module-level names it reads."""

    module: str
    node: ast.stmt
    text: str
    reads: tuple[str, ...]


def copy_engine_code(roots: list[tuple[str, str]], *, provided: set[tuple[str, str]] = frozenset()) -> SharedSource:
    """The source of `roots` ((module, name) pairs) and of everything they need, dependencies first.
    `provided` names the (module, name) pairs the generated module defines itself: they are not copied."""
    shared = SharedSource(provided=set(provided))
    copied: set[int] = set()
    for module, name in roots:
        _copy(module, name, shared, copied, chain=())
    return shared


def _copy(module: str, name: str, shared: SharedSource, copied: set[int], chain: tuple[str, ...]) -> None:
    where = f"{module}.{name}"
    if (module, name) in shared.provided:
        return
    if where in chain:
        return  # functions referring to each other: both are copied once
    binding = _binding(module, name)
    if binding is None:
        raise SharedSourceError(f"{where} is not defined at module level (needed by {' -> '.join(chain)})")
    if isinstance(binding.node, ast.Import | ast.ImportFrom):
        _copy_import(module, name, binding.node, shared, copied, (*chain, where))
        return
    key = id(binding.node)
    if key in copied:
        return
    owner = shared.names.get(name)
    if owner is not None and owner != module:
        raise SharedSourceError(f"{name} is defined in both {owner} and {module}; the copies would clash")
    for read in binding.reads:
        _copy(module, read, shared, copied, (*chain, where))
    if key in copied:
        return
    copied.add(key)
    for bound in _bound_names(binding.node):
        shared.names[bound] = module
    shared.blocks.append(binding.text)


def _copy_import(
    module: str, name: str, node: ast.Import | ast.ImportFrom, shared: SharedSource, copied: set[int], chain
) -> None:
    if isinstance(node, ast.Import):
        alias = next(a for a in node.names if (a.asname or a.name) == name)
        if ALLOWED_MODULES.get(alias.name) != name:
            raise SharedSourceError(f"{module} uses module {alias.name} as {name}, which generated code cannot import")
        return
    alias = next(a for a in node.names if (a.asname or a.name) == name)
    source_module = _absolute(module, node)
    if source_module == "engine" or source_module.startswith("engine."):
        if alias.asname:
            raise SharedSourceError(f"{module} imports {alias.name} as {alias.asname}; copy it under its own name")
        _copy(source_module, alias.name, shared, copied, chain)
    elif source_module == "__future__":
        return
    elif (source_module, alias.name) in ALLOWED_FROM_IMPORTS and not alias.asname:
        shared.from_imports.add((source_module, alias.name))
    else:
        raise SharedSourceError(f"{module} uses {source_module}.{alias.name}, which generated code cannot import")


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.rsplit(".", node.level)[0]
    return f"{package}.{node.module}" if node.module else package


@cache
def _module_bindings(module: str) -> dict[str, _Binding]:
    __import__(module)
    loaded: ModuleType = sys.modules[module]
    source = inspect.getsource(loaded)
    tree = ast.parse(source)
    lines = source.splitlines()
    bindings: dict[str, _Binding] = {}
    for node in tree.body:
        names = _bound_names(node)
        if not names:
            continue
        binding = _Binding(module, node, _statement_text(node, lines, loaded), tuple(_reads(node, loaded)))
        for name in names:
            bindings.setdefault(name, binding)
    return bindings


def _binding(module: str, name: str) -> _Binding | None:
    return _module_bindings(module).get(name)


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    return []


def _statement_text(node: ast.stmt, lines: list[str], module: ModuleType) -> str:
    """The statement's source with the comment lines right above it; numba decorators dropped."""
    start = node.lineno - 1
    decorators = getattr(node, "decorator_list", [])
    kept = [d for d in decorators if not _is_dropped_decorator(d, module)]
    if decorators:
        start = min(d.lineno for d in decorators) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    text = lines[start : node.end_lineno]
    if len(kept) != len(decorators):
        comments = lines[start : min(d.lineno for d in decorators) - 1]
        kept_text = ["@" + ast.get_source_segment("\n".join(lines), d) for d in kept]
        text = comments + kept_text + lines[node.lineno - 1 : node.end_lineno]
    return "\n".join(text)


def _is_dropped_decorator(decorator: ast.expr, module: ModuleType) -> bool:
    root = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return False
    value = vars(module).get(root.id)
    owner = getattr(value, "__module__", None) or getattr(value, "__name__", "")
    return owner.split(".")[0] in DROPPED_DECORATOR_MODULES


def _reads(node: ast.stmt, module: ModuleType) -> list[str]:
    """Module-level names the statement reads (in order of first use), excluding builtins and locals."""
    namespace = vars(module)
    found: dict[str, None] = {}
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        for decorator in decorators:
            if not _is_dropped_decorator(decorator, module):
                _collect(decorator, set(), found)
    if isinstance(node, ast.FunctionDef):
        _collect_function(node, set(), found)
    elif isinstance(node, ast.ClassDef):
        for base in node.bases:
            _collect(base, set(), found)
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef):
                _collect_function(statement, set(), found)
            else:
                _collect(statement, set(), found)
    else:
        _collect(node, set(), found)
    return [name for name in found if name in namespace and not _is_builtin(name, namespace[name])]


def _is_builtin(name: str, value: object) -> bool:
    return getattr(builtins, name, None) is value and not isinstance(value, ModuleType)


def _collect_function(node: ast.FunctionDef | ast.Lambda, outer_locals: set[str], found: dict[str, None]) -> None:
    args = node.args
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
        _collect(default, outer_locals, found)
    if isinstance(node, ast.FunctionDef):
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            if arg.annotation is not None:
                _collect(arg.annotation, set(), found)
        if node.returns is not None:
            _collect(node.returns, set(), found)
        body = node.body
    else:
        body = [node.body]
    local = (
        outer_locals
        | params
        | {n.id for stmt in body for n in _walk_scope(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    )
    for stmt in body:
        _collect(stmt, local, found)


def _walk_scope(node: ast.AST):
    """ast.walk that yields nested functions and lambdas but does not enter them (their locals are their own)."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.Lambda):
            yield child
        else:
            yield from _walk_scope(child)


def _collect(node: ast.AST, local: set[str], found: dict[str, None]) -> None:
    for child in _walk_scope(node):
        if child is not node and isinstance(child, ast.FunctionDef | ast.Lambda):
            _collect_function(child, local, found)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load) and child.id not in local:
            found.setdefault(child.id)
