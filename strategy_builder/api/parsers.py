"""The API's JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]): REST framework's, refusing before any
view sees it a body that no row could hold (strategy_builder.storable), each value named by its path, keys
included, and nesting too deep to parse, with a 400 rather than the parser's RecursionError."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers

from engine.errors import Problem
from strategy_builder.storable import TOO_DEEP, json_problems


class NestedTooDeep(exceptions.ParseError):
    def __init__(self) -> None:
        super().__init__(f"JSON parse error - {TOO_DEEP}")
        self.problems = [Problem("too_deep", TOO_DEEP)]


class UnstorableInput(exceptions.ValidationError):
    """Values no row can hold (a lone surrogate, a NUL, an overlong key ...), each a problem naming its path."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(detail="Invalid input.")
        self.problems = problems


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise NestedTooDeep() from None
        problems = json_problems(data)
        if problems:
            raise UnstorableInput(problems)
        return data
