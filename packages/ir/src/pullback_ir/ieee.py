"""NumPy with its floating-point warnings off, as XLA computes: inf and nan arise silently.

`np.errstate(all="ignore")` costs about a microsecond per use (it builds a new error-state
object each time), more than a small ufunc itself; eager operations pay it on every call. Here
the ignoring state is built once and swapped in through NumPy's context variable, which costs
a tenth of that. Should a NumPy release move that variable, `np.errstate` is used instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["ignore_errors", "quiet", "quiet_call", "restore_errors", "silent"]

_T = TypeVar("_T")

try:
    _ufunc_config: Any = importlib.import_module("numpy._core._ufunc_config")
    _IGNORE: Any = _ufunc_config._make_extobj(all="ignore")
    _set: Callable[[Any], Any] = _ufunc_config._extobj_contextvar.set
    _reset: Callable[[Any], Any] = _ufunc_config._extobj_contextvar.reset
except (ImportError, AttributeError, TypeError):  # pragma: no cover - another NumPy layout
    _IGNORE = None

    def _set(_: Any) -> Any:
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    def _reset(state: Any) -> None:
        state.__exit__(None, None, None)


def ignore_errors() -> Any:
    """Turn NumPy's floating-point warnings off; returns the token `restore_errors` takes.

    For the hottest paths, as `token = ignore_errors()` / `try: ... finally:
    restore_errors(token)`; elsewhere `silent()` or `quiet_call` read better.
    """
    return _set(_IGNORE)


def restore_errors(token: Any) -> None:
    """Put back the error state that `ignore_errors` replaced."""
    _reset(token)


def quiet_call(fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """`fn(*args, **kwargs)` with NumPy's floating-point warnings off."""
    token = _set(_IGNORE)
    try:
        return fn(*args, **kwargs)
    finally:
        _reset(token)


def quiet(fn: Callable[..., _T]) -> Callable[..., _T]:
    """`fn` wrapped so that it runs with NumPy's floating-point warnings off."""

    def wrapped(*args: Any, **kwargs: Any) -> _T:
        token = _set(_IGNORE)
        try:
            return fn(*args, **kwargs)
        finally:
            _reset(token)

    wrapped.__name__ = getattr(fn, "__name__", "wrapped")
    wrapped.__doc__ = fn.__doc__
    # (the unwrapped function, for callers that fuse the state switch into their own frame)
    wrapped.quiet_inner = fn  # type: ignore[attr-defined]
    return wrapped


class silent:
    """A context manager: NumPy's floating-point warnings are off inside the block."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _set(_IGNORE)

    def __exit__(self, *exc: object) -> None:
        _reset(self._token)
