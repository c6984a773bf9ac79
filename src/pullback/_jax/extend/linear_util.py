"""`jax.extend.linear_util`: JAX's wrapped functions, as far as flax uses them.

`wrap_init(f, params, debug_info=...)` gives a `WrappedFun` whose `call_wrapped(*args)` calls
`f(*args, **params)`; `jax.api_util.flatten_fun` wraps one into a function of flat arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Store", "WrappedFun", "wrap_init"]


class Store:
    """A one-shot box for an auxiliary output (an output tree, say)."""

    __slots__ = ("_val",)

    def __init__(self) -> None:
        self._val: list[Any] = []

    def store(self, val: Any) -> None:
        """Keep `val`.

        Raises:
            RuntimeError: if a value is stored already.
        """
        if self._val:
            raise RuntimeError("Store occupied")
        self._val.append(val)

    @property
    def val(self) -> Any:
        """The stored value.

        Raises:
            RuntimeError: if nothing is stored yet.
        """
        if not self._val:
            raise RuntimeError("Store empty")
        return self._val[0]

    def __call__(self) -> Any:
        return self.val


class WrappedFun:
    """A function with fixed keyword parameters, called through `call_wrapped`."""

    def __init__(self, f: Callable[..., Any], params: dict[str, Any], debug_info: Any = None):
        self.f, self.params, self.debug_info = f, params, debug_info

    @property
    def __name__(self) -> str:
        return getattr(self.f, "__name__", "<function>")

    def call_wrapped(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function."""
        return self.f(*args, **{**self.params, **kwargs})

    __call__ = call_wrapped


def wrap_init(f: Callable[..., Any], params: dict[str, Any] | None = None, *,
              debug_info: Any = None) -> WrappedFun:  # fmt: skip
    """Wrap `f` (called with `params` as keyword arguments)."""
    return WrappedFun(f, dict(params or {}), debug_info)
