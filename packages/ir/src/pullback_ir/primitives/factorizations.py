"""Matrix factorizations and triangular solves (LAPACK's potrf, trsm, getrf, geqrf, ...).

cholesky, triangular_solve, lu, qr, eigh and svd each work on the last two axes and map over
any leading (batch) axes, for float32, float64, complex64 and complex128. A factorization that
fails (a matrix that is not positive definite; an exactly singular pivot is fine for LU) gives
NaNs, as XLA's kernels report it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import silent
from pullback_ir.primitive import Primitive

__all__ = ["LINALG_DTYPES", "cholesky_p", "column_phases", "eigh_p", "lu_p",
           "normalize_phases", "qr_p", "svd_p", "triangular_solve_p"]  # fmt: skip

#: The dtypes the factorizations accept.
LINALG_DTYPES = frozenset(
    np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128)
)


def _check_matrix(name: str, a: ShapedArray, what: str = "operand", square: bool = True) -> None:
    if a.dtype not in LINALG_DTYPES:
        raise TypeError(
            f"{name}: {what} must be float32, float64, complex64 or complex128, got {a.str_long()}"
        )
    if a.ndim < 2:
        raise TypeError(f"{name}: {what} must have rank >= 2 (a matrix), got {a.str_long()}")
    if square and a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{name}: {what} must be square in its last two axes, got {a.str_long()}")


def _batched(fn: Any, *arrays: Any) -> Any:
    """Apply `fn` to each matrix (or matching matrices) of the leading batch axes."""
    batch = arrays[0].shape[:-2]
    outs = [fn(*(x[idx] for x in arrays)) for idx in np.ndindex(*batch)]
    if not isinstance(outs[0], tuple):
        return np.stack(outs).reshape(*batch, *outs[0].shape) if batch else outs[0]
    return tuple(
        np.stack([o[k] for o in outs]).reshape(*batch, *outs[0][k].shape) if batch else outs[0][k]
        for k in range(len(outs[0]))
    )


# --- cholesky ---------------------------------------------------------------------------------


def _cholesky_abstract(a: ShapedArray) -> list[ShapedArray]:
    _check_matrix("cholesky", a)
    return [ShapedArray(a.shape, a.dtype)]


def hermitian_from_lower(a: Any) -> Any:
    """The Hermitian matrix of `a`'s lower triangle (NumPy).

    As in LAPACK's Hermitian routines, the imaginary part of the diagonal is ignored.
    """
    strict = np.tril(a, -1)
    diag = np.real(np.diagonal(a, axis1=-2, axis2=-1))
    n = a.shape[-1]
    out = strict + np.conj(np.swapaxes(strict, -1, -2))
    out[..., np.arange(n), np.arange(n)] = diag
    return out


def _cholesky_one(a: Any) -> Any:
    try:
        return np.linalg.cholesky(hermitian_from_lower(a)).astype(a.dtype)
    except np.linalg.LinAlgError:
        return np.full(a.shape, np.nan, a.dtype)


def _cholesky_impl(a: Any) -> list[Any]:
    if a.size == 0:
        return [a.copy()]
    return [_batched(_cholesky_one, a)]


#: The lower Cholesky factor L (zeros above the diagonal) of the Hermitian positive-definite
#: matrix whose lower triangle is the operand's: only that triangle is read, as LAPACK does.
cholesky_p = Primitive("cholesky", abstract_eval=_cholesky_abstract, impl=_cholesky_impl)


# --- triangular_solve -------------------------------------------------------------------------


def _triangular_solve_abstract(
    a: ShapedArray, b: ShapedArray, *, left_side: bool, lower: bool, transpose_a: bool,
    conjugate_a: bool, unit_diagonal: bool,
) -> list[ShapedArray]:  # fmt: skip
    del lower, transpose_a, conjugate_a, unit_diagonal  # unused
    _check_matrix("triangular_solve", a, "a")
    _check_matrix("triangular_solve", b, "b", square=False)
    if a.dtype != b.dtype:
        raise TypeError(
            f"triangular_solve: a and b must have the same dtype, got {a.str_long()} and "
            f"{b.str_long()}"
        )
    if a.shape[:-2] != b.shape[:-2]:
        raise ValueError(
            f"triangular_solve: a and b must have the same batch axes, got {a.str_long()} and "
            f"{b.str_long()}"
        )
    m = a.shape[-1]
    k = b.shape[-2] if left_side else b.shape[-1]
    if k != m:
        side = "rows" if left_side else "columns"
        raise ValueError(
            f"triangular_solve: b must have {m} {side} to match a {a.str_long()} "
            f"(left_side={left_side}), got {b.str_long()}"
        )
    return [ShapedArray(b.shape, b.dtype)]


def triangle(a: Any, lower: bool, unit_diagonal: bool) -> Any:
    """The triangle of `a` a triangular solve reads (NumPy), with a unit diagonal if asked."""
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = a.shape[-1]
        t = t.copy()
        t[..., np.arange(n), np.arange(n)] = 1
    return t


def _triangular_solve_impl(a: Any, b: Any, *, left_side: bool, lower: bool, transpose_a: bool,
                           conjugate_a: bool, unit_diagonal: bool) -> list[Any]:  # fmt: skip
    t = triangle(a, lower, unit_diagonal)
    if conjugate_a:
        t = np.conj(t)
    if transpose_a:
        t = np.swapaxes(t, -1, -2)
    if b.size == 0:
        return [b.copy()]
    with silent():
        if left_side:  # op(a) @ x = b
            x = np.linalg.solve(t, b)
        else:  # x @ op(a) = b  <=>  op(a)^T @ x^T = b^T
            x = np.swapaxes(np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    return [x.astype(b.dtype)]


#: Solves op(a) @ x = b (`left_side`) or x @ op(a) = b for triangular `a`: only its lower
#: (`lower`) or upper triangle is read, and its diagonal is taken as ones if `unit_diagonal`;
#: op conjugates (`conjugate_a`) and/or transposes (`transpose_a`) it.
triangular_solve_p = Primitive(
    "triangular_solve", abstract_eval=_triangular_solve_abstract, impl=_triangular_solve_impl
)


# --- lu ----------------------------------------------------------------------------------------


def _lu_abstract(a: ShapedArray) -> list[ShapedArray]:
    _check_matrix("lu", a, square=False)
    k = min(a.shape[-2], a.shape[-1])
    return [ShapedArray(a.shape, a.dtype), ShapedArray((*a.shape[:-2], k), np.dtype(np.int32))]


def _lu_one(a: Any) -> tuple[Any, Any]:
    lu = a.astype(np.complex128 if np.iscomplexobj(a) else np.float64, copy=True)
    m, n = lu.shape
    k = min(m, n)
    pivots = np.zeros(k, np.int32)
    for j in range(k):
        col = lu[j:, j]
        # The first largest, measured as LAPACK's i?amax does: |re| + |im| for complex values.
        size = np.abs(col.real) + np.abs(col.imag) if np.iscomplexobj(col) else np.abs(col)
        p = j + int(np.argmax(size))
        pivots[j] = p
        if p != j:
            lu[[j, p]] = lu[[p, j]]
        if lu[j, j] != 0:
            lu[j + 1 :, j] /= lu[j, j]
        lu[j + 1 :, j + 1 :] -= np.outer(lu[j + 1 :, j], lu[j, j + 1 :])
    return lu.astype(a.dtype), pivots


def _lu_impl(a: Any) -> list[Any]:
    k = min(a.shape[-2], a.shape[-1])
    if a.size == 0:
        return [a.copy(), np.zeros((*a.shape[:-2], k), np.int32)]
    lu, pivots = _batched(_lu_one, a)
    return [lu, pivots]


#: LU factorization with partial pivoting: rows swapped as `pivots` says (row i with row
#: pivots[i], in order, zero-based), then L (unit lower, below the diagonal of the result) and
#: U (upper, on and above it) with P @ a = L @ U.
lu_p = Primitive("lu", abstract_eval=_lu_abstract, impl=_lu_impl)


# --- qr -----------------------------------------------------------------------------------------


def _qr_shapes(shape: tuple[int, ...], full_matrices: bool) -> tuple[Any, Any]:
    *batch, m, n = shape
    k = m if full_matrices else min(m, n)
    return (*batch, m, k), (*batch, k, n)


def _qr_abstract(a: ShapedArray, *, full_matrices: bool) -> list[ShapedArray]:
    _check_matrix("qr", a, square=False)
    q, r = _qr_shapes(a.shape, full_matrices)
    return [ShapedArray(q, a.dtype), ShapedArray(r, a.dtype)]


def _qr_impl(a: Any, *, full_matrices: bool) -> list[Any]:
    q_shape, r_shape = _qr_shapes(a.shape, full_matrices)
    if a.size == 0:
        eye = np.broadcast_to(np.eye(q_shape[-2], q_shape[-1], dtype=a.dtype), q_shape)
        return [eye.copy(), np.zeros(r_shape, a.dtype)]
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return [q.astype(a.dtype), r.astype(a.dtype)]


#: The QR factorization by Householder reflections (LAPACK's sign convention): q with
#: orthonormal columns (m of them if `full_matrices`, else min(m, n)) and upper-triangular r.
qr_p = Primitive("qr", abstract_eval=_qr_abstract, impl=_qr_impl)


# --- eigh and svd ------------------------------------------------------------------------------
# Eigenvectors and singular vectors are unique only up to a sign (a phase if complex): both
# primitives fix it, making the entry of largest magnitude (the first such) of each
# eigenvector, and of each left singular vector, real and positive. Results then do not depend
# on the LAPACK build, and the vectors are continuous wherever that entry does not change.


def _real_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    return np.real(np.zeros((), dtype)).dtype


def column_phases(vectors: Any) -> Any:
    """The unit-modulus factor of each column's largest entry (the first one): (..., n)."""
    k = np.argmax(np.abs(vectors), axis=-2)
    pick = np.take_along_axis(vectors, k[..., None, :], axis=-2)[..., 0, :]
    size = np.abs(pick)
    return np.where(size == 0, 1, pick / np.where(size == 0, 1, size))


