"""`jax.extend.source_info_util`: source locations of traced operations (none are kept)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

__all__ = ["current", "extend_name_stack", "new_name_stack", "register_exclusion",
           "transform_name_stack", "user_context"]  # fmt: skip

# (one list of excluded paths, shared with jax._src.traceback_util)
from pullback._jax._src.traceback_util import register_exclusion


class SourceInfo:
    """The source location of an operation (pullback records none)."""

    traceback = None
    name_stack = ""

    def replace(self, **kwargs: Any) -> SourceInfo:
        return self


def current() -> SourceInfo:
    """The source location of the operation being traced."""
    return SourceInfo()


@contextlib.contextmanager
def _null(*args: Any, **kwargs: Any) -> Iterator[None]:
    yield


extend_name_stack = _null
new_name_stack = _null
transform_name_stack = _null
user_context = _null
