"""The shape of a node template, and the checks every template must pass before it is stored or used.

A template is a plain dict with the columns of `node_templates` that matter to the engine:

    name, display_name, description, node_type, category, version,
    parameter_schema   a JSON Schema (draft 2020-12) of an object of params, within engine.paramschema's rules
    default_parameters a dict that validates against parameter_schema
    input_ports        [{"name", "type", "required"?, "label"?, "description"?}]
    output_ports       [{"name", "type", "label"?, "description"?}]
    execution_hints    declarative: which operation computes it ({"op": "talib", "function": "SMA"} ...)
    validation_rules   declarative connection rules, or None
    icon, color

Port types are "series" (float per bar), "bool" (bool per bar) and "number" (a scalar).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import Problem
from .paramschema import DEFAULT_LIMITS, SchemaLimits, params_problems, schema_problems

NODE_TYPES = ("DATA", "INDICATOR", "MATH", "CONDITION", "SIGNAL", "RISK")
PORT_TYPES = ("series", "bool", "number")
PORT_KEYS = {"name", "type", "required", "label", "description"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
PORT_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")

# An edge may join an output to an input when the pair is listed here; a scalar broadcasts to a series.
COMPATIBLE_PORTS = {("series", "series"), ("number", "number"), ("number", "series"), ("bool", "bool")}


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for "MAJOR.MINOR.PATCH" versions, so "1.10.0" is newer than "1.9.0"."""
    return tuple(int(part) for part in version.split("."))


def ports_problems(ports: Any, *, field: str) -> list[Problem]:
    if not isinstance(ports, list):
        return [Problem("invalid_ports", f"{field} must be a list of ports.", field=field)]
    problems = []
    seen: set[str] = set()
    for i, port in enumerate(ports):
        where = f"{field}[{i}]"
        if not isinstance(port, dict):
            problems.append(Problem("invalid_ports", f"{where} must be an object with a name and a type.", field=where))
            continue
        unknown = sorted(set(port) - PORT_KEYS)
        if unknown:
            problems.append(Problem("invalid_ports", f"{where} has unknown keys: {', '.join(unknown)}.", field=where))
        name = port.get("name")
        if not isinstance(name, str) or not PORT_NAME_RE.match(name):
            problems.append(
                Problem("invalid_ports", f"{where}.name must be lower_snake_case (a-z, 0-9, _).", field=where)
            )
        elif name in seen:
            problems.append(Problem("duplicate_port", f"{where}.name {name!r} is used twice in {field}.", field=where))
        else:
            seen.add(name)
        if port.get("type") not in PORT_TYPES:
            problems.append(
                Problem(
                    "invalid_ports",
                    f"{where}.type must be one of {', '.join(PORT_TYPES)} (got {port.get('type')!r}).",
                    field=where,
                )
            )
        if "required" in port and not isinstance(port["required"], bool):
            problems.append(Problem("invalid_ports", f"{where}.required must be true or false.", field=where))
        for key in ("label", "description"):
            if key in port and not isinstance(port[key], str):
                problems.append(Problem("invalid_ports", f"{where}.{key} must be text.", field=where))
    return problems


def template_problems(template: dict, *, schema_limits: SchemaLimits = DEFAULT_LIMITS) -> list[Problem]:
    """Every problem with a template definition, each naming its field. Empty means well-formed. Never raises,
    whatever JSON the template holds (engine.paramschema sets the rules of its parameter_schema)."""
    problems: list[Problem] = []
    name = template.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        problems.append(
            Problem(
                "invalid_name", "name must be lower_snake_case, start with a letter, at most 100 chars.", field="name"
            )
        )
    if not isinstance(template.get("display_name"), str) or not template["display_name"].strip():
        problems.append(Problem("required", "display_name is required.", field="display_name"))
    if template.get("node_type") not in NODE_TYPES:
        problems.append(
            Problem("invalid_choice", f"node_type must be one of {', '.join(NODE_TYPES)}.", field="node_type")
        )
    version = template.get("version", "1.0.0")
    if not isinstance(version, str) or not VERSION_RE.match(version):
        problems.append(Problem("invalid_version", "version must look like MAJOR.MINOR.PATCH.", field="version"))

    schema = template.get("parameter_schema", {})
    schema_ok = not (schema_problem_list := schema_problems(schema, limits=schema_limits))
    problems += schema_problem_list
    defaults = template.get("default_parameters", {})
    if schema_ok:
        problems += [
            Problem("invalid_defaults", p.message, field=p.field)
            for p in params_problems(schema or {}, defaults, field="default_parameters")
        ]
    elif not isinstance(defaults, dict):
        problems.append(
            Problem("invalid_defaults", "default_parameters must be a JSON object.", field="default_parameters")
        )

    problems += ports_problems(template.get("input_ports", []), field="input_ports")
    problems += ports_problems(template.get("output_ports", []), field="output_ports")
    for key in ("execution_hints", "validation_rules"):
        value = template.get(key)
        if value is not None and not isinstance(value, dict):
            problems.append(Problem("invalid_json", f"{key} must be a JSON object or null.", field=key))
    return problems
