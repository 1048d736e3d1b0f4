from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from marketdata.choices import Timeframe
from marketdata.models import Dataset
from strategy_builder.api import examples


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
