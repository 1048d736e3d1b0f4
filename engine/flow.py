"""Logic flows (format v1): validation that reports every problem at once, and compilation into a Plan.

    {"schema_version": 1,
     "nodes": [{"id", "template", "version"?, "label"?, "params"?, "position"?}],
     "edges": [{"id"?, "source", "source_port", "target", "target_port"}]}

The shape of a flow is checked by `flow_format_problems` (engine.flowformat, which spells the format out): an
edge without an id is called "e<index>", an optional key set to null counts as absent, and a malformed part
is reported with its full path (`field` "nodes[2].params") under one of FORMAT_CODES (required,
invalid_type, unknown_field, unsupported_version, invalid_param_binding, duplicate_node_id,
duplicate_edge_id). `validate_flow` reports those and, at the same time, checks the well-formed nodes and
edges in depth. A param may be bound to a strategy parameter with {"$param": "name"}; `parameters` supplies
the values. Every problem carries a machine-readable code and the node id, edge id and/or field it concerns:

    unknown_template   no template has this name          unknown_version    the template has no such version
    deleted_template   the template was deleted           invalid_template   a custom template that cannot be used
    recursive_template a custom template that (through others) uses itself
    invalid_params     a param fails the template's JSON Schema (after defaults) or a risk setting's range, or
                       holds a number no run can use (an integer beyond 64 bits, NaN: engine.limits), named in `field`
    unbound_param      {"$param": name} with no value in `parameters`
    unknown_node       an edge names a node that is not in the flow
    unknown_port       an edge names a port the node does not have
    incompatible_ports an edge joins an output to an input of an incompatible type
    duplicate_input    a second edge into an input that already has one
    cycle              nodes that depend on each other in a loop (all named)
    missing_input      a required input with no edge
    duplicate_risk     a second risk rule of one kind (two stop losses ...)
    no_entry_signal    no entry_long or entry_short node
    not_allowed_in_composite  a signal or risk node inside a composite template's fragment

The connection and parameter rules in `validation_rules` are enforced for system templates (the library
controls them): `max_per_flow` (one stop loss ..., on risk rules) and `param_order` (MAVP's minperiod <= maxperiod).

`compile_flow` turns a valid flow into a Plan: steps in dependency order with their params resolved, presets
reduced to their system operation and composites inlined (inner node ids become "<composite id>/<inner id>").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalogue import Catalogue, Port, TemplateSpec, port_compatible
from .errors import FlowError, Problem
from .flowformat import FORMAT_CODES, PARAM_BINDING, SCHEMA_VERSION, FlowEdge, FlowNode, flow_format_problems, read_flow
from .limits import number_problem, shown
from .ops import OPERATIONS, SIGNAL_KINDS, RiskOp
from .signals import RISK_RANGES
from .templates import params_problems

ENTRY_SIGNALS = ("entry_long", "entry_short")
NOT_IN_COMPOSITES = ("SIGNAL", "RISK")
PASSTHROUGH_OP = "passthrough"
NO_PARAMS = {"type": "object", "properties": {}, "additionalProperties": False}
UNCHECKED = object()  # an edge end on a node whose template is unknown: nothing more to check there


@dataclass(frozen=True)
class Source:
    """An output of a node: where a step's input comes from."""

    node: str
    port: str


@dataclass(frozen=True)
class Step:
    """One node to compute. `op`/`hints`/`params` are those of the system operation that computes it (for a
    preset: its base, with the preset's fixed params applied); `template` is the name the flow used."""

    node_id: str
    template: str
    op: str
    hints: Mapping[str, Any]
    params: Mapping[str, Any]
    inputs: Mapping[str, Source | None]
    input_types: Mapping[str, str]
    outputs: tuple[str, ...]
    label: str | None = None


@dataclass(frozen=True)
class Plan:
    """A compiled flow: steps in dependency order, and the risk settings (fractions) with their node ids."""

    steps: tuple[Step, ...]
    risk: Mapping[str, float]
    risk_nodes: Mapping[str, str]

    def step(self, node_id: str) -> Step:
        """The step computing `node_id` (KeyError if the plan has none, e.g. for a risk node)."""
        for step in self.steps:
            if step.node_id == node_id:
                return step
        raise KeyError(node_id)


