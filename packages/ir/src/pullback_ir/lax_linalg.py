"""Linear-algebra functions on the factorization primitives (JAX's `jax.lax.linalg`).

All work on the last two axes of their operands and map over leading batch axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of
from pullback_ir.primitives import factorizations as fz

__all__ = [
    "cholesky",
    "column_phases",
    "diagonal",
    "diagonal_mask",
    "diagonal_part",
    "eigh",
    "lu",
    "lu_pivots_to_permutation",
    "matrix_transpose",
    "tri_mask",
    "triangular_solve",
]

ArrayLike = Any


def tri_mask(x: ArrayLike, k: int = 0, lower: bool = True) -> Any:
    """A boolean mask of `x`'s shape, true on and below (above, if not `lower`) diagonal `k`."""
    shape = aval_of(x).shape
    nd = len(shape)
    rows = lax.broadcasted_iota(np.int32, shape, nd - 2)
    cols = lax.broadcasted_iota(np.int32, shape, nd - 1)
    offset = lax.add(rows, np.asarray(k, np.int32))
    return lax.ge(offset, cols) if lower else lax.le(offset, cols)


def _keep(x: ArrayLike, mask: ArrayLike) -> Any:
    zero = lax.broadcast_in_dim(np.asarray(0, aval_of(x).dtype), aval_of(x).shape, ())
    return lax.select(mask, x, zero)


def tril(x: ArrayLike, k: int = 0) -> Any:
    """`x` with the entries above diagonal `k` zeroed (on the last two axes)."""
    return _keep(x, tri_mask(x, k, True))


def triu(x: ArrayLike, k: int = 0) -> Any:
    """`x` with the entries below diagonal `k` zeroed (on the last two axes)."""
    return _keep(x, tri_mask(x, k, False))


def matrix_transpose(x: ArrayLike, conjugate: bool = False) -> Any:
    """`x` with its last two axes swapped (and conjugated if asked and complex)."""
    nd = len(aval_of(x).shape)
    perm = (*range(nd - 2), nd - 1, nd - 2)
    out = lax.transpose(x, perm)
    if conjugate and dtypes.is_complex(aval_of(x).dtype):
        out = lax.conj(out)
    return out


def cholesky(x: ArrayLike, symmetrize_input: bool = True) -> Any:
    """The lower Cholesky factor L of Hermitian positive-definite `x` (x = L @ L^H).

    With `symmetrize_input`, `x` is first replaced by (x + x^H) / 2, so that its derivative
    is the symmetric one; otherwise only the lower triangle of `x` is read. A matrix that is
    not positive definite gives NaNs.
    """
    if symmetrize_input:
        x = lax.div(lax.add(x, matrix_transpose(x, True)), np.asarray(2, aval_of(x).dtype))
    return fz.cholesky_p.bind(x)[0]


def triangular_solve(
    a: ArrayLike,
    b: ArrayLike,
    left_side: bool = False,
    lower: bool = False,
    transpose_a: bool = False,
    conjugate_a: bool = False,
    unit_diagonal: bool = False,
) -> Any:
    """Solve op(a) @ x = b (`left_side`) or x @ op(a) = b for triangular `a`.

    Only `a`'s lower (`lower`) or upper triangle is read; op conjugates and/or transposes it.
    A `b` with one axis fewer than `a` is a vector (left side only).
    """
    a_nd = len(aval_of(a).shape)
    vector = len(aval_of(b).shape) == a_nd - 1
    if vector:
        if not left_side:
            raise ValueError("triangular_solve: a vector b needs left_side=True")
        b = lax.expand_dims(b, (a_nd - 1,))
    x = fz.triangular_solve_p.bind(
        a, b, left_side=bool(left_side), lower=bool(lower), transpose_a=bool(transpose_a),
        conjugate_a=bool(conjugate_a), unit_diagonal=bool(unit_diagonal),
    )[0]  # fmt: skip
    return lax.squeeze(x, (a_nd - 1,)) if vector else x


def lu_pivots_to_permutation(pivots: ArrayLike, permutation_size: int) -> Any:
    """The row permutation that the swaps `pivots` (row i with row pivots[i], in order) make."""
    shape = aval_of(pivots).shape
    k = shape[-1]
    batch = shape[:-1]
    full = (*batch, permutation_size)
    batch_dims = tuple(range(len(batch)))
    axis = len(batch)
    iota = lax.broadcasted_iota(np.int32, full, axis)
    if k == 0:
        return iota
    if not batch:
        # One permutation: each swap reads and writes two elements (dynamic slices), where
        # the batched form below touches the whole permutation twice per step.
        def swap1(i: Any, perm: Any) -> Any:
            p = lax.dynamic_index_in_dim(pivots, i, 0)
            x_i = lax.dynamic_index_in_dim(perm, i, 0)
            x_p = lax.dynamic_slice(perm, [lax.squeeze(p, (0,))], [1])
            perm = lax.dynamic_update_slice(perm, x_p, [i])
            return lax.dynamic_update_slice(perm, x_i, [lax.squeeze(p, (0,))])

        return lax.fori_loop(0, k, swap1, iota)

    def swap(i: Any, perm: Any) -> Any:  # perm[i] <-> perm[pivots[i]], for every batch entry
        p = lax.dynamic_index_in_dim(pivots, i, axis, keepdims=False)
        is_p = lax.eq(iota, lax.broadcast_in_dim(p, full, batch_dims))
        is_i = lax.eq(iota, lax.broadcast_in_dim(lax.convert_element_type(i, np.int32), full, ()))
        zeros = lax.full_like(perm, 0)
        at_p = lax.broadcast_in_dim(lax.reduce_sum(lax.select(is_p, perm, zeros), (axis,)), full,
                                    batch_dims)  # fmt: skip
        at_i = lax.broadcast_in_dim(lax.reduce_sum(lax.select(is_i, perm, zeros), (axis,)), full,
                                    batch_dims)  # fmt: skip
        return lax.select(is_i, at_p, lax.select(is_p, at_i, perm))

    perm = lax.fori_loop(0, k, swap, iota)
    return perm


