"""`pullback.experimental`: the experimental names JAX programs use most.

`io_callback` (host callbacks with side effects) and the `enable_x64` / `disable_x64`
context managers, which switch 64-bit mode inside a block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pullback_ir.config import enable_x64 as _enable_x64

from pullback_api._api_misc import io_callback

__all__ = ["disable_x64", "enable_x64", "io_callback"]


@contextlib.contextmanager
def enable_x64(new_val: bool = True) -> Iterator[None]:
    """64-bit mode (float64/int64 defaults) on inside the block, restored afterwards."""
    with _enable_x64(bool(new_val)):
        yield


@contextlib.contextmanager
def disable_x64() -> Iterator[None]:
    """64-bit mode off inside the block, restored afterwards."""
    with _enable_x64(False):
        yield
