"""Callbacks and shape evaluation of the public surface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pullback_ir import ShapeDtypeStruct
from pullback_ir.control_flow import io_callback as _io_callback, pure_callback as _pure_callback
from pullback_ir.staging import make_jaxpr
from pullback_pytrees import tree_map

from pullback_api._transforms import _returning_arrays

__all__ = ["eval_shape", "io_callback", "pure_callback"]


# The callbacks of pullback_ir, returning Arrays when they run eagerly.
pure_callback = _returning_arrays(_pure_callback)
io_callback = _returning_arrays(_io_callback)


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The output shapes and dtypes of `fun(*args, **kwargs)`, computed without running it."""
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return tree_map(lambda s: ShapeDtypeStruct(s.shape, s.dtype, weak_type=s.weak_type), shapes)
