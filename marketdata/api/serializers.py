import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from marketdata.choices import Timeframe
from marketdata.models import Dataset
from strategy_builder.api import examples

# "2024-01-31T09:30:00 01:00": the "+" of the offset arrived as a space (an unencoded query string).
_UNENCODED_OFFSET = re.compile(r"^(\S*T\S*\d) (\d{2}:?\d{2})$")


class DatasetOutputSerializer(serializers.ModelSerializer):
    shared = serializers.BooleanField(source="is_shared", read_only=True)

    class Meta:
        model = Dataset
        fields = [
            "id",
            "name",
            "symbol",
            "timeframe",
            "source",
            "bar_count",
            "first_timestamp",
            "last_timestamp",
            "checksum",
            "file_size",
            "shared",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.DATASET_UPLOAD)
class DatasetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with a header: timestamp, open, high, low, close, volume.")
    name = serializers.CharField(max_length=255)
    symbol = serializers.CharField(max_length=64)
    timeframe = serializers.ChoiceField(choices=Timeframe.choices)
    shared = serializers.BooleanField(default=False, help_text="Staff only: make the dataset available to everyone.")


class DatasetDownloadQuerySerializer(serializers.Serializer):
    """`?start=&end=` of a download: ISO 8601 dates or datetimes, as in a quick test's configuration."""

    start = serializers.CharField(
        required=False, help_text="First bar to include: an ISO 8601 date or datetime (UTC unless it has an offset)."
    )
    end = serializers.CharField(
        required=False, help_text="Last bar to include: an ISO 8601 date (the whole day) or datetime."
    )

    def validate_start(self, value: str) -> datetime:
        return parse_moment(value)

    def validate_end(self, value: str) -> datetime:
        return parse_moment(value, end_of_day=True)

    def validate(self, attrs: dict) -> dict:
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "end is before start."}, code="invalid_range")
        return attrs


def parse_moment(value: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 datetime (UTC when it has no offset) or date; a date as an end means its last instant.
    A "+" of an offset that reached the query string unencoded (as a space) is read as the "+" it was."""
    value = _UNENCODED_OFFSET.sub(r"\1+\2", value.strip())
    try:
        # The date first: parse_datetime reads "2024-01-31" too, as its first instant.
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = day = None
    if day is not None:
        moment = datetime.combine(day, datetime.min.time())
        if end_of_day:
            moment += timedelta(days=1, microseconds=-1)
    if moment is None:
        raise serializers.ValidationError(
            f"{value!r} is not an ISO 8601 date or datetime (e.g. 2024-01-31 or 2024-01-31T09:30:00Z).",
            code="invalid_datetime",
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
