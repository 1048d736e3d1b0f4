"""The node catalogue: every template a flow may use, resolved to the operation that computes it.

System templates come from the library (engine.library) and each names a system operation (engine.ops).
Custom templates (a user's, from the database) never bring code of their own; they are one of:

- a preset: `{"op": "preset", "base": "<template name>", "base_version"?: "x.y.z", "fixed_params": {...}}`.
  It has its own parameter_schema/default_parameters (a subset of the base's params, with its own defaults);
  `fixed_params` are always passed to the base and cannot be changed by a node. Its ports are the base's
  (leave input_ports/output_ports empty to inherit them, or repeat them with your own labels).
- a composite: `{"op": "composite", "flow": {<a flow v1 fragment>}, "inputs": {port: {"node": id, "port": p}},
  "outputs": {port: {"node": id, "port": p}}}`. Each exposed input feeds one inner node's input, each exposed
  output is one inner node's output; the composite's params are the fragment's `{"$param": name}` bindings.
  Fragments compute values: they hold no signal or risk nodes and need no entry signal.

A custom template that cannot be used (malformed, unknown base, recursive, invalid fragment ...) stays in the
catalogue with its problems, so a flow that uses it is told exactly why; so does a deleted one, so the
validator can say "deleted_template".
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any

from .errors import Problem, TemplateError
from .library import load_system_templates
from .ops import OPERATIONS, PortShape
from .paramschema import DEFAULT_LIMITS, SchemaLimits, is_too_deep
from .templates import COMPATIBLE_PORTS, params_problems, template_problems, version_key

PRESET = "preset"
COMPOSITE = "composite"
CUSTOM_OPS = (PRESET, COMPOSITE)
Key = tuple[str, str]  # (name, version)


@dataclass(frozen=True)
class Port:
    name: str
    type: str
    required: bool = True
    label: str | None = None


@dataclass(frozen=True, eq=False)
class TemplateSpec:
    """A template as the engine uses it. `parameter_schema`, `default_parameters` and `execution_hints` are the
    template's own; for a preset, `ports` may be inherited from its base."""

    name: str
    version: str
    display_name: str
    node_type: str
    category: str | None
    parameter_schema: dict[str, Any]
    default_parameters: dict[str, Any]
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    execution_hints: dict[str, Any]
    validation_rules: dict[str, Any]
    is_system: bool
    is_deleted: bool = False
    user_id: str | None = None
    template_id: str | None = None

    @property
    def key(self) -> Key:
        return (self.name, self.version)

    @property
    def op(self) -> str | None:
        op = self.execution_hints.get("op")
        return op if isinstance(op, str) else None

    @property
    def is_preset(self) -> bool:
        return self.op == PRESET

    @property
    def is_composite(self) -> bool:
        return self.op == COMPOSITE

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def shape(self) -> PortShape:
        return PortShape(
            inputs=[(p.name, p.type, p.required) for p in self.inputs],
            outputs=[(p.name, p.type) for p in self.outputs],
            params=list((self.parameter_schema.get("properties") or {}).keys()),
        )

    def __repr__(self) -> str:
        return f"<TemplateSpec {self.name} {self.version}{' (deleted)' if self.is_deleted else ''}>"


def _ports(value: Any) -> tuple[Port, ...]:
    return tuple(
        Port(p["name"], p["type"], p.get("required", True), p.get("label"))
        for p in value
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    )


def spec_from_template(template: Mapping[str, Any], *, is_system: bool) -> TemplateSpec:
    """A TemplateSpec from a template dict (library entry or database row). Malformed parts are left empty;
    the caller reports template_problems()."""
    if is_too_deep(template.get("parameter_schema")):  # copying it would exhaust the stack
        template = {**template, "parameter_schema": None}
    t = copy.deepcopy(dict(template))
    schema = t.get("parameter_schema")
    return TemplateSpec(
        name=t["name"],
        version=t.get("version") or "1.0.0",
        display_name=t.get("display_name") or t["name"],
        node_type=t.get("node_type") or "",
        category=t.get("category"),
        parameter_schema=schema if isinstance(schema, dict) else {},
        default_parameters=t.get("default_parameters") if isinstance(t.get("default_parameters"), dict) else {},
        inputs=_ports(t.get("input_ports") if isinstance(t.get("input_ports"), list) else []),
        outputs=_ports(t.get("output_ports") if isinstance(t.get("output_ports"), list) else []),
        execution_hints=t.get("execution_hints") if isinstance(t.get("execution_hints"), dict) else {},
        validation_rules=t.get("validation_rules") if isinstance(t.get("validation_rules"), dict) else {},
        is_system=is_system,
        is_deleted=bool(t.get("is_deleted", False)),
        user_id=t.get("user_id"),
        template_id=str(t["id"]) if t.get("id") is not None else None,
    )


@dataclass
class _Resolution:
    """Memo of custom templates' problems while they are resolved; `stack` detects recursion."""

    problems: dict[Key, list[Problem]] = field(default_factory=dict)
    stack: list[Key] = field(default_factory=list)


class Catalogue:
    """Templates by name and version. Build it with `system_catalogue()` and `.with_templates(rows)`."""

    def __init__(self, specs: Iterable[TemplateSpec] = (), *, problems: Mapping[Key, list[Problem]] | None = None):
        self._by_name: dict[str, dict[str, TemplateSpec]] = {}
        for spec in specs:
            self._by_name.setdefault(spec.name, {})[spec.version] = spec
        self._problems: dict[Key, list[Problem]] = dict(problems or {})
        self.rejected: list[tuple[dict[str, Any], list[Problem]]] = []

    # -- lookup ------------------------------------------------------------------------------------------

    def get(self, name: str, version: str | None = None) -> TemplateSpec | None:
        """The template `name` at `version`; without a version the newest one that is not deleted (or the
        newest deleted one when all are, so a caller can tell "deleted" from "unknown")."""
        versions = self._by_name.get(name)
        if not versions:
            return None
        if version is not None:
            return versions.get(version)
        ordered = sorted(versions.values(), key=lambda s: version_key(s.version), reverse=True)
        return next((s for s in ordered if not s.is_deleted), ordered[0])

    def versions(self, name: str) -> list[str]:
        return sorted(self._by_name.get(name, {}), key=version_key)

    def problems(self, spec: TemplateSpec) -> list[Problem]:
        """Why `spec` cannot be used (empty when it can). Deletion is not a problem here: flows report it."""
        return list(self._problems.get(spec.key, []))

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[TemplateSpec]:
        for versions in self._by_name.values():
            yield from versions.values()

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_name.values())

    def names(self) -> list[str]:
        return sorted(self._by_name)

    # -- building --------------------------------------------------------------------------------------

    @classmethod
    def from_system_templates(cls, templates: Iterable[Mapping[str, Any]], *, trusted: bool = False) -> Catalogue:
        """A catalogue of system templates. Raises TemplateError if any is malformed or has no implementation.

        `trusted` skips the JSON Schema checks of each template (the costly part) for data already verified:
        the committed library, which engine/tests/test_library.py checks template by template."""
        specs, problems = [], []
        for template in templates:
            found = [] if trusted else template_problems(dict(template))
            if not found:
                spec = spec_from_template(template, is_system=True)
                found = implementation_problems(spec)
                specs.append(spec)
            problems += [replace(p, message=f"system template {template.get('name')!r}: {p.message}") for p in found]
        names = [s.name for s in specs]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            problems.append(Problem("duplicate_template", f"system templates named twice: {', '.join(duplicates)}"))
        if problems:
            raise TemplateError(problems)
        return cls(specs)

    def with_templates(
        self, templates: Iterable[Mapping[str, Any]], *, schema_limits: SchemaLimits = DEFAULT_LIMITS
    ) -> Catalogue:
        """This catalogue plus custom (database) templates. Each dict may carry "is_deleted",
        "is_system_template", "user_id" and "id". Never raises for a bad template, whatever JSON it holds: its
        problems are kept and reported when a flow uses it; one that cannot be added at all (no usable name or
        version, a name already taken) is listed in `rejected` with its problems. `schema_limits` bounds each
        parameter_schema (engine.paramschema), as it did when the template was saved.

        A row of a system template is what staff curated in the admin: when it is well-formed and a system
        operation implements it, it replaces the library's definition of that name and version (or adds a
        new system template), so staff edits to schemas, defaults and deletion reach validation and runs. A
        row that fails those checks is listed in `rejected` and the library's definition stays in force."""
        specs = {spec.key: spec for spec in self}
        system_names = {spec.name for spec in self if spec.is_system}
        added: list[TemplateSpec] = []
        problems: dict[Key, list[Problem]] = {}
        rejected: list[tuple[dict[str, Any], list[Problem]]] = []
        # System rows first, so a custom template never takes a name staff gave a new system template.
        rows = sorted(map(dict, templates), key=lambda t: not t.get("is_system_template"))
        for template in rows:
            name, version = template.get("name"), template.get("version") or "1.0.0"
            if template.get("is_system_template"):
                spec = spec_from_template(template, is_system=True)
                current = specs.get(spec.key)
                if current is not None and current.is_system and _same_definition(spec, current):
                    specs[spec.key] = replace(current, is_deleted=spec.is_deleted, template_id=spec.template_id)
                    continue
                found = template_problems(template, schema_limits=schema_limits)
                if not found:
                    spec = spec_from_template(template, is_system=True)
                    found = implementation_problems(spec)
                    if not found and spec.key in specs and not specs[spec.key].is_system:
                        found = [_problem("duplicate_template", f"{name!r} {version} is a custom template")]
                if found:
                    rejected.append((template, found))
                    continue
                specs[spec.key] = spec
                system_names.add(spec.name)
                continue
            if not isinstance(name, str) or not name:
                rejected.append((template, [_problem("invalid_name", "a template needs a name.", field="name")]))
                continue
            found = template_problems(template, schema_limits=schema_limits)
            if any(p.field in ("name", "version") for p in found):
                rejected.append((template, found))
                continue
            spec = spec_from_template(template, is_system=False)
            if spec.name in system_names:
                message = f"{spec.name!r} is the name of a system template; a custom template needs its own name"
                rejected.append((template, [_problem("duplicate_template", message, field="name")]))
                continue
            if spec.key in specs:
                message = f"{spec.name!r} {spec.version} is already the name of another custom template"
                rejected.append((template, [_problem("duplicate_template", message, field="name")]))
                continue
            specs[spec.key] = spec
            added.append(spec)
            if found:
                problems[spec.key] = found
            elif spec.op not in CUSTOM_OPS:
                message = 'custom templates are presets ("op": "preset") or composites ("op": "composite")'
                problems[spec.key] = [_problem("invalid_hints", message, field="execution_hints")]

        catalogue = Catalogue(specs.values(), problems={**self._problems, **problems})
        catalogue.rejected = self.rejected + rejected
        catalogue._resolve_custom(added)
        return catalogue

    def _resolve_custom(self, specs: list[TemplateSpec]) -> None:
        resolution = _Resolution(problems=self._problems)
        for spec in specs:
            self._custom_problems(self.get(spec.name, spec.version), resolution)

    def _custom_problems(self, spec: TemplateSpec, resolution: _Resolution) -> list[Problem]:
        """Problems of a custom template, resolving its references first (memoised; detects recursion)."""
        if spec.is_system:
            return []
        if spec.key in resolution.problems:
            return resolution.problems[spec.key]
        if spec.key in resolution.stack:
            cycle = [*resolution.stack[resolution.stack.index(spec.key) :], spec.key]
            path = " -> ".join(name for name, _ in cycle)
            return [_problem("recursive_template", f"template {spec.name!r} uses itself: {path}")]
        resolution.stack.append(spec.key)
        try:
            if spec.is_preset:
                found, resolved = self._preset_problems(spec, resolution)
            else:
                found, resolved = self._composite_problems(spec, resolution), spec
        finally:
            resolution.stack.pop()
        if resolved is not spec:
            self._by_name[spec.name][spec.version] = resolved
        resolution.problems[spec.key] = found
        return found

    def _reference(
        self, owner: TemplateSpec, name: Any, version: Any, resolution: _Resolution, *, field: str
    ) -> tuple[TemplateSpec | None, list[Problem]]:
        if not isinstance(name, str) or (version is not None and not isinstance(version, str)):
            return None, [_problem("invalid_hints", f"{field} must name a template", field=field)]
        target = self.get(name, version)
        if target is None:
            what = f"{name!r} version {version}" if version else repr(name)
            return None, [_problem("unknown_base", f"{owner.name!r} uses unknown template {what}", field=field)]
        if target.is_deleted:
            return None, [_problem("deleted_template", f"{owner.name!r} uses {name!r}, which was deleted", field=field)]
        nested = self._custom_problems(target, resolution)
        if nested:
            reasons = "; ".join(p.message for p in nested)
            code = "recursive_template" if any(p.code == "recursive_template" for p in nested) else "invalid_template"
            return None, [_problem(code, f"{owner.name!r} uses {name!r}, which cannot be used: {reasons}", field=field)]
        return self.get(name, version), []

    def _preset_problems(self, spec: TemplateSpec, resolution: _Resolution) -> tuple[list[Problem], TemplateSpec]:
        hints = spec.execution_hints
        base, problems = self._reference(
            spec, hints.get("base"), hints.get("base_version"), resolution, field="execution_hints.base"
        )
        if base is None:
            return problems, spec
        fixed = hints.get("fixed_params", {})
        if not isinstance(fixed, dict):
            return [
                _problem("invalid_hints", "fixed_params must be an object", field="execution_hints.fixed_params")
            ], spec
        base_params = set((base.parameter_schema.get("properties") or {}).keys())
        own_params = set((spec.parameter_schema.get("properties") or {}).keys())
        for name in sorted(own_params - base_params):
            problems.append(
                _problem(
                    "invalid_params",
                    f"parameter {name!r} is not a parameter of {base.name!r}",
                    field=f"parameter_schema.properties.{name}",
                )
            )
        for name in sorted(set(fixed) - base_params):
            problems.append(
                _problem(
                    "invalid_params",
                    f"fixed parameter {name!r} is not a parameter of {base.name!r}",
                    field=f"execution_hints.fixed_params.{name}",
                )
            )
        for name in sorted(set(fixed) & own_params):
            problems.append(
                _problem(
                    "invalid_params",
                    f"parameter {name!r} is fixed, so it cannot also be a preset parameter",
                    field=f"parameter_schema.properties.{name}",
                )
            )
        if problems:
            return problems, spec
        merged = {**base.default_parameters, **spec.default_parameters, **fixed}
        problems += params_problems(base.parameter_schema, merged, field="execution_hints.fixed_params")

        if not spec.inputs and not spec.outputs:
            return problems, replace(spec, inputs=base.inputs, outputs=base.outputs)
        if [(p.name, p.type, p.required) for p in spec.inputs] != [(p.name, p.type, p.required) for p in base.inputs]:
            problems.append(
                _problem("invalid_ports", f"input ports must be those of {base.name!r}", field="input_ports")
            )
        if [(p.name, p.type) for p in spec.outputs] != [(p.name, p.type) for p in base.outputs]:
            problems.append(
                _problem("invalid_ports", f"output ports must be those of {base.name!r}", field="output_ports")
            )
        return problems, spec

    def _composite_problems(self, spec: TemplateSpec, resolution: _Resolution) -> list[Problem]:
        from .flow import fragment_problems  # the flow validator needs the catalogue, so import late

        hints = spec.execution_hints
        flow = hints.get("flow")
        mapping_problems = []
        for key, ports in (("inputs", spec.inputs), ("outputs", spec.outputs)):
            mapping = hints.get(key, {})
            where = f"execution_hints.{key}"
            if not isinstance(mapping, dict):
                mapping_problems.append(_problem("invalid_hints", f"{where} must be an object", field=where))
                continue
            declared = {p.name for p in ports}
            for port in sorted(declared - set(mapping)):
                mapping_problems.append(
                    _problem("invalid_hints", f"{where} does not say where port {port!r} goes", field=where)
                )
            for port in sorted(set(mapping) - declared):
                mapping_problems.append(
                    _problem("invalid_hints", f"{where} maps {port!r}, which is not a declared port", field=where)
                )
            for port, target in mapping.items():
                if not (
                    isinstance(target, dict)
                    and set(target) == {"node", "port"}
                    and all(isinstance(v, str) for v in target.values())
                ):
                    mapping_problems.append(
                        _problem(
                            "invalid_hints",
                            f'{where}.{port} must be {{"node": <id>, "port": <name>}}',
                            field=f"{where}.{port}",
                        )
                    )
        if not isinstance(flow, dict):
            mapping_problems.append(
                _problem("invalid_hints", "execution_hints.flow must be a flow object", field="execution_hints.flow")
            )
        if mapping_problems:
            return mapping_problems
        return fragment_problems(
            spec,
            self,
            resolve=lambda target: self._custom_problems(target, resolution),
        )


_IDENTITY_FIELDS = frozenset({"is_deleted", "template_id", "user_id"})


def _same_definition(a: TemplateSpec, b: TemplateSpec) -> bool:
    """Whether two specs define the same template, whatever their row identity and deletion flag."""
    return all(getattr(a, f.name) == getattr(b, f.name) for f in fields(TemplateSpec) if f.name not in _IDENTITY_FIELDS)


def implementation_problems(spec: TemplateSpec) -> list[Problem]:
    """Why no system operation can compute `spec` (empty when one can)."""
    operation = OPERATIONS.get(spec.op or "")
    if operation is None:
        return [_problem("no_implementation", f"no operation implements execution_hints op {spec.op!r}")]
    return [_problem("invalid_hints", message) for message in operation.check(spec.execution_hints, spec.shape())]


def _problem(code: str, message: str, *, field: str | None = None) -> Problem:
    return Problem(code, message, field=field)


def port_compatible(source_type: str, target_type: str) -> bool:
    return (source_type, target_type) in COMPATIBLE_PORTS


@cache
def system_catalogue() -> Catalogue:
    """The catalogue of the system library (built once per process)."""
    return Catalogue.from_system_templates(load_system_templates(), trusted=True)
