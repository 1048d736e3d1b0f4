"""Writes to quick_tests: create (validate everything, snapshot, enqueue), run, cancel, recover stuck runs.

A test's life: PENDING (created, enqueued after commit) -> RUNNING (claimed by exactly one worker) ->
COMPLETED or FAILED; PENDING or RUNNING -> CANCELLED at the user's request. Every transition is one
conditional UPDATE on the current status, so two workers, a cancel racing a finish, or a redelivered
message can never move a test twice.

The message is sent once the row is committed (a worker must never look for a row it cannot see yet). When
the broker refuses it, the row is withdrawn again and the caller gets QueueUnavailable (the API's 503): a
test is either queued or not stored at all. Should the process die between the commit and the send, the
recovery job fails the test once it has been PENDING for QUICKTEST_PENDING_LIMIT.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import ChannelError, KombuError

from engine.backtest import run_backtest
from engine.config import ConfigError, resolve_config
from engine.errors import EngineError, Problem
from engine.flow import flow_template_names, validate_flow
from engine.sweepspec import flow_value_problems, read_sweep
from marketdata.models import Dataset
from marketdata.services import dataset_count_bars, dataset_load_bars
from nodes.selectors import node_template_list
from strategies.models import StrategyInstance
from strategies.validators import parameter_override_problems
from strategy_builder.actors import actor_name
from strategy_builder.api.exceptions import QueueUnavailable
from strategy_builder.moments import iso_moment

from .catalogue import quicktest_catalogue
from .choices import QuickTestStatus
from .models import QuickTest
from .results import stored_result, trades_file_delete

logger = logging.getLogger(__name__)

# test_config keys that choose the data and what runs over it (a parameter sweep: quicktests.sweeps); every
# other key is the engine's backtest configuration.
DATA_KEYS = ("dataset", "start", "end", "sweep")

TIMEOUT_MESSAGE = "The test took too long and was stopped. Try a shorter date range or a dataset with fewer bars."
SWEEP_TIMEOUT_MESSAGE = (
    "A part of the sweep took too long and was stopped, which stops the sweep. Try a shorter date range, a "
    "dataset with fewer bars or fewer combinations."
)
INTERNAL_ERROR_MESSAGE = (
    "The test stopped because of an internal error, which has been logged for the team. "
    "Running it again may help; if it keeps failing, please report the test id."
)
WORKER_LOST_MESSAGE = (
    "The worker running this test stopped before it finished (it was restarted or lost). Run the test again."
)
NOT_STARTED_MESSAGE = (
    "No worker started this test within {limit} of it being submitted (the task queue or its workers were "
    "down or overloaded), so it was stopped. Run the test again."
)
QUEUE_UNAVAILABLE_MESSAGE = "The task queue is not reachable, so the test was not started. Try again in a moment."
# What kombu raises when a broker cannot take a message: connection errors after its retries
# (OperationalError), channel errors, and the filesystem transport's own OSErrors.
_BROKER_ERRORS = (KombuError, ChannelError, OSError)


@dataclass(frozen=True)
class _DataChoice:
    dataset: Dataset
    start: datetime | None
    end: datetime | None


def quicktest_create(
    *,
    user,
    instance_id: str,
    test_config: Mapping[str, Any],
    test_name: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> QuickTest:
    """Validate a quick test of the user's strategy instance and enqueue it.

    Raises EngineError listing every problem at once (instance, data choice, configuration, parameter
    overrides, flow), each naming its field, node or edge; nothing is written then.
    """
    instance = StrategyInstance.objects.for_user(user).filter(pk=instance_id).first()
    if instance is None:
        unknown = Problem(code="unknown_instance", message=f"No strategy instance {instance_id!r}.", field="instance")
        raise EngineError([unknown, *_test_config_problems(user, test_config)[1]])
    problems = parameter_override_problems(instance.parameters, parameters)
    merged = {**instance.parameters, **(parameters if isinstance(parameters, Mapping) else {})}
    return _create(
        owner=user,
        instance=instance,
        flow=instance.logic_flow,
        parameters=merged,
        test_config=test_config,
        test_name=test_name,
        actor=actor_name(user),
        problems=problems,
    )


def quicktest_rerun(*, quicktest: QuickTest, actor: str) -> QuickTest:
    """A new quick test with the old one's flow, parameters and configuration, run for the same owner."""
    owner = get_user_model().objects.get(pk=quicktest.user_id)
    return _create(
        owner=owner,
        instance=quicktest.instance,
        flow=quicktest.logic_flow_snapshot,
        parameters=quicktest.parameters_snapshot,
        test_config=quicktest.test_config,
        test_name=quicktest.test_name,
        actor=actor,
        problems=[],
    )


