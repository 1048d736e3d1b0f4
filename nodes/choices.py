from django.db import models


class NodeType(models.TextChoices):
    DATA = "DATA", "Data"
    INDICATOR = "INDICATOR", "Indicator"
    MATH = "MATH", "Math"
    CONDITION = "CONDITION", "Condition"
    SIGNAL = "SIGNAL", "Signal"
    RISK = "RISK", "Risk"


class PortType(models.TextChoices):
    SERIES = "series", "Series (float per bar)"
    BOOL = "bool", "Boolean per bar"
    NUMBER = "number", "Number (scalar)"
