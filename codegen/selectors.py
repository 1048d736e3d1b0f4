"""Reads of code_generations: a user only ever sees their own generations, never soft-deleted ones."""

from __future__ import annotations

import difflib
import json
import re
import shlex
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse

from quicktests.models import QuickTest
from quicktests.services import DATA_KEYS

from .choices import ValidationStatus
from .models import CodeGeneration

MAX_FILENAME_STEM = 60
# How many of a strategy's latest completed quick tests are searched for the one a generation reproduces.
RUN_INSTRUCTIONS_SEARCH = 50
# The shell expands $TOKEN, the user's API token, inside the double quotes.
CURL = 'curl -fsS -H "Authorization: Token $TOKEN"'


def code_generation_list(*, user):
    """The user's generations, newest first (ix_codegen_user_created)."""
    return CodeGeneration.objects.recent_for_user(user)


def code_generation_get(*, user, generation_id: str) -> CodeGeneration:
    """The user's generation `generation_id`; 404 for anyone else's or a deleted one."""
    try:
        return code_generation_list(user=user).select_related("instance").get(pk=generation_id)
    except CodeGeneration.DoesNotExist as exc:
        raise Http404(f"No code generation {generation_id!r}.") from exc


def code_generation_sibling(*, user, generation: CodeGeneration, sibling_id: str) -> CodeGeneration | None:
    """The user's generation `sibling_id` of the same strategy as `generation` (None if there is none)."""
    return CodeGeneration.objects.for_user_and_instance(user, generation.instance_id).filter(pk=sibling_id).first()


def code_generation_diff(*, generation: CodeGeneration, against: CodeGeneration) -> str:
    """A unified diff from `against` to `generation` (two generations of one strategy); "" when identical."""
    return "".join(
        difflib.unified_diff(
            against.generated_code.splitlines(keepends=True),
            generation.generated_code.splitlines(keepends=True),
            fromfile=f"{against.pk}.py",
            tofile=f"{generation.pk}.py",
        )
    )


def code_generation_filename(generation: CodeGeneration) -> str:
    """A safe file name for the download: the strategy's name as a Python module name, and the code's hash
    ("golden_cross_3fa2b1c0.py"); "strategy_<hash>.py" when the name has no usable characters."""
    ascii_name = unicodedata.normalize("NFKD", generation.instance.name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")[:MAX_FILENAME_STEM].rstrip("_")
    if not stem or stem[0].isdigit():
        stem = f"strategy_{stem}".rstrip("_")
    return f"{stem}_{generation.code_hash[:8]}.py"


def code_generation_source_quicktest(generation: CodeGeneration) -> QuickTest | None:
    """The newest completed quick test of the generation's strategy, by its owner, that ran exactly the
    flow and parameter values the code was generated from: the test whose metrics the module reproduces."""
    candidates = (
        QuickTest.objects.completed_for_instance(generation.instance_id)
        .filter(user_id=generation.user_id)
        .order_by("-created_at")
        .only("id", "test_config", "logic_flow_snapshot", "parameters_snapshot")[:RUN_INSTRUCTIONS_SEARCH]
    )
    return next(
        (
            test
            for test in candidates
            if test.logic_flow_snapshot == generation.logic_flow_snapshot
            and test.parameters_snapshot == generation.parameters_snapshot
        ),
        None,
    )


def code_generation_run_instructions(
    generation: CodeGeneration, *, absolute: Callable[[str], str] = str
) -> dict[str, Any] | None:
    """How to run the downloaded module on the bars a quick test used: the module's and the bars' download
    URLs, the quick test's configuration and the commands, in order. Without a matching quick test (see
    code_generation_source_quicktest), on a dataset of your choice with the module's DEFAULT_CONFIG. None
    when the generation has no downloadable code. `absolute` turns a path into a full URL."""
    if generation.validation_status != ValidationStatus.VALID:
        return None
    module = code_generation_filename(generation)
    module_url = absolute(reverse("code-generation-download", args=[generation.pk]))
    commands = [f"{CURL} -o {module} {shlex.quote(module_url)}"]
    quicktest = code_generation_source_quicktest(generation)
    if quicktest is None:
        bars_url = absolute(reverse("dataset-download", args=["DATASET_ID"]))
        commands += [
            f"{CURL} -o bars.csv {shlex.quote(bars_url)}",
            f"python {module} bars.csv",
        ]
        return {
            "module": module,
            "module_url": module_url,
            "quick_test": None,
            "dataset": None,
            "bars_url": None,
            "datasets_url": absolute(reverse("dataset-list")),
            "config": None,
            "commands": commands,
            "description": "No completed quick test ran this exact flow and these parameter values: choose a "
            "dataset from datasets_url, put its id in place of DATASET_ID (add ?start=&end= for a date range), "
            "and the module runs with its DEFAULT_CONFIG (or pass --config CONFIG.json). Set TOKEN to your API "
            "token.",
        }
    test_config = quicktest.test_config
    bounds = {key: test_config[key] for key in ("start", "end") if test_config.get(key)}
    bars_url = absolute(reverse("dataset-download", args=[test_config["dataset"]]))
    if bounds:
        bars_url += "?" + urlencode(bounds)
    config = {key: value for key, value in test_config.items() if key not in DATA_KEYS}
    commands += [
        f"{CURL} -o bars.csv {shlex.quote(bars_url)}",
        f"echo {shlex.quote(json.dumps(config))} > config.json",
        f"python {module} bars.csv --config config.json",
    ]
    return {
        "module": module,
        "module_url": module_url,
        "quick_test": quicktest.pk,
        "dataset": test_config["dataset"],
        "bars_url": bars_url,
        "datasets_url": absolute(reverse("dataset-list")),
        "config": config,
        "commands": commands,
        "description": f"Reproduces quick test {quicktest.pk}: the module prints its metrics_summary as JSON. "
        "Set TOKEN to your API token.",
    }
