"""Process-wide switches read by the core: 64-bit mode, internal checks, promotion, jit off.

`pullback_api.config` only exposes these; they live here, in the lowest layer that reads them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

__all__ = ["checks_enabled", "enable_checks", "enable_x64", "set_x64", "x64_enabled"]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


class _State:
    __slots__ = ("checks", "disable_jit", "rank_promotion", "strict_promotion", "x64")

    def __init__(self) -> None:
        self.x64 = _env_flag("PULLBACK_ENABLE_X64") or _env_flag("JAX_ENABLE_X64")
        self.checks = _env_flag("PULLBACK_ENABLE_CHECKS")
        # jax_numpy_dtype_promotion == "strict": only weak values promote implicitly.
        self.strict_promotion = False
        # jax_numpy_rank_promotion: "allow", "warn" or "raise" on implicit rank promotion.
        self.rank_promotion = "allow"
        # jax_disable_jit: jit calls its function directly, and lax control flow with concrete
        # operands runs as Python (the C dispatcher reads this slot too).
        self.disable_jit = _env_flag("JAX_DISABLE_JIT")


STATE = _State()


def x64_enabled() -> bool:
    """Whether 64-bit dtypes are enabled (off by default: 64-bit values become 32-bit)."""
    return STATE.x64


def set_x64(enabled: bool) -> None:
    """Turn 64-bit mode on or off for the whole process."""
    STATE.x64 = bool(enabled)


@contextlib.contextmanager
def enable_x64(enabled: bool = True) -> Iterator[None]:
    """Context manager: 64-bit mode on (or off) inside the block.

    Example:
        >>> from pullback_ir.dtypes import canonicalize_dtype
        >>> import numpy as np
        >>> with enable_x64():
        ...     canonicalize_dtype(np.float64)
        dtype('float64')
        >>> canonicalize_dtype(np.float64)
        dtype('float32')
    """
    old = STATE.x64
    STATE.x64 = bool(enabled)
    try:
        yield
    finally:
        STATE.x64 = old


def checks_enabled() -> bool:
    """Whether `check_jaxpr` runs after every transformation (always on in the test suite)."""
    return STATE.checks


@contextlib.contextmanager
def enable_checks(enabled: bool = True) -> Iterator[None]:
    """Context manager: internal consistency checks on (or off) inside the block."""
    old = STATE.checks
    STATE.checks = bool(enabled)
    try:
        yield
    finally:
        STATE.checks = old
