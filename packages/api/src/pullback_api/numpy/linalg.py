"""`pullback.numpy.linalg`: norms and small dense helpers."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import asarray_arg, axes_of, export, to_dtype

__all__ = ["matrix_norm", "norm", "vector_norm"]


def _abs(x: Any) -> Any:
    return lax.abs(x)  # complex magnitudes are real


@export
def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """The vector `ord`-norm over `axis` (all axes flattened by default)."""
    x = asarray_arg(x, "vector_norm")
    if not dtypes.is_inexact(aval_of(x).dtype):
        x = to_dtype(x, dtypes.default_float_dtype())
    axes = axes_of(axis, len(aval_of(x).shape), "norm")
    a = _abs(x)
    if ord == 2 or ord is None:
        out = lax.sqrt(lax.reduce_sum(lax.mul(a, a), axes))
    elif ord == 1:
        out = lax.reduce_sum(a, axes)
    elif ord == np.inf:
        out = lax.reduce_max(a, axes)
    elif ord == -np.inf:
        out = lax.reduce_min(a, axes)
    elif ord == 0:
        out = lax.reduce_sum(lax.convert_element_type(lax.ne(a, np.asarray(0, aval_of(a).dtype)),
                                                      aval_of(a).dtype), axes)  # fmt: skip
    else:
        p = np.asarray(ord, aval_of(a).dtype)
        out = lax.pow(
            lax.reduce_sum(lax.pow(a, p), axes), lax.div(np.asarray(1, aval_of(a).dtype), p)
        )
    return lax.expand_dims(out, axes) if keepdims else out


@export
def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """The matrix norm over the last two axes ("fro", "nuc" unsupported, 1, -1, inf, -inf)."""
    x = asarray_arg(x, "matrix_norm")
    nd = len(aval_of(x).shape)
    return norm(x, ord=ord, axis=(nd - 2, nd - 1), keepdims=keepdims)


@export
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """NumPy's norm: a vector norm for one axis (or a 1-D input), a matrix norm for two."""
    x = asarray_arg(x, "norm")
    nd = len(aval_of(x).shape)
    if axis is None:
        if ord is None or nd == 1:
            return vector_norm(x, axis=None, keepdims=keepdims, ord=2 if ord is None else ord)
        axis = tuple(range(nd))
    axes = axes_of(axis, nd, "norm")
    if len(axes) == 1:
        return vector_norm(x, axis=axes, keepdims=keepdims, ord=2 if ord is None else ord)
    if len(axes) != 2:
        raise ValueError("norm: axis must name one or two axes")
    if not dtypes.is_inexact(aval_of(x).dtype):
        x = to_dtype(x, dtypes.default_float_dtype())
    a = _abs(x)
    r, c = axes
    if ord in (None, "fro"):
        out = lax.sqrt(lax.reduce_sum(lax.mul(a, a), axes))
    elif ord in (1, -1):
        col = lax.reduce_sum(a, (r,))
        c2 = c - 1 if c > r else c
        out = (lax.reduce_max if ord == 1 else lax.reduce_min)(col, (c2,))
    elif ord in (np.inf, -np.inf):
        row = lax.reduce_sum(a, (c,))
        r2 = r - 1 if r > c else r
        out = (lax.reduce_max if ord == np.inf else lax.reduce_min)(row, (r2,))
    else:
        raise NotImplementedError(f"norm: matrix ord={ord!r} (needs singular values)")
    return lax.expand_dims(out, tuple(sorted(axes))) if keepdims else out