def quicktest_run_combination(*, quicktest: QuickTest, parameters: Any, user) -> QuickTest:
    """An ordinary quick test of one combination of a sweep: the sweep's flow, parameters and configuration
    (less the sweep), with `parameters` (values of swept parameters) over them. Its report and trades are
    those of that row of the sweep's table."""
    sweep = quicktest.test_config.get("sweep")
    if sweep is None:
        raise EngineError(Problem(code="not_a_sweep", message="This quick test is not a sweep.", field="sweep"))
    swept = sorted(sweep["parameters"])
    if not isinstance(parameters, Mapping) or not parameters:
        message = f"must be an object of values of the swept parameters ({', '.join(swept)})."
        raise EngineError(Problem(code="invalid_type", message=message, field="parameters"))
    unknown = [
        Problem(
            code="unknown_parameter",
            message=f"{name!r} is not a parameter of this sweep (it sweeps {', '.join(swept)}).",
            field=f"parameters.{name}",
        )
        for name in parameters
        if name not in swept
    ]
    if unknown:
        raise EngineError(unknown)
    combination = ", ".join(f"{name} {value}" for name, value in parameters.items())
    return _create(
        owner=user,
        instance=quicktest.instance,
        flow=quicktest.logic_flow_snapshot,
        parameters={**quicktest.parameters_snapshot, **parameters},
        test_config={k: v for k, v in quicktest.test_config.items() if k != "sweep"},
        test_name=f"{quicktest.test_name or 'Sweep'}: {combination}"[:255],
        actor=actor_name(user),
        problems=[],
    )


def _create(
    *,
    owner,
    instance: StrategyInstance,
    flow: dict,
    parameters: dict,
    test_config: Mapping[str, Any],
    test_name: str | None,
    actor: str,
    problems: list[Problem],
) -> QuickTest:
    (choice, config), config_problems = _test_config_problems(owner, test_config)
    catalogue = quicktest_catalogue(owner)
    flow_problems = validate_flow(flow, catalogue, parameters=parameters)
    sweep, sweep_problems = None, []
    if isinstance(test_config, Mapping) and test_config.get("sweep") is not None:
        spec, found = read_sweep(
            test_config["sweep"],
            strategy_parameters=parameters,
            max_combinations=settings.SWEEP_MAX_COMBINATIONS,
            # A broken flow has no trustworthy schemas to check values against: its own problems say why.
            value_problems=None if flow_problems else flow_value_problems(flow, catalogue, parameters),
        )
        sweep = spec.as_dict() if spec else None
        sweep_problems = [_under("test_config.sweep", problem) for problem in found]
        if spec is not None and spec.walk_forward is not None and choice is not None:
            sweep_problems += _walk_forward_problems(spec, choice)
    problems = [*problems, *config_problems, *sweep_problems, *flow_problems]
    if problems:
        raise EngineError(problems)

    template_names = flow_template_names(flow)
    with transaction.atomic():
        quicktest = QuickTest.objects.create(
            instance=instance,
            user_id=str(owner.pk),
            test_name=test_name or None,
            test_config={
                "dataset": choice.dataset.pk,
                "start": choice.start.isoformat() if choice.start else None,
                "end": choice.end.isoformat() if choice.end else None,
                **config.as_dict(),
                **({"sweep": sweep} if sweep else {}),
            },
            logic_flow_snapshot=flow,
            parameters_snapshot=parameters,
            created_by=actor,
            updated_by=actor,
        )
        node_template_list(owner).filter(name__in=template_names).update(usage_count=F("usage_count") + 1)
        transaction.on_commit(lambda: _enqueue_or_withdraw(quicktest.pk, owner=owner, template_names=template_names))
    return quicktest


