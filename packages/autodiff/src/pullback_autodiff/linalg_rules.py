"""JVP and transpose rules of the factorization primitives and of `fft`.

The rules are written with the primitives themselves (triangular solves and batched products),
so derivatives of any order follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax, lax_linalg as la
from pullback_ir.avals import aval_of
from pullback_ir.primitives import factorizations as fz, fft as fft_mod

from pullback_autodiff.core import Zero, add_tangents, instantiate, jvp_rules, tangent_aval
from pullback_autodiff.transpose import is_undefined, transpose_rules


def _mm(a: Any, b: Any) -> Any:
    """Batched matrix product over the last two axes."""
    nd = len(aval_of(a).shape)
    batch = tuple(range(nd - 2))
    return lax.dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _hermitian_part(da: Any, lower: bool) -> Any:
    """The Hermitian matrix of one triangle of `da` (its diagonal's imaginary part ignored)."""
    strict = la.tril(da, -1) if lower else la.triu(da, 1)
    diag = la.diagonal_part(da)
    if dtypes.is_complex(aval_of(da).dtype):
        diag = lax.convert_element_type(lax.real(diag), aval_of(da).dtype)
    return lax.add(lax.add(strict, la.matrix_transpose(strict, conjugate=True)), diag)


def _scale(x: Any, value: float) -> Any:
    return lax.mul(x, np.asarray(value, aval_of(x).dtype))


# --- cholesky --------------------------------------------------------------------------------


def _cholesky_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    (a,), (da,) = primals, tangents
    (factor,) = fz.cholesky_p.bind(a)
    if isinstance(da, Zero):
        return [factor], [Zero(tangent_aval(aval_of(factor)))]
    # The primitive factors the Hermitian matrix of a's lower triangle: so does its tangent.
    da_h = _hermitian_part(da, lower=True)
    # dL = L Phi(L^-1 dA L^-H), Phi keeping the lower triangle with half the diagonal.
    y = la.triangular_solve(factor, da_h, left_side=True, lower=True)
    z = la.triangular_solve(factor, y, left_side=False, lower=True, transpose_a=True,
                            conjugate_a=True)  # fmt: skip
    phi = lax.select(la.diagonal_mask(z), _scale(z, 0.5), la.tril(z, -1))
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
    eye = lax.convert_element_type(la.diagonal_mask(lu), aval_of(lu).dtype)
    l_mat = lax.add(la.tril(lu, -1), eye)
    dl = _mm(l_mat, la.tril(x, -1))
    du = _mm(la.triu(x), la.triu(lu))
    return [lu, pivots], [lax.add(dl, du), zero_piv]


jvp_rules[fz.lu_p] = _lu_jvp


# --- eigh and svd -----------------------------------------------------------------------------


def _off_diagonal_inverse(d: Any) -> Any:
    """1 / d off the diagonal, 0 on it (d: a batch of square matrices)."""
    diag = la.diagonal_mask(d)
    one = lax.full_like(d, 1)
    return lax.select(diag, lax.full_like(d, 0), lax.div(one, lax.select(diag, one, d)))


def _rows_cols(x: Any) -> tuple[Any, Any]:
    """x[..., :, None] and x[..., None, :] broadcast to (..., n, n)."""
    shape = aval_of(x).shape
    full = (*shape, shape[-1])
    nd = len(shape)
    col = lax.broadcast_in_dim(x, full, (*range(nd - 1), nd - 1))
    row = lax.broadcast_in_dim(x, full, (*range(nd - 1), nd))
    return col, row


def _as(x: Any, like: Any) -> Any:
    return lax.convert_element_type(x, aval_of(like).dtype)


def _eigh_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, lower: bool) -> Any:
    (a,), (da,) = primals, tangents
    v, w = fz.eigh_p.bind(a, lower=lower)
    if isinstance(da, Zero):
        return [v, w], [Zero(tangent_aval(aval_of(v))), Zero(tangent_aval(aval_of(w)))]
    da = instantiate(da)
    # The primitive reads one triangle: the tangent is that triangle's Hermitian matrix.
    da_h = _hermitian_part(da, lower)
    # M = V^H dA V;  dw = diag(M);  dV = V (F o M), F_ij = 1 / (w_j - w_i) off the diagonal.
    m = _mm(_mm(la.matrix_transpose(v, conjugate=True), da_h), v)
    dw = la.diagonal(m)
    if dtypes.is_complex(aval_of(dw).dtype):
        dw = lax.real(dw)
    w_i, w_j = _rows_cols(w)
    f = _off_diagonal_inverse(lax.sub(w_j, w_i))
    dv = _mm(v, lax.mul(_as(f, m), m))
    return [v, w], [dv, dw]


jvp_rules[fz.eigh_p] = _eigh_jvp


