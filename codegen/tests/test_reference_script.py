"""The issue's "done when": code generated for the reference strategy, saved to a file and run with
`python strategy.py BARS.csv`, prints the metrics of the quick test of that strategy on those bars."""

import json
import subprocess
import sys

import pytest

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
