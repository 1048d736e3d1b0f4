"""The rules of a parameter schema (engine.paramschema): references stay inside the document, recursion and
unsupported keywords are refused, patterns run on RE2, size and nesting are bounded; and a catalogue built
from stored rows that break them reports those templates' problems instead of failing."""

from __future__ import annotations

import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.catalogue import system_catalogue
from engine.flow import validate_flow
from engine.library import load_system_templates
from engine.paramschema import (
    SUPPORTED_KEYWORDS,
    SchemaLimits,
    params_problems,
    params_validator,
    schema_problems,
)
from engine.templates import template_problems
from engine.tests.test_catalogue import custom, library_row, strategy_using

SYSTEM = system_catalogue()


def of(properties: dict, **extra) -> dict:
    return {"type": "object", "properties": properties, **extra}


def codes_and_fields(schema, **kwargs) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in schema_problems(schema, **kwargs)]


@pytest.fixture
def no_network(monkeypatch):
    """Record any attempt to open a URL (jsonschema's deprecated retrieval goes through urlopen)."""
    opened: list[object] = []

    def urlopen(url, *args, **kwargs):
        opened.append(url)
        raise OSError("the tests allow no network")

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    return opened


@pytest.mark.parametrize(
    "ref",
    [
        "http://127.0.0.1:9/schema.json",
        "https://example.invalid/schema.json",
        "file:///etc/passwd",
        "other.json#/$defs/period",
        "//example.invalid/schema.json",
        "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        "https://json-schema.org/draft/2020-12/schema",
    ],
)
def test_a_ref_that_leaves_the_document_is_refused_naming_its_path(ref, no_network):
    schema = of({"period": {"$ref": ref}})

    problems = schema_problems(schema)

    assert [(p.code, p.field) for p in problems] == [("non_local_ref", "parameter_schema.properties.period.$ref")]
    assert problems[0].message.startswith("parameter_schema.properties.period.$ref: ")
    assert no_network == []


def test_the_validator_retrieves_nothing_even_for_a_schema_that_was_never_checked(no_network):
    from referencing.exceptions import Unresolvable

    validator = params_validator(of({"period": {"$ref": "http://127.0.0.1:9/schema.json"}}))

    with pytest.raises(Unresolvable):
        list(validator.iter_errors({"period": 3}))
    assert no_network == []


def test_local_refs_into_defs_are_followed_when_params_are_checked():
    schema = of(
        {"fast": {"$ref": "#/$defs/period"}, "slow": {"$ref": "#/$defs/period"}},
        **{"$defs": {"period": {"type": "integer", "minimum": 2}}, "additionalProperties": False},
    )
    assert schema_problems(schema) == []

    problems = params_problems(schema, {"fast": 1, "slow": 20}, field="params")

    assert [p.field for p in problems] == ["params.fast"]


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ({"type": "object", "$ref": "#"}, "parameter_schema.$ref"),
        (of({"child": {"$ref": "#"}}), "parameter_schema.properties.child.$ref"),
        (of({"x": {"$ref": "#/properties/x"}}), "parameter_schema.properties.x.$ref"),
        (
            of({"x": {"$ref": "#/$defs/a"}}, **{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}}),
            "parameter_schema.$defs.b.$ref",
        ),
        (
            of({"x": {"$ref": "#/$defs/a"}}, **{"$defs": {"a": {"type": "object", "items": {"$ref": "#/$defs/a"}}}}),
            "parameter_schema.$defs.a.items.$ref",
        ),
    ],
)
def test_a_recursive_ref_is_refused_naming_it(schema, field):
    assert codes_and_fields(schema) == [("recursive_ref", field)]


def test_a_ref_into_its_own_subschema_is_not_recursive():
    schema = of({"x": {"properties": {"y": {"type": "integer"}}, "$ref": "#/properties/x/properties/y"}})
    assert schema_problems(schema) == []


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("#/$defs/missing", "unresolvable_ref"),
        ("#/properties/x/minimum", "unresolvable_ref"),  # a number, not a schema
        ("#/properties/x/default", "unresolvable_ref"),  # data that only looks like a schema
        ("#period", "invalid_ref"),  # an anchor
    ],
)
def test_a_local_ref_must_point_at_a_schema_of_the_document(ref, code):
    schema = of({"x": {"type": "integer", "minimum": 1, "default": {"$ref": "http://x"}}, "y": {"$ref": ref}})
    assert codes_and_fields(schema) == [(code, "parameter_schema.properties.y.$ref")]


def test_pointer_escapes_are_understood():
    schema = of({"a/b": {"type": "integer"}, "c~d": {"type": "integer"}, "x": {"$ref": "#/properties/a~1b"}})
    schema["properties"]["y"] = {"$ref": "#/properties/c~0d"}
    schema["properties"]["z"] = {"$ref": "#/properties/a%7E1b"}
    assert schema_problems(schema) == []


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ({"type": "object", "patternProperties": {"^x": {}}}, "parameter_schema.patternProperties"),
        (of({"x": {"type": "string", "format": "email"}}), "parameter_schema.properties.x.format"),
        (of({"x": {"type": "integer", "minimun": 1}}), "parameter_schema.properties.x.minimun"),
        ({"type": "object", "$id": "http://example.invalid/"}, "parameter_schema.$id"),
        (of({"x": {"$dynamicRef": "#meta"}}), "parameter_schema.properties.x.$dynamicRef"),
        (of({"x": {"anyOf": [{"type": "integer"}]}}), "parameter_schema.properties.x.anyOf"),
        ({"type": "object", "if": {}, "then": {}}, "parameter_schema.if"),
        (of({"x": {"$defs": {"y": {"contentSchema": {}}}}}), "parameter_schema.properties.x.$defs.y.contentSchema"),
    ],
)
def test_an_unsupported_keyword_is_refused_naming_its_path(schema, field):
    problems = schema_problems(schema)
    assert [(p.code, p.field) for p in problems][:1] == [("unsupported_keyword", field)]
    assert repr(field.rsplit(".", 1)[1]) in problems[0].message


def test_keywords_in_data_are_data():
    """`default`, `enum`, `const` and `examples` hold values, not schemas: a "$ref" key there is never followed."""
    schema = of({"x": {"type": "object", "default": {"$ref": "file:///etc/passwd", "$id": "x"}}})
    assert schema_problems(schema) == []


def test_every_supported_keyword_is_accepted():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "all of them",
        "type": "object",
        "title": "Params",
        "description": "Every keyword",
        "required": ["n"],
        "additionalProperties": False,
        "$defs": {"n": {"type": "integer", "minimum": 1, "maximum": 9, "multipleOf": 1}},
        "properties": {
            "n": {"$ref": "#/$defs/n", "default": 2, "examples": [3], "deprecated": False},
            "f": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
            "s": {"type": "string", "minLength": 1, "maxLength": 9, "pattern": "^[a-z]+$", "enum": ["ab", "cd"]},
            "c": {"const": "fixed"},
            "l": {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3},
        },
    }
    assert {key for value in [schema, *schema["properties"].values(), schema["$defs"]["n"]] for key in value} == (
        SUPPORTED_KEYWORDS
    )
    assert schema_problems(schema) == []


def test_values_of_the_wrong_kind_are_named():
    schema = of({"x": {"type": "integer", "minimum": "one"}, "y": {"type": "strin"}})
    assert [field for _, field in codes_and_fields(schema)] == [
        "parameter_schema.properties.x.minimum",
        "parameter_schema.properties.y.type",
    ]


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<!b)a", r"a{1000}{1000}"])
def test_a_pattern_re2_cannot_compile_is_refused(pattern):
    """Python's re compiles each of these (backreferences, look-around, nested counted repeats): refusing them
    shows that patterns are judged, and so run, by RE2."""
    problems = schema_problems(of({"code": {"type": "string", "pattern": pattern}}))
    assert [(p.code, p.field) for p in problems] == [("invalid_pattern", "parameter_schema.properties.code.pattern")]


def test_a_catastrophic_backtracking_pattern_is_matched_by_re2():
    """^(a+)+$ takes Python's re exponential time on "aaa…a!"; RE2 answers at once."""
    schema = of({"code": {"type": "string", "pattern": "^(a+)+$"}})
    assert schema_problems(schema) == []

    problems = params_problems(schema, {"code": "a" * 64 + "!"}, field="params")

    assert [p.field for p in problems] == ["params.code"]
    assert params_problems(schema, {"code": "a" * 64}, field="params") == []


def test_pattern_keywords_of_the_validator_never_use_python_re():
    """Even for a schema that was not checked, the validator's pattern and patternProperties are RE2's: a
    backreference (which Python's re would match) cannot be evaluated."""
    validator = params_validator({"type": "object", "patternProperties": {r"(a)\1": {"type": "integer"}}})
    assert [e.message for e in validator.iter_errors({"aa": "x"})] == [r"the pattern '(a)\\1' cannot be evaluated"]
    validator = params_validator(of({"x": {"pattern": r"(a)\1"}}))
    assert [e.message for e in validator.iter_errors({"x": "aa"})] == [r"the pattern '(a)\\1' cannot be evaluated"]


def test_a_schema_too_large_is_refused():
    schema = of({f"p{i}": {"type": "integer", "description": "x" * 100} for i in range(400)})
    assert codes_and_fields(schema) == [("schema_too_large", "parameter_schema")]
    assert schema_problems(schema, limits=SchemaLimits(max_bytes=100_000)) == []


def nested(levels: int) -> dict:
    schema: dict = {"type": "object"}
    inner = schema
    for _ in range(levels):
        inner["properties"] = {"x": {"type": "object"}}
        inner = inner["properties"]["x"]
    return schema


def test_a_schema_nested_too_deep_is_refused_where_it_gets_too_deep():
    assert schema_problems(nested(7)) == []  # 15 levels
    ((code, field),) = codes_and_fields(nested(8))
    assert code == "schema_too_deep"
    assert field == "parameter_schema" + ".properties.x" * 8
    assert schema_problems(nested(8), limits=SchemaLimits(max_depth=20)) == []


