"""The request examples the API documentation shows (Swagger UI's "Try it out" sends them as they are).

The strategy is the engine's reference strategy (engine/examples/): an SMA crossover filtered by RSI,
its periods bound to strategy parameters with {"$param": name}. Ids are placeholders a reader replaces
with the ids of their own objects (a strategy's from `POST /api/v1/strategy-instances/`, a dataset's from
`GET /api/v1/datasets/`); the tests create objects with exactly these ids and post every example.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from drf_spectacular.utils import OpenApiExample

_ENGINE_EXAMPLES = Path(__file__).resolve().parent.parent.parent / "engine" / "examples"

EXAMPLE_INSTANCE_ID = "00000000-0000-4000-8000-00000000a001"
EXAMPLE_DATASET_ID = "00000000-0000-4000-8000-00000000d001"
EXAMPLE_COLLABORATOR_ID = "2"
_REPLACE = "replace the id with your own"


def _engine_example(name: str) -> Any:
    return json.loads((_ENGINE_EXAMPLES / name).read_text())


REFERENCE_FLOW = _engine_example("reference_flow.json")
REFERENCE_PARAMETERS = _engine_example("reference_params.json")
REFERENCE_CONFIG = _engine_example("reference_config.json")


def _request(summary: str, value: Any, description: str = "", media_type: str = "application/json") -> OpenApiExample:
    return OpenApiExample(summary, value=value, description=description, request_only=True, media_type=media_type)


STRATEGY = [
    _request(
        "The reference strategy",
        {
            "name": "SMA crossover with RSI filter",
            "description": "Long when the fast SMA crosses above the slow one and RSI is below 70.",
            "logic_flow": REFERENCE_FLOW,
            "parameters": REFERENCE_PARAMETERS,
        },
        'Node params bound with {"$param": "fast"} take the value of the strategy parameter `fast`.',
    )
]
QUICK_TEST = [
    _request(
        "Test the reference strategy on a dataset",
        {
            "instance": EXAMPLE_INSTANCE_ID,
            "test_name": "Reference, first half of 2020",
            "test_config": {
                "dataset": EXAMPLE_DATASET_ID,
                "start": "2020-01-01",
                "end": "2020-06-30",
                **REFERENCE_CONFIG,
                "slippage_bps": 2,
            },
            "parameters": {"fast": 12},
        },
        f"{_REPLACE}s: a strategy of yours and a dataset (yours or a shared one).",
    ),
    _request(
        "Sweep the reference strategy's parameters, with walk-forward analysis",
        {
            "instance": EXAMPLE_INSTANCE_ID,
            "test_name": "Reference sweep",
            "test_config": {
                "dataset": EXAMPLE_DATASET_ID,
                **REFERENCE_CONFIG,
                "sweep": {
                    "parameters": {"fast": {"values": [5, 10, 20]}, "slow": {"start": 20, "stop": 100, "step": 20}},
                    "sample": None,
                    "objective": {"metric": "sharpe_ratio", "goal": "max"},
                    "constraints": [
                        {"left": "fast", "op": "<", "right": "slow"},
                        {"metric": "trades", "op": ">=", "value": 1},
                    ],
                    "walk_forward": {"folds": 2, "in_sample": 0.75, "anchored": False},
                },
            },
        },
        f"{_REPLACE}s. Poll the test: `progress` counts the combinations done; once COMPLETED, `result.sweep` has "
        "the best combination, the folds and the overfitting verdict, `rows/` the table and `heatmap/?x=fast&y=slow` "
        "the heatmap. Run a row as an ordinary quick test by posting its `parameters` without `sweep`.",
    ),
]
RUN_COMBINATION = [
    _request(
        "Run a row of a sweep as an ordinary quick test",
        {"parameters": {"fast": 10, "slow": 40}},
        "A row's `parameters` (from `rows/`, `top` or `best`), or any values of the swept parameters.",
    )
]
QUICK_TEST_COMPARE = [
    OpenApiExample(
        "Two runs of a strategy",
        value="00000000-0000-4000-8000-00000000e001,00000000-0000-4000-8000-00000000e002",
        description=f"{_REPLACE}s: 2 to 4 of your quick tests, comma-separated, in the order to show them.",
    )
]
CODE_GENERATION = [
    _request(
        "Generate the module of a strategy",
        {"instance": EXAMPLE_INSTANCE_ID, "parameters": {"slow": 40}},
        f"{_REPLACE}: a strategy of yours. `parameters` overrides some of its values in this code only.",
    )
]
SESSION_START = [
    _request(
        "Start a draft of a new strategy",
        {
            "session_type": "DRAFT",
            "session_name": "Trying a faster crossover",
            "draft_logic_flow": REFERENCE_FLOW,
            "draft_parameters": REFERENCE_PARAMETERS,
            "draft_metadata": {"viewport": {"x": 0, "y": 0, "zoom": 1}},
        },
        "Give `instance` (one of your strategies) to edit it instead; its flow and parameters are the default draft.",
    )
]
SESSION_SAVE = [
    _request(
        "Autosave a changed parameter",
        {"base_version": 1, "draft_parameters": {**REFERENCE_PARAMETERS, "fast": 8}},
        "`base_version` is the version the editor last loaded (the ETag of the session); a save based on "
        "an older one gets 412 with the current draft.",
    )
]
SESSION_PREVIEW = [
    _request(
        "Preview the draft as edited, with the fast SMA drawn",
        {
            "draft_logic_flow": REFERENCE_FLOW,
            "draft_parameters": {**REFERENCE_PARAMETERS, "fast": 8},
            "test_config": {"dataset": EXAMPLE_DATASET_ID, **REFERENCE_CONFIG},
            "outputs": ["sma_fast"],
        },
        f"{_REPLACE}: a dataset (yours or a shared one). Without the draft fields the session's saved draft is "
        "previewed; without `bars`, the dataset's last PREVIEW_MAX_BARS bars.",
    )
]
SESSION_COMMIT = [
    _request(
        "Commit the draft into its strategy",
        {"name": "SMA crossover, faster", "description": "Fast period 8."},
        "Add `base_version` to commit only if nobody saved since; `overwrite: true` replaces a strategy "
        "changed elsewhere since the session began.",
    )
]
COLLABORATORS = [
    _request(
        "Share a COLLABORATIVE session",
        {"collaborator_ids": [EXAMPLE_COLLABORATOR_ID]},
        "User ids of the people who may open and save the session.",
    )
]
_NODE_DEFINITION = {
    "name": "fast_average",
    "display_name": "Fast average",
    "description": "A short simple moving average.",
    "node_type": "INDICATOR",
    "category": "TREND",
    "version": "1.0.0",
    "parameter_schema": {
        "type": "object",
        "properties": {"timeperiod": {"type": "integer", "minimum": 2, "maximum": 50}},
        "required": ["timeperiod"],
        "additionalProperties": False,
    },
    "default_parameters": {"timeperiod": 10},
    "input_ports": [{"name": "series", "type": "series", "required": True}],
    "output_ports": [{"name": "value", "type": "series"}],
    "execution_hints": {"op": "preset", "base": "sma"},
    "icon": "chart-line",
    "color": "#ff7f0e",
}
EXAMPLE_NODE_TEMPLATE_NAME = "my_average"
NODE_TEMPLATE = [_request("A preset: the library's SMA with a short default period", _NODE_DEFINITION)]
NODE_TEMPLATE_UPDATE = [
    _request(
        "Change a preset's default period",
        {**_NODE_DEFINITION, "name": EXAMPLE_NODE_TEMPLATE_NAME, "default_parameters": {"timeperiod": 12}},
        "The name must stay the template's own (flows refer to it): replace my_average with it.",
    )
]
DATASET_UPLOAD = [
    _request(
        "Upload daily bars",
        {"name": "GOOG daily", "symbol": "GOOG", "timeframe": "1d", "shared": False},
        "Choose the CSV as `file`: a header row timestamp, open, high, low, close, volume (any case), one bar a line.",
        media_type="multipart/form-data",
    )
]
_DEMO_LOGIN = {"username": "demo", "password": "the password make run printed"}
TOKEN = [
    _request("Log in as the demo user", _DEMO_LOGIN, media_type=media_type)
    for media_type in ("application/json", "application/x-www-form-urlencoded")
]
