"""Nothing a user controls becomes code: hostile labels, ids, names and values either refuse the flow with a
clear problem or reach the module only as inert data; and the security check catches any forbidden construct,
whether written into a module by hand or produced by a faulty emitter."""

from __future__ import annotations

import io
import json
import math
import tokenize
from pathlib import Path

import pytest

from engine.backtest import run_backtest
from engine.bars import read_csv, write_csv
from engine.catalogue import system_catalogue
from engine.codegen import SECURITY_ERROR, SYNTAX_ERROR, VALID, check_code, emitter, generate_module
from engine.errors import FlowError
from engine.synthetic import generate_bars
from engine.tests.codegen_flows import import_module, node
from engine.tests.flow_builders import edge, flow
from engine.tests.test_codegen import reference, ruff_problems

SYSTEM = system_catalogue()
PAYLOAD = "__import__('os').system('touch PWNED')"
HOSTILE = [
    '"""',
    "'''",
    'x"""; import os; os.system("touch PWNED"); """',
    "\\",
    "ends with a backslash \\",
    "line\nbreak\nimport os",
    "carriage\rreturn",
    "tab\tform\x0cfeed\x0bvertical",
    "nul\x00byte",
    "line\u2028separator\u2029paragraph",
    PAYLOAD,
    "eval(compile('1', 'x', 'exec'))",
    "\u0405low \u0405MA",  # Cyrillic look-alikes of "Slow SMA"
    "\u202eexe.txt",  # right-to-left override (a "trojan source" trick)
    "# noqa: F401",
    "# fmt: off",
    "{np}{PARAMETERS}",
    "import",
    "class",
    "__class__",
    "__builtins__",
    "match",
    "print",
    "np",
    "PARAMETERS",
    "bars",
    "n",
    "_",
    "123abc",
    " ",
    "\U0001f680 to the moon",
    "a" * 10_000,
]


def reference_module():
    flow_, params, _ = reference()
    return generate_module(flow_, SYSTEM, params)


def hostile_reference(text: str) -> tuple[dict, dict, str]:
    """The reference strategy with `text` in every label, node id, parameter name and the strategy name."""
    flow_, params, _ = reference()
    ids = {n["id"]: f"{text}#{i}" for i, n in enumerate(flow_["nodes"])}
    names = {name: f"{text}{name}" for name in params}
    for n in flow_["nodes"]:
        n["id"] = ids[n["id"]]
        n["label"] = text
        for key, value in n["params"].items():
            if isinstance(value, dict):
                n["params"][key] = {"$param": names[value["$param"]]}
    for e in flow_["edges"]:
        e["source"], e["target"] = ids[e["source"]], ids[e["target"]]
    return flow_, {names[name]: value for name, value in params.items()}, text


def code_outside_literals(code: str) -> list[tokenize.TokenInfo]:
    """The module's tokens other than strings and comments: what would run."""
    return [
        token
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type not in (tokenize.STRING, tokenize.COMMENT, tokenize.FSTRING_MIDDLE)
    ]


