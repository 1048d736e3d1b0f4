"""The issue's "done when": code generated for the reference strategy, saved to a file and run with
`python strategy.py BARS.csv`, prints the metrics of the quick test of that strategy on those bars."""

import json
import shlex
import subprocess
import sys

import pytest
from rest_framework.test import APIClient

from codegen.services import codegen_generate
from engine.bars import write_csv
from marketdata.services import dataset_load_bars
from marketdata.tests.factories import DatasetFactory
from quicktests import services as quicktests
from quicktests.choices import QuickTestStatus
from strategy_builder.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_generated_script_prints_the_quick_tests_metrics(
    monkeypatch, tmp_path, trader, strategy, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    dataset = DatasetFactory(bar_count=3_000, seed=11)
    settings = {"initial_capital": 10_000, "commission": 0.001, "slippage_bps": 2}
    with django_capture_on_commit_callbacks(execute=True):  # the quick test runs (eagerly) once committed
        quicktest = quicktests.quicktest_create(
            user=trader, instance_id=strategy.pk, test_config={"dataset": dataset.pk, **settings}
        )
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    assert quicktest.metrics_summary["trades"] > 10

    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk)
    (tmp_path / "strategy.py").write_text(generation.generated_code)
    write_csv(dataset_load_bars(dataset), tmp_path / "bars.csv")
    (tmp_path / "config.json").write_text(json.dumps(settings))
    run = subprocess.run(
        [sys.executable, "strategy.py", "bars.csv", "--config", "config.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == quicktest.metrics_summary


def test_following_the_run_instructions_reproduces_the_quick_test(
    monkeypatch, tmp_path, trader, strategy, django_capture_on_commit_callbacks
):
    """Issue 10 item 5: a generation's detail says how to run its module on the quick test's bars; doing
    exactly that (the module and the bars downloaded from the API, the config written, the command run)
    prints that quick test's metrics."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    dataset = DatasetFactory(bar_count=4_000, seed=11)  # minute bars from 2020-01-01 00:00 UTC
    window = {"start": "2020-01-01T06:00:00Z", "end": "2020-01-03"}
    settings = {"initial_capital": 25_000, "commission": 0.001, "slippage_bps": 2, "fill": "close"}
    with django_capture_on_commit_callbacks(execute=True):
        quicktest = quicktests.quicktest_create(
            user=trader, instance_id=strategy.pk, test_config={"dataset": dataset.pk, **window, **settings}
        )
    quicktest.refresh_from_db()
    assert quicktest.status == QuickTestStatus.COMPLETED, quicktest.error_message
    assert quicktest.test_result["counts"]["bars"] == 4_000 - 360
    api = APIClient()
    api.force_authenticate(trader)

    created = api.post("/api/v1/code-generations/", {"instance": strategy.pk}, format="json").json()
    instructions = api.get(f"/api/v1/code-generations/{created['id']}/").json()["run_instructions"]

    assert created["run_instructions"] == instructions
    assert (instructions["quick_test"], instructions["dataset"]) == (quicktest.pk, dataset.pk)
    assert instructions["bars_url"].startswith(f"http://testserver/api/v1/datasets/{dataset.pk}/download/?start=")
    module = api.get(instructions["module_url"])
    (tmp_path / instructions["module"]).write_bytes(module.content)
    bars = api.get(instructions["bars_url"])
    assert bars.status_code == 200
    (tmp_path / "bars.csv").write_bytes(b"".join(bars.streaming_content))
    (tmp_path / "config.json").write_text(json.dumps(instructions["config"]))
    command = shlex.split(instructions["commands"][-1])
    assert command == ["python", instructions["module"], "bars.csv", "--config", "config.json"]
    run = subprocess.run(
        [sys.executable, *command[1:]],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == quicktest.metrics_summary


def test_without_a_quick_test_of_the_same_flow_the_instructions_say_to_choose_a_dataset(trader, strategy):
    generation, _ = codegen_generate(user=trader, instance_id=strategy.pk)
    api = APIClient()
    api.force_authenticate(trader)

    instructions = api.get(f"/api/v1/code-generations/{generation.pk}/").json()["run_instructions"]

    assert (instructions["quick_test"], instructions["bars_url"], instructions["config"]) == (None, None, None)
    assert instructions["datasets_url"] == "http://testserver/api/v1/datasets/"
    assert "DATASET_ID" in instructions["commands"][1]
    assert instructions["commands"][-1] == f"python {instructions['module']} bars.csv"
