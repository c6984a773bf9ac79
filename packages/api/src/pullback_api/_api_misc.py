"""Callbacks and shape evaluation of the public surface."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from pullback_ir import ShapeDtypeStruct
from pullback_ir.control_flow import io_callback as _io_callback, pure_callback as _pure_callback
from pullback_ir.staging import make_jaxpr
from pullback_pytrees import tree_map

from pullback_api._transforms import _returning_arrays

__all__ = ["default_matmul_precision", "eval_shape", "io_callback", "pure_callback"]


# The callbacks of pullback_ir, returning Arrays when they run eagerly.
pure_callback = _returning_arrays(_pure_callback)
io_callback = _returning_arrays(_io_callback)


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The output shapes and dtypes of `fun(*args, **kwargs)`, computed without running it."""
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return tree_map(lambda s: ShapeDtypeStruct(s.shape, s.dtype, weak_type=s.weak_type), shapes)


@contextlib.contextmanager
def default_matmul_precision(precision: Any) -> Iterator[None]:
    """Set `jax_default_matmul_precision` inside the block ("float32", "highest", ...).

    XLA's CPU backend computes float32 products in full precision whatever the setting.
    """
    from pullback_api.config import _VALUE_OPTIONS, read, update

    old = read("jax_default_matmul_precision")
    update("jax_default_matmul_precision", precision)
    try:
        yield
    finally:
        _VALUE_OPTIONS["jax_default_matmul_precision"] = old
