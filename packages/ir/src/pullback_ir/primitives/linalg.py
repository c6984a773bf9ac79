"""`dot_general`: contraction over given dimensions with batch dimensions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import silent
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import ANY, _all_weak, check_dtype, standard_primitive

DimensionNumbers = tuple[
    tuple[tuple[int, ...], tuple[int, ...]], tuple[tuple[int, ...], tuple[int, ...]]
]


def _dot_general_shape(
    lhs: ShapedArray,
    rhs: ShapedArray,
    *,
    dimension_numbers: DimensionNumbers,
    precision: Any,
    preferred_element_type: np.dtype[Any] | None,
) -> tuple[int, ...]:
    del precision, preferred_element_type  # unused
    # (bools too: their product is a logical and-or, as in XLA and JAX)
    check_dtype("dot_general", lhs, ANY, "lhs")
    check_dtype("dot_general", rhs, ANY, "rhs")
    if lhs.dtype != rhs.dtype:
        raise TypeError(
            f"dot_general: lhs and rhs must have the same dtype, got {lhs.str_long()} and "
            f"{rhs.str_long()}"
        )
    (lc, rc), (lb, rb) = dimension_numbers
    for dims, x, side in ((lc, lhs, "lhs"), (lb, lhs, "lhs"), (rc, rhs, "rhs"), (rb, rhs, "rhs")):
        if any(not 0 <= d < x.ndim for d in dims):
            raise ValueError(
                f"dot_general: dimension numbers {dimension_numbers} are out of range for "
                f"{side} {x.str_long()}"
            )
    if len(set(lc) | set(lb)) != len(lc) + len(lb) or len(set(rc) | set(rb)) != len(rc) + len(rb):
        raise ValueError(f"dot_general: repeated dimensions in {dimension_numbers}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise ValueError(
            f"dot_general: contracting and batch dimensions must pair up, got {dimension_numbers}"
        )
    for a, b in (*zip(lc, rc, strict=True), *zip(lb, rb, strict=True)):
        if lhs.shape[a] != rhs.shape[b]:
            raise TypeError(
                f"dot_general: lhs {lhs.str_long()} dimension {a} and rhs {rhs.str_long()} "
                f"dimension {b} "
                f"must have equal sizes (dimension_numbers={dimension_numbers})"
            )
    batch = tuple(lhs.shape[d] for d in lb)
    lfree = tuple(s for i, s in enumerate(lhs.shape) if i not in lc and i not in lb)
    rfree = tuple(s for i, s in enumerate(rhs.shape) if i not in rc and i not in rb)
    return batch + lfree + rfree


def _dot_general_dtype(
    lhs: ShapedArray, rhs: ShapedArray, *, preferred_element_type: Any, **params: Any
) -> Any:
    del rhs, params  # unused
    return lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)


_MATMUL_DTYPES = frozenset(
    np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128)
)


def _arrange(x: Any, perm: list[int], dtype: Any) -> Any:
    """`x` transposed by `perm` in `dtype`, without copies when nothing changes."""
    if perm != list(range(x.ndim)):
        x = np.transpose(x, perm)
    return x.astype(dtype, copy=False)


def _dot_general_impl(
    lhs: Any,
    rhs: Any,
    *,
    dimension_numbers: DimensionNumbers,
    precision: Any,
    preferred_element_type: Any,
) -> Any:
    del precision  # unused
    (lc, rc), (lb, rb) = dimension_numbers
    if (
        not lb
        and preferred_element_type is None
        and lhs.dtype in _MATMUL_DTYPES
        and rhs.dtype == lhs.dtype
        and len(lc) == 1
        and lhs.ndim <= 2
        and rhs.ndim <= 2
    ):
        # Matrix-vector and matrix-matrix products (the common case, and every dot of an MLP's
        # gradient): one matmul on transposed views.
        a = lhs.T if lhs.ndim == 2 and lc[0] == 0 else lhs
        b = rhs.T if rhs.ndim == 2 and rc[0] == 1 else rhs
        with silent():
            return np.matmul(a, b)
    lfree = [i for i in range(lhs.ndim) if i not in lc and i not in lb]
    rfree = [i for i in range(rhs.ndim) if i not in rc and i not in rb]
    out_dtype = lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    compute = (
        out_dtype
        if not dtypes.is_float(out_dtype) or out_dtype == dtypes.float64
        else np.dtype(np.float32)
    )
    if dtypes.is_integer(out_dtype):
        compute = np.dtype(np.int64) if dtypes.is_signed(out_dtype) else np.dtype(np.uint64)
    nb = math.prod(lhs.shape[d] for d in lb)
    nk = math.prod(lhs.shape[d] for d in lc)
    ml = math.prod(lhs.shape[d] for d in lfree)
    mr = math.prod(rhs.shape[d] for d in rfree)
    shape = (
        [lhs.shape[d] for d in lb] + [lhs.shape[d] for d in lfree] + [rhs.shape[d] for d in rfree]
    )
    a = _arrange(lhs, [*lb, *lfree, *lc], compute).reshape(nb, ml, nk)
    b = _arrange(rhs, [*rb, *rc, *rfree], compute).reshape(nb, nk, mr)
    out = np.matmul(a[0], b[0])[None] if nb == 1 else np.matmul(a, b)
    with silent():
        return out.reshape(shape).astype(out_dtype, copy=False)


dot_general_p = standard_primitive(
    "dot_general", _dot_general_shape, _dot_general_dtype, _dot_general_impl, _all_weak
)

ALL: list[Primitive] = [dot_general_p]