def _test_config_problems(owner, test_config: Any) -> tuple[tuple[_DataChoice | None, Any], list[Problem]]:
    """The data choice and the resolved backtest configuration of `test_config`, and its problems."""
    if not isinstance(test_config, Mapping):
        problem = Problem(code="invalid_type", message="must be a JSON object.", field="test_config")
        return (None, None), [problem]
    choice, problems = _data_choice(owner, test_config)
    config = None
    try:
        config = resolve_config({k: v for k, v in test_config.items() if k not in DATA_KEYS})
    except ConfigError as exc:
        problems += [_under("test_config", problem) for problem in exc.problems]
    return (choice, config), problems


def _walk_forward_problems(spec, choice: _DataChoice) -> list[Problem]:
    """Whether the chosen bars are enough for the sweep's walk-forward folds."""
    from .sweeps import sweep_folds

    try:
        sweep_folds(spec, dataset_count_bars(choice.dataset, start=choice.start, end=choice.end))
    except EngineError as exc:
        return exc.problems
    return []


def _enqueue_or_withdraw(quicktest_id: str, *, owner, template_names: set[str]) -> None:
    """Send the test to the workers; if the broker cannot take it, undo what _create stored and raise
    QueueUnavailable (raised from the on-commit hook, it reaches the caller of the outermost atomic block)."""
    try:
        _enqueue(quicktest_id)
    except _BROKER_ERRORS as exc:
        logger.error("Quick test %s could not be queued, so it is withdrawn: %r", quicktest_id, exc)
        with transaction.atomic():
            withdrawn, _ = QuickTest.all_objects.filter(pk=quicktest_id, status=QuickTestStatus.PENDING).delete()
            if withdrawn:
                node_template_list(owner).filter(name__in=template_names).update(usage_count=F("usage_count") - 1)
        raise QueueUnavailable(QUEUE_UNAVAILABLE_MESSAGE) from exc


def _enqueue(quicktest_id: str) -> None:
    from .tasks import run_quicktest

    run_quicktest.delay(quicktest_id)