@pytest.fixture(scope="module")
def hostile_modules(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    modules = []
    for index, text in enumerate(HOSTILE):
        flow_, params, name = hostile_reference(text)
        module = generate_module(flow_, SYSTEM, params, strategy_name=name, description=f"{text}\n{text}")
        path = directory / f"hostile_{index}.py"
        path.write_text(module.code, encoding="utf-8")
        modules.append((text, flow_, params, module, path))
    return directory, modules


def test_hostile_text_reaches_the_module_only_as_inert_literals_and_comments(hostile_modules):
    _, modules = hostile_modules
    for text, _, _, module, _ in modules:
        report = check_code(module.code)
        assert report.status == VALID, (text[:40], report.as_dict())
        assert module.code.isascii()
        executable = code_outside_literals(module.code)
        names = {token.string for token in executable if token.type == tokenize.NAME}
        assert all(name.isidentifier() and name.isascii() for name in names)
        assert not names & {"os", "system", "touch", "eval", "exec", "compile", "__import__", "PWNED"}
        for token in tokenize.generate_tokens(io.StringIO(module.code).readline):
            if token.type == tokenize.COMMENT:
                assert "\n" not in token.string and token.string.count("#") == 1
        # The name and the description hold the text once or twice; the ten labels and ids are shortened.
        # (About 43,000 characters of the module are the same whatever the text: the copied engine code.)
        assert len(module.code) < 50_000 + 3 * len(text)


def test_hostile_names_and_parameters_round_trip_as_data(hostile_modules, tmp_path, monkeypatch):
    _, modules = hostile_modules
    bars = generate_bars(400, seed=2, freq="1h")
    write_csv(bars, tmp_path / "bars.csv")
    monkeypatch.chdir(tmp_path)
    for text, flow_, params, _, path in modules:
        generated = import_module(path)
        bound = {name: value for name, value in params.items() if len(name) <= 40}
        written = {
            "name": generated.STRATEGY_NAME,
            "description": generated.STRATEGY_DESCRIPTION,
            "parameters": generated.PARAMETERS,
        }
        assert written == {"name": text, "description": f"{text}\n{text}", "parameters": bound}
        result = generated.backtest(generated.load_bars(tmp_path / "bars.csv"))
        expected = run_backtest(flow_, read_csv(tmp_path / "bars.csv"), parameters=params)
        assert result["metrics"] == expected.metrics
    assert not (tmp_path / "PWNED").exists()


def test_hostile_modules_pass_ruff(hostile_modules):
    directory, _ = hostile_modules
    assert ruff_problems(directory) == ""


def test_only_plain_short_names_appear_in_the_docstring():
    flow_, params, _ = reference()
    plain = generate_module(flow_, SYSTEM, params, strategy_name="Trend follower (v2)").code
    hostile = generate_module(flow_, SYSTEM, params, strategy_name='x"""; import os; """').code

    assert plain.startswith('"""Strategy Trend follower (v2): standalone backtest')
    assert hostile.startswith('"""Standalone backtest of the strategy named in STRATEGY_NAME')
    assert 'STRATEGY_NAME = \'x"""; import os; """\'' in hostile


def strategy_with(node_under_test: dict, *wiring: dict) -> dict:
    return flow(
        [node("close", "close"), node("up", "greater_than"), node("buy", "entry_long"), node_under_test],
        [edge("close", "close", "up", "a"), edge("up", "value", "buy", "when"), *wiring],
    )


@pytest.mark.parametrize(
    ("flow_", "parameters", "node_id"),
    [
        (strategy_with(node("evil", "__import__('os').system('x')")), {}, "evil"),
        (strategy_with(node("c", "constant", value=math.inf), edge("c", "value", "up", "b")), {}, "c"),
        (strategy_with(node("c", "constant", value=math.nan), edge("c", "value", "up", "b")), {}, "c"),
        (strategy_with(node("c", "constant", value=10**400), edge("c", "value", "up", "b")), {}, "c"),
        (strategy_with(node("c", "constant", value="1; import os"), edge("c", "value", "up", "b")), {}, "c"),
        (strategy_with(node("s", "sma", timeperiod=10**30), edge("close", "close", "s", "series")), {}, "s"),
        (
            strategy_with(node("b", "bbands", nbdevup=math.nan), edge("close", "close", "b", "series")),
            {},
            "b",
        ),
        (
            strategy_with(node("s", "sma", timeperiod={"$param": "p"}), edge("close", "close", "s", "series")),
            {"p": math.inf},
            "s",
        ),
        (strategy_with(node("sl", "stop_loss", percent=100)), {}, "sl"),
    ],
    ids=[
        "template name",
        "infinity",
        "NaN",
        "400 digits",
        "text for a number",
        "huge period",
        "NaN param",
        "inf",
        "a stop at zero",
    ],
)
def test_values_code_cannot_carry_refuse_the_flow_naming_the_node(flow_, parameters, node_id):
    with pytest.raises(FlowError) as caught:
        generate_module(flow_, SYSTEM, parameters)

    assert node_id in {problem.node_id for problem in caught.value.problems}
    assert all(problem.message for problem in caught.value.problems)


# -- the security check --------------------------------------------------------------------------------------

FORBIDDEN = [
    ("import os", "import of 'os'"),
    ("import subprocess", "import of 'subprocess'"),
    ("import socket", "import of 'socket'"),
    ("import pathlib", "import of 'pathlib'"),
    ("import numpy as numpy_", "numpy imported as 'numpy_'"),
    ("from os import system", "from os import system"),
    ("from io import open", "from io import open"),
    ('eval("1 + 1")', "the builtin 'eval'"),
    ('exec("x = 1")', "the builtin 'exec'"),
    ('compile("1", "f", "eval")', "the builtin 'compile'"),
    ('open("/etc/passwd")', "the builtin 'open'"),
    ('__import__("os")', "the name '__import__'"),
    ('getattr(np, "load")', "the builtin 'getattr'"),
    ('setattr(np, "x", 1)', "the builtin 'setattr'"),
    ("globals()", "the builtin 'globals'"),
    ("vars()", "the builtin 'vars'"),
    ("breakpoint()", "the builtin 'breakpoint'"),
    ("__builtins__", "the name '__builtins__'"),
    ('np.load("x.npy", allow_pickle=True)', "np.load"),
    ("np.lib", "np.lib"),
    ('pd.read_pickle("x.pkl")', "pd.read_pickle"),
    ('pd.eval("1")', "pd.eval"),
    ("sys.modules", "sys.modules"),
    ("talib.abstract", "talib.abstract"),
    ('PARAMETERS.to_csv("x")', "the attribute 'to_csv'"),
    ('np.zeros(1).tofile("x")', "the attribute 'tofile'"),
    ("(1).__class__.__mro__", "access to the attribute '__class__'"),
    ('"{0.__class__}".format(1)', "the attribute 'format'"),
    ("numpy_module = np", "the module 'np' used other than as np.<attribute>"),
    ("print(np)", "the module 'np' used other than as np.<attribute>"),
    ("def f():\n    import json", "import inside a function or block"),
    ("def f():\n    global PARAMETERS", "a global statement"),
    ("async def f():\n    pass", "async code"),
]


@pytest.mark.parametrize(("statement", "violation"), FORBIDDEN, ids=[s for s, _ in FORBIDDEN])
def test_the_security_check_refuses_each_forbidden_construct_with_its_line(statement, violation):
    code = reference_module().code
    mutated = code + "\n" + statement + "\n"
    line = code.count("\n") + 2

    report = check_code(mutated)

    assert report.status == SECURITY_ERROR
    assert report.security_ok is False
    assert any(v.message.startswith(violation) and v.line >= line for v in report.violations), report.violations


def test_a_module_that_does_not_parse_is_a_syntax_error_and_not_checked_further():
    code = reference_module().code

    report = check_code(code.replace("def generate_signals(", "def generate_signals(("))

    assert report.status == SYNTAX_ERROR
    assert (report.syntax_ok, report.security_ok, report.complexity) == (False, None, None)
    assert report.syntax_error.startswith("line ")


def test_the_check_catches_an_emitter_that_writes_a_forbidden_call(monkeypatch):
    monkeypatch.setitem(emitter.COMPARE, "lt", "eval")
    module = reference_module()

    report = check_code(module.code)

    assert report.status == SECURITY_ERROR
    assert [v.message for v in report.violations] == ["the builtin 'eval', which is not allowed"]


def test_the_check_catches_engine_code_copied_with_a_forbidden_call(monkeypatch):
    # engine.bars.Bars looks fields up with getattr; the emitter writes its own Bars for that reason.
    monkeypatch.setattr(emitter, "PROVIDED", set())
    module = reference_module()

    report = check_code(module.code)

    assert report.status == SECURITY_ERROR
    assert {v.message for v in report.violations} == {"the builtin 'getattr', which is not allowed"}


def test_the_config_file_is_read_as_json_only(tmp_path):
    module = reference_module()
    path = tmp_path / "strategy.py"
    path.write_text(module.code)
    generated = import_module(path)
    write_csv(generate_bars(200, seed=1), tmp_path / "bars.csv")
    (tmp_path / "config.json").write_text(json.dumps({"commission": 0.001, "os": "system"}))

    with pytest.raises(ValueError, match="unknown configuration fields: os"):
        generated.main([str(tmp_path / "bars.csv"), "--config", str(tmp_path / "config.json")])
    assert Path(tmp_path / "PWNED").exists() is False
