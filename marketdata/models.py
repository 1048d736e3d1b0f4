from django.db import models

from strategy_builder.models import BaseModel

from .choices import Timeframe


class Dataset(BaseModel):
    """A series of OHLCV bars for one symbol and timeframe, stored as a Parquet file through Django's storage.

    A dataset without an owner (`user_id` NULL) is shared: every user may test on it, only staff manage it.
    The row carries what the file holds (bar count, first and last bar, SHA-256 of the stored bytes), so
    choosing a dataset and checking a date range never needs the file.
    """

    name = models.CharField(max_length=255)
    symbol = models.CharField(max_length=64)
    timeframe = models.CharField(max_length=8, choices=Timeframe.choices)
    source = models.CharField(max_length=255, help_text="Where the bars came from: an upload, a demo file ...")
    bar_count = models.PositiveIntegerField()
    first_timestamp = models.DateTimeField()
    last_timestamp = models.DateTimeField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the stored Parquet file.")
    file = models.FileField(upload_to="datasets/", max_length=500)
    file_size = models.BigIntegerField(help_text="Size of the stored file in bytes.")
    user_id = models.CharField(max_length=255, null=True, blank=True)

    class Meta(BaseModel.Meta):
        db_table = "market_datasets"
        ordering = ("symbol", "timeframe", "-created_at")
        indexes = [
            # "A user's datasets" (WHERE user_id = ?) and "shared datasets" (WHERE user_id IS NULL),
            # newest first; the dataset list asks for both at once (user_id = ? OR user_id IS NULL).
            models.Index(fields=["user_id", "created_at"], name="ix_dataset_user_created"),
            # "Datasets of a symbol and timeframe": WHERE symbol = ? AND timeframe = ?
            models.Index(fields=["symbol", "timeframe"], name="ix_dataset_symbol_timeframe"),
            models.Index(fields=["is_deleted"], name="ix_market_datasets_is_deleted"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.symbol} {self.timeframe})"

    @property
    def is_shared(self) -> bool:
        return self.user_id is None
