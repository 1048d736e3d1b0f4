"""The only two ways anything from a flow reaches generated code: a literal, or a derived identifier.

`literal` writes a validated value (None, bool, int, finite float, str) as Python source exactly as
`ruff format` would write it; `Names` derives variable names from labels, checked with `str.isidentifier`
and the keyword lists and kept clear of every name the module defines or Python provides. User text in a
comment goes through `comment_text`, which keeps it printable ASCII on one line. Nothing else a user typed
is ever written into a module.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

from engine.limits import number_problem

MAX_IDENTIFIER = 24
MAX_PORT_SUFFIX = 12  # an output's name is its node's name, "_" and the port's (bollinger_upperband)
MAX_COMMENT_TEXT = 60
_PLAIN_ASCII = re.compile(r"[ -~]")  # printable ASCII, which a quoted string may hold as it is
_SAFE_DOCSTRING_TEXT = re.compile(r"[A-Za-z0-9 _.,:;()+\-/&#%@!?']{1,100}")


class LiteralError(ValueError):
    """A value that generated code cannot hold as a literal (NaN, an infinity, a 200-digit integer ...)."""


def literal(value: object) -> str:
    """`value` as Python source, formatted as ruff formats it. Raises LiteralError for anything else."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | float):
        problem = number_problem(value)  # the numbers flow validation accepts, and no others
        if problem is not None:
            raise LiteralError(problem)
        return str(value) if isinstance(value, int) else repr(value)
    if isinstance(value, str):
        return string_literal(value)
    raise LiteralError(f"a {type(value).__name__}, which generated code holds only as a number, text or true/false")


def string_literal(text: str) -> str:
    """A quoted string literal of `text` in printable ASCII (non-ASCII and control characters escaped), with
    the quote ruff prefers: double, unless the text holds more double quotes than single ones."""
    quote = '"' if text.count('"') <= text.count("'") else "'"
    parts = []
    for char in text:
        if char == "\\" or char == quote:
            parts.append("\\" + char)
        elif _PLAIN_ASCII.fullmatch(char):  # includes the other quote, which needs no escape
            parts.append(char)
        else:
            parts.append(ascii(char)[1:-1])
    return quote + "".join(parts) + quote


def comment_text(text: str, limit: int = MAX_COMMENT_TEXT) -> str:
    """User text for a comment: a quoted ASCII literal (so no line break or control character survives),
    shortened to `limit` characters of the original. "#" is escaped too, so no text can pose as a tool's
    directive ("# noqa", "# fmt: off", "# type: ignore") inside the comment."""
    shortened = text if len(text) <= limit else text[:limit] + "..."
    return string_literal(shortened).replace("#", "\\x23")


def docstring_safe(text: str | None) -> bool:
    """Whether `text` may appear as it is inside a docstring: a short line of plain characters."""
    return bool(text) and _SAFE_DOCSTRING_TEXT.fullmatch(text) is not None and not text.endswith(" ")


class Names:
    """Unique, safe variable names for one scope. `reserved` are names the scope must not shadow (the
    module's own names); Python's keywords, soft keywords and builtins are reserved too."""

    def __init__(self, reserved: set[str]):
        self.reserved = set(reserved) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
        self.claimed: set[str] = set()

    def derive(self, *candidates: str | None, fallback: str, limit: int = MAX_IDENTIFIER) -> str:
        """The first candidate that sanitises to a name nothing reserves (numbered if another node has it
        already: "fast_sma_2"), else `fallback`, numbered as needed."""
        for candidate in candidates:
            name = sanitise(candidate, limit) if candidate else ""
            if name and name not in self.reserved:
                return self.claim(name)
        return self.claim(sanitise(fallback, limit) or "node")

    def claim(self, name: str) -> str:
        unique, counter = name, 1
        while not self.usable(unique):
            counter += 1
            unique = f"{name}_{counter}"
        self.claimed.add(unique)
        return unique

    def usable(self, name: str) -> bool:
        return (
            name.isidentifier()
            and name.isascii()
            and not keyword.iskeyword(name)
            and not keyword.issoftkeyword(name)
            and not name.startswith("_")
            and name not in self.reserved
            and name not in self.claimed
        )


def sanitise(text: str, limit: int = MAX_IDENTIFIER) -> str:
    """Lower-case ASCII letters, digits and single underscores from `text` ("Fast SMA (10)" -> "fast_sma_10"),
    at most `limit` characters, never starting with a digit; "" when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text[:1000]).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^0-9a-z]+", "_", ascii_text.lower()).strip("_")
    if name[:1].isdigit():
        name = "n" + name
    name = name[:limit].rstrip("_")
    return name if name.isidentifier() and not keyword.iskeyword(name) else ""