def flow_template_names(flow: Any) -> set[str]:
    """The names of the templates a flow's nodes use (tolerant of malformed flows: it reads what it can)."""
    nodes = flow.get("nodes") if isinstance(flow, dict) else None
    if not isinstance(nodes, list):
        return set()
    return {n["template"] for n in nodes if isinstance(n, dict) and isinstance(n.get("template"), str)}


def validate_flow(flow: Any, catalogue: Catalogue, parameters: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every problem with `flow`, each tied to a node, an edge or a field. Empty means the flow is valid."""
    return _Analysis(flow, catalogue, parameters).problems


def compile_flow(flow: Any, catalogue: Catalogue, parameters: Mapping[str, Any] | None = None) -> Plan:
    """The Plan of a valid flow. Raises FlowError with every problem when it is not valid."""
    analysis = _Analysis(flow, catalogue, parameters)
    if analysis.problems:
        raise FlowError(analysis.problems)
    steps: list[Step] = []
    risk: dict[str, float] = {}
    risk_nodes: dict[str, str] = {}
    _expand(analysis, catalogue, prefix="", externals={}, steps=steps, risk=risk, risk_nodes=risk_nodes)
    return Plan(steps=_in_dependency_order(steps), risk=risk, risk_nodes=risk_nodes)


def fragment_problems(
    spec: TemplateSpec, catalogue: Catalogue, *, resolve: Callable[[TemplateSpec], list[Problem]]
) -> list[Problem]:
    """Problems of a composite template's fragment and of its port mappings (used by the catalogue)."""
    hints = spec.execution_hints
    exposed = {(m["node"], m["port"]) for m in hints["inputs"].values()}
    analysis = _Analysis(
        hints["flow"],
        catalogue,
        spec.default_parameters,
        fragment=True,
        external_inputs=exposed,
        problems_of=resolve,
    )
    where = "execution_hints.flow"
    problems = [
        Problem(p.code, f"in the composite's flow: {p.message}", p.node_id, p.edge_id, p.field or where)
        for p in analysis.problems
    ]
    for port in spec.inputs:
        target = hints["inputs"][port.name]
        node = analysis.nodes.get(target["node"])
        inner = node.spec.input(target["port"]) if node and node.spec else None
        field_name = f"execution_hints.inputs.{port.name}"
        if inner is None:
            problems.append(_no_such(target, "input", field_name))
        elif not port_compatible(port.type, inner.type):
            problems.append(
                Problem(
                    "incompatible_ports",
                    f"input {port.name!r} ({port.type}) cannot feed {target['node']}.{inner.name} ({inner.type})",
                    field=field_name,
                )
            )
        elif inner.required and not port.required:
            problems.append(
                Problem(
                    "invalid_ports",
                    f"input {port.name!r} must be required: it feeds the required input {target['node']}.{inner.name}",
                    field=field_name,
                )
            )
    for port in spec.outputs:
        source = hints["outputs"][port.name]
        node = analysis.nodes.get(source["node"])
        inner = node.spec.output(source["port"]) if node and node.spec else None
        field_name = f"execution_hints.outputs.{port.name}"
        if inner is None:
            problems.append(_no_such(source, "output", field_name))
        elif not port_compatible(inner.type, port.type):
            problems.append(
                Problem(
                    "incompatible_ports",
                    f"output {port.name!r} ({port.type}) cannot come from {source['node']}.{inner.name} ({inner.type})",
                    field=field_name,
                )
            )
    return problems


def _no_such(target: Mapping[str, str], kind: str, field_name: str) -> Problem:
    return Problem(
        "unknown_port",
        f"the composite's flow has no node {target['node']!r} with an {kind} {target['port']!r}",
        field=field_name,
    )


@dataclass
class _Node:
    id: str
    template: str
    label: str | None
    spec: TemplateSpec | None = None  # the template as the flow names it
    target: TemplateSpec | None = None  # the system template or composite that computes it (presets reduced)
    target_params: dict[str, Any] | None = None
    inner: _Analysis | None = None  # for a composite: the analysis of its flow with this node's params


@dataclass
class _Analysis:
    """Checks a flow once, keeping what compilation needs: nodes with resolved templates and params, and
    the edge feeding each input."""

    flow: Any
    catalogue: Catalogue
    parameters: Mapping[str, Any] | None = None
    fragment: bool = False
    external_inputs: set[tuple[str, str]] = field(default_factory=set)
    problems_of: Callable[[TemplateSpec], list[Problem]] | None = None

    problems: list[Problem] = field(init=False, default_factory=list)
    nodes: dict[str, _Node] = field(init=False, default_factory=dict)
    incoming: dict[tuple[str, str], FlowEdge] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.problems_of is None:
            self.problems_of = self.catalogue.problems
        if self.parameters is None:
            self.parameters = {}
        if not isinstance(self.parameters, Mapping):
            self._add("invalid_type", "parameters must be an object of strategy parameter values.", field="parameters")
            self.parameters = {}
        reading = read_flow(self.flow)
        self.problems += reading.problems
        if not reading.readable:
            return
        for node in reading.nodes:
            self._read_node(node)
        for edge in reading.edges:
            self._connect(edge)
        self._check_missing_inputs()
        self._check_cycles()
        self._check_max_per_flow()
        if self.fragment:
            self._check_fragment_nodes()
        else:
            self._check_entry_signal()
        self._check_composites()

    # -- helpers --------------------------------------------------------------------------------------

    def _add(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, **where))

    # -- nodes ----------------------------------------------------------------------------------------

    def _read_node(self, node: FlowNode) -> None:
        """Record the node; look its template up and resolve its params when it is well-formed."""
        entry = self.nodes[node.id] = _Node(node.id, node.template, node.label)
        if not node.well_formed:
            return
        entry.spec = self._lookup(node.id, node.template, node.version)
        if entry.spec is not None:
            self._resolve_params(entry, node.params)

    def _lookup(self, node_id: str, name: str, version: str | None) -> TemplateSpec | None:
        spec = self.catalogue.get(name, version)
        if spec is None:
            if name not in self.catalogue:
                self._add(
                    "unknown_template",
                    f"Node {node_id}: there is no template {name!r}.",
                    node_id=node_id,
                    field="template",
                )
            else:
                known = ", ".join(self.catalogue.versions(name))
                self._add(
                    "unknown_version",
                    f"Node {node_id}: template {name!r} has no version {version} (it has {known}).",
                    node_id=node_id,
                    field="version",
                )
            return None
        if spec.is_deleted:
            self._add(
                "deleted_template", f"Node {node_id}: template {name!r} was deleted.", node_id=node_id, field="template"
            )
        broken = self.problems_of(spec)
        if broken:
            reasons = "; ".join(p.message for p in broken)
            self._add(
                "recursive_template" if any(p.code == "recursive_template" for p in broken) else "invalid_template",
                f"Node {node_id}: template {name!r} cannot be used: {reasons}",
                node_id=node_id,
                field="template",
            )
        return spec

    def _resolve_params(self, node: _Node, raw_params: Mapping[str, Any]) -> None:
        spec = node.spec
        bound: dict[str, Any] = {}
        ok = True
        for key, value in raw_params.items():
            if isinstance(value, dict) and PARAM_BINDING in value:  # well-formed: flow_format_problems saw to it
                name = value[PARAM_BINDING]
                if name not in self.parameters:
                    self._add(
                        "unbound_param",
                        f"Node {node.id}: params.{key} is bound to the strategy parameter {name!r}, which has no value.",
                        node_id=node.id,
                        field=f"params.{key}",
                    )
                    ok = False
                else:
                    bound[key] = self.parameters[name]
            else:
                bound[key] = value
        if self.problems_of(spec):
            return  # a template that cannot be used has no trustworthy schema to check params against
        params = self._checked_params(node, spec, {**spec.default_parameters, **bound}, field_prefix="params")
        if params is None or not ok:
            return
        node.target, node.target_params = self._reduce_presets(node, spec, params)

    def _checked_params(
        self, node: _Node, spec: TemplateSpec, params: dict[str, Any], *, field_prefix: str, context: str = ""
    ) -> dict[str, Any] | None:
        schema = spec.parameter_schema or NO_PARAMS  # an empty schema means the template takes no params
        found = []
        properties = schema.get("properties") or {}
        if schema.get("additionalProperties") is False:
            known = ", ".join(properties) or "none"
            for key in [k for k in params if k not in properties]:
                found.append(
                    Problem(
                        "invalid_params",
                        f"{field_prefix}.{key}: {spec.name} has no parameter {key!r} (its parameters: {known}).",
                        node_id=node.id,
                        field=f"{field_prefix}.{key}",
                    )
                )
            params = {k: v for k, v in params.items() if k in properties}
        unusable = _number_problems(params, field_prefix, node.id)
        found += unusable
        found += [
            p
            for p in params_problems(schema, params, field=field_prefix, node_id=node.id)
            if p.field not in {u.field for u in unusable}  # its message would echo the whole number
        ]
        found = _with_risk_range(node, spec, params, found, field_prefix)
        for rule in spec.validation_rules.get("param_order", []) if spec.is_system else []:
            lower, upper = rule["lower"], rule["upper"]
            if not found and params[lower] > params[upper]:
                found.append(
                    Problem(
                        "invalid_params",
                        f"{field_prefix}.{upper}: {upper} ({params[upper]}) must be at least {lower} ({params[lower]}).",
                        node_id=node.id,
                        field=f"{field_prefix}.{upper}",
                    )
                )
        for problem in found:
            self.problems.append(
                Problem(
                    problem.code, f"Node {node.id}: {context}{problem.message}", node_id=node.id, field=problem.field
                )
            )
        return None if found else _coerce_integers(schema, params)

    def _reduce_presets(
        self, node: _Node, spec: TemplateSpec, params: dict[str, Any]
    ) -> tuple[TemplateSpec | None, dict[str, Any] | None]:
        while spec.is_preset:
            hints = spec.execution_hints
            base = self.catalogue.get(hints["base"], hints.get("base_version"))
            merged = {**base.default_parameters, **params, **hints.get("fixed_params", {})}
            params = self._checked_params(
                node,
                base,
                merged,
                field_prefix="params",
                context=f"as {base.name!r} (the base of preset {spec.name!r}), ",
            )
            if params is None:
                return None, None
            spec = base
        return spec, params

    # -- edges ----------------------------------------------------------------------------------------

    def _endpoint(self, edge: FlowEdge, end: str) -> Port | object | None:
        """The port an edge end names; UNCHECKED when its node's template is unknown (reported on the node);
        None (with a problem) when the node or the port does not exist."""
        node_id, port_name = (edge.source, edge.source_port) if end == "source" else (edge.target, edge.target_port)
        node = self.nodes.get(node_id)
        if node is None:
            self._add("unknown_node", f"Edge {edge.id}: there is no node {node_id!r}.", edge_id=edge.id, field=end)
            return None
        if node.spec is None:
            return UNCHECKED
        kind, ports = ("output", node.spec.outputs) if end == "source" else ("input", node.spec.inputs)
        port = next((p for p in ports if p.name == port_name), None)
        if port is None:
            names = ", ".join(p.name for p in ports) or "none"
            self._add(
                "unknown_port",
                f"Edge {edge.id}: node {node_id} ({node.spec.name}) has no {kind} {port_name!r} (its {kind}s: {names}).",
                edge_id=edge.id,
                node_id=node_id,
                field=f"{end}_port",
            )
        return port

    def _connect(self, edge: FlowEdge) -> None:
        source_port, target_port = self._endpoint(edge, "source"), self._endpoint(edge, "target")
        if source_port is None or not isinstance(target_port, Port):
            return
        if isinstance(source_port, Port) and not port_compatible(source_port.type, target_port.type):
            self._add(
                "incompatible_ports",
                f"Edge {edge.id}: {edge.source}.{edge.source_port} gives a {source_port.type}, but {edge.target}.{edge.target_port} takes a {target_port.type}.",
                edge_id=edge.id,
                field="target_port",
            )
            return
        key = (edge.target, edge.target_port)
        if key in self.incoming:
            self._add(
                "duplicate_input",
                f"Edge {edge.id}: input {edge.target}.{edge.target_port} is already fed by edge {self.incoming[key].id}.",
                edge_id=edge.id,
                node_id=edge.target,
                field="target_port",
            )
            return
        if key in self.external_inputs:
            self._add(
                "duplicate_input",
                f"Edge {edge.id}: input {edge.target}.{edge.target_port} is already fed by the composite's input.",
                edge_id=edge.id,
                node_id=edge.target,
                field="target_port",
            )
            return
        self.incoming[key] = edge

    # -- whole-flow checks ----------------------------------------------------------------------------

    def _check_missing_inputs(self) -> None:
        for node in self.nodes.values():
            if node.spec is None:
                continue
            for port in node.spec.inputs:
                key = (node.id, port.name)
                if port.required and key not in self.incoming and key not in self.external_inputs:
                    self._add(
                        "missing_input",
                        f"Node {node.id}: input {port.name!r} is required but not connected.",
                        node_id=node.id,
                        field=f"inputs.{port.name}",
                    )

    def _check_cycles(self) -> None:
        graph: dict[str, list[str]] = {node_id: [] for node_id in self.nodes}
        for edge in self.incoming.values():
            graph[edge.source].append(edge.target)
        for component in _strongly_connected(graph):
            if len(component) > 1 or component[0] in graph[component[0]]:
                order = [n for n in self.nodes if n in component]
                self._add("cycle", f"Nodes {', '.join(order)} depend on each other in a cycle.", node_id=order[0])

    def _check_max_per_flow(self) -> None:
        seen: dict[str, list[str]] = {}
        for node in self.nodes.values():
            target = node.target or node.spec
            if target is None or not target.is_system or "max_per_flow" not in target.validation_rules:
                continue
            ids = seen.setdefault(target.name, [])
            ids.append(node.id)
            limit = target.validation_rules["max_per_flow"]
            if len(ids) > limit:
                self._add(
                    "duplicate_risk",
                    f"Node {node.id}: a flow may have only {limit} {target.name} node (node {ids[0]} is already one).",
                    node_id=node.id,
                    field="template",
                )

    def _check_entry_signal(self) -> None:
        for node in self.nodes.values():
            target = node.target or node.spec
            if target is not None and target.op == "signal" and target.execution_hints.get("signal") in ENTRY_SIGNALS:
                return
        self._add("no_entry_signal", "The flow has no entry signal: add an Enter Long or Enter Short node.")

    def _check_fragment_nodes(self) -> None:
        for node in self.nodes.values():
            target = node.target or node.spec
            if target is not None and target.node_type in NOT_IN_COMPOSITES:
                self._add(
                    "not_allowed_in_composite",
                    f"Node {node.id}: {target.node_type.lower()} nodes cannot be part of a composite template.",
                    node_id=node.id,
                    field="template",
                )

    def _check_composites(self) -> None:
        for node in self.nodes.values():
            if node.target is None or not node.target.is_composite or self.problems_of(node.target):
                continue
            node.inner = inner = _composite_analysis(node.target, self.catalogue, node.target_params, self.problems_of)
            for p in inner.problems:
                self.problems.append(
                    Problem(
                        p.code,
                        f"Node {node.id}: inside {node.target.name!r}: {p.message}",
                        node_id=node.id,
                        field=p.field,
                    )
                )


