"""A worker warms up before its first quick test or sweep: the compiled kernels, TA-Lib, the catalogue, Parquet."""

import json
import os
import subprocess
import sys
from collections import OrderedDict
from pathlib import Path

import pytest

from quicktests import catalogue
from quicktests.warmup import quicktest_warm_up

from .factories import QuickTestFactory

REPO_ROOT = Path(__file__).resolve().parents[2]

# What a starting worker does (import the task modules, then send worker_init), then what it has loaded.
SCRIPT = """
import json, logging, sys
import django
django.setup()
logging.basicConfig(level=logging.INFO, stream=sys.stderr)
from celery.signals import worker_init
from strategy_builder.celery import app
app.loader.import_default_modules()
from engine import overfitting, simulate, sweep
from engine.catalogue import system_catalogue
def loaded():
    return {"kernel": len(simulate._run.signatures), "catalogue": system_catalogue.cache_info().currsize,
            "sweep": len(sweep._return_sums.signatures), "cscv": len(overfitting._cscv_pairs.signatures)}
before = loaded()
worker_init.send(sender=None)
after = loaded()
print(json.dumps({"before": before, "after": after, "talib": "talib" in sys.modules,
                  "parquet": "pyarrow.parquet" in sys.modules}))
"""


def test_worker_init_loads_the_compiled_kernels_and_the_catalogue_before_any_test(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategy_builder.settings", "DEBUG": "1"}
    env |= {"VAR_DIR": str(tmp_path / "var"), "CELERY_BROKER_URL": "filesystem://"}
    env.pop("DATABASE_URL", None)  # a new, unmigrated database: the warm-up must not stop the worker

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded["before"] == {"kernel": 0, "catalogue": 0, "sweep": 0, "cscv": 0}
    assert loaded["after"]["kernel"] >= 1 and loaded["after"]["catalogue"] == 1
    assert loaded["after"]["sweep"] >= 1 and loaded["after"]["cscv"] >= 1  # a sweep's chunk and its assembly
    assert loaded["talib"] and loaded["parquet"]
    assert "Warmed up for quick tests in" in done.stderr
    assert "could not read the node templates" in done.stderr


@pytest.mark.django_db
def test_the_warm_up_builds_the_catalogues_of_the_users_who_ran_the_latest_tests(monkeypatch, strategy, trader):
    monkeypatch.setattr(catalogue, "_cache", OrderedDict())
    QuickTestFactory(instance=strategy)

    quicktest_warm_up()

    assert [key[0] for key in catalogue._cache] == [str(trader.pk)]
