"""The parts of a builder session that are not plain columns: the draft's version, the edit lock, and the
limits a draft must stay within.

`draft_metadata` holds the client's UI state under ``"ui"`` next to the draft's ``"version"`` (a counter
that only draft saves move), who saved it last, and ``"instance_base"``: the strategy's `updated_at` the
draft was based on, so a commit can tell that someone else changed the strategy meanwhile. The version is what ETag / If-Match carry, so two tabs
saving from the same version cannot both win. `lock_info` is ``{"holder", "since", "until"}`` with ISO
timestamps; a lock whose `until` has passed is no lock.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from engine.flow import flow_format_problems
from engine.flowformat import json_kind

from .errors import DraftTooLarge
from .models import BuilderSession


def draft_version(session: BuilderSession) -> int:
    return int((session.draft_metadata or {}).get("version", 0))


def ui_metadata(session: BuilderSession) -> Any:
    return (session.draft_metadata or {}).get("ui")


def instance_base(session: BuilderSession) -> str | None:
    """The strategy instance's `updated_at` (ISO) when the draft was last based on it: at start or commit."""
    return (session.draft_metadata or {}).get("instance_base")


def draft_metadata(*, version: int, ui: Any, saved_by: str, saved_at: datetime) -> dict[str, Any]:
    return {"version": version, "ui": ui, "saved_by": saved_by, "saved_at": saved_at.isoformat()}


def etag(session: BuilderSession) -> str:
    return f'"{draft_version(session)}"'


def parse_if_match(header: str | None) -> int | None:
    """The draft version an If-Match header names (``"7"`` or ``W/"7"``); None when there is no header.

    Raises ValidationError for anything else: `*` or a list would let a save through without saying
    which version it saw, which is exactly what the header is there to prevent.
    """
    if header is None or not header.strip():
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise ValidationError(
            {"If-Match": f"Must be one ETag of this session, such as '\"3\"', not '{header.strip()}'."},
            code="invalid_if_match",
        )
    return int(tag)


def live_lock(session: BuilderSession, now: datetime) -> dict[str, Any] | None:
    lock = session.lock_info
    if not lock or datetime.fromisoformat(lock["until"]) <= now:
        return None
    return lock


def new_lock(*, holder: str, since: datetime, until: datetime) -> dict[str, str]:
    return {"holder": holder, "since": since.isoformat(), "until": until.isoformat()}


def check_draft(*, logic_flow: Any, parameters: Any, ui: Any) -> None:
    """Refuse a draft that is not a draft at all, or is too big to keep. Unfinished flows are fine.

    The flow must be well-formed, in format v1 (`flow_format_problems`: each problem is refused under
    its path, ``draft_logic_flow.nodes[2].id``), though it may be invalid (unknown templates, unconnected
    inputs ...); parameters an object; UI metadata an object or null. Beyond SESSION_DRAFT_MAX_NODES
    nodes the draft is refused (400); beyond SESSION_DRAFT_MAX_BYTES of JSON, 413.
    """
    errors: dict[str, list[ValidationError]] = {}
    for problem in flow_format_problems(logic_flow):
        field = f"draft_logic_flow.{problem.field}" if problem.field else "draft_logic_flow"
        errors.setdefault(field, []).append(ValidationError(problem.message, code=problem.code))
    if not isinstance(parameters, dict):
        message = f"Must be a JSON object of parameter values, not {json_kind(parameters)}."
        errors["draft_parameters"] = [ValidationError(message, code="invalid")]
    if ui is not None and not isinstance(ui, dict):
        errors["draft_metadata"] = [
            ValidationError(f"Must be a JSON object or null, not {json_kind(ui)}.", code="invalid")
        ]
    if errors:
        raise ValidationError(errors)

    node_count = len(logic_flow["nodes"])
    if node_count > settings.SESSION_DRAFT_MAX_NODES:
        raise ValidationError(
            {
                "draft_logic_flow.nodes": ValidationError(
                    f"A draft may have at most {settings.SESSION_DRAFT_MAX_NODES} nodes; this one has {node_count}.",
                    code="too_many_nodes",
                )
            }
        )
    size = len(json.dumps([logic_flow, parameters, ui], separators=(",", ":")).encode())
    if size > settings.SESSION_DRAFT_MAX_BYTES:
        raise DraftTooLarge(
            f"The draft is {size} bytes of JSON; a draft may be at most {settings.SESSION_DRAFT_MAX_BYTES} bytes."
        )