def test_a_schema_of_any_depth_is_answered_without_recursion():
    ((code, _),) = codes_and_fields(nested(100_000))
    assert code == "schema_too_deep"


def test_refs_cannot_multiply_a_small_schema_into_a_huge_one():
    """Each definition uses the previous one twice: 30 lines of JSON that expand to 2**30 copies."""
    defs = {"d0": {"type": "integer"}}
    for i in range(1, 30):
        defs[f"d{i}"] = of({"a": {"$ref": f"#/$defs/d{i - 1}"}, "b": {"$ref": f"#/$defs/d{i - 1}"}})
    schema = of({"x": {"$ref": "#/$defs/d29"}}, **{"$defs": defs})
    assert codes_and_fields(schema, limits=SchemaLimits(max_depth=64)) == [("schema_too_large", "parameter_schema")]


def test_a_chain_of_refs_counts_as_nesting():
    defs = {f"d{i}": {"$ref": f"#/$defs/d{i + 1}"} for i in range(40)}
    defs["d40"] = {"type": "integer"}
    schema = of({"x": {"$ref": "#/$defs/d0"}}, **{"$defs": defs})
    assert codes_and_fields(schema) == [("schema_too_deep", "parameter_schema")]


def test_limits_outside_what_the_engine_reads_are_refused():
    with pytest.raises(ValueError, match="max_depth"):
        SchemaLimits(max_depth=65)


def test_properties_and_definitions_must_be_schema_objects():
    assert codes_and_fields(of({"x": True})) == [("invalid_schema", "parameter_schema.properties.x")]
    assert codes_and_fields({"type": "object", "additionalProperties": False}) == []


def test_the_library_follows_the_rules():
    assert all(schema_problems(t["parameter_schema"]) == [] for t in load_system_templates())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*sorted(SUPPORTED_KEYWORDS), "x", "$id"]) | st.text(max_size=4), children, max_size=4
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_gets_an_answer_never_an_exception(schema):
    problems = schema_problems(schema)
    if not problems:
        params_problems(schema, {}, field="params")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=4), JSON, max_size=4), st.dictionaries(st.text(max_size=4), JSON, max_size=4))
def test_any_template_gets_an_answer_never_an_exception(properties, defaults):
    schema = of(properties)
    template = custom("any", {"op": "preset", "base": "sma"}, parameter_schema=schema, default_parameters=defaults)
    template_problems(template)
    SYSTEM.with_templates([template, {**template, "name": "sys_any", "is_system_template": True}])


# -- a catalogue built from stored rows that break the rules ----------------------------------------------

BROKEN_SCHEMAS = [
    of({"timeperiod": {"$ref": "http://127.0.0.1:9/schema.json"}}),
    of({"timeperiod": {"$ref": "file:///etc/passwd"}}),
    {"type": "object", "$ref": "#"},
    of({"timeperiod": {"type": "string", "pattern": r"(a)\1"}}),
    nested(100_000),
    {"type": "object", "properties": ["timeperiod"]},
    "not a schema",
]


@pytest.mark.parametrize("schema", BROKEN_SCHEMAS, ids=range(len(BROKEN_SCHEMAS)))
def test_a_stored_custom_template_with_a_broken_schema_is_that_templates_problem(schema, no_network):
    row = custom("broken", {"op": "preset", "base": "sma"}, parameter_schema=schema)

    catalogue = SYSTEM.with_templates([row, custom("fine", {"op": "preset", "base": "sma"})])

    assert {p.field.split(".")[0] for p in catalogue.problems(catalogue.get("broken"))} == {"parameter_schema"}
    assert catalogue.problems(catalogue.get("fine")) == []
    problems = validate_flow(strategy_using("broken"), catalogue)
    assert (problems[0].code, problems[0].node_id) == ("invalid_template", "node")
    assert "parameter_schema" in problems[0].message
    assert validate_flow(strategy_using("fine"), catalogue) == []
    assert no_network == []


@pytest.mark.parametrize("schema", BROKEN_SCHEMAS, ids=range(len(BROKEN_SCHEMAS)))
def test_a_stored_system_row_with_a_broken_schema_leaves_the_library_definition(schema, no_network):
    catalogue = SYSTEM.with_templates([library_row("kama", parameter_schema=schema)])

    assert catalogue.get("kama") == SYSTEM.get("kama")
    ((_, found),) = catalogue.rejected
    assert {p.field.split(".")[0] for p in found} == {"parameter_schema"}
    assert validate_flow(strategy_using("kama"), catalogue) == []
    assert no_network == []


def test_limits_reach_the_catalogue():
    row = custom("wide", {"op": "preset", "base": "sma"}, parameter_schema=of({"timeperiod": {"type": "integer"}}))

    catalogue = SYSTEM.with_templates([row], schema_limits=SchemaLimits(max_bytes=20))

    assert [p.code for p in catalogue.problems(catalogue.get("wide"))] == ["schema_too_large"]
