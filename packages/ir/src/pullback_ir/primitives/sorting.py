"""`sort` (several operands, lexicographic on the first `num_keys`) and `top_k`.

Floating-point keys sort in the total order XLA uses: -NaN < -inf < ... < -0.0 < 0.0 < ... <
inf < NaN; complex keys sort by real part, then imaginary part.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import ANY, REAL_NUMERIC, check_dtype

__all__ = ["sort_keys", "sort_p", "top_k_p"]

_UINT_OF_SIZE = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _total_order_key(x: Any) -> Any:
    """An unsigned-integer array ordered like `x` in XLA's total order of floats."""
    bits = x.view(_UINT_OF_SIZE[x.dtype.itemsize])
    nbits = x.dtype.itemsize * 8
    ut = bits.dtype.type
    sign = (bits >> ut(nbits - 1)).astype(bool)
    # Negative numbers: flip every bit (bigger magnitude sorts first); positive: set the sign bit.
    return np.where(sign, ~bits, bits | ut(1 << (nbits - 1)))


def sort_keys(x: Any) -> list[Any]:
    """Arrays whose lexicographic order is `x`'s sort order (last entry most significant)."""
    if dtypes.is_complex(x.dtype):
        return [*sort_keys(x.imag), *sort_keys(x.real)]
    if dtypes.is_float(x.dtype):
        return [_total_order_key(x)]
    return [x]


def _sort_abstract(
    *operands: ShapedArray, dimension: int, is_stable: bool, num_keys: int
) -> list[ShapedArray]:
    del is_stable  # unused
    if not operands:
        raise TypeError("sort: at least one operand is needed")
    x0 = operands[0]
    for i, x in enumerate(operands):
        check_dtype("sort", x, ANY, f"operand {i}")
        if x.shape != x0.shape:
            raise TypeError(
                "sort: operands must have the same shape, got "
                + ", ".join(o.str_long() for o in operands)
            )
    if not 0 <= dimension < max(x0.ndim, 1) or x0.ndim == 0:
        raise ValueError(f"sort: dimension {dimension} is out of range for {x0.str_long()}")
    if not 1 <= num_keys <= len(operands):
        raise ValueError(f"sort: num_keys {num_keys} must be in [1, {len(operands)}]")
    return [ShapedArray(x.shape, x.dtype, x.weak_type) for x in operands]


def _sort_impl(*operands: Any, dimension: int, is_stable: bool, num_keys: int) -> list[Any]:
    del is_stable  # the reference is always stable
    keys: list[Any] = []
    for x in reversed(operands[:num_keys]):
        keys.extend(np.moveaxis(k, dimension, -1) for k in sort_keys(x))
    keys = [k.astype(np.uint8) if k.dtype == np.bool_ else k for k in keys]
    perm = np.lexsort(keys, axis=-1)
    return [
        np.moveaxis(np.take_along_axis(np.moveaxis(x, dimension, -1), perm, -1), -1, dimension)
        for x in operands
    ]


sort_p = Primitive("sort", abstract_eval=_sort_abstract, impl=_sort_impl)


def _top_k_abstract(operand: ShapedArray, *, k: int) -> list[ShapedArray]:
    check_dtype("top_k", operand, REAL_NUMERIC, "operand")
    if operand.ndim == 0:
        raise TypeError(f"top_k: operand must have rank >= 1, got {operand.str_long()}")
    if not 0 <= k <= operand.shape[-1]:
        raise ValueError(
            f"top_k: k={k} must be in [0, {operand.shape[-1]}] for operand {operand.str_long()}"
        )
    shape = (*operand.shape[:-1], k)
    return [
        ShapedArray(shape, operand.dtype, operand.weak_type),
        ShapedArray(shape, np.dtype(np.int32)),
    ]


def _top_k_impl(operand: Any, *, k: int) -> list[Any]:
    # Descending, ties broken by the lower index: sort by (-key, index) ascending.
    (key,) = sort_keys(operand)
    if dtypes.is_float(operand.dtype):
        neg = ~key
    elif dtypes.is_signed(operand.dtype):
        neg = -(key.astype(np.int64))
    else:
        neg = ~key.astype(np.uint64)
    idx = np.argsort(neg, axis=-1, kind="stable")[..., :k]
    return [np.take_along_axis(operand, idx, -1), idx.astype(np.int32)]


top_k_p = Primitive("top_k", abstract_eval=_top_k_abstract, impl=_top_k_impl)

ALL: list[Primitive] = [sort_p, top_k_p]
