"""JVP and transpose rules of the factorization primitives (cholesky, triangular_solve, lu).

The rules are written with the primitives themselves (triangular solves and batched products),
so derivatives of any order follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax, lax_linalg as la
from pullback_ir.avals import aval_of
from pullback_ir.primitives import factorizations as fz

from pullback_autodiff.core import Zero, add_tangents, instantiate, jvp_rules, tangent_aval
from pullback_autodiff.transpose import is_undefined, transpose_rules


def _mm(a: Any, b: Any) -> Any:
    """Batched matrix product over the last two axes."""
    nd = len(aval_of(a).shape)
    batch = tuple(range(nd - 2))
    return lax.dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _diagonal_mask(x: Any) -> Any:
    return lax.eq(la.tri_mask(x, 0, True), la.tri_mask(x, 0, False))


def _scale(x: Any, value: float) -> Any:
    return lax.mul(x, np.asarray(value, aval_of(x).dtype))


# --- cholesky --------------------------------------------------------------------------------


def _cholesky_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    (a,), (da,) = primals, tangents
    (factor,) = fz.cholesky_p.bind(a)
    if isinstance(da, Zero):
        return [factor], [Zero(tangent_aval(aval_of(factor)))]
    # The primitive factors the Hermitian matrix of a's lower triangle: so does its tangent.
    da_h = lax.add(la.tril(da), la.matrix_transpose(la.tril(da, -1), conjugate=True))
    # dL = L Phi(L^-1 dA L^-H), Phi keeping the lower triangle with half the diagonal.
    y = la.triangular_solve(factor, da_h, left_side=True, lower=True)
    z = la.triangular_solve(factor, y, left_side=False, lower=True, transpose_a=True,
                            conjugate_a=True)  # fmt: skip
    phi = lax.select(_diagonal_mask(z), _scale(z, 0.5), la.tril(z, -1))
    return [factor], [_mm(factor, phi)]


jvp_rules[fz.cholesky_p] = _cholesky_jvp


# --- triangular_solve ------------------------------------------------------------------------


def _op_a(a: Any, *, lower: bool, transpose_a: bool, conjugate_a: bool,
          unit_diagonal: bool) -> Any:  # fmt: skip
    """The matrix a triangular solve applies, from the entries it reads."""
    t = la.tril(a, -1 if unit_diagonal else 0) if lower else la.triu(a, 1 if unit_diagonal else 0)
    if conjugate_a and dtypes.is_complex(aval_of(t).dtype):
        t = lax.conj(t)
    return la.matrix_transpose(t) if transpose_a else t


def _triangular_solve_jvp(primals: Sequence[Any], tangents: Sequence[Any],
                          **params: Any) -> Any:  # fmt: skip
    a, b = primals
    da, db = tangents
    (x,) = fz.triangular_solve_p.bind(a, b, **params)
    out: Any = Zero(tangent_aval(aval_of(x)))
    if not isinstance(db, Zero):
        out = fz.triangular_solve_p.bind(a, instantiate(db), **params)[0]
    if not isinstance(da, Zero):
        # op(a) x = b  =>  op(a) dx = -op(da) x  (x op(a) = b  =>  dx op(a) = -x op(da)).
        left = params["left_side"]
        d_op = _op_a(instantiate(da), **{k: v for k, v in params.items() if k != "left_side"})
        rhs = _mm(d_op, x) if left else _mm(x, d_op)
        out = add_tangents(out, lax.neg(fz.triangular_solve_p.bind(a, rhs, **params)[0]))
    return [x], [out]


def _triangular_solve_t(cts: Sequence[Any], a: Any, b: Any, *, transpose_a: bool,
                        **params: Any) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    if is_undefined(a):
        raise TypeError("transpose of triangular_solve: a is linear (the function is not linear)")
    if isinstance(ct, Zero):
        return [None, Zero(b.aval)]
    # x = op(a)^-1 b is linear in b; its transpose applies op(a)^-T (the transpose flag flips).
    ct_b = fz.triangular_solve_p.bind(a, ct, transpose_a=not transpose_a, **params)[0]
    return [None, ct_b]


jvp_rules[fz.triangular_solve_p] = _triangular_solve_jvp
transpose_rules[fz.triangular_solve_p] = _triangular_solve_t


# --- lu ----------------------------------------------------------------------------------------


def _lu_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    (a,), (da,) = primals, tangents
    lu, pivots = fz.lu_p.bind(a)
    zero_piv = Zero(tangent_aval(aval_of(pivots)))
    if isinstance(da, Zero):
        return [lu, pivots], [Zero(tangent_aval(aval_of(lu))), zero_piv]
    shape = aval_of(a).shape
    m, n = shape[-2], shape[-1]
    if m != n:
        raise NotImplementedError(
            f"the derivative of lu is implemented for square matrices, got shape {shape}"
        )
    # P a = L U  =>  L^-1 (P da) U^-1 = X,  dL = L tril(X, -1),  dU = triu(X) U.
    perm = la.lu_pivots_to_permutation(pivots, m)
    cols = lax.broadcasted_iota(np.int32, (*shape[:-2], m, m), len(shape) - 1)
    rows_of = lax.broadcast_in_dim(perm, (*shape[:-2], m, m), tuple(range(len(shape) - 1)))
    p = lax.convert_element_type(lax.eq(rows_of, cols), aval_of(a).dtype)
    pda = _mm(p, instantiate(da))
    y = la.triangular_solve(lu, pda, left_side=True, lower=True, unit_diagonal=True)
    x = la.triangular_solve(lu, y, left_side=False, lower=False)
    eye = lax.convert_element_type(_diagonal_mask(lu), aval_of(lu).dtype)
    l_mat = lax.add(la.tril(lu, -1), eye)
    dl = _mm(l_mat, la.tril(x, -1))
    du = _mm(la.triu(x), la.triu(lu))
    return [lu, pivots], [lax.add(dl, du), zero_piv]


jvp_rules[fz.lu_p] = _lu_jvp
