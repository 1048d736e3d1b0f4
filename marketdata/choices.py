from django.db import models


class Timeframe(models.TextChoices):
    """The bar interval of a dataset."""

    MINUTE_1 = "1m", "1 minute"
    MINUTE_5 = "5m", "5 minutes"
    MINUTE_15 = "15m", "15 minutes"
    MINUTE_30 = "30m", "30 minutes"
    HOUR_1 = "1h", "1 hour"
    HOUR_4 = "4h", "4 hours"
    DAY_1 = "1d", "1 day"
    WEEK_1 = "1w", "1 week"
