"""Build the system node library (system_nodes.json) from TA-Lib's metadata and the curated data file.

    python -m engine.library.build            write engine/library/system_nodes.json
    python -m engine.library.build --check    exit 1 if the committed file differs from a fresh build

Indicator templates come from TA-Lib itself: every function of the groups listed in curation.json, with
its inputs as ports, its parameters (types, ranges, allowed values, defaults) as a JSON Schema and its
outputs as ports. curation.json adds what TA-Lib cannot know (a description a trader understands, a
category, an icon and a colour) and holds the full definitions of the templates that are not TA-Lib
functions (price data, arithmetic, conditions, signals, risk rules).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.templates import NODE_TYPES, template_problems

from .talib_meta import FunctionInfo, ParamInfo, function_info, functions_in_groups, ma_type_names

LIBRARY_DIR = Path(__file__).resolve().parent
CURATION_PATH = LIBRARY_DIR / "curation.json"
OUTPUT_PATH = LIBRARY_DIR / "system_nodes.json"
VERSION = "1.0.0"

# A TA-Lib input called "price" is the one series the function works on; "periods" is MAVP's period series;
# the members of "prices" are OHLCV fields and become ports named after the field.
_SINGLE_SERIES_INPUT = "price"
_PERIODS_INPUT = "periods"
_FIELDS_INPUT = "prices"


class CurationError(ValueError):
    """curation.json and TA-Lib disagree (a function without a description, an unknown port ...)."""


def load_curation(path: Path = CURATION_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _param_schema(param: ParamInfo, override: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": param.kind}
    if param.choices:
        schema["enum"] = [value for value, _ in param.choices]
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    schema["default"] = param.default
    schema["title"] = override.get("title", param.display_name)
    description = override.get("description", param.help)
    if param.choices and param.name.endswith("matype"):
        names = ma_type_names()
        listing = ", ".join(f"{value} = {names.get(value, label)}" for value, label in param.choices)
        description = f"{description}: {listing}."
    elif param.choices:
        listing = ", ".join(f"{value} = {label}" for value, label in param.choices)
        description = f"{description}: {listing}."
    schema["description"] = description
    return schema


def _input_ports(info: FunctionInfo, port_text: dict[str, dict[str, str]]) -> tuple[list[dict], list[str]]:
    ports, names = [], []
    for input_name, field in info.inputs:
        if input_name == _SINGLE_SERIES_INPUT:
            name = "series"
        elif input_name == _PERIODS_INPUT:
            name = "periods"
        elif input_name == _FIELDS_INPUT and field:
            name = field
        else:
            raise CurationError(f"{info.name}: TA-Lib input {input_name!r} has no port naming rule")
        if name not in port_text:
            raise CurationError(f"{info.name}: add a label for input port {name!r} to curation.json")
        ports.append({"name": name, "type": "series", "required": True, **port_text[name]})
        names.append(name)
    return ports, names


def _output_ports(info: FunctionInfo, port_text: dict[str, dict[str, str]]) -> tuple[list[dict], list[str]]:
    if len(info.outputs) == 1:  # TA-Lib calls a lone output "real" or "integer": it is the node's value
        return [{"name": "value", "type": "series", "label": info.name}], ["value"]
    ports = []
    for output in info.outputs:
        if output not in port_text:
            raise CurationError(f"{info.name}: add a label for output {output!r} to curation.json")
        ports.append({"name": output, "type": "series", **port_text[output]})
    return ports, list(info.outputs)


def indicator_template(function: str, curation: dict[str, Any]) -> dict[str, Any]:
    """The template of one TA-Lib function."""
    info = function_info(function)
    curated = curation["indicators"].get(function)
    if not curated or not curated.get("description"):
        raise CurationError(f"TA-Lib function {function} needs an entry with a description in curation.json")
    category = curated.get("category", curation["group_categories"][info.group])
    style = curation["category_styles"][category]
    overrides = curated.get("params", {})
    unknown = set(overrides) - {p.name for p in info.params}
    if unknown:
        raise CurationError(f"{function}: curation.json overrides unknown parameters {sorted(unknown)}")

    input_ports, input_names = _input_ports(info, curation["input_ports"])
    output_ports, output_names = _output_ports(info, curation["output_ports"])
    return {
        "name": function.lower(),
        "display_name": curated.get("display_name", info.display_name),
        "description": curated["description"],
        "node_type": "INDICATOR",
        "category": category,
        "version": VERSION,
        "parameter_schema": {
            "type": "object",
            "properties": {p.name: _param_schema(p, overrides.get(p.name, {})) for p in info.params},
            "additionalProperties": False,
        },
        "default_parameters": {p.name: p.default for p in info.params},
        "input_ports": input_ports,
        "output_ports": output_ports,
        "execution_hints": {
            "op": "talib",
            "function": function,
            "group": info.group,
            "inputs": input_names,
            "outputs": output_names,
        },
        "validation_rules": curated.get("validation_rules"),
        "icon": style["icon"],
        "color": style["color"],
    }


def build_system_templates(curation: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every system template, in node-type order. Raises CurationError or ValueError when one is malformed."""
    curation = curation if curation is not None else load_curation()
    functions = functions_in_groups(tuple(curation["talib_groups"]))
    stale = set(curation["indicators"]) - set(functions)
    if stale:
        raise CurationError(f"curation.json describes functions TA-Lib does not list in its groups: {sorted(stale)}")
    templates = [{**t, "version": VERSION} for t in curation["templates"]]
    templates += [indicator_template(name, curation) for name in functions]
    templates.sort(key=lambda t: NODE_TYPES.index(t["node_type"]))

    seen: set[str] = set()
    for template in templates:
        if template["name"] in seen:
            raise ValueError(f"two system templates are named {template['name']!r}")
        seen.add(template["name"])
        problems = template_problems(template)
        if problems:
            raise ValueError(f"system template {template['name']!r}: " + "; ".join(p.message for p in problems))
    return templates


def render(templates: list[dict[str, Any]]) -> str:
    return json.dumps(templates, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.library.build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if system_nodes.json is not up to date")
    args = parser.parse_args(argv)
    text = render(build_system_templates())
    if args.check:
        current = OUTPUT_PATH.read_text(encoding="utf-8") if OUTPUT_PATH.exists() else ""
        if current != text:
            print(f"{OUTPUT_PATH} is out of date: run python -m engine.library.build", file=sys.stderr)
            return 1
        print(f"{OUTPUT_PATH} is up to date.")
        return 0
    OUTPUT_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {len(json.loads(text))} templates to {OUTPUT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
