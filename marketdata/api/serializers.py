import re
from datetime import UTC, datetime, timedelta

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from marketdata.choices import Timeframe
from marketdata.models import Dataset
from strategy_builder.api import examples
from strategy_builder.moments import iso_moment

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


MAX_POINTS_RANGE = (2, 20_000)
MAX_POINTS_DEFAULT = 2_000
_EPOCH_SECONDS = re.compile(r"^-?\d{1,12}$")


class DatasetBarsQuerySerializer(DatasetDownloadQuerySerializer):
    """`?start=&end=&max_points=` of the chart's candles."""

    start = serializers.CharField(
        required=False,
        help_text="First bar to include: an ISO 8601 date or datetime (UTC unless it has an offset), or UTC "
        "epoch seconds as the response's `time` gives them. Before the first bar means from the first bar.",
    )
    end = serializers.CharField(
        required=False,
        help_text="Last bar to include: an ISO 8601 date (the whole day) or datetime, or UTC epoch seconds. "
        "After the last bar means up to the last bar.",
    )
    max_points = serializers.IntegerField(
        required=False,
        default=MAX_POINTS_DEFAULT,
        min_value=MAX_POINTS_RANGE[0],
        max_value=MAX_POINTS_RANGE[1],
        error_messages=dict.fromkeys(
            ("min_value", "max_value", "max_string_length"),
            f"max_points must be from {MAX_POINTS_RANGE[0]:,} to {MAX_POINTS_RANGE[1]:,}.",
        ),
        help_text=f"The most candles to answer with, from {MAX_POINTS_RANGE[0]:,} to {MAX_POINTS_RANGE[1]:,}; "
        f"{MAX_POINTS_DEFAULT:,} if not given.",
    )

    def validate_start(self, value: str) -> datetime:
        return parse_moment(value, epoch_seconds=True)

    def validate_end(self, value: str) -> datetime:
        return parse_moment(value, end_of_day=True, epoch_seconds=True)


class DatasetBarsSerializer(serializers.Serializer):
    """The chart's candles, column by column (for TradingView's lightweight-charts: `time` is UTC epoch
    seconds, each candle's first bar's)."""

    time = serializers.ListField(child=serializers.IntegerField())
    open = serializers.ListField(child=serializers.FloatField())
    high = serializers.ListField(child=serializers.FloatField())
    low = serializers.ListField(child=serializers.FloatField())
    close = serializers.ListField(child=serializers.FloatField())
    volume = serializers.ListField(child=serializers.FloatField())
    interval = serializers.CharField(
        allow_null=True,
        help_text="Each candle's calendar interval (UTC), e.g. 5m, 4h, 1D, 1W (from Monday), 1M, 1Y; null when "
        "each candle is one bar.",
    )
    total_bars = serializers.IntegerField(help_text="How many bars the range holds.")
    start = serializers.DateTimeField(allow_null=True, help_text="The range's first bar (null without bars).")
    end = serializers.DateTimeField(allow_null=True, help_text="The range's last bar (null without bars).")


def parse_moment(value: str, *, end_of_day: bool = False, epoch_seconds: bool = False) -> datetime:
    """An ISO 8601 datetime (UTC when it has no offset) or date; a date as an end means its last instant.
    A "+" of an offset that reached the query string unencoded (as a space) is read as the "+" it was.
    With `epoch_seconds`, a whole number is UTC seconds since 1970."""
    value = _UNENCODED_OFFSET.sub(r"\1+\2", value.strip())
    if epoch_seconds and _EPOCH_SECONDS.match(value):
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(value))
        except OverflowError:
            raise serializers.ValidationError(
                f"{value} epoch seconds is beyond the dates this server reads.", code="invalid_datetime"
            ) from None
    moment = iso_moment(value, end_of_day=end_of_day)
    if moment is None:
        seconds = " or epoch seconds" if epoch_seconds else ""
        raise serializers.ValidationError(
            f"{value!r} is not an ISO 8601 date or datetime{seconds} (e.g. 2024-01-31 or 2024-01-31T09:30:00Z).",
            code="invalid_datetime",
        )
    return moment
