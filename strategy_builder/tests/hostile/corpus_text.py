"""Hostile text and numbers: what JSON (or a client that ignores it) allows and no row can hold.

`FRAGMENTS` are JSON texts, each put where a request expects a value (and, `as_key`, as a key): they are
written as JSON text, since a lone surrogate escape, NaN or 1e400 cannot pass through `json.dumps` as sent.
`expect` says what the 400 names: "field" (a problem's `field` is at or inside the field it was put in),
"depth" (the message names the depth limit), "parse" (the body is not JSON the API reads).

`BODIES` are whole request bodies (bytes) that no JSON endpoint may accept.

`STORED_VALUES` are Python values as a bulk update could leave them in a row, for the check that one such
value never breaks its owner's list, detail or delete; those in `UNSTORABLE` no save through the model may
write (an integer beyond 64 bits is a number JSON holds: only a run refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fragment:
    name: str
    text: str
    expect: str  # "field" | "depth" | "parse"
    as_key: bool = False  # also sent as the key of an object, {TEXT: 1}

    def __str__(self) -> str:
        return self.name


def _nested(levels: int, *, objects: bool = False) -> str:
    if objects:
        return '{"a":' * levels + "1" + "}" * levels
    return "[" * levels + "]" * levels


FRAGMENTS = [
    Fragment("lone_high_surrogate", '"\\ud800"', "field", as_key=True),
    Fragment("lone_low_surrogate_inside_text", '"label \\udfff here"', "field", as_key=True),
    Fragment("surrogates_in_the_wrong_order", '"\\udc00\\ud800"', "field", as_key=True),
    Fragment("surrogate_deep_in_a_list", '[1, ["ok", {"label": "\\ud83d"}]]', "field"),
    Fragment("surrogate_in_a_nested_key", '{"ok": {"\\udbff": 1}}', "field"),
    Fragment("nul_character", '"before\\u0000after"', "field", as_key=True),
    Fragment("nul_in_a_nested_key", '{"a": {"x\\u0000": true}}', "field"),
    Fragment("overlong_key", '{"' + "k" * 5_000 + '": 1}', "field"),
    Fragment("integer_of_400_digits", "1" + "0" * 400, "field"),
    Fragment("negative_integer_of_400_digits", "-" + "9" * 400, "field"),
    Fragment("integer_of_5000_digits", "7" * 5_000, "parse"),  # beyond Python's int-from-text limit
    Fragment("float_overflowing_to_infinity", "1e400", "field"),
    Fragment("negative_float_overflowing", "-1.5e999", "field"),
    Fragment("nan_literal", "NaN", "parse"),
    Fragment("infinity_literal", "Infinity", "parse"),
    Fragment("negative_infinity_literal", "-Infinity", "parse"),
    Fragment("nested_65_levels", _nested(65), "depth"),
    Fragment("nested_2000_lists", _nested(2_000), "depth"),
    Fragment("nested_2000_objects", _nested(2_000, objects=True), "depth"),
    Fragment("nested_100000_lists", _nested(100_000), "depth"),
]

BODIES = {
    "utf8_bom_before_the_json": b"\xef\xbb\xbf{}",
    "surrogate_encoded_as_utf8_bytes": b'{"name": "\xed\xa0\x80"}',
    "overlong_utf8_encoding_of_nul": b'{"name": "\xc0\x80"}',
    "latin1_bytes": b'{"name": "caf\xe9"}',
    "truncated_json": b'{"name": "unfinished',
    "nothing_but_a_nul": b"\x00",
    "nested_2000_lists": _nested(2_000).encode(),
}


def nested_value(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


STORED_VALUES = {
    "lone_surrogate": "\ud800",
    "lone_surrogate_inside_text": "caf\udce9",
    "nul": "a\x00b",
    "nan": float("nan"),
    "infinity": float("inf"),
    "integer_of_400_digits": 10**400,
    "integer_beyond_64_bits": 2**64,
    "nested_200_levels": nested_value(200),
}
UNSTORABLE = set(STORED_VALUES) - {"integer_beyond_64_bits"}
