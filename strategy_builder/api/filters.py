"""Filter pieces every app's list filters share."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from engine.limits import shown


class _UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment that also exists in UTC, the database's time zone: 9999-12-31T23:59-05:00 is a valid
    datetime, but one the database adapter cannot convert (an OverflowError, a 500, without this check)."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(UTC)
            except OverflowError:
                raise ValidationError(
                    f"{shown(str(value))} is out of range: give a moment between the years 1 and 9999 in UTC.",
                    code="out_of_range",
                ) from None
        return moment


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField
