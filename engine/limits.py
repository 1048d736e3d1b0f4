"""The numbers a run can hold, checked the same way by flow validation, the backtest configuration and code
generation, so that what `validate/` accepts is what a quick test runs and what code generation writes; and
how much of a user's text a message echoes.

TA-Lib and numpy take 64-bit integers at most, and a parameter read as a float must be finite, so a number
is usable when it is a finite float or an integer of at most MAX_INT in size.
"""

from __future__ import annotations

import math

MAX_INT = 2**63 - 1
ECHO_LIMIT = 60


def number_problem(value: object) -> str | None:
    """Why `value` cannot be used as a number in a run ("an integer too large ..."); None when it can, or
    when it is not a number at all (other checks judge its type)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) > MAX_INT:
        return f"an integer too large ({_digits(value)} digits; at most {MAX_INT:,})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"not a finite number ({value})"
    return None


def shown(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` as an error message may echo it: at most `limit` characters, "..." marking a cut."""
    return text if len(text) <= limit else text[:limit] + "..."


def _digits(value: int) -> str:
    return f"{len(str(abs(value))):,}" if abs(value) < 10**4000 else "thousands of"
