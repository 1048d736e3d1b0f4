"""Bodies sent to a builder session's live preview (POST builder-sessions/{id}/preview/) by a client trying to
make the web process do unbounded work, crash it, or read what is not theirs: (name, body overrides, the field
the 400 must name). `DATASET` stands for the id of a dataset the user may use. Each must answer 400 naming the
field, run nothing and store nothing."""

DATASET = object()

HOSTILE_PREVIEW_BODIES = [
    ("bars above the limit", {"bars": 10**12}, "bars"),
    ("bars zero", {"bars": 0}, "bars"),
    ("bars negative", {"bars": -5}, "bars"),
    ("bars a string", {"bars": "all"}, "bars"),
    ("bars a float", {"bars": 1.5}, "bars"),
    ("bars with a start", {"bars": 10, "test_config": {"dataset": DATASET, "start": "2020-01-01"}}, "bars"),
    ("the whole history by date", {"test_config": {"dataset": DATASET, "start": "1970-01-01"}}, "test_config.start"),
    ("start after end", {"test_config": {"dataset": DATASET, "start": "2030-01-01", "end": "2020-01-01"}},
     "test_config.end"),
    ("start not a date", {"test_config": {"dataset": DATASET, "start": ["2020"]}}, "test_config.start"),
    ("no dataset", {"test_config": {}}, "test_config.dataset"),
    ("dataset an object", {"test_config": {"dataset": {"$ne": None}}}, "test_config.dataset"),
    ("test_config a list", {"test_config": [1, 2]}, "test_config"),
    ("test_config missing", {"test_config": None}, "test_config"),
    ("a config key the engine does not know", {"test_config": {"dataset": DATASET, "eval": "1"}},
     "test_config.eval"),
    ("max_points zero", {"max_points": 0}, "max_points"),
    ("max_points huge", {"max_points": 10**9}, "max_points"),
    ("too many outputs", {"outputs": [f"n{i}" for i in range(1000)]}, "outputs"),
    ("an output not a string", {"outputs": [{"node": "sma_fast"}]}, "outputs[0]"),
    ("an output name a page long", {"outputs": ["x" * 10_000]}, "outputs[0]"),
    ("an output the flow lacks", {"outputs": ["sma_fast.__class__"]}, "outputs[0]"),
    ("a malformed flow", {"draft_logic_flow": {"schema_version": 1, "nodes": {}, "edges": []}},
     "draft_logic_flow.nodes"),
    ("a flow over the draft node limit (SESSION_DRAFT_MAX_NODES, 500)",
     {"draft_logic_flow": {"schema_version": 1, "edges": [],
                           "nodes": [{"id": f"n{i}", "template": "sma"} for i in range(501)]}},
     "draft_logic_flow.nodes"),
    ("a flow that is a string", {"draft_logic_flow": "import os"}, "draft_logic_flow"),
    ("parameters a list", {"draft_parameters": [1]}, "draft_parameters"),
    ("an unknown body key", {"code": "print(1)"}, "code"),
]  # fmt: skip