def _svd_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, full_matrices: bool,
             compute_uv: bool) -> Any:  # fmt: skip
    (a,), (da,) = primals, tangents
    outs = fz.svd_p.bind(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if isinstance(da, Zero):
        return outs, [Zero(tangent_aval(aval_of(o))) for o in outs]
    shape = aval_of(a).shape
    m, n = shape[-2], shape[-1]
    if dtypes.is_complex(aval_of(a).dtype):
        raise NotImplementedError("the derivative of svd is implemented for real matrices")
    if compute_uv and full_matrices and m != n:
        raise NotImplementedError(
            f"the derivative of svd with full_matrices=True needs a square matrix, got {shape}"
        )
    s, u, vt = fz.svd_p.bind(a, full_matrices=False, compute_uv=True)
    da = instantiate(da)
    v = la.matrix_transpose(vt)
    dp = _mm(_mm(la.matrix_transpose(u), da), v)  # U^T dA V, (k, k)
    ds = la.diagonal(dp)
    if not compute_uv:
        return outs, [ds]
    s_i, s_j = _rows_cols(s)
    f = _off_diagonal_inverse(lax.sub(lax.mul(s_j, s_j), lax.mul(s_i, s_i)))
    dpt = la.matrix_transpose(dp)
    du = _mm(u, lax.mul(f, lax.add(lax.mul(dp, s_j), lax.mul(s_i, dpt))))
    dv = _mm(v, lax.mul(f, lax.add(lax.mul(s_i, dp), lax.mul(dpt, s_j))))
    k = min(m, n)
    nd = len(shape)

    def per_column(x: Any) -> Any:  # x / s, column by column
        return lax.div(x, lax.broadcast_in_dim(s, aval_of(x).shape, (*range(nd - 2), nd - 1)))

    # The parts of dA V outside span(U) and of dA^T U outside span(V), scaled by 1/s.
    if m > k:
        du = lax.add(du, per_column(lax.sub(_mm(da, v), _mm(u, dp))))
    if n > k:
        dv = lax.add(dv, per_column(lax.sub(_mm(la.matrix_transpose(da), u), _mm(v, dpt))))
    return outs, [ds, du, la.matrix_transpose(dv)]


jvp_rules[fz.svd_p] = _svd_jvp


# --- qr ---------------------------------------------------------------------------------------


def _qr_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, full_matrices: bool) -> Any:
    (a,), (da,) = primals, tangents
    q, r = fz.qr_p.bind(a, full_matrices=full_matrices)
    if isinstance(da, Zero):
        return [q, r], [Zero(tangent_aval(aval_of(q))), Zero(tangent_aval(aval_of(r)))]
    shape = aval_of(a).shape
    m, n = shape[-2], shape[-1]
    if m < n or (full_matrices and m > n):
        raise NotImplementedError(
            "the derivative of qr is implemented for m >= n, with full_matrices=False unless "
            f"the matrix is square; got shape {shape} and full_matrices={full_matrices}"
        )
    # dA = dQ R + Q dR. With X = dA R^-1 and C = Q^H X, the skew-Hermitian
    # Omega = tril(C, -1) - tril(C, -1)^H + i Im(diag C) gives dQ = Q (Omega - C) + X and
    # dR = (C - Omega) R.
    x = la.triangular_solve(r, instantiate(da), left_side=False, lower=False)
    c = _mm(la.matrix_transpose(q, conjugate=True), x)
    low = la.tril(c, -1)
    omega = lax.sub(low, la.matrix_transpose(low, conjugate=True))
    if dtypes.is_complex(aval_of(c).dtype):
        diag = la.diagonal_part(c)
        imag = lax.sub(diag, lax.convert_element_type(lax.real(diag), aval_of(c).dtype))
        omega = lax.add(omega, imag)
    dq = lax.add(_mm(q, lax.sub(omega, c)), x)
    dr = _mm(lax.sub(c, omega), r)
    return [q, r], [dq, dr]


jvp_rules[fz.qr_p] = _qr_jvp


# --- fft ----------------------------------------------------------------------------------------


def _fft(x: Any, fft_type: str, fft_lengths: tuple[int, ...]) -> Any:
    return fft_mod.fft_p.bind(x, fft_type=fft_type, fft_lengths=fft_lengths)[0]


def _fft_t(cts: Sequence[Any], x: Any, *, fft_type: str,
           fft_lengths: tuple[int, ...]) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    if isinstance(ct, Zero):
        return [Zero(x.aval)]
    if fft_type in ("FFT", "IFFT"):
        # The DFT matrix and its inverse are symmetric: each transposes to itself.
        return [_fft(ct, fft_type, fft_lengths)]
    nd = len(aval_of(ct).shape)
    n = fft_lengths[-1]
    if fft_type == "RFFT":
        # RFFT = (keep the first n // 2 + 1 frequencies) o FFT o (real -> complex): transposed,
        # pad with zeros, FFT, take the real part.
        m = aval_of(ct).shape[-1]
        zero = np.asarray(0, aval_of(ct).dtype)
        padded = lax.pad(ct, zero, [(0, 0, 0)] * (nd - 1) + [(0, n - m, 0)])
        return [lax.real(_fft(padded, "FFT", fft_lengths))]
    # IRFFT: the RFFT of the cotangent over N, the frequencies that stand for a conjugate pair
    # (all but the zero and, for even n, the Nyquist one) counted twice, conjugated (the
    # convention for a real-valued function of complex inputs).
    freq = _fft(ct, "RFFT", fft_lengths)
    m = aval_of(freq).shape[-1]
    k = lax.broadcasted_iota(np.int32, aval_of(freq).shape, nd - 1)
    single = lax.eq(k, np.asarray(0, np.int32))
    if n % 2 == 0:
        single = lax.bitwise_or(single, lax.eq(k, np.asarray(m - 1, np.int32)))
    rdt = np.real(np.zeros((), aval_of(freq).dtype)).dtype
    weight = lax.select(single, lax.full(aval_of(freq).shape, 1.0, rdt),
                        lax.full(aval_of(freq).shape, 2.0, rdt))  # fmt: skip
    weight = lax.div(weight, np.asarray(float(np.prod(fft_lengths)), rdt))
    return [lax.conj(lax.mul(freq, lax.convert_element_type(weight, aval_of(freq).dtype)))]


def _fft_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    (x,), (dx,) = primals, tangents
    out = fft_mod.fft_p.bind(x, **params)
    if isinstance(dx, Zero):
        return out, [Zero(tangent_aval(aval_of(out[0])))]
    return out, fft_mod.fft_p.bind(instantiate(dx), **params)


jvp_rules[fft_mod.fft_p] = _fft_jvp
transpose_rules[fft_mod.fft_p] = _fft_t