def lu(x: ArrayLike) -> tuple[Any, Any, Any]:
    """LU factorization with partial pivoting: (lu, pivots, permutation).

    `lu` holds L below its diagonal (unit diagonal implied) and U on and above it; `pivots`
    are the zero-based row swaps and `permutation` the resulting row order, so that
    x[..., permutation, :] = L @ U.
    """
    lu_, pivots = fz.lu_p.bind(x)
    return lu_, pivots, lu_pivots_to_permutation(pivots, aval_of(x).shape[-2])


def diagonal_mask(x: ArrayLike) -> Any:
    """A boolean mask of `x`'s shape, true on the main diagonal of the last two axes."""
    return lax.eq(tri_mask(x, 0, True), tri_mask(x, 0, False))


def diagonal_part(x: ArrayLike) -> Any:
    """`x` with everything off the main diagonal of the last two axes zeroed."""
    return _keep(x, diagonal_mask(x))


def diagonal(x: ArrayLike) -> Any:
    """The main diagonals of the last two axes of square `x`: shape (..., n)."""
    return lax.reduce_sum(diagonal_part(x), (len(aval_of(x).shape) - 1,))


def column_phases(v: ArrayLike) -> Any:
    """The unit-modulus factor of each column's largest entry (the first one): (..., n)."""
    shape = aval_of(v).shape
    nd = len(shape)
    dt = aval_of(v).dtype
    k = lax.argmax(lax.abs(v), nd - 2, np.int32)
    rows = lax.broadcasted_iota(np.int32, shape, nd - 2)
    at_k = lax.eq(rows, lax.broadcast_in_dim(k, shape, (*range(nd - 2), nd - 1)))
    pick = lax.reduce_sum(_keep(v, at_k), (nd - 2,))
    size = lax.abs(pick)
    zero = lax.eq(size, np.asarray(0, aval_of(size).dtype))
    one = lax.full_like(pick, 1)
    safe = lax.convert_element_type(lax.select(zero, lax.full_like(size, 1), size), dt)
    return lax.select(zero, one, lax.div(pick, safe))


def normalize_phases(u: ArrayLike, vt: ArrayLike | None = None) -> tuple[Any, Any]:
    """`u`'s columns divided by their phases (see `column_phases`).

    The first min(m, n) rows of `vt` (the V^H of an SVD) are multiplied by them, so that
    U diag(s) V^H is unchanged.
    """
    shape = aval_of(u).shape
    nd = len(shape)
    phase = column_phases(u)
    u = lax.div(u, lax.broadcast_in_dim(phase, shape, (*range(nd - 2), nd - 1)))
    if vt is not None:
        vshape = aval_of(vt).shape
        k = min(shape[-2], vshape[-1])
        head = lax.slice_in_dim(vt, 0, k, 1, nd - 2)
        p_k = lax.slice_in_dim(phase, 0, k, 1, nd - 2)
        head = lax.mul(head, lax.broadcast_in_dim(p_k, aval_of(head).shape, tuple(range(nd - 1))))
        if k < vshape[-2]:
            head = lax.concatenate([head, lax.slice_in_dim(vt, k, vshape[-2], 1, nd - 2)], nd - 2)
        vt = head
    return u, vt


def eigh(x: ArrayLike, lower: bool = True, symmetrize_input: bool = True) -> tuple[Any, Any]:
    """(v, w): eigenvectors (columns) and ascending eigenvalues of Hermitian `x`.

    With `symmetrize_input`, `x` is first replaced by (x + x^H) / 2; otherwise only its
    `lower` (or upper) triangle is read. Each eigenvector's largest entry is real positive.
    """
    if symmetrize_input:
        x = lax.div(lax.add(x, matrix_transpose(x, True)), np.asarray(2, aval_of(x).dtype))
    v, w = fz.eigh_p.bind(x, lower=bool(lower))
    return v, w


def svd(x: ArrayLike, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """The singular value decomposition: (u, s, vh) with x = u diag(s) vh, or s alone.

    s is descending; u has min(m, n) columns and vh min(m, n) rows unless `full_matrices`.
    Each left singular vector's largest entry is real positive.
    """
    outs = fz.svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    if not compute_uv:
        return outs[0]
    s, u, vt = outs
    return u, s, vt


def qr(x: ArrayLike, full_matrices: bool = True) -> tuple[Any, Any]:
    """(q, r) with x = q @ r and upper-triangular r.

    q has orthonormal columns: m of them (square) if `full_matrices`, else min(m, n).
    """
    q, r = fz.qr_p.bind(x, full_matrices=bool(full_matrices))
    return q, r
