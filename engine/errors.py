"""Problems and errors the engine reports. Every problem names where it is: a node, an edge, a field."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow, a template, a config or a data file.

    `code` is machine-readable (e.g. "unknown_template"); `message` is for people; the location fields
    say where, so an editor can highlight the node or edge and an API can name the field or CSV line.
    """

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


class EngineError(Exception):
    """Base of every error the engine raises on bad input. Carries all problems found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(code=self.default_code, message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    default_code = "invalid"

    def as_dicts(self) -> list[dict]:
        return [p.as_dict() for p in self.problems]


class FlowError(EngineError):
    """The logic flow is invalid."""

    default_code = "invalid_flow"


class ConfigError(EngineError):
    """The backtest configuration is invalid."""

    default_code = "invalid_config"


class DataError(EngineError):
    """The bar data is invalid (missing columns, bad timestamps, NaN, negative prices, high < low ...)."""

    default_code = "invalid_data"


class TemplateError(EngineError):
    """A node template definition is malformed."""

    default_code = "invalid_template"
