from django.db import models


class QuickTestStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RUNNING = "RUNNING", "Running"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


class ComparedInputKind(models.TextChoices):
    """What an input of a comparison of quick tests is (quicktests.comparison)."""

    STRATEGY = "strategy"
    FLOW = "flow"
    DATASET = "dataset"
    START = "start"
    END = "end"
    CONFIG = "config"
    PARAMETER = "parameter"