def normalize_phases(u: Any, vt: Any | None = None) -> tuple[Any, Any]:
    """`u`'s columns divided by their phases (NumPy).

    The first min(m, n) rows of `vt`, the V^H of an SVD, are multiplied by the same phases,
    so that U diag(s) V^H is unchanged.
    """
    phase = column_phases(u)
    u = (u / phase[..., None, :]).astype(u.dtype)
    if vt is not None:
        k = min(u.shape[-2], vt.shape[-1])
        vt = vt.copy()
        vt[..., :k, :] = vt[..., :k, :] * phase[..., :k, None]
    return u, vt


def _eigh_abstract(a: ShapedArray, *, lower: bool) -> list[ShapedArray]:
    del lower  # unused
    _check_matrix("eigh", a)
    return [ShapedArray(a.shape, a.dtype), ShapedArray(a.shape[:-1], _real_dtype(a.dtype))]


def _eigh_impl(a: Any, *, lower: bool) -> list[Any]:
    if a.size == 0:
        return [a.copy(), np.zeros(a.shape[:-1], _real_dtype(a.dtype))]
    h = hermitian_from_lower(a if lower else np.conj(np.swapaxes(a, -1, -2)))
    w, v = np.linalg.eigh(h)
    v, _ = normalize_phases(v.astype(a.dtype))
    return [v, w.astype(_real_dtype(a.dtype))]


