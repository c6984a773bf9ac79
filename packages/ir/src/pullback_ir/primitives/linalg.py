"""`dot_general`: contraction over given dimensions with batch dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import NUMERIC, check_dtype, standard_primitive

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
    check_dtype("dot_general", lhs, NUMERIC, "lhs")
    check_dtype("dot_general", rhs, NUMERIC, "rhs")
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
    a = np.transpose(lhs, [*lb, *lfree, *lc]).astype(compute)
    b = np.transpose(rhs, [*rb, *rc, *rfree]).astype(compute)
    nb = int(np.prod([lhs.shape[d] for d in lb], dtype=np.int64))
    nk = int(np.prod([lhs.shape[d] for d in lc], dtype=np.int64))
    ml = int(np.prod([lhs.shape[d] for d in lfree], dtype=np.int64))
    mr = int(np.prod([rhs.shape[d] for d in rfree], dtype=np.int64))
    out = np.matmul(a.reshape(nb, ml, nk), b.reshape(nb, nk, mr))
    shape = (
        [lhs.shape[d] for d in lb] + [lhs.shape[d] for d in lfree] + [rhs.shape[d] for d in rfree]
    )
    with np.errstate(all="ignore"):
        return out.reshape(shape).astype(out_dtype)


dot_general_p = standard_primitive(
    "dot_general", _dot_general_shape, _dot_general_dtype, _dot_general_impl
)

ALL: list[Primitive] = [dot_general_p]
