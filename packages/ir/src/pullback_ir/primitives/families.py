"""Builders of primitives with the common rule shapes: unary and n-ary elementwise, reductions.

A family builder takes the NumPy function and the set of accepted dtypes and returns a
`Primitive` whose abstract evaluation checks dtypes and shapes with messages that name the
operation, the argument and its type (`float32[3,4]`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import ignore_errors, restore_errors
from pullback_ir.primitive import Primitive

__all__ = [
    "ANY",
    "BOOL_INT",
    "FLOAT",
    "INEXACT",
    "INT",
    "NUMERIC",
    "naryop",
    "standard_primitive",
    "unop",
]

DtypeSet = tuple[Callable[[np.dtype[Any]], bool], str]

FLOAT: DtypeSet = (dtypes.is_float, "floating-point")
INEXACT: DtypeSet = (dtypes.is_inexact, "floating-point or complex")
INT: DtypeSet = (dtypes.is_integer, "integer")
BOOL_INT: DtypeSet = (lambda d: d == dtypes.bool_ or dtypes.is_integer(d), "boolean or integer")
NUMERIC: DtypeSet = (lambda d: d != dtypes.bool_ and d in dtypes.ALL_DTYPES, "numeric")
ANY: DtypeSet = (lambda d: d in dtypes.ALL_DTYPES, "array")
REAL_NUMERIC: DtypeSet = (
    lambda d: d != dtypes.bool_ and not dtypes.is_complex(d) and d in dtypes.ALL_DTYPES,
    "real numeric",
)
NOT_COMPLEX: DtypeSet = (
    lambda d: not dtypes.is_complex(d) and d in dtypes.ALL_DTYPES,
    "non-complex",
)

# Reference implementations of low-precision floats compute in float32 and round back, as XLA's
# CPU backend does.
_UPCAST = {*dtypes.FLOAT8_DTYPES, dtypes.bfloat16, dtypes.float16}


def check_dtype(name: str, aval: ShapedArray, allowed: DtypeSet, arg: str) -> None:
    """Raise a TypeError naming `name` and `arg` if `aval`'s dtype is not in `allowed`."""
    ok, what = allowed
    if not ok(aval.dtype):
        raise TypeError(
            f"{name}: argument {arg} has type {aval.str_long()}, but {name} accepts only "
            f"{what} dtypes."
        )


