"""The editor's live preview of a session's draft: the strategy backtested, in the web process, on a window of
at most PREVIEW_MAX_BARS bars of a dataset (engine.preview). Nothing is stored: a preview is not a quick test,
and it is not activity on the session either (the editor's heartbeat and autosave are).

The draft previewed is the one the request brings, when it brings one: autosave waits for a pause in the
editing, and the preview should not wait for it. It is checked exactly as an autosave would check it, then
validated fully against the session owner's node catalogue (as the session's `problems` are); the data
choice and the backtest configuration are a quick test's `test_config`, validated as a quick test's is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime
from threading import Lock
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from engine.bars import COLUMNS, Bars
from engine.errors import EngineError, Problem
from engine.flow import validate_flow
from engine.metrics import iso_utc
from engine.preview import run_preview
from marketdata.models import Dataset
from marketdata.services import dataset_load_bars
from quicktests.catalogue import quicktest_catalogue
from quicktests.services import _test_config_problems

from . import drafts
from .models import BuilderSession

WINDOWS_KEPT = 8  # windows of at most PREVIEW_MAX_BARS bars: 48 bytes a bar, under 8 MB at the default limit

_windows: OrderedDict[tuple, Bars] = OrderedDict()
_lock = Lock()


def session_preview(
    *,
    session: BuilderSession,
    user,
    test_config: Mapping[str, Any],
    draft_logic_flow: Any = None,
    draft_parameters: Any = None,
    bars: int | None = None,
    outputs: Sequence[str] = (),
    max_points: int,
) -> dict[str, Any]:
    """The preview of `draft_logic_flow` (default: the session's draft) with `draft_parameters` (default: the
    draft's) on the dataset `test_config` chooses, over [start, end] when `start` is given, else over the last
    `bars` bars (default and limit: PREVIEW_MAX_BARS) up to `end` or the dataset's last bar.

    Raises ValidationError for a malformed draft (as an autosave would), EngineError listing every problem of
    the data choice, the configuration, the window and the flow, each tied to its field or node.
    """
    flow = session.draft_logic_flow if draft_logic_flow is None else draft_logic_flow
    parameters = session.draft_parameters if draft_parameters is None else draft_parameters
    drafts.check_draft(logic_flow=flow, parameters=parameters, ui=None)
    owner = user if str(user.pk) == session.user_id else get_user_model().objects.get(pk=session.user_id)
    catalogue = quicktest_catalogue(owner)

    (choice, config), problems = _test_config_problems(user, test_config)
    window = None
    if choice is not None:
        if bars is not None and choice.start is not None:
            problems.append(
                Problem(
                    "start_and_bars",
                    "Give either test_config.start (preview from there to the end) or bars (the last bars), not both.",
                    field="bars",
                )
            )
        else:
            window, problem = _window(choice.dataset, choice.start, choice.end, bars)
            problems += [problem] if problem else []
    if problems:
        # Everything wrong in one answer: the flow's problems too, which compiling it would have found.
        raise EngineError([*problems, *validate_flow(flow, catalogue, parameters=parameters)])

    preview = run_preview(
        flow, window, config=config, parameters=parameters, catalogue=catalogue, outputs=outputs, max_points=max_points
    )
    return {
        "dataset": choice.dataset.pk,
        "window": {
            "bars": len(window),
            "start": iso_utc(window.timestamp[0]),
            "end": iso_utc(window.timestamp[-1]),
            "max_bars": settings.PREVIEW_MAX_BARS,
            "bars_per_candle": _bars_per_candle(preview),
        },
        **preview,
    }


def _window(
    dataset: Dataset, start: datetime | None, end: datetime | None, bars: int | None
) -> tuple[Bars, Problem | None]:
    """The bars to preview: with `start`, all of [start, end], which must fit within the limit; without, the
    last `bars` (the limit by default) up to `end`. Kept in the process for the next previews (an editor asks
    for the same window edit after edit, and a dataset's file never changes), as copies, so that a window does
    not keep a whole long dataset in memory."""
    limit = settings.PREVIEW_MAX_BARS
    count = limit if start is not None else min(bars or limit, limit)
    key = (dataset.pk, dataset.checksum, start, end, count)
    with _lock:
        if key in _windows:
            _windows.move_to_end(key)
            return _windows[key], None
    loaded = dataset_load_bars(dataset, start=start, end=end)
    if start is not None and len(loaded) > limit:
        message = (
            f"From test_config.start to the end, the dataset has {len(loaded):,} bars; a preview runs on at most "
            f"{limit:,}. Move start later, or leave it out to preview the last {limit:,} bars; "
            "run a quick test for the whole range."
        )
        return loaded, Problem("window_too_large", message, field="test_config.start")
    window = loaded.slice(max(0, len(loaded) - count), len(loaded))
    window = Bars(*(getattr(window, column).copy() for column in COLUMNS))
    with _lock:
        _windows[key] = window
        while len(_windows) > WINDOWS_KEPT:
            _windows.popitem(last=False)
    return window, None


def _bars_per_candle(preview: dict[str, Any]) -> int:
    starts = preview["candles"]["bar"]
    return starts[1] - starts[0] if len(starts) > 1 else 1
