"""The JSON Schemas of node parameters: the rules a template's `parameter_schema` must follow, and the validator
params are checked with.

A parameter schema comes from a user (a custom template) or from staff (a system template), so it is data,
never a set of instructions to the server:

- No reference leaves the document. A `$ref` is a JSON pointer into the same schema (`"#/$defs/period"`);
  anything else (`http://…`, `file:///…`, a relative URL, an anchor) is refused, and the validator is given a
  registry that retrieves nothing, so even an unchecked schema cannot make the server open a URL or a file.
  A reference that leads back into the schema containing it (`{"$ref": "#"}`, two definitions that refer to
  each other) is refused too: parameter schemas are not recursive.
- Only SUPPORTED_KEYWORDS may be used: what a parameter form can show and the product can check (types,
  enums, bounds, lengths, patterns, arrays of values, nested objects, definitions). Anything else, a typo
  such as `"minimun"` included, is refused with its path rather than silently ignored.
- Regular expressions (`pattern`) run on RE2, whose matching time is linear in the input, never on Python's
  backtracking `re`; a pattern RE2 cannot compile (backreferences, look-around) is refused.
- A schema is bounded (SchemaLimits): bytes of JSON and levels of nesting, both measured with every `$ref`
  replaced by what it points to, so a few definitions that refer to each other twice over cannot amount to
  a schema of gigabytes. Together with the bounded size of a request, this bounds the work of validating
  one node's params.

`schema_problems` reports every way a schema breaks these rules, each naming its path
(`parameter_schema.properties.period.$ref`); `params_problems` checks params against a schema that passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from urllib.parse import unquote

import re2
import referencing
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from .errors import Problem

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Keywords whose value is a schema, an object of schemas, or data; anything else is not supported.
_SUBSCHEMA = frozenset({"additionalProperties", "items"})
_SUBSCHEMA_MAPS = frozenset({"properties", "$defs"})
SUPPORTED_KEYWORDS = frozenset(
    {
        # structure
        "$schema",
        "$ref",
        "$defs",
        "$comment",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        # what a form shows beside a field
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        # checks a form can show and the server applies
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
    }
)

# The deepest schema the engine ever reads, whatever the limits are set to: copying and comparing templates
# recurses once per level, and a stored row nested deeper than this is treated as malformed.
MAX_SCHEMA_DEPTH = 64
# Problems reported for one schema, and characters of a value quoted in a message: enough to fix it.
_MAX_PROBLEMS = 20
_MAX_QUOTED = 80


@dataclass(frozen=True)
class SchemaLimits:
    """How big a parameter schema may be: bytes of compact JSON and levels of nesting (an object or an array
    is one level, and so is following a `$ref`), each counted with every `$ref` replaced by what it points to."""

    max_bytes: int = 32_768
    max_depth: int = 16

    def __post_init__(self) -> None:
        if not 1 <= self.max_depth <= MAX_SCHEMA_DEPTH:
            raise ValueError(f"max_depth must be between 1 and {MAX_SCHEMA_DEPTH} (got {self.max_depth})")
        if self.max_bytes < 2:
            raise ValueError(f"max_bytes must be at least 2 (got {self.max_bytes})")


DEFAULT_LIMITS = SchemaLimits()

# jsonschema adds its bundled meta-schemas to any registry it is given; this one adds nothing and retrieves
# nothing (referencing's default), so an unknown reference fails instead of being fetched.
NO_RETRIEVAL: referencing.Registry = referencing.Registry()

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """`pattern` compiled by RE2 (raises re2.error when RE2 cannot compile it)."""
    return re2.compile(pattern, _RE2_OPTIONS)


def pattern_error(pattern: str) -> str | None:
    """Why RE2 cannot compile `pattern`, or None when it can."""
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "not a regular expression"
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


def _re2_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    if pattern_error(pattern) is not None:
        yield ValidationError(f"the pattern {_quoted(pattern)} cannot be evaluated")
    elif not compile_pattern(pattern).search(instance):
        yield ValidationError(f"{_quoted(instance)} does not match {_quoted(pattern)}")


def _re2_pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        if pattern_error(pattern) is not None:
            yield ValidationError(f"the pattern {_quoted(pattern)} cannot be evaluated")
            continue
        compiled = compile_pattern(pattern)
        for key, value in instance.items():
            if compiled.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


# The only format asserted (when checking a schema against the meta-schema) is "regex", and RE2 decides it.
RE2_FORMAT_CHECKER = FormatChecker(formats=())


@RE2_FORMAT_CHECKER.checks("regex")
def _is_re2_regex(instance: object) -> bool:
    return not isinstance(instance, str) or pattern_error(instance) is None


# Draft 2020-12 with every regular expression on RE2; params are checked with it and nothing else.
ParamsValidator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _re2_pattern, "patternProperties": _re2_pattern_properties},
    format_checker=RE2_FORMAT_CHECKER,
)


def params_validator(schema: dict[str, Any]) -> Any:
    """A validator of params against `schema`: regular expressions on RE2, references resolved only inside
    `schema` (no retrieval), formats not asserted."""
    return ParamsValidator(schema, registry=NO_RETRIEVAL, format_checker=None)


@cache
def _meta_validator() -> Any:
    return ParamsValidator(ParamsValidator.META_SCHEMA, registry=NO_RETRIEVAL, format_checker=RE2_FORMAT_CHECKER)


# -- the rules ------------------------------------------------------------------------------------------

Path = tuple[str, ...]


def schema_problems(
    schema: Any, *, field: str = "parameter_schema", limits: SchemaLimits = DEFAULT_LIMITS
) -> list[Problem]:
    """Every way `schema` breaks the rules of a parameter schema, each naming its path. Never raises, whatever
    JSON value it is given, and never reads anything but `schema`."""
    if not isinstance(schema, dict):
        return [Problem("invalid_schema", f"{field} must be a JSON object.", field=field)]
    too_deep = _deeper_than(schema, limits.max_depth)
    if too_deep is not None:
        where = _where(field, too_deep)
        message = f"{where}: nested more than {limits.max_depth} levels deep."
        return [Problem("schema_too_deep", message, field=where)]
    size = _json_size(schema)
    if size > limits.max_bytes:
        message = f"{field}: {size} bytes of JSON, more than the {limits.max_bytes} allowed."
        return [Problem("schema_too_large", message, field=field)]

    walk = _Walk(field)
    walk.schema(schema, ())
    if walk.problems:
        return walk.problems[:_MAX_PROBLEMS]
    problems = _meta_schema_problems(schema, field)
    if problems:
        return problems
    problems = walk.reference_problems()
    if problems:
        return problems
    problems = _expansion_problems(schema, walk.refs, field=field, limits=limits)
    if problems:
        return problems
    if schema and schema.get("type") != "object":
        return [Problem("invalid_schema", f'{field} must describe an object ("type": "object").', field=field)]
    return []


def params_problems(schema: dict, params: Any, *, field: str, node_id: str | None = None) -> list[Problem]:
    """Every way `params` fails `schema` (one that passed `schema_problems`), each naming the parameter."""
    if not isinstance(params, dict):
        return [Problem("invalid_params", f"{field} must be a JSON object.", field=field, node_id=node_id)]
    problems = []
    for error in sorted(params_validator(schema).iter_errors(params), key=lambda e: [str(p) for p in e.path]):
        path = ".".join(str(p) for p in error.path)
        where = f"{field}.{path}" if path else field
        problems.append(Problem("invalid_params", f"{where}: {_brief(error.message)}", field=where, node_id=node_id))
    return problems


class _Walk:
    """One pass over the schema positions of a schema: keywords, references and patterns."""

    def __init__(self, field: str) -> None:
        self.field = field
        self.problems: list[Problem] = []
        self.positions: set[Path] = set()  # every place a schema is (a `$ref` may point at these)
        self.refs: list[tuple[Path, Path]] = []  # (where the `$ref` is, the schema it points at)
        self._pointers: list[tuple[Path, str]] = []

    def _add(self, code: str, path: Path, message: str) -> None:
        where = _where(self.field, path)
        self.problems.append(Problem(code, f"{where}: {message}", field=where))

    def schema(self, schema: Any, path: Path, *, boolean_allowed: bool = False) -> None:
        if isinstance(schema, bool) and boolean_allowed:
            self.positions.add(path)
            return
        if not isinstance(schema, dict):
            self._add("invalid_schema", path, "must be a JSON object (a schema).")
            return
        self.positions.add(path)
        for keyword, value in schema.items():
            here = (*path, keyword)
            if keyword not in SUPPORTED_KEYWORDS:
                supported = ", ".join(sorted(SUPPORTED_KEYWORDS))
                self._add(
                    "unsupported_keyword",
                    here,
                    f"{keyword!r} is not supported in a parameter schema (supported: {supported}).",
                )
            elif keyword in _SUBSCHEMA:
                self.schema(value, here, boolean_allowed=True)
            elif keyword in _SUBSCHEMA_MAPS and isinstance(value, dict):
                for name, subschema in value.items():
                    self.schema(subschema, (*here, name))
            elif keyword == "$ref" and isinstance(value, str):
                self._reference(value, path)
            elif keyword == "pattern" and isinstance(value, str) and (reason := pattern_error(value)):
                self._add(
                    "invalid_pattern",
                    here,
                    f"{_quoted(value)} is not a regular expression this server evaluates ({reason}); patterns run "
                    "on RE2, which has no backreferences or look-around.",
                )
            elif keyword == "$schema" and value != DIALECT:
                self._add("unsupported_dialect", here, f"must be {DIALECT!r} (or left out).")

    def _reference(self, ref: str, path: Path) -> None:
        here = (*path, "$ref")
        if not ref.startswith("#"):
            self._add(
                "non_local_ref",
                here,
                f"{_quoted(ref)} points outside this schema; a $ref may only point into the same schema, as a "
                'JSON pointer such as "#/$defs/period".',
            )
            return
        pointer = unquote(ref[1:])
        if pointer and not pointer.startswith("/"):
            self._add(
                "invalid_ref", here, f'{_quoted(ref)} is not a JSON pointer ("#" or "#/…"); anchors are not supported.'
            )
            return
        self._pointers.append((path, pointer))

    def reference_problems(self) -> list[Problem]:
        """Resolve the references collected by the walk: each must point at a schema of this document."""
        for path, pointer in self._pointers:
            target = tuple(token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:])
            if target not in self.positions:
                ref = "#" + pointer
                self._add(
                    "unresolvable_ref", (*path, "$ref"), f"{_quoted(ref)} does not point at a schema in this schema."
                )
            else:
                self.refs.append((path, target))
        return self.problems[:_MAX_PROBLEMS]


def _meta_schema_problems(schema: dict, field: str) -> list[Problem]:
    """Values of the wrong kind (`"minimum": "one"`, `"required": 3` …), checked against the 2020-12 meta-schema."""
    errors = sorted(_meta_validator().iter_errors(schema), key=lambda e: [str(p) for p in e.path])
    problems = []
    for error in errors[:_MAX_PROBLEMS]:
        where = _where(field, tuple(str(p) for p in error.path))
        problems.append(Problem("invalid_schema", f"{where}: {_brief(error.message)}", field=where))
    return problems


def _expansion_problems(
    schema: dict, refs: list[tuple[Path, Path]], *, field: str, limits: SchemaLimits
) -> list[Problem]:
    """Refuse recursive references, and measure the schema as if each `$ref` were replaced by its target.

    The references form a graph: following the `$ref` at P into its target T reaches every `$ref` inside T.
    A cycle in it is a recursive schema. Otherwise the expanded size of T is its own size plus the expanded
    size of each target its references reach; computed once per target, depth first, without recursion."""
    under: dict[Path, list[int]] = {}
    targets = {target for _, target in refs} | {()}
    for index, (path, _) in enumerate(refs):
        for length in range(len(path) + 1):
            if path[:length] in targets:
                under.setdefault(path[:length], []).append(index)
    size: dict[Path, int] = {}
    depth: dict[Path, int] = {}
    on_path: set[Path] = {()}
    stack: list[tuple[Path, Iterator[int]]] = [((), iter(under.get((), [])))]
    ceiling = limits.max_bytes + 1  # past the limit the exact figure does not matter
    while stack:
        node, pending = stack[-1]
        index = next(pending, None)
        if index is not None:
            path, target = refs[index]
            if target in on_path:
                where = _where(field, (*path, "$ref"))
                message = (
                    f"{where}: following {_quoted('#' + _pointer(target))} leads back to this $ref (a recursive "
                    "reference); parameter schemas cannot be recursive."
                )
                return [Problem("recursive_ref", message, field=where)]
            if target not in size:
                on_path.add(target)
                stack.append((target, iter(under.get(target, []))))
            continue
        stack.pop()
        on_path.discard(node)
        value = _at(schema, node)
        inner = under.get(node, [])
        size[node] = min(ceiling, _json_size(value) + sum(size[refs[i][1]] for i in inner))
        depth[node] = max([_depth(value), *(len(refs[i][0]) - len(node) + 1 + depth[refs[i][1]] for i in inner)])
    if size[()] > limits.max_bytes:
        message = f"{field}: more than {limits.max_bytes} bytes of JSON with its $refs expanded, the most allowed."
        return [Problem("schema_too_large", message, field=field)]
    if depth[()] > limits.max_depth:
        message = f"{field}: nested more than {limits.max_depth} levels deep with its $refs followed."
        return [Problem("schema_too_deep", message, field=field)]
    return []


# -- measuring JSON, without recursion where the input may be arbitrarily deep ------------------------------


def _children(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        yield from ((str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        yield from ((str(index), item) for index, item in enumerate(value))


def _deeper_than(value: Any, limit: int) -> Path | None:
    """The path of the first container nested more than `limit` levels deep in `value`, or None."""
    stack: list[tuple[Any, Path]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if len(path) >= limit:
            return path
        stack.extend((child, (*path, key)) for key, child in _children(item))
    return None


def _depth(value: Any) -> int:
    """Levels of nesting of `value` (already known to be shallow): an object or an array is one level."""
    if not isinstance(value, dict | list):
        return 0
    return 1 + max((_depth(child) for _, child in _children(value)), default=0)


def is_too_deep(value: Any) -> bool:
    """Whether `value` is nested deeper than any schema the engine reads (MAX_SCHEMA_DEPTH)."""
    return _deeper_than(value, MAX_SCHEMA_DEPTH) is not None


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def _at(schema: Any, path: Path) -> Any:
    for token in path:
        schema = schema[token]
    return schema


def _pointer(path: Path) -> str:
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in path)


def _where(field: str, path: Path) -> str:
    return ".".join((field, *path))


def _brief(text: str) -> str:
    return text if len(text) <= 4 * _MAX_QUOTED else text[: 4 * _MAX_QUOTED] + "…"


def _quoted(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…'"
