"""`pullback.errors`: the exception classes JAX programs catch, under JAX's names.

Each subclasses the builtin exception JAX raises in its place (`TypeError`, `IndexError`), so
`except TypeError:` clauses of ported code keep working.
"""

from __future__ import annotations

from pullback_ir.errors import (
    ConcretizationTypeError,
    NonConcreteBooleanIndexError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
)

__all__ = [
    "ConcretizationTypeError",
    "JaxRuntimeError",
    "NonConcreteBooleanIndexError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "UnexpectedTracerError",
]


class JaxRuntimeError(RuntimeError):
    """An error reported by the XLA runtime while compiling or running a program."""