#: The eigenvectors V (columns, phase-normalized) and ascending eigenvalues w of the Hermitian
#: matrix whose `lower` (or upper) triangle is the operand's: a V = V diag(w).
eigh_p = Primitive("eigh", abstract_eval=_eigh_abstract, impl=_eigh_impl)


def _svd_shapes(shape: tuple[int, ...], full_matrices: bool) -> tuple[Any, Any, Any]:
    *batch, m, n = shape
    k = min(m, n)
    u = (*batch, m, m if full_matrices else k)
    vt = (*batch, n if full_matrices else k, n)
    return (*batch, k), u, vt


def _svd_abstract(a: ShapedArray, *, full_matrices: bool, compute_uv: bool) -> list[ShapedArray]:
    _check_matrix("svd", a, square=False)
    s, u, vt = _svd_shapes(a.shape, full_matrices)
    out = [ShapedArray(s, _real_dtype(a.dtype))]
    if compute_uv:
        out += [ShapedArray(u, a.dtype), ShapedArray(vt, a.dtype)]
    return out


def _svd_impl(a: Any, *, full_matrices: bool, compute_uv: bool) -> list[Any]:
    s_shape, u_shape, vt_shape = _svd_shapes(a.shape, full_matrices)
    rdt = _real_dtype(a.dtype)
    if a.size == 0:
        s = np.zeros(s_shape, rdt)
        eye_u = np.broadcast_to(np.eye(u_shape[-2], u_shape[-1], dtype=a.dtype), u_shape)
        eye_v = np.broadcast_to(np.eye(vt_shape[-2], vt_shape[-1], dtype=a.dtype), vt_shape)
        return [s, eye_u.copy(), eye_v.copy()] if compute_uv else [s]
    if not compute_uv:
        return [np.linalg.svd(a, compute_uv=False).astype(rdt)]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    u, vt = normalize_phases(u.astype(a.dtype), vt.astype(a.dtype))
    return [s.astype(rdt), u, vt.astype(a.dtype)]


#: The singular values s (descending) and, if `compute_uv`, the singular vectors U and V^H
#: (phase-normalized, reduced to min(m, n) columns/rows unless `full_matrices`):
#: a = U[..., :k] diag(s) V^H[..., :k, :].
svd_p = Primitive("svd", abstract_eval=_svd_abstract, impl=_svd_impl)

ALL: list[Primitive] = [cholesky_p, triangular_solve_p, lu_p, qr_p, eigh_p, svd_p]
