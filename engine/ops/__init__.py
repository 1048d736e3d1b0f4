"""Node operations: the code behind each `execution_hints["op"]` of the system library.

Templates only name an operation and give it declarative hints; this registry is the one place those names
become computations. Custom templates never add operations: they are presets or composites of these.
"""

from __future__ import annotations

from .base import Call, Operation, OperationError, PortShape, shift
from .builtin import (
    SIGNAL_KINDS,
    ArithmeticOp,
    BetweenOp,
    ChangeOp,
    CompareOp,
    ConstantOp,
    CrossOp,
    DirectionOp,
    FieldOp,
    LagOp,
    LogicOp,
    OhlcvOp,
    PassthroughOp,
    RiskOp,
    SignalOp,
    UnaryOp,
)
from .talib_op import TalibOp

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        FieldOp(),
        OhlcvOp(),
        TalibOp(),
        ArithmeticOp(),
        UnaryOp(),
        LagOp(),
        ChangeOp(),
        ConstantOp(),
        CompareOp(),
        CrossOp(),
        BetweenOp(),
        DirectionOp(),
        LogicOp(),
        SignalOp(),
        RiskOp(),
    )
}
PASSTHROUGH = PassthroughOp()

__all__ = [
    "OPERATIONS",
    "PASSTHROUGH",
    "SIGNAL_KINDS",
    "Call",
    "Operation",
    "OperationError",
    "PortShape",
    "RiskOp",
    "shift",
]
