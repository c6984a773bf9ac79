"""`jax._src.traceback_util`: JAX's traceback filtering hooks (pullback filters nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["api_boundary", "include_frame", "register_exclusion"]

F = TypeVar("F", bound=Callable[..., Any])

_EXCLUDED: list[str] = []
#: JAX's name for the list (flax edits it directly).
_exclude_paths = _EXCLUDED


def register_exclusion(path: str) -> None:
    """Note a path whose frames a filtered traceback would hide (kept, not used)."""
    _EXCLUDED.append(path)


def include_frame(frame: Any) -> bool:
    """Whether a filtered traceback would show `frame`: not if its file is excluded."""
    filename = frame.f_code.co_filename
    return not any(filename.startswith(path) for path in _EXCLUDED)


def api_boundary(fun: F | None = None, **_: Any) -> Any:
    """Mark an API entry point (the identity: pullback does not filter tracebacks)."""
    if fun is None:
        return lambda f: f
    return fun
