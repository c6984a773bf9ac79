"""`pullback.scipy.linalg`: SciPy's dense linear algebra (JAX's `jax.scipy.linalg`).

Factor once, solve many times: `cho_factor`/`cho_solve` and `lu_factor`/`lu_solve`; triangular
systems with `solve_triangular`. Everything maps over leading batch axes and differentiates.
The `overwrite_*` and `check_finite` flags are accepted for compatibility (arrays are immutable
and never checked).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import lax, lax_linalg
from pullback_ir.avals import aval_of

from pullback_api import numpy as _jnp_module
from pullback_api.numpy import linalg as _nl
from pullback_api.numpy._core import asarray_arg, export

jnp: Any = _jnp_module  # (its elementwise functions are made at import: typed as Any)

__all__ = ["cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm", "inv", "lu",
           "lu_factor", "lu_solve", "qr", "solve", "solve_triangular", "svd"]  # fmt: skip

det = _nl.det


@export
def inv(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> Any:
    """The inverse of square `a`."""
    return _nl.inv(a)


@export
def cholesky(a: Any, lower: bool = False, overwrite_a: bool = False,
             check_finite: bool = True) -> Any:  # fmt: skip
    """The Cholesky factor of Hermitian positive-definite `a`.

    Upper U with a = U^H @ U by default (SciPy's convention), lower L with a = L @ L^H if
    `lower`.
    """
    return _nl.cholesky(a, upper=not lower)


def cho_factor(a: Any, lower: bool = False, overwrite_a: bool = False,
               check_finite: bool = True) -> tuple[Any, bool]:  # fmt: skip
    """(c, lower): the Cholesky factor of `a` for `cho_solve`."""
    return cholesky(a, lower=lower), lower


def _as_columns(b: Any, n: int, name: str) -> tuple[Any, bool]:
    vector = len(aval_of(b).shape) == 1
    if vector:
        b = lax.expand_dims(b, (1,))
    if aval_of(b).shape[-2] != n:
        raise ValueError(f"{name}: b must have {n} rows, got shape {aval_of(b).shape}")
    return b, vector


def _done(x: Any, vector: bool) -> Any:
    return lax.squeeze(x, (len(aval_of(x).shape) - 1,)) if vector else x


@export
def cho_solve(c_and_lower: tuple[Any, bool], b: Any, overwrite_b: bool = False,
              check_finite: bool = True) -> Any:  # fmt: skip
    """Solve a @ x = b given `cho_factor(a)`."""
    c, lower = c_and_lower
    c = _nl.as_matrix("cho_solve", c, "c")
    c, b = _nl._common(c, asarray_arg(b, "cho_solve"))
    b, vector = _as_columns(b, aval_of(c).shape[-1], "cho_solve")
    c, b = _nl._broadcast_batch(c, b)
    # a = L L^H (lower) or U^H U: two triangular solves.
    y = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                                    conjugate_a=not lower)  # fmt: skip
    x = lax_linalg.triangular_solve(c, y, left_side=True, lower=lower, transpose_a=lower,
                                    conjugate_a=lower)  # fmt: skip
    return _done(x, vector)


_TRANS = {0: (False, False), "N": (False, False), 1: (True, False), "T": (True, False),
          2: (True, True), "C": (True, True)}  # fmt: skip


@export
def solve_triangular(a: Any, b: Any, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, overwrite_b: bool = False, debug: Any = None,
                     check_finite: bool = True) -> Any:  # fmt: skip
    """Solve op(a) @ x = b for triangular `a` (op: `trans` 0/'N', 1/'T' or 2/'C')."""
    if trans not in _TRANS:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    transpose, conjugate = _TRANS[trans]
    a = _nl.as_matrix("solve_triangular", a)
    a, b = _nl._common(a, asarray_arg(b, "solve_triangular"))
    b, vector = _as_columns(b, aval_of(a).shape[-1], "solve_triangular")
    a, b = _nl._broadcast_batch(a, b)
    x = lax_linalg.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose,
                                    conjugate_a=conjugate, unit_diagonal=unit_diagonal)  # fmt: skip
    return _done(x, vector)


def lu_factor(a: Any, overwrite_a: bool = False, check_finite: bool = True) -> tuple[Any, Any]:
    """(lu, piv): the packed LU factorization and zero-based pivots, for `lu_solve`."""
    a = _nl.as_matrix("lu_factor", a, square=False)
    lu_, pivots, _ = lax_linalg.lu(a)
    return lu_, pivots


@export
def lu_solve(lu_and_piv: tuple[Any, Any], b: Any, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True) -> Any:  # fmt: skip
    """Solve a @ x = b (trans 0), a^T x = b (1) or a^H x = b (2) given `lu_factor(a)`."""
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    lu_, pivots = lu_and_piv
    lu_ = _nl.as_matrix("lu_solve", lu_, "lu")
    n = aval_of(lu_).shape[-1]
    perm = lax_linalg.lu_pivots_to_permutation(pivots, n)
    lu_, b = _nl._common(lu_, asarray_arg(b, "lu_solve"))
    b, vector = _as_columns(b, n, "lu_solve")
    return _done(_nl.lu_solve_matrix(lu_, perm, b, trans), vector)


@export
def lu(a: Any, permute_l: bool = False, overwrite_a: bool = False,
       check_finite: bool = True) -> Any:  # fmt: skip
    """(p, l, u) with a = p @ l @ u, or (p @ l, u) if `permute_l`.

    For an (m, n) matrix with k = min(m, n): p is (m, m), l (m, k) unit lower triangular and
    u (k, n) upper triangular.
    """
    a = _nl.as_matrix("lu", a, square=False)
    lu_, _, perm = lax_linalg.lu(a)
    shape = aval_of(a).shape
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    dt = aval_of(a).dtype
    low = jnp.tril(lu_[..., :, :k], -1) + jnp.eye(m, k, dtype=dt)
    up = jnp.triu(lu_[..., :k, :])
    # Row i of a @ ... is row perm[i] of L U: p has ones at (perm[i], i).
    rows = jnp.arange(m, dtype=np.int32)
    p = jnp.asarray(rows[:, None] == perm[..., None, :], dt)
    return (jnp.matmul(p, low), up) if permute_l else (p, low, up)


@export
def solve(a: Any, b: Any, lower: bool = False, overwrite_a: bool = False,
          overwrite_b: bool = False, debug: Any = None, check_finite: bool = True,
          assume_a: str = "gen") -> Any:  # fmt: skip
    """Solve a @ x = b.

    `assume_a` "pos" (positive definite) uses a Cholesky factorization of the `lower` (or
    upper) triangle; "gen", "sym" and "her" use the LU factorization.
    """
    if assume_a not in ("gen", "general", "sym", "symmetric", "her", "hermitian", "pos",
                        "positive definite"):  # fmt: skip
        raise ValueError(f"solve: unknown assume_a {assume_a!r}")
    if assume_a in ("pos", "positive definite"):
        a = _nl.as_matrix("solve", a)
        low = a if lower else lax_linalg.matrix_transpose(a, conjugate=True)
        factor = lax_linalg.cholesky(low, symmetrize_input=False)
        return cho_solve((factor, True), b)
    return _nl.solve(a, b)


def eigh(a: Any, b: Any = None, *, lower: bool = True, eigvals_only: bool = False,
         overwrite_a: bool = False, overwrite_b: bool = False, type: int = 1,
         check_finite: bool = True, subset_by_index: Any = None, subset_by_value: Any = None,
         driver: Any = None) -> Any:  # fmt: skip
    """Eigenvalues (ascending) and eigenvectors of Hermitian `a`: (w, v), or w alone.

    With `b` (Hermitian positive definite) it solves the generalized problem a v = w b v
    (`type` 1), through the Cholesky factor of `b`; the eigenvectors are then b-orthonormal.
    """
    if subset_by_index is not None or subset_by_value is not None:
        raise NotImplementedError("eigh: subset_by_index and subset_by_value are not supported")
    if type != 1:
        raise NotImplementedError(
            f"eigh: only type=1 generalized problems are supported, got {type}"
        )
    a = _nl.as_matrix("eigh", a)
    if b is None:
        v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=False)
    else:
        b = _nl.as_matrix("eigh", b, "b")
        a, b = _nl._common(a, b)
        low_b = b if lower else lax_linalg.matrix_transpose(b, True)
        factor = lax_linalg.cholesky(low_b, symmetrize_input=False)
        # L^-1 A L^-H is Hermitian with the same eigenvalues; v = L^-H y.
        low_a = a if lower else lax_linalg.matrix_transpose(a, True)
        full_a = jnp.tril(low_a) + lax_linalg.matrix_transpose(jnp.tril(low_a, -1), True)
        y = lax_linalg.triangular_solve(factor, full_a, left_side=True, lower=True)
        c = lax_linalg.triangular_solve(factor, y, left_side=False, lower=True, transpose_a=True,
                                        conjugate_a=True)  # fmt: skip
        vy, w = lax_linalg.eigh(c, lower=True, symmetrize_input=True)
        v = lax_linalg.triangular_solve(factor, vy, left_side=True, lower=True, transpose_a=True,
                                        conjugate_a=True)  # fmt: skip
    out = (jnp.asarray(w), jnp.asarray(v))
    return out[0] if eigvals_only else out


@export
def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd") -> Any:  # fmt: skip
    """The singular value decomposition (U, s, Vh), or s alone.

    a = U[..., :k] diag(s) Vh[..., :k, :] with k = min(m, n).
    """
    if lapack_driver not in ("gesdd", "gesvd"):
        raise ValueError(f"svd: lapack_driver must be 'gesdd' or 'gesvd', got {lapack_driver!r}")
    out = _nl.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return out if not compute_uv else tuple(out)


def qr(a: Any, overwrite_a: bool = False, lwork: Any = None, mode: str = "full",
       pivoting: bool = False, check_finite: bool = True) -> Any:  # fmt: skip
    """The QR factorization (SciPy's modes): "full" (square Q), "economic", "r" (R alone)."""
    if pivoting:
        raise NotImplementedError("qr: pivoting is not supported")
    if mode not in ("full", "economic", "r", "raw"):
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r}")
    if mode == "raw":
        raise NotImplementedError("qr: mode='raw' is not supported")
    out = _nl.qr(a, "complete" if mode == "full" else "reduced" if mode == "economic" else "r")
    return (out,) if mode == "r" else tuple(out)


# Pade coefficients of order 13 and the norm bound below which it is accurate in float64
# (Higham, "The scaling and squaring method for the matrix exponential revisited", 2005).
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)  # fmt: skip
_THETA13 = 5.371920351148152
_MAX_SQUARINGS = 40


