"""`jax.api_util`: flattening wrapped functions and their debug information."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pullback_pytrees import tree_flatten, tree_unflatten

from pullback._jax.extend.linear_util import Store, WrappedFun

__all__ = ["debug_info", "flatten_fun", "flatten_fun_nokwargs"]


def debug_info(traced_for: str, fun: Callable[..., Any], args: Any, kwargs: Any, **_: Any) -> Any:
    """What a transformation records about the function it traces (its name, here)."""
    return (traced_for, getattr(fun, "__name__", "<function>"))


def flatten_fun(fun: WrappedFun, in_tree: Any) -> tuple[WrappedFun, Store]:
    """A function of the flat leaves of `(args, kwargs)` returning flat outputs.

    The output tree is stored in the returned Store (call it for the tree).
    """
    store = Store()

    def flat(*leaves: Any) -> list[Any]:
        args, kwargs = tree_unflatten(in_tree, list(leaves))
        out, tree = tree_flatten(fun.call_wrapped(*args, **kwargs))
        store.store(tree)
        return out

    return WrappedFun(flat, {}, fun.debug_info), store


def flatten_fun_nokwargs(fun: WrappedFun, in_tree: Any) -> tuple[WrappedFun, Store]:
    """As `flatten_fun`, for a tree of positional arguments only."""
    store = Store()

    def flat(*leaves: Any) -> list[Any]:
        args = tree_unflatten(in_tree, list(leaves))
        out, tree = tree_flatten(fun.call_wrapped(*args))
        store.store(tree)
        return out

    return WrappedFun(flat, {}, fun.debug_info), store
