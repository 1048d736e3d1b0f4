"""`python -m engine`, run as a user runs it: in a fresh process, reading files, answering on stdout and stderr."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.backtest import run_backtest
from engine.bars import read_csv, write_csv
from engine.synthetic import generate_bars

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "engine" / "examples"
FLOW = EXAMPLES / "reference_flow.json"
PARAMS = EXAMPLES / "reference_params.json"
CONFIG = EXAMPLES / "reference_config.json"


def engine(*args: object) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "engine", *map(str, args)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


def assert_user_error(finished: subprocess.CompletedProcess) -> list[str]:
    """Exit status 1, nothing on stdout, no traceback: the stderr lines, each starting with `error: `."""
    assert finished.returncode == 1, finished.stderr
    assert finished.stdout == ""
    assert "Traceback" not in finished.stderr
    lines = finished.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines)
    return lines


@pytest.fixture(scope="module")
def bars_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bars") / "bars.csv"
    write_csv(generate_bars(5_000, seed=12), path)
    return path


def write(path: Path, content: object) -> Path:
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_validate_accepts_the_reference_flow_and_exits_0():
    finished = engine("validate", FLOW, "--params", PARAMS)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == {"valid": True, "problems": []}


def test_validate_lists_every_problem_with_its_node_and_exits_1(tmp_path):
    flow = json.loads(FLOW.read_text())
    flow["nodes"][1]["template"] = "no_such_indicator"
    flow["nodes"][3]["params"] = {"timeperiod": 0}

    finished = engine("validate", write(tmp_path / "flow.json", flow), "--params", PARAMS)

    assert finished.returncode == 1
    answer = json.loads(finished.stdout)
    assert answer["valid"] is False
    flagged = {(p["code"], p.get("node_id")) for p in answer["problems"]}
    assert ("unknown_template", "sma_fast") in flagged
    assert ("invalid_params", "rsi") in flagged


def test_backtest_prints_the_same_result_as_the_engine_api(bars_csv):
    finished = engine("backtest", FLOW, bars_csv, "--config", CONFIG, "--params", PARAMS)

    assert finished.returncode == 0, finished.stderr
    printed = json.loads(finished.stdout)
    assert set(printed) == {"metrics", "trades", "warnings"}
    expected = run_backtest(
        json.loads(FLOW.read_text()),
        read_csv(bars_csv),
        config=json.loads(CONFIG.read_text()),
        parameters=json.loads(PARAMS.read_text()),
    ).to_dict()
    assert printed["trades"] == expected["trades"]
    assert printed["metrics"] == expected["metrics"]
    assert printed["metrics"]["trades"] == len(printed["trades"]) > 0
    assert all(trade["commission"] > 0 for trade in printed["trades"])  # the config's commission applied


def test_bad_bars_are_reported_by_line_without_a_traceback(tmp_path):
    lines = (
        "timestamp,open,high,low,close,volume\n"
        "2020-01-01T00:00:00Z,10,11,9,10.5,100\n"
        "2020-01-01T00:01:00Z,10,eleven,9,10.5,100\n"
        "2020-01-01T00:00:30Z,10,11,9,10.5,-3\n"
    )
    bars = write(tmp_path / "bars.csv", lines)

    errors = assert_user_error(engine("backtest", FLOW, bars, "--params", PARAMS))

    assert errors == [
        f"error: {bars}, line 3: high 'eleven' is not a number",
        f"error: {bars}, line 4: timestamp 2020-01-01T00:00:30Z is earlier than the bar before it (line 3)",
        f"error: {bars}, line 4: volume is -3; it cannot be negative",
    ]


def test_json_that_does_not_parse_is_reported_with_line_and_column(tmp_path, bars_csv):
    flow = write(tmp_path / "flow.json", '{\n  "nodes": [\n    {"id": "a",}\n  ]\n}\n')

    errors = assert_user_error(engine("backtest", flow, bars_csv))

    assert errors == [
        f"error: {flow}, line 3, column 16: invalid JSON: Expecting property name enclosed in double quotes"
    ]


def test_every_bad_input_is_reported_in_one_run(tmp_path):
    flow = json.loads(FLOW.read_text())
    flow["edges"][3]["target_port"] = "x"
    flow_path = write(tmp_path / "flow.json", flow)
    config = write(tmp_path / "config.json", {"commission": 0.5, "fill": "tomorrow", "leverage": 2})
    missing = tmp_path / "missing.csv"

    errors = assert_user_error(engine("backtest", flow_path, missing, "--config", config, "--params", PARAMS))

    text = "\n".join(errors)
    assert f"{config}: commission: must be less than 0.1" in text
    assert f"{config}: fill: must be one of" in text
    assert f"{config}: leverage: unknown configuration field" in text
    assert f"{flow_path}: Edge e4:" in text
    assert f"{missing}: cannot read the file: No such file or directory" in text


def test_parameters_must_be_a_json_object(tmp_path, bars_csv):
    params = write(tmp_path / "params.json", [10, 30, 14])

    errors = assert_user_error(engine("backtest", FLOW, bars_csv, "--params", params))

    assert errors == [f"error: {params}: expected a JSON object of parameter values, found list"]


def test_a_missing_argument_is_a_usage_error():
    finished = engine("backtest", FLOW)

    assert finished.returncode == 2
    assert "BARS.csv" in finished.stderr


def test_help_answers_without_loading_the_numeric_stack():
    code = (
        "import sys\n"
        "from engine.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow', 'talib', 'numba') if m in sys.modules))\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)

    assert "validate" in finished.stdout and "backtest" in finished.stdout
    assert finished.stdout.strip().splitlines()[-1] == "[]"


def test_backtest_reads_bars_with_classic_mac_line_endings(tmp_path, bars_csv):
    bars = tmp_path / "bars-cr.csv"
    bars.write_bytes(bars_csv.read_bytes().replace(b"\n", b"\r"))

    finished = engine("backtest", FLOW, bars, "--params", PARAMS)

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["metrics"]["trades"] > 0