@export
def expm(A: Any, *, upper_triangular: bool = False, max_squarings: int = 16) -> Any:
    """The matrix exponential of square `A` (batched over leading axes).

    Scaling and squaring with the order-13 Pade approximant: A is scaled by 2^-s so that its
    1-norm is at most 5.37, exp of that comes from the approximant, and s squarings undo the
    scaling. The squarings are a fixed-length scan with s traced, so every transformation
    (reverse mode included) applies; at most `max_squarings` are applied.
    """
    del upper_triangular  # the general algorithm serves triangular matrices too
    a = _nl.as_matrix("expm", A)
    dt = aval_of(a).dtype
    n = aval_of(a).shape[-1]
    steps = min(int(max_squarings), _MAX_SQUARINGS)
    norm = jnp.max(jnp.sum(jnp.abs(a), axis=-2), axis=-1)  # the 1-norm, per matrix
    rdt = aval_of(norm).dtype
    s = jnp.clip(jnp.ceil(jnp.log2(jnp.maximum(norm, 1e-30) / _THETA13)), 0, steps)
    scale = jnp.asarray(jnp.exp2(-s), dt)[..., None, None]
    x = a * scale
    eye = jnp.broadcast_to(jnp.eye(n, dtype=dt), aval_of(a).shape)
    b = [jnp.asarray(c, dt) for c in _PADE13]
    x2 = jnp.matmul(x, x)
    x4 = jnp.matmul(x2, x2)
    x6 = jnp.matmul(x4, x2)
    inner_u = jnp.matmul(x6, b[13] * x6 + b[11] * x4 + b[9] * x2)
    u = jnp.matmul(x, inner_u + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    inner_v = jnp.matmul(x6, b[12] * x6 + b[10] * x4 + b[8] * x2)
    v = inner_v + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = _nl.solve(v - u, v + u)

    def square(carry: Any, i: Any) -> tuple[Any, None]:
        again = jnp.asarray(i, rdt) < s
        return jnp.where(again[..., None, None], jnp.matmul(carry, carry), carry), None

    r, _ = lax.scan(square, r, jnp.arange(steps))
    return r
