"""Risk-rule values that must be refused at validation, never reach the simulation: (template, value)."""

import math

RISK_VALUES = [
    ("stop_loss", 100),
    ("stop_loss", 100.0000001),
    ("stop_loss", 0),
    ("stop_loss", -0.0),
    ("stop_loss", -5),
    ("stop_loss", 1e308),
    ("stop_loss", math.inf),
    ("stop_loss", math.nan),
    ("stop_loss", True),
    ("stop_loss", "2"),
    ("stop_loss", None),
    ("trailing_stop", 100),
    ("trailing_stop", 250),
    ("trailing_stop", math.nan),
    ("take_profit", 100.5),
    ("take_profit", -1),
    ("position_size", 1.5),
    ("position_size", 0),
    ("position_size", math.nan),
]
