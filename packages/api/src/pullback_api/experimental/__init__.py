"""`pullback.experimental`: the experimental names JAX programs use most.

`io_callback` (host callbacks with side effects) and the `enable_x64` / `disable_x64`
context managers, which switch 64-bit mode inside a block.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pullback_api._api_misc import enable_x64, io_callback
from pullback_api.experimental import checkify as checkify, layout as layout

__all__ = ["checkify", "disable_x64", "enable_x64", "io_callback", "layout"]


@contextlib.contextmanager
def disable_x64() -> Iterator[None]:
    """64-bit mode off inside the block, restored afterwards."""
    with enable_x64(False):
        yield