def _composite_analysis(
    spec: TemplateSpec,
    catalogue: Catalogue,
    params: Mapping[str, Any],
    problems_of: Callable[[TemplateSpec], list[Problem]] | None = None,
) -> _Analysis:
    hints = spec.execution_hints
    return _Analysis(
        hints["flow"],
        catalogue,
        params,
        fragment=True,
        external_inputs={(m["node"], m["port"]) for m in hints["inputs"].values()},
        problems_of=problems_of,
    )


def _number_problems(params: Mapping[str, Any], field_prefix: str, node_id: str) -> list[Problem]:
    """Params whose number a run cannot use (see engine.limits): the run, and code generation, would refuse them."""
    return [
        Problem(
            "invalid_params", f"{field_prefix}.{shown(key)}: {why}.", node_id=node_id, field=f"{field_prefix}.{key}"
        )
        for key, value in params.items()
        if (why := number_problem(value)) is not None
    ]


def _coerce_integers(schema: Mapping[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Whole numbers the schema declares as integers become ints (JSON Schema accepts 14.0 as an integer)."""
    properties = schema.get("properties") or {}
    return {
        key: int(value) if properties.get(key, {}).get("type") == "integer" and isinstance(value, float) else value
        for key, value in params.items()
    }


def _strongly_connected(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (flows may be deep)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _with_risk_range(
    node: _Node, spec: TemplateSpec, params: Mapping[str, Any], found: list[Problem], field_prefix: str
) -> list[Problem]:
    """`found`, with a risk setting the simulation cannot run (a 100 % stop loss ...) reported against
    RISK_RANGES in the parameter's own units (percent for a stop), in place of what the schema said about
    that parameter: the range holds whatever the template's schema allows."""
    hints = spec.execution_hints or {}
    setting, param, scale = hints.get("setting"), hints.get("param"), hints.get("scale")
    if not isinstance(OPERATIONS.get(spec.op), RiskOp) or setting not in RISK_RANGES or param not in params:
        return found
    value = params[param]
    if isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(scale, int | float):
        return found  # the schema has said what is wrong with it
    message = RISK_RANGES[setting].problem(param, value, scale=float(scale))
    if message is None:
        return found
    field = f"{field_prefix}.{param}"
    return [p for p in found if p.field != field] + [
        Problem("invalid_params", f"{field_prefix}.{message}", node_id=node.id, field=field)
    ]


# -- compilation ----------------------------------------------------------------------------------------


def _expand(
    analysis: _Analysis,
    catalogue: Catalogue,
    *,
    prefix: str,
    externals: Mapping[tuple[str, str], Source],
    steps: list[Step],
    risk: dict[str, float],
    risk_nodes: dict[str, str],
) -> None:
    for node in analysis.nodes.values():
        node_id = prefix + node.id
        target, params = node.target, node.target_params
        sources: dict[str, Source | None] = {}
        for port in target.inputs:
            edge = analysis.incoming.get((node.id, port.name))
            if edge is not None:
                sources[port.name] = Source(prefix + edge.source, edge.source_port)
            else:
                sources[port.name] = externals.get((node.id, port.name))
        if target.is_composite:
            hints = target.execution_hints
            inner_prefix = node_id + "/"
            inner_externals = {
                (m["node"], m["port"]): sources[port]
                for port, m in hints["inputs"].items()
                if sources.get(port) is not None
            }
            _expand(
                node.inner,
                catalogue,
                prefix=inner_prefix,
                externals=inner_externals,
                steps=steps,
                risk=risk,
                risk_nodes=risk_nodes,
            )
            steps.append(
                Step(
                    node_id=node_id,
                    template=node.template,
                    op=PASSTHROUGH_OP,
                    hints={},
                    params={},
                    inputs={port: Source(inner_prefix + m["node"], m["port"]) for port, m in hints["outputs"].items()},
                    input_types={p.name: p.type for p in target.outputs},
                    outputs=tuple(p.name for p in target.outputs),
                    label=node.label,
                )
            )
            continue
        operation = OPERATIONS[target.op]
        if isinstance(operation, RiskOp):
            setting, value = operation.setting(target.execution_hints, params)
            risk[setting] = value
            risk_nodes[setting] = node_id
            continue
        steps.append(
            Step(
                node_id=node_id,
                template=node.template,
                op=target.op,
                hints=target.execution_hints,
                params=params,
                inputs=sources,
                input_types={p.name: p.type for p in target.inputs},
                outputs=tuple(p.name for p in target.outputs),
                label=node.label,
            )
        )


def _in_dependency_order(steps: list[Step]) -> tuple[Step, ...]:
    """Steps ordered so each comes after the steps it reads (Kahn's algorithm, stable in flow order)."""
    by_id = {s.node_id: s for s in steps}
    waiting = {s.node_id: {src.node for src in s.inputs.values() if src is not None} for s in steps}
    readers: dict[str, list[str]] = {s.node_id: [] for s in steps}
    for node_id, deps in waiting.items():
        for dep in deps:
            readers[dep].append(node_id)
    position = {s.node_id: i for i, s in enumerate(steps)}
    ready = sorted((n for n, deps in waiting.items() if not deps), key=position.__getitem__)
    ordered: list[Step] = []
    while ready:
        node_id = ready.pop(0)
        ordered.append(by_id[node_id])
        for reader in readers[node_id]:
            waiting[reader].discard(node_id)
            if not waiting[reader]:
                ready.append(reader)
        ready.sort(key=position.__getitem__)
    return tuple(ordered)


__all__ = [
    "FORMAT_CODES",
    "SCHEMA_VERSION",
    "SIGNAL_KINDS",
    "Plan",
    "Source",
    "Step",
    "compile_flow",
    "flow_format_problems",
    "flow_template_names",
    "fragment_problems",
    "validate_flow",
]
