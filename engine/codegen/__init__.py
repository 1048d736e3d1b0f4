"""Code generation: a logic flow becomes a standalone Python module (emitter), which is then checked
(syntax, an AST security allow-list, complexity, size) before anyone stores or runs it."""

from .checks import SECURITY_ERROR, SYNTAX_ERROR, VALID, CodeReport, check_code
from .emitter import GENERATOR_VERSION, GeneratedModule, flow_hash, generate_module

__all__ = [
    "GENERATOR_VERSION",
    "SECURITY_ERROR",
    "SYNTAX_ERROR",
    "VALID",
    "CodeReport",
    "GeneratedModule",
    "check_code",
    "flow_hash",
    "generate_module",
]
