"""The strategy engine: flow validation, evaluation, simulation, metrics and code emission.

Pure Python over numpy/TA-Lib/numba. It never imports Django (enforced by engine/ruff.toml):
services pass plain data in and store what comes out.
"""
