"""Callbacks and shape evaluation of the public surface."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pullback_ir import ShapeDtypeStruct
from pullback_ir.control_flow import io_callback as _io_callback, pure_callback as _pure_callback
from pullback_ir.staging import make_jaxpr
from pullback_pytrees import tree_map

from pullback_api._transforms import to_arrays

__all__ = ["eval_shape", "io_callback", "pure_callback"]


def pure_callback(
    callback: Callable[..., Any],
    result_shape_dtypes: Any,
    *args: Any,
    sharding: Any = None,
    vmap_method: str | None = None,
    **kwargs: Any,
) -> Any:
    """Call a pure host function from traced code (see `pullback_ir.control_flow`).

    Under `jit` it runs through an XLA host callback; its results must match
    `result_shape_dtypes` exactly in structure, shape and dtype.
    """
    return to_arrays(_pure_callback(callback, result_shape_dtypes, *args, sharding=sharding,
                                    vmap_method=vmap_method, **kwargs))  # fmt: skip


def io_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                sharding: Any = None, ordered: bool = False, **kwargs: Any) -> Any:  # fmt: skip
    """Call a host function with side effects from traced code (`ordered` keeps order)."""
    return to_arrays(_io_callback(callback, result_shape_dtypes, *args, sharding=sharding,
                                  ordered=ordered, **kwargs))  # fmt: skip


def eval_shape(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The output shapes and dtypes of `fun(*args, **kwargs)`, computed without running it."""
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return tree_map(lambda s: ShapeDtypeStruct(s.shape, s.dtype, weak_type=s.weak_type), shapes)
