"""What a row may hold: text UTF-8 can encode, finite numbers a JSON column can store, bounded nesting.

JSON allows text that UTF-8 cannot encode (a lone surrogate such as "\\ud800") and Python builds numbers
no JSON column holds (NaN, infinities, an integer of 400 digits). A row holding one cannot be written to
MySQL, or, on SQLite, is written and then fails every response that shows it. So every way in refuses
such values, naming where they are: the API's JSON parser (the whole body, keys included), its JSON
fields (JSON sent as form text), and BaseModel (admin, commands, services), all through `json_problems`.

Checked, each reported as a Problem whose `field` is the path of the value ("logic_flow.nodes[2].label",
a key as ``draft_metadata["\\ud800"]``):

    invalid_text   a string or key with a lone surrogate or a NUL character (U+0000)
    too_long       a key longer than MAX_KEY_LENGTH characters
    out_of_range   a float that is not finite, an integer too large for any JSON number (a float)
    too_deep       objects and lists nested more than MAX_DEPTH levels
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

from engine.errors import Problem
from engine.limits import shown

MAX_DEPTH = 64
MAX_KEY_LENGTH = 1000
MAX_PROBLEMS = 20  # a body with a million bad strings gets a short answer
TOO_DEEP = f"Nested more than {MAX_DEPTH} levels deep (objects and lists inside each other); {MAX_DEPTH} is the limit."

_UNSTORABLE_CHARACTER = re.compile("[\ud800-\udfff\x00]")
_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]{0,63}")
_LARGEST_FLOAT = int(sys.float_info.max)


def text_problem(text: str, *, what: str = "Text") -> tuple[str, str] | None:
    """(code, message) when `text` holds a character no row can store; None when it is fine."""
    found = _UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "invalid_text", f"{what} may not contain a NUL character (U+0000)."
    return (
        "invalid_text",
        f"{what} may not contain a lone surrogate (U+{ord(char):04X}), which UTF-8 cannot encode: send the "
        "character itself (or both halves of its surrogate pair).",
    )


def json_problems(value: Any, *, path: str = "") -> list[Problem]:
    """Every value in `value` (a parsed JSON document, or what a service is about to store) that no row can
    hold, in document order, at most MAX_PROBLEMS. Walks without recursion, so any depth is safe."""
    problems: list[Problem] = []
    pending: list[tuple[Any, str, int]] = [(value, path, 1)]
    while pending and len(problems) < MAX_PROBLEMS:
        item, at, depth = pending.pop()
        if isinstance(item, dict | list | tuple):
            if depth > MAX_DEPTH:
                problems.append(Problem("too_deep", TOO_DEEP, field=at or None))
                continue
            children = []
            if isinstance(item, dict):
                for key, child in item.items():
                    child_at = member_path(at, key)
                    if isinstance(key, str):
                        problems += _key_problems(key, child_at)
                    children.append((child, child_at, depth + 1))
            else:
                children = [(child, f"{at}[{index}]", depth + 1) for index, child in enumerate(item)]
            pending += reversed(children)
        elif (problem := _scalar_problem(item)) is not None:
            problems.append(Problem(*problem, field=at or None))
    return problems[:MAX_PROBLEMS]


def member_path(path: str, key: Any) -> str:
    """The path of `key` inside the object at `path`: ``path.key``, or ``path["key"]`` (escaped and shortened)
    for a key that is not a plain name, so a path can always be shown."""
    if isinstance(key, str) and _PLAIN_KEY.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(shown(str(key), 40), ensure_ascii=True)}]"


def _key_problems(key: str, at: str) -> list[Problem]:
    problems = []
    if (problem := text_problem(key, what="A key")) is not None:
        problems.append(Problem(*problem, field=at))
    if len(key) > MAX_KEY_LENGTH:
        problems.append(
            Problem("too_long", f"A key of {len(key):,} characters; keys are at most {MAX_KEY_LENGTH:,}.", field=at)
        )
    return problems


def _scalar_problem(value: Any) -> tuple[str, str] | None:
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "out_of_range", f"Not a finite number ({value}): JSON has no NaN or infinity."
    if isinstance(value, int) and abs(value) > _LARGEST_FLOAT:
        return "out_of_range", "A number too large to store: JSON numbers are at most about 1.8e308."
    return None


class JSONDecoder(json.JSONDecoder):
    """json's decoder, except that nesting too deep for its stack (thousands of "[") is a JSONDecodeError
    naming the depth limit rather than a RecursionError, which no caller expects from a parser."""

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().decode(s, *args, **kwargs)
        except RecursionError:
            raise json.JSONDecodeError(TOO_DEEP, s, 0) from None
