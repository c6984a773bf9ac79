"""`pullback.numpy.linalg`: norms, factorizations, solves, inverses and determinants.

The dense solvers run on LAPACK (through the factorization primitives of `pullback_ir`) and
map over leading batch axes; all are differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes, lax, lax_linalg
from pullback_ir.avals import aval_of
from pullback_ir.primitives.factorizations import LINALG_DTYPES

from pullback_api import numpy as _jnp_module
from pullback_api.numpy._core import asarray_arg, axes_of, export, to_dtype

jnp: Any = _jnp_module  # complete by the time any function here runs

__all__ = ["cholesky", "det", "inv", "matrix_norm", "matrix_power", "matrix_transpose",
           "multi_dot", "norm", "slogdet", "solve", "vector_norm"]  # fmt: skip


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


# --- factorizations and solves ---------------------------------------------------------------


def as_matrix(name: str, a: Any, what: str = "a", square: bool = True) -> Any:
    """`a` as an inexact array of rank >= 2 (integers become the default float type)."""
    a = asarray_arg(a, name)
    dt = aval_of(a).dtype
    if not dtypes.is_inexact(dt):
        a = to_dtype(a, dtypes.default_float_dtype())
    elif dt not in LINALG_DTYPES:  # float16, bfloat16: computed in float32
        a = to_dtype(a, np.complex64 if dtypes.is_complex(dt) else np.float32)
    shape = aval_of(a).shape
    if len(shape) < 2:
        raise ValueError(f"{name}: {what} must be at least 2-d (a matrix), got shape {shape}")
    if square and shape[-1] != shape[-2]:
        raise ValueError(f"{name}: {what} must be square in its last two axes, got shape {shape}")
    return a


def _common(a: Any, b: Any) -> tuple[Any, Any]:
    dt = np.result_type(aval_of(a).dtype, aval_of(b).dtype)
    return to_dtype(a, dt), to_dtype(b, dt)


def permute_rows(b: Any, perm: Any) -> Any:
    """`b[..., perm, :]` for a batch of row permutations `perm` (shape (..., n))."""
    idx = lax.expand_dims(perm, (len(aval_of(perm).shape),))
    idx = jnp.broadcast_to(idx, (*aval_of(b).shape[:-1], 1))
    idx = jnp.broadcast_to(idx, aval_of(b).shape)
    return jnp.take_along_axis(b, idx, axis=-2)


def lu_solve_matrix(lu: Any, perm: Any, b: Any, trans: int = 0) -> Any:
    """Solve with an LU factorization: a x = b (trans 0), a^T x = b (1) or a^H x = b (2)."""
    if trans == 0:
        y = lax_linalg.triangular_solve(lu, permute_rows(b, perm), left_side=True, lower=True,
                                        unit_diagonal=True)  # fmt: skip
        return lax_linalg.triangular_solve(lu, y, left_side=True, lower=False)
    conj = trans == 2
    # a = P^T L U  =>  a^T = U^T L^T P: solve U^T, then L^T, then undo P.
    y = lax_linalg.triangular_solve(lu, b, left_side=True, lower=False, transpose_a=True,
                                    conjugate_a=conj)  # fmt: skip
    z = lax_linalg.triangular_solve(lu, y, left_side=True, lower=True, transpose_a=True,
                                    conjugate_a=conj, unit_diagonal=True)  # fmt: skip
    inverse = jnp.argsort(perm, axis=-1)
    return permute_rows(z, inverse)


def _broadcast_batch(a: Any, b: Any) -> tuple[Any, Any]:
    sa, sb = aval_of(a).shape, aval_of(b).shape
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    return jnp.broadcast_to(a, (*batch, *sa[-2:])), jnp.broadcast_to(b, (*batch, *sb[-2:]))


@export
def solve(a: Any, b: Any) -> Any:
    """The solution x of a @ x = b for square `a` (LU with partial pivoting).

    As in NumPy 2, a 1-d `b` is a vector; otherwise `b` is a (batch of) matrices whose batch
    axes broadcast against `a`'s.
    """
    a = as_matrix("solve", a)
    b = asarray_arg(b, "solve")
    a, b = _common(a, b)
    n = aval_of(a).shape[-1]
    vector = len(aval_of(b).shape) == 1
    if vector:
        b = lax.expand_dims(b, (1,))
    if aval_of(b).shape[-2] != n:
        raise ValueError(
            f"solve: b must have {n} rows to match a of shape {aval_of(a).shape}, got shape "
            f"{aval_of(b).shape[:-1] if vector else aval_of(b).shape}"
        )
    a, b = _broadcast_batch(a, b)
    lu, _, perm = lax_linalg.lu(a)
    x = lu_solve_matrix(lu, perm, b)
    return lax.squeeze(x, (len(aval_of(x).shape) - 1,)) if vector else x


@export
def inv(a: Any) -> Any:
    """The inverse of square `a` (a batch of them for rank > 2)."""
    a = as_matrix("inv", a)
    shape = aval_of(a).shape
    eye = jnp.broadcast_to(jnp.eye(shape[-1], dtype=aval_of(a).dtype), shape)
    return solve(a, eye)


def _lu_diagonal(a: Any) -> tuple[Any, Any]:
    lu, pivots, _ = lax_linalg.lu(a)
    n = aval_of(a).shape[-1]
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    swaps = jnp.sum(pivots != jnp.arange(n, dtype=pivots.dtype), axis=-1)
    parity = 1 - 2 * jnp.remainder(swaps, 2)
    return diag, parity


@export
def det(a: Any) -> Any:
    """The determinant of square `a` (from its LU factorization)."""
    a = as_matrix("det", a)
    diag, parity = _lu_diagonal(a)
    return jnp.prod(diag, axis=-1) * jnp.asarray(parity, aval_of(diag).dtype)


@export
def slogdet(a: Any, *, method: str | None = None) -> tuple[Any, Any]:
    """(sign, log|det|) of square `a`: the determinant without overflow.

    For complex `a` the sign has modulus 1; a singular matrix gives (0, -inf).
    """
    if method not in (None, "lu"):
        raise ValueError(f"slogdet: method must be 'lu' or None, got {method!r}")
    a = as_matrix("slogdet", a)
    diag, parity = _lu_diagonal(a)
    mag = jnp.abs(diag)
    logdet = jnp.sum(jnp.log(mag), axis=-1)
    unit = jnp.where(mag == 0, jnp.zeros_like(diag), diag / jnp.where(mag == 0, 1, mag))
    sign = jnp.prod(unit, axis=-1) * jnp.asarray(parity, aval_of(diag).dtype)
    return sign, logdet


@export
def cholesky(a: Any, *, upper: bool = False, symmetrize_input: bool = True) -> Any:
    """The Cholesky factor of Hermitian positive-definite `a`.

    Lower L with a = L @ L^H, or upper U = L^H with a = U^H @ U if `upper`; NaNs if `a` is
    not positive definite.
    """
    a = as_matrix("cholesky", a)
    low = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
    return lax_linalg.matrix_transpose(low, conjugate=True) if upper else low


@export
def matrix_power(a: Any, n: int) -> Any:
    """`a` multiplied by itself `n` times (by squaring).

    n = 0 gives the identity and a negative `n` powers the inverse.
    """
    a = asarray_arg(a, "matrix_power")
    shape = aval_of(a).shape
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"matrix_power: a must be square in its last two axes, got {shape}")
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power: n must be an integer, got {type(n).__qualname__}")
    n = int(n)
    if n < 0:
        a, n = inv(a), -n
    result = None
    base = a
    while n:
        if n & 1:
            result = base if result is None else jnp.matmul(result, base)
        n >>= 1
        if n:
            base = jnp.matmul(base, base)
    if result is None:
        return jnp.broadcast_to(jnp.eye(shape[-1], dtype=aval_of(a).dtype), shape)
    return result


@export
def multi_dot(arrays: Any, *, precision: Any = None) -> Any:
    """The product of a chain of matrices, in the order that needs the fewest multiplications.

    The first and last arrays may be vectors.
    """
    arrs = [asarray_arg(x, "multi_dot") for x in arrays]
    if len(arrs) < 2:
        raise ValueError(f"multi_dot: needs at least two arrays, got {len(arrs)}")
    first_vec = len(aval_of(arrs[0]).shape) == 1
    last_vec = len(aval_of(arrs[-1]).shape) == 1
    if first_vec:
        arrs[0] = lax.expand_dims(arrs[0], (0,))
    if last_vec:
        arrs[-1] = lax.expand_dims(arrs[-1], (1,))
    dims = [aval_of(arrs[0]).shape[0], *(aval_of(x).shape[1] for x in arrs)]
    k = len(arrs)
    # The classic chain-order dynamic programme over the split points.
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            best = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if best is None or c < best:
                    best, split[i][j] = c, s
            cost[i][j] = best or 0

    def product(i: int, j: int) -> Any:
        if i == j:
            return arrs[i]
        s = split[i][j]
        return jnp.matmul(product(i, s), product(s + 1, j), precision=precision)

    out = product(0, k - 1)
    if first_vec:
        out = lax.squeeze(out, (0,))
    if last_vec:
        out = lax.squeeze(out, (len(aval_of(out).shape) - 1,))
    return out


@export
def matrix_transpose(x: Any, /) -> Any:
    """`x` with its last two axes swapped."""
    x = asarray_arg(x, "matrix_transpose")
    if len(aval_of(x).shape) < 2:
        raise ValueError(f"matrix_transpose: x must be at least 2-d, got {aval_of(x).shape}")
    return lax_linalg.matrix_transpose(x)
