"""Host callbacks: `pure_callback` (no side effects) and `io_callback` (side effects).

The callback receives NumPy arrays and must return arrays of exactly the declared shapes and
dtypes (`result_avals`); anything else is a clear error, never a silent conversion of shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.effects import IO, ORDERED_IO
from pullback_ir.errors import CheckError
from pullback_ir.primitive import Primitive

__all__ = ["VMAP_METHODS", "call_host", "check_p", "io_callback_p", "pure_callback_p"]

#: The accepted `vmap_method`s of pure_callback (None: vmap raises).
VMAP_METHODS = (None, "sequential", "sequential_unrolled", "expand_dims", "broadcast_all")


def call_host(
    name: str, callback: Callable[..., Any], result_avals: tuple[ShapedArray, ...], args: Any
) -> list[np.ndarray[Any, Any]]:
    """Call `callback` on NumPy arrays and check its flat results against `result_avals`.

    The callback returns a flat sequence (or a single array when one result is declared).
    """
    out = callback(*[np.asarray(a) for a in args])
    flat = list(out) if isinstance(out, tuple | list) else [out]
    if len(flat) != len(result_avals):
        raise TypeError(
            f"{name}: the callback returned {len(flat)} values, but result_shape_dtypes "
            f"declares {len(result_avals)}"
        )
    checked = []
    for i, (v, aval) in enumerate(zip(flat, result_avals, strict=True)):
        arr = np.asarray(v)
        want = aval.dtype
        if arr.shape != aval.shape:
            raise TypeError(
                f"{name}: callback result {i} has shape {arr.shape}, but result_shape_dtypes "
                f"declares {aval.str_long()}"
            )
        if arr.dtype != want and not (
            dtypes.canonicalize_dtype(arr.dtype) == want and not _narrowing(arr.dtype, want)
        ):
            raise TypeError(
                f"{name}: callback result {i} has dtype {arr.dtype.name}, but "
                f"result_shape_dtypes declares {aval.str_long()}"
            )
        checked.append(arr.astype(want, copy=False))
    return checked


def _narrowing(have: np.dtype[Any], want: np.dtype[Any]) -> bool:
    # With x64 off, a float64 result canonicalizes to float32; that is allowed (it is what the
    # user declared after canonicalization), anything else is a mismatch.
    return have.kind != want.kind


def _abstract(*avals: ShapedArray, result_avals: tuple[ShapedArray, ...], **params: Any) -> Any:
    del avals, params  # unused
    return list(result_avals)


def _pure_impl(
    *args: Any,
    callback: Callable[..., Any],
    result_avals: tuple[ShapedArray, ...],
    vmap_method: str | None,
    sharding: Any,
) -> list[Any]:
    del vmap_method, sharding  # unused
    return call_host("pure_callback", callback, result_avals, args)


#: A pure host function (params: `callback` on flat NumPy arrays, `result_avals`,
#: `vmap_method`, `sharding`). Unused results let dead-code elimination drop the call.
pure_callback_p = Primitive(
    "pure_callback", abstract_eval=_abstract, impl=_pure_impl, higher_order=True
)


def _io_impl(
    *args: Any,
    callback: Callable[..., Any],
    result_avals: tuple[ShapedArray, ...],
    ordered: bool,
    sharding: Any,
) -> list[Any]:
    del ordered, sharding  # unused
    return call_host("io_callback", callback, result_avals, args)


#: A host function with side effects (params: `callback`, `result_avals`, `ordered`,
#: `sharding`); ordered calls keep program order.
io_callback_p = Primitive(
    "io_callback",
    abstract_eval=_abstract,
    impl=_io_impl,
    effectful=True,
    effects_rule=lambda **p: frozenset({ORDERED_IO if p["ordered"] else IO}),
    higher_order=True,
)


def _check_impl(pred: Any, *fmt_leaves: Any, msg: str, fmt_tree: Any) -> list[Any]:
    if not np.all(np.asarray(pred)):
        from pullback_pytrees import tree_unflatten

        args, kwargs = tree_unflatten(fmt_tree, [np.asarray(v) for v in fmt_leaves])
        raise CheckError(msg.format(*args, **kwargs) + " (`check` failed)")
    return []


def _check_abstract(pred: ShapedArray, *fmt: ShapedArray, msg: str, fmt_tree: Any) -> list[Any]:
    del fmt, msg, fmt_tree  # unused
    if pred.dtype != dtypes.bool_:
        raise TypeError(f"check: the predicate must be a boolean array, got {pred.str_long()}")
    return []


#: A runtime assertion (operands: a boolean `pred`, then the leaves of the message's format
#: arguments; params: `msg`, a `str.format` string, and `fmt_tree`, the structure of
#: `(args, kwargs)`). Applied to concrete values it raises `CheckError` where `pred` is False
#: anywhere; staged, only `checkify` gives it a meaning (it turns it into an error value).
check_p = Primitive(
    "check", abstract_eval=_check_abstract, impl=_check_impl, effectful=True, higher_order=True
)

ALL: list[Primitive] = [pure_callback_p, io_callback_p, check_p]
