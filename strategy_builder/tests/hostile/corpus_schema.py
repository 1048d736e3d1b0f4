"""Hostile JSON Schemas for a node template's `parameter_schema` (issue 9, items 1, 5 and 8).

Each entry is (label, schema, the path the refusal must name). Schemas that reach outside the document are
built around a URL, so the tests can point them at a server or a file of their own and prove neither is
ever read. Everything else is plain data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]
PARAM = "timeperiod"  # the parameter of the library's `sma`, which the custom templates here are presets of


def of(param: Any, **extra: Any) -> Schema:
    """A preset's schema whose one parameter is described by `param`."""
    return {"type": "object", "properties": {PARAM: param}, **extra}


# -- references that leave the document (SSRF, local file read) ------------------------------------------
# Each takes the address (http://127.0.0.1:…/schema.json or file:///…/secret.json) and gives the schema.
REMOTE_REFS: list[tuple[str, Callable[[str], Schema], str]] = [
    ("param_ref", lambda url: of({"$ref": url}), f"parameter_schema.properties.{PARAM}.$ref"),
    ("root_ref", lambda url: {"type": "object", "$ref": url}, "parameter_schema.$ref"),
    (
        "defs_ref_with_fragment",
        lambda url: of({"$ref": "#/$defs/p"}, **{"$defs": {"p": {"$ref": url + "#/definitions/p"}}}),
        "parameter_schema.$defs.p.$ref",
    ),
    (
        "items_ref",
        lambda url: of({"type": "array", "items": {"$ref": url}}),
        f"parameter_schema.properties.{PARAM}.items.$ref",
    ),
    (
        "relative_to_id",
        lambda url: {"type": "object", "$id": url, "properties": {PARAM: {"$ref": "x.json"}}},
        "parameter_schema.$id",
    ),
    ("dialect", lambda url: {"type": "object", "$schema": url}, "parameter_schema.$schema"),
]

# -- references that never end (RecursionError, answered 500 before) -------------------------------------
RECURSIVE_REFS: list[tuple[str, Schema, str]] = [
    ("self", {"type": "object", "$ref": "#"}, "parameter_schema.$ref"),
    ("child_is_root", of({"$ref": "#"}), f"parameter_schema.properties.{PARAM}.$ref"),
    ("own_property", of({"$ref": f"#/properties/{PARAM}"}), f"parameter_schema.properties.{PARAM}.$ref"),
    (
        "mutual",
        of({"$ref": "#/$defs/a"}, **{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}),
        "parameter_schema.$defs.b.$ref",
    ),
]

# -- local references that point at nothing, or at data rather than a schema -------------------------------
BAD_LOCAL_REFS: list[tuple[str, Schema, str]] = [
    ("missing", of({"$ref": "#/$defs/nothing"}), f"parameter_schema.properties.{PARAM}.$ref"),
    ("anchor", of({"$ref": "#period"}), f"parameter_schema.properties.{PARAM}.$ref"),
    (
        "into_default",
        of(
            {"type": "integer", "default": {"$ref": "file:///etc/passwd"}},
            **{"$defs": {"x": {"$ref": f"#/properties/{PARAM}/default"}}},
        ),
        "parameter_schema.$defs.x.$ref",
    ),
]

# -- keywords the product does not support (and the editor cannot draw) -------------------------------------
UNSUPPORTED: list[tuple[str, Schema, str]] = [
    (keyword, of({"type": "integer", keyword: value}), f"parameter_schema.properties.{PARAM}.{keyword}")
    for keyword, value in [
        ("format", "email"),
        ("$anchor", "period"),
        ("$dynamicRef", "#meta"),
        ("anyOf", [{"type": "integer"}]),
        ("if", {"minimum": 5}),
        ("unevaluatedProperties", False),
        ("dependentSchemas", {}),
        ("contentSchema", {}),
        ("minimun", 1),  # a typo jsonschema would silently ignore
    ]
] + [
    (
        "patternProperties",
        {"type": "object", "patternProperties": {"^(a+)+$": {}}},
        "parameter_schema.patternProperties",
    ),
]

# -- regular expressions ---------------------------------------------------------------------------------
# Catastrophic backtracking in Python's re on REDOS_INPUT: seconds to hours per check. RE2 is linear.
REDOS_PATTERNS = ["^(a+)+$", "^(a|aa)+$", "^(a|a?)+$", "^(\\w+\\s?)*$", "^(.*a){20}$"]
REDOS_INPUT = "a" * 48 + "!"
# Patterns Python's re compiles and RE2 refuses: a refusal proves the server judges patterns with RE2.
RE2_REFUSES = ["(a)\\1", "(?=a)a", "(?<=a)b", "(?!a)b", "a{1000}{1000}"]

# -- size and nesting ---------------------------------------------------------------------------------------


def nested(levels: int) -> Schema:
    schema: Schema = {"type": "object"}
    inner = schema
    for _ in range(levels):
        inner["properties"] = {"x": {"type": "object"}}
        inner = inner["properties"]["x"]
    return schema


def billion_laughs(levels: int = 30) -> Schema:
    """Each definition uses the one before twice: a page of JSON that expands to 2**levels copies."""
    defs: Schema = {"d0": {"type": "integer"}}
    for i in range(1, levels):
        previous = {"$ref": f"#/$defs/d{i - 1}"}
        defs[f"d{i}"] = {"type": "object", "properties": {"a": previous, "b": dict(previous)}}
    return of({"$ref": f"#/$defs/d{levels - 1}"}, **{"$defs": defs})


OVERSIZE: list[tuple[str, Schema, str]] = [
    ("wide", of({"type": "integer", "description": "x" * 40_000}), "parameter_schema"),
    ("deep", nested(9), "parameter_schema" + ".properties.x" * 8),
    ("billion_laughs", billion_laughs(), "parameter_schema"),
]

# -- stored rows that no save would accept (inserted directly, bypassing the services) ---------------------
# None of these may break the owner's catalogue, validate/, code generation or quick tests.
STORED_BROKEN: list[tuple[str, Any]] = [
    *((label, schema) for label, schema, _ in RECURSIVE_REFS),
    *((label, schema) for label, schema, _ in BAD_LOCAL_REFS),
    ("re2_refuses", of({"type": "string", "pattern": "(a)\\1"})),
    ("deeply_nested", nested(300)),  # 601 levels: JSON stores it, copying it recursively cannot
    ("billion_laughs", billion_laughs()),
    ("properties_not_an_object", {"type": "object", "properties": [PARAM]}),
    ("property_not_a_schema", of(True)),
    ("not_an_object", ["type", "object"]),
    ("wrong_kinds", of({"type": "integr", "minimum": "one"})),
]
