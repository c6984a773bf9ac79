"""Reductions over axes, arg-reductions and cumulative (scan-like) reductions."""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import silent
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import (
    BOOL_INT,
    FLOAT,
    NOT_COMPLEX,
    NUMERIC,
    DtypeSet,
    check_dtype,
    standard_primitive,
    upcast,
)


def _reduce(name: str, allowed: DtypeSet, np_fn: Any) -> Primitive:
    def shape_rule(x: ShapedArray, *, axes: tuple[int, ...]) -> tuple[int, ...]:
        check_dtype(name, x, allowed, "operand")
        if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
            raise ValueError(f"{name}: axes {axes} must be distinct axes of {x.str_long()}")
        return tuple(s for i, s in enumerate(x.shape) if i not in axes)

    def impl(x: Any, *, axes: tuple[int, ...]) -> Any:
        with silent():
            return np_fn(x, axis=tuple(axes))

    return standard_primitive(
        name, shape_rule, lambda x, *, axes: x.dtype, upcast(impl), lambda x, *, axes: x.weak_type
    )


reduce_sum_p = _reduce("reduce_sum", NUMERIC, np.sum)
reduce_prod_p = _reduce("reduce_prod", NUMERIC, np.prod)
reduce_max_p = _reduce("reduce_max", NOT_COMPLEX, np.max)
reduce_min_p = _reduce("reduce_min", NOT_COMPLEX, np.min)
reduce_and_p = _reduce("reduce_and", BOOL_INT, np.bitwise_and.reduce)
reduce_or_p = _reduce("reduce_or", BOOL_INT, np.bitwise_or.reduce)
reduce_xor_p = _reduce("reduce_xor", BOOL_INT, np.bitwise_xor.reduce)


def _arg_reduce(name: str, np_fn: Any) -> Primitive:
    def shape_rule(
        x: ShapedArray, *, axes: tuple[int, ...], index_dtype: np.dtype[Any]
    ) -> tuple[int, ...]:
        check_dtype(name, x, NOT_COMPLEX, "operand")
        if len(axes) != 1 or not 0 <= axes[0] < x.ndim:
            raise ValueError(f"{name}: axes must name one axis of {x.str_long()}, got {axes}")
        if x.shape[axes[0]] == 0:
            raise ValueError(f"{name}: cannot reduce the empty axis {axes[0]} of {x.str_long()}")
        if not dtypes.is_integer(np.dtype(index_dtype)):
            raise TypeError(f"{name}: index_dtype must be an integer dtype, got {index_dtype}")
        return tuple(s for i, s in enumerate(x.shape) if i != axes[0])

    def impl(x: Any, *, axes: tuple[int, ...], index_dtype: np.dtype[Any]) -> Any:
        # NaN wins, as in XLA: the first NaN's index is returned.
        if dtypes.is_float(x.dtype):
            x = x.astype(np.float64)
        return np_fn(x, axis=axes[0]).astype(index_dtype)

    return standard_primitive(
        name, shape_rule, lambda x, *, axes, index_dtype: np.dtype(index_dtype), impl
    )


argmax_p = _arg_reduce("argmax", np.argmax)
argmin_p = _arg_reduce("argmin", np.argmin)


def _cumulative(name: str, allowed: DtypeSet, np_fn: Any) -> Primitive:
    def shape_rule(x: ShapedArray, *, axis: int, reverse: bool) -> tuple[int, ...]:
        del reverse  # unused
        check_dtype(name, x, allowed, "operand")
        if not 0 <= axis < x.ndim:
            raise ValueError(f"{name}: axis {axis} is out of range for {x.str_long()}")
        return x.shape

    def impl(x: Any, *, axis: int, reverse: bool) -> Any:
        with silent():
            if reverse:
                return np.flip(np_fn(np.flip(x, axis), axis=axis), axis)
            return np_fn(x, axis=axis)

    return standard_primitive(
        name,
        shape_rule,
        lambda x, *, axis, reverse: x.dtype,
        upcast(impl),
        lambda x, *, axis, reverse: x.weak_type,
    )


cumsum_p = _cumulative("cumsum", NUMERIC, lambda x, axis: np.cumsum(x, axis=axis, dtype=x.dtype))
cumprod_p = _cumulative("cumprod", NUMERIC, lambda x, axis: np.cumprod(x, axis=axis, dtype=x.dtype))
cummax_p = _cumulative("cummax", NOT_COMPLEX, np.maximum.accumulate)
cummin_p = _cumulative("cummin", NOT_COMPLEX, np.minimum.accumulate)
cumlogsumexp_p = _cumulative("cumlogsumexp", FLOAT, np.logaddexp.accumulate)

ALL: list[Primitive] = [
    reduce_sum_p, reduce_prod_p, reduce_max_p, reduce_min_p, reduce_and_p, reduce_or_p,
    reduce_xor_p, argmax_p, argmin_p, cumsum_p, cumprod_p, cummax_p, cummin_p, cumlogsumexp_p,
]  # fmt: skip
