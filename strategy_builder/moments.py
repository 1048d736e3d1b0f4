"""Reading the moments clients send: one way for every API field and query parameter that takes one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def iso_moment(value: str, *, end_of_day: bool = False) -> datetime | None:
    """An ISO 8601 datetime (UTC when it has no offset) or date, as an aware datetime; a date as an end means
    its last instant. None when `value` is neither."""
    try:
        # The date first: parse_datetime reads "2024-01-31" too, as its first instant.
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        return None
    if day is not None:
        moment = datetime.combine(day, datetime.min.time())
        if end_of_day:
            moment += timedelta(days=1, microseconds=-1)
    if moment is None:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