def quicktest_run(*, quicktest_id: str, queue: str | None = None) -> QuickTest | None:
    """Claim a PENDING test and run it. Returns the test as stored, or None when it was not PENDING (taken
    by another delivery of the same message, cancelled, already finished). A sweep is started, not run: its
    chunks go to `queue` (the one this message came on) and it stays RUNNING until they are assembled.

    Problems with the flow, data or configuration fail the test with a message naming them; any other
    error propagates to the caller (the task), which logs it and fails the test.
    """
    now = timezone.now()
    claimed = QuickTest.objects.filter(pk=quicktest_id, status=QuickTestStatus.PENDING).update(
        status=QuickTestStatus.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        logger.info("Quick test %s is not pending; not running it again.", quicktest_id)
        return None
    quicktest = QuickTest.objects.get(pk=quicktest_id)
    if quicktest.test_config.get("sweep") is not None:
        return _start_sweep(quicktest, queue)
    started = time.perf_counter()
    try:
        result = _backtest(quicktest)
    except EngineError as exc:
        quicktest_fail(quicktest_id=quicktest_id, error_message=trader_message(exc))
        return QuickTest.all_objects.get(pk=quicktest_id)
    test_result, metrics = stored_result(quicktest_id, result)
    finished = timezone.now()
    stored = QuickTest.objects.filter(pk=quicktest_id, status=QuickTestStatus.RUNNING).update(
        status=QuickTestStatus.COMPLETED,
        test_result=test_result,
        metrics_summary=metrics,
        execution_time=time.perf_counter() - started,
        completed_at=finished,
        updated_at=finished,
    )
    if not stored:
        trades_file_delete(test_result)
        logger.info("Quick test %s was cancelled while it ran; its result is discarded.", quicktest_id)
    return QuickTest.all_objects.get(pk=quicktest_id)


def _start_sweep(quicktest: QuickTest, queue: str | None) -> QuickTest:
    from .sweeps import sweep_start  # sweeps builds on this module's loading of bars and configuration

    try:
        sweep_start(quicktest=quicktest, queue=queue)
    except EngineError as exc:
        quicktest_fail(quicktest_id=quicktest.pk, error_message=trader_message(exc))
    return QuickTest.all_objects.get(pk=quicktest.pk)


def _backtest(quicktest: QuickTest):
    owner = get_user_model().objects.get(pk=quicktest.user_id)
    return run_backtest(
        quicktest.logic_flow_snapshot,
        quicktest_bars(quicktest),
        config=backtest_config(quicktest.test_config),
        parameters=quicktest.parameters_snapshot,
        catalogue=quicktest_catalogue(owner),
        max_points=settings.QUICKTEST_CURVE_POINTS,
    )


def quicktest_bars(quicktest: QuickTest, *, cached: bool = False):
    """The bars a test runs on: its dataset (the owner's or a shared one) between its start and end
    (`cached`: as dataset_load_bars has it)."""
    config = quicktest.test_config
    dataset = Dataset.objects.filter(
        Q(user_id=quicktest.user_id) | Q(user_id__isnull=True), pk=config["dataset"]
    ).first()
    if dataset is None:
        raise EngineError(
            Problem(
                code="unknown_dataset",
                message="The dataset this test was set up with has been deleted.",
                field="test_config.dataset",
            )
        )
    return dataset_load_bars(dataset, start=_moment(config["start"]), end=_moment(config["end"]), cached=cached)


def backtest_config(test_config: Mapping[str, Any]):
    """The engine's backtest configuration stored in `test_config` (everything but DATA_KEYS)."""
    return resolve_config({k: v for k, v in test_config.items() if k not in DATA_KEYS})


def quicktest_fail(*, quicktest_id: str, error_message: str) -> bool:
    """Mark a PENDING or RUNNING test FAILED with a message for the trader. False if it had already ended."""
    now = timezone.now()
    return bool(
        QuickTest.objects.filter(pk=quicktest_id, status__in=(QuickTestStatus.PENDING, QuickTestStatus.RUNNING)).update(
            status=QuickTestStatus.FAILED, error_message=error_message, completed_at=now, updated_at=now
        )
    )


def quicktest_cancel(*, quicktest: QuickTest, actor: str) -> QuickTest:
    """Cancel a PENDING or RUNNING test. A worker that is running it finishes the computation but does not
    store the result; one that has not started it will not start."""
    now = timezone.now()
    cancelled = QuickTest.objects.filter(
        pk=quicktest.pk, status__in=(QuickTestStatus.PENDING, QuickTestStatus.RUNNING)
    ).update(status=QuickTestStatus.CANCELLED, completed_at=now, updated_at=now, updated_by=actor)
    quicktest.refresh_from_db()
    if not cancelled:
        raise ValidationError(
            f"Only pending or running tests can be cancelled; this one is {quicktest.get_status_display().lower()}.",
            code="not_cancellable",
        )
    return quicktest


def quicktest_delete(*, quicktest: QuickTest, actor: str) -> None:
    """Soft-delete; a test still queued or running is cancelled first so no worker spends time on it."""
    with transaction.atomic():
        QuickTest.objects.filter(pk=quicktest.pk, status__in=(QuickTestStatus.PENDING, QuickTestStatus.RUNNING)).update(
            status=QuickTestStatus.CANCELLED, completed_at=timezone.now(), updated_by=actor
        )
        quicktest.soft_delete(by=actor)


def quicktest_fail_stuck(*, now: datetime | None = None) -> int:
    """Fail the tests no worker will finish: RUNNING longer than QUICKTEST_STUCK_AFTER (their worker died)
    and PENDING longer than QUICKTEST_PENDING_LIMIT (no worker took them). Returns how many."""
    from .sweeps import sweep_files_delete

    now = now or timezone.now()
    running_cutoff = now - settings.QUICKTEST_STUCK_AFTER
    lost = (
        QuickTest.objects.stuck_running(running_cutoff)
        .exclude(test_config__has_key="sweep")
        .update(status=QuickTestStatus.FAILED, error_message=WORKER_LOST_MESSAGE, completed_at=now, updated_at=now)
    )
    if lost:
        logger.warning("Failed %d quick tests left running since before %s.", lost, running_cutoff.isoformat())
    # A sweep runs for as long as its chunks take; it is stuck once no chunk started or finished for a while.
    sweeps = list(QuickTest.objects.stuck_sweeps(now - settings.SWEEP_STUCK_AFTER).values_list("pk", flat=True))
    lost_sweeps = QuickTest.objects.filter(pk__in=sweeps, status=QuickTestStatus.RUNNING).update(
        status=QuickTestStatus.FAILED, error_message=WORKER_LOST_MESSAGE, completed_at=now, updated_at=now
    )
    for quicktest_id in sweeps:
        sweep_files_delete(quicktest_id)
    if lost_sweeps:
        logger.warning("Failed %d sweeps with no chunk finished since %s.", lost_sweeps, settings.SWEEP_STUCK_AFTER)
    lost += lost_sweeps
    pending_cutoff = now - settings.QUICKTEST_PENDING_LIMIT
    not_started = QuickTest.objects.stuck_pending(pending_cutoff).update(
        status=QuickTestStatus.FAILED,
        error_message=NOT_STARTED_MESSAGE.format(limit=_duration(settings.QUICKTEST_PENDING_LIMIT)),
        completed_at=now,
        updated_at=now,
    )
    if not_started:
        logger.warning("Failed %d quick tests pending since before %s.", not_started, pending_cutoff.isoformat())
    return lost + not_started


def _duration(period: timedelta) -> str:
    """A period as a trader reads it: "15 minutes", "2 hours", "90 seconds"."""
    seconds = int(period.total_seconds())
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _data_choice(owner, test_config: Mapping[str, Any]) -> tuple[_DataChoice | None, list[Problem]]:
    problems = []
    dataset_id = test_config.get("dataset")
    dataset = None
    if dataset_id in (None, ""):
        problems.append(Problem(code="required", message="Choose a dataset.", field="test_config.dataset"))
    else:
        dataset = Dataset.objects.filter(Q(user_id=str(owner.pk)) | Q(user_id__isnull=True), pk=str(dataset_id)).first()
        if dataset is None:
            problems.append(
                Problem(code="unknown_dataset", message=f"No dataset {dataset_id!r}.", field="test_config.dataset")
            )
    bounds = {}
    for key in ("start", "end"):
        try:
            bounds[key] = _moment(test_config.get(key), end_of_day=key == "end")
        except ValueError as exc:
            problems.append(Problem(code="invalid_datetime", message=str(exc), field=f"test_config.{key}"))
    start, end = bounds.get("start"), bounds.get("end")
    if start and end and start > end:
        problems.append(Problem(code="invalid_range", message="start is after end.", field="test_config.end"))
    elif dataset and len(bounds) == 2 and not dataset_count_bars(dataset, start=start, end=end):
        span = f"{dataset.first_timestamp:%Y-%m-%d %H:%M} to {dataset.last_timestamp:%Y-%m-%d %H:%M} UTC"
        problems.append(
            Problem(
                code="no_bars",
                message=f"The dataset has no bars in this date range; it covers {span}.",
                field="test_config.start",
            )
        )
    if problems:
        return None, problems
    return _DataChoice(dataset=dataset, start=start, end=end), []


def _moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 datetime (UTC when it has no offset) or date; a date as an end means its last instant."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO 8601 date or datetime string, not {value!r}.")
    moment = iso_moment(value, end_of_day=end_of_day)
    if moment is None:
        raise ValueError(f"{value!r} is not an ISO 8601 date or datetime (e.g. 2024-01-31 or 2024-01-31T09:30:00Z).")
    return moment


def _under(prefix: str, problem: Problem) -> Problem:
    field = f"{prefix}.{problem.field}" if problem.field else prefix
    return Problem(code=problem.code, message=problem.message, field=field, line=problem.line)


def trader_message(exc: EngineError) -> str:
    lines = []
    for problem in exc.problems:
        where = problem.field or (f"node {problem.node_id}" if problem.node_id else None)
        lines.append(f"{where}: {problem.message}" if where else problem.message)
    return "The test could not run: " + " ".join(lines)
