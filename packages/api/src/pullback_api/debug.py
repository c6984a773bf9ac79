"""`pullback.debug`: print and inspect values from inside transformed code (JAX's `jax.debug`).

`print` and `callback` run on the host with the concrete values, eagerly and under every
transformation: under `jit` when the compiled program reaches them, under `vmap` once per
example, under `grad` once, on the primal values (a callback without results has nothing to
differentiate).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from pullback_ir.control_flow import io_callback
from pullback_pytrees import tree_flatten, tree_unflatten

from pullback_api.numpy._core import is_array

__all__ = ["callback", "print"]


def callback(callback: Callable[..., Any], *args: Any, ordered: bool = False,
             **kwargs: Any) -> None:  # fmt: skip
    """Call `callback(*args, **kwargs)` on the host with the arguments' values.

    Array leaves of `args` and `kwargs` arrive as NumPy arrays; other leaves (strings, None,
    objects) are passed as they are. `ordered=True` keeps the calls in program order (and
    cannot be vmapped). The callback's return value is ignored.
    """
    if not callable(callback):
        raise TypeError(f"debug.callback: expected a callable, got {type(callback).__qualname__}")
    leaves, tree = tree_flatten((args, kwargs))
    dynamic = [is_array(leaf) for leaf in leaves]

    def host(*values: Any) -> None:
        it = iter(values)
        full = [next(it) if d else leaf for leaf, d in zip(leaves, dynamic, strict=True)]
        call_args, call_kwargs = tree_unflatten(tree, full)
        callback(*call_args, **call_kwargs)

    io_callback(host, None, *[leaf for leaf, d in zip(leaves, dynamic, strict=True) if d],
                ordered=ordered)  # fmt: skip


def print(fmt: str, *args: Any, ordered: bool = False, **kwargs: Any) -> None:
    """Print `fmt.format(*args, **kwargs)` with the arguments' values, from anywhere.

    Example:
        >>> import pullback as pb
        >>> import pullback.numpy as jnp
        >>> @pb.jit
        ... def f(x):
        ...     pb.debug.print("x = {}, sum {s}", x, s=x.sum())
        ...     return x * 2
        >>> _ = f(jnp.arange(3.0)); pb.effects_barrier()
        x = [0. 1. 2.], sum 3.0
    """
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: fmt must be a str, got {type(fmt).__qualname__}")
    callback(lambda *a, **k: builtins.print(fmt.format(*a, **k)), *args, ordered=ordered,
             **kwargs)  # fmt: skip