def upcast(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a NumPy function so that low-precision float inputs compute in float32.

    A function marked `native_low_precision` (one whose result depends on the dtype's own
    spacing, such as nextafter) is left to compute in the input dtype.
    """
    if getattr(fn, "native_low_precision", False):
        return fn

    def wrapped(*args: Any, **params: Any) -> Any:
        if args and args[0].dtype in _UPCAST:
            dt = args[0].dtype
            out = fn(*[a.astype(np.float32) if a.dtype == dt else a for a in args], **params)
            if np.asarray(out).dtype != np.float32:
                return out
            with np.errstate(over="ignore", invalid="ignore"):  # (rounding to inf, as XLA does)
                return np.asarray(out).astype(dt)
        return fn(*args, **params)

    return wrapped


def standard_primitive(
    name: str,
    shape_rule: Callable[..., tuple[int, ...]],
    dtype_rule: Callable[..., Any],
    impl: Callable[..., Any],
    weak_type_rule: Callable[..., bool] | None = None,
    listed: bool = False,
) -> Primitive:
    """A single-result primitive from separate shape, dtype and weak-type rules.

    `impl` returns the result array, or with `listed` the list of it.
    """

    def abstract_eval(*avals: ShapedArray, **params: Any) -> list[ShapedArray]:
        shape = shape_rule(*avals, **params)
        dtype = dtype_rule(*avals, **params)
        weak = weak_type_rule(*avals, **params) if weak_type_rule else False
        return [ShapedArray(shape, dtype, weak)]

    def list_impl(*args: Any, **params: Any) -> list[Any]:
        return [impl(*args, **params)]

    return Primitive(name, abstract_eval=abstract_eval, impl=impl if listed else list_impl)


def _elementwise_impl(np_fn: Callable[..., Any]) -> Callable[..., list[Any]]:
    """The list-returning reference implementation of an elementwise primitive, in one frame.

    Low-precision floats go through `upcast`; a function wrapped by `ieee.quiet` has the error
    state switched here rather than in a frame of its own (eager operations run this on every
    call).
    """
    slow = upcast(np_fn)
    inner = getattr(np_fn, "quiet_inner", None)
    if inner is not None:

        def quiet_impl(*args: Any, **params: Any) -> list[Any]:
            if args[0].dtype in _UPCAST:
                return [slow(*args, **params)]
            token = ignore_errors()
            try:
                return [inner(*args, **params)]
            finally:
                restore_errors(token)

        return quiet_impl

    def impl(*args: Any, **params: Any) -> list[Any]:
        if args[0].dtype in _UPCAST:
            return [slow(*args, **params)]
        return [np_fn(*args, **params)]

    return impl


def _all_weak(*avals: ShapedArray, **params: Any) -> bool:
    del params  # unused
    return all(a.weak_type for a in avals)


def unop(
    name: str,
    allowed: DtypeSet,
    np_fn: Callable[..., Any],
    result_dtype: Callable[[np.dtype[Any]], np.dtype[Any]] | None = None,
) -> Primitive:
    """An elementwise unary primitive.

    Args:
        name: the primitive name.
        allowed: the accepted dtypes.
        np_fn: the NumPy reference implementation (low-precision floats are upcast).
        result_dtype: maps the input dtype to the output dtype (default: the same).
    """

    def shape_rule(x: ShapedArray, **params: Any) -> tuple[int, ...]:
        del params  # unused
        check_dtype(name, x, allowed, "x")
        return x.shape

    def dtype_rule(x: ShapedArray, **params: Any) -> np.dtype[Any]:
        del params  # unused
        return result_dtype(x.dtype) if result_dtype else x.dtype

    return standard_primitive(
        name, shape_rule, dtype_rule, _elementwise_impl(np_fn), _all_weak, listed=True
    )


def broadcast_shapes(name: str, *avals: ShapedArray) -> tuple[int, ...]:
    """The common shape of elementwise operands: equal shapes, rank-0 operands broadcast."""
    shapes = {a.shape for a in avals if a.shape}
    if len(shapes) > 1:
        listed = ", ".join(a.str_long() for a in avals)
        raise TypeError(
            f"{name}: operands must have equal shapes (or be scalars), got {listed}. "
            "Broadcast them first (pullback.numpy functions broadcast automatically)."
        )
    return shapes.pop() if shapes else ()


def naryop(
    name: str,
    arity: int,
    allowed: DtypeSet,
    np_fn: Callable[..., Any],
    result_dtype: Callable[[np.dtype[Any]], np.dtype[Any]] | None = None,
    arg_names: tuple[str, ...] = ("x", "y", "z"),
) -> Primitive:
    """An elementwise primitive of `arity` operands of one dtype and equal (or scalar) shapes."""

    def shape_rule(*avals: ShapedArray, **params: Any) -> tuple[int, ...]:
        del params  # unused
        if len(avals) != arity:
            raise TypeError(f"{name}: expected {arity} operands, got {len(avals)}")
        for a, arg in zip(avals, arg_names, strict=False):
            check_dtype(name, a, allowed, arg)
        if len({a.dtype for a in avals}) > 1:
            listed = ", ".join(a.str_long() for a in avals)
            raise TypeError(
                f"{name}: operands must have the same dtype, got {listed}. Convert them with "
                "convert_element_type (pullback.numpy functions promote automatically)."
            )
        return broadcast_shapes(name, *avals)

    def dtype_rule(*avals: ShapedArray, **params: Any) -> np.dtype[Any]:
        del params  # unused
        return result_dtype(avals[0].dtype) if result_dtype else avals[0].dtype

    return standard_primitive(
        name, shape_rule, dtype_rule, _elementwise_impl(np_fn), _all_weak, listed=True
    )
