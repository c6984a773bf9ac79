"""`pullback.numpy.linalg`: norms, factorizations, solves, inverses and determinants.

The dense solvers run on LAPACK (through the factorization primitives of `pullback_ir`) and
map over leading batch axes; all are differentiable.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from pullback_ir import dtypes, lax, lax_linalg
from pullback_ir.avals import aval_of
from pullback_ir.primitives.factorizations import LINALG_DTYPES
from pullback_ir.trace import Tracer

from pullback_api import numpy as _jnp_module
from pullback_api._transforms import custom_jvp
from pullback_api.numpy._core import asarray_arg, axes_of, export, to_dtype

jnp: Any = _jnp_module  # complete by the time any function here runs

__all__ = ["cholesky", "cond", "det", "eigh", "eigvalsh", "inv", "lstsq", "matrix_norm",
           "matrix_power", "matrix_rank", "matrix_transpose", "multi_dot", "norm", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "vector_norm"]  # fmt: skip


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
    """The matrix norm over the last two axes ("fro", "nuc", 1, -1, 2, -2, inf, -inf)."""
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
    elif ord in (2, -2, "nuc"):
        # Singular values of the matrices the two axes span.
        rest = [i for i in range(nd) if i not in axes]
        mats = lax.transpose(x, (*rest, r, c))
        sv = svdvals(mats)
        last = len(rest)
        if ord == "nuc":
            out = lax.reduce_sum(sv, (last,))
        else:
            out = (lax.reduce_max if ord == 2 else lax.reduce_min)(sv, (last,))
    else:
        raise ValueError(f"norm: invalid matrix norm order {ord!r}")
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


def _lu_diagonal(lu: Any, pivots: Any) -> tuple[Any, Any]:
    n = aval_of(lu).shape[-1]
    diag = jnp.diagonal(lu, axis1=-2, axis2=-1)
    swaps = jnp.sum(pivots != jnp.arange(n, dtype=pivots.dtype), axis=-1)
    parity = 1 - 2 * jnp.remainder(swaps, 2)
    return diag, jnp.asarray(parity, aval_of(diag).dtype)


def _sign_logdet(lu: Any, pivots: Any) -> tuple[Any, Any]:
    diag, parity = _lu_diagonal(lu, pivots)
    mag = jnp.abs(diag)
    logdet = jnp.sum(jnp.log(mag), axis=-1)
    unit = jnp.where(mag == 0, jnp.zeros_like(diag), diag / jnp.where(mag == 0, 1, mag))
    return jnp.prod(unit, axis=-1) * parity, logdet


def _trace_of_solve(lu: Any, perm: Any, da: Any) -> Any:
    """tr(a^-1 da) from a's LU factorization."""
    return jnp.trace(lu_solve_matrix(lu, perm, da), axis1=-2, axis2=-1)


@custom_jvp
def _slogdet(a: Any) -> tuple[Any, Any]:
    lu, pivots, _ = lax_linalg.lu(a)
    return _sign_logdet(lu, pivots)


@_slogdet.defjvp
def _slogdet_jvp(primals: Any, tangents: Any) -> Any:
    # d log|det a| = Re tr(a^-1 da); the sign turns by i Im tr(a^-1 da) (0 for real a).
    (a,), (da,) = primals, tangents
    lu, pivots, perm = lax_linalg.lu(a)
    sign, logdet = _sign_logdet(lu, pivots)
    tr = _trace_of_solve(lu, perm, da)
    if dtypes.is_complex(aval_of(a).dtype):
        dsign = sign * (tr - jnp.asarray(jnp.real(tr), aval_of(tr).dtype))
        return (sign, logdet), (dsign, jnp.real(tr))
    return (sign, logdet), (jnp.zeros_like(sign), tr)


@custom_jvp
def _det(a: Any) -> Any:
    lu, pivots, _ = lax_linalg.lu(a)
    diag, parity = _lu_diagonal(lu, pivots)
    return jnp.prod(diag, axis=-1) * parity


@_det.defjvp
def _det_jvp(primals: Any, tangents: Any) -> Any:
    # d det a = det a * tr(a^-1 da), from the same factorization.
    (a,), (da,) = primals, tangents
    lu, pivots, perm = lax_linalg.lu(a)
    diag, parity = _lu_diagonal(lu, pivots)
    value = jnp.prod(diag, axis=-1) * parity
    return value, value * _trace_of_solve(lu, perm, da)


@export
def det(a: Any) -> Any:
    """The determinant of square `a` (from its LU factorization)."""
    return _det(as_matrix("det", a))


@export
def slogdet(a: Any, *, method: str | None = None) -> tuple[Any, Any]:
    """(sign, log|det|) of square `a`: the determinant without overflow.

    For complex `a` the sign has modulus 1; a singular matrix gives (0, -inf).
    """
    if method not in (None, "lu"):
        raise ValueError(f"slogdet: method must be 'lu' or None, got {method!r}")
    sign, logdet = _slogdet(as_matrix("slogdet", a))
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


# --- spectral ----------------------------------------------------------------------------------


class EighResult(NamedTuple):
    """The result of `eigh`: ascending eigenvalues and eigenvectors (columns)."""

    eigenvalues: Any
    eigenvectors: Any


class SVDResult(NamedTuple):
    """The result of `svd`: U, the descending singular values S, and Vh."""

    U: Any
    S: Any
    Vh: Any


def _uplo(name: str, UPLO: str | None) -> bool:
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"{name}: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO != "U"


def eigh(a: Any, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """(eigenvalues, eigenvectors) of Hermitian `a`: ascending values, vectors as columns.

    With `symmetrize_input`, `a` is first replaced by (a + a^H) / 2; otherwise only its
    `UPLO` ("L", the default, or "U") triangle is read. Each eigenvector's largest entry is
    real and positive.
    """
    a = as_matrix("eigh", a)
    v, w = lax_linalg.eigh(a, lower=_uplo("eigh", UPLO), symmetrize_input=symmetrize_input)
    return EighResult(export(lambda: w)(), export(lambda: v)())


@export
def eigvalsh(a: Any, UPLO: str | None = "L", *, symmetrize_input: bool = True) -> Any:
    """The ascending eigenvalues of Hermitian `a`."""
    return eigh(a, UPLO, symmetrize_input)[0]


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index: Any = None) -> Any:  # fmt: skip
    """The singular value decomposition (U, S, Vh) with a = U[..., :k] diag(S) Vh[..., :k, :].

    S is descending; U and Vh are square unless not `full_matrices`, when they have
    k = min(m, n) columns and rows; only S with `compute_uv=False`. `hermitian` is accepted
    (the general algorithm is used).
    """
    if subset_by_index is not None:
        raise NotImplementedError("svd: subset_by_index is not supported")
    a = as_matrix("svd", a, square=False)
    out = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:
        return export(lambda: out)()
    u, s, vt = export(lambda: out)()
    return SVDResult(u, s, vt)


@export
def svdvals(x: Any, /) -> Any:
    """The descending singular values of `x`."""
    return svd(x, compute_uv=False)


def _default_rtol(shape: tuple[int, ...], dtype: Any) -> Any:
    return max(shape[-2], shape[-1]) * np.finfo(np.real(np.zeros((), dtype)).dtype).eps


@export
def pinv(a: Any, rtol: Any = None, hermitian: bool = False, *, rcond: Any = None) -> Any:
    """The Moore-Penrose pseudo-inverse of `a`, from its SVD.

    Singular values at or below `rtol` times the largest are treated as zero (default:
    max(m, n) times the dtype's epsilon).
    """
    a = as_matrix("pinv", a, square=False)
    shape = aval_of(a).shape
    if rtol is None:
        rtol = rcond
    if rtol is None:
        rtol = _default_rtol(shape, aval_of(a).dtype)
    u, s, vt = lax_linalg.svd(a, full_matrices=False)
    cutoff = jnp.asarray(rtol, aval_of(s).dtype)[..., None] * jnp.max(s, axis=-1, keepdims=True)
    keep = s > cutoff
    s_inv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0)
    vs = (
        lax_linalg.matrix_transpose(vt, conjugate=True)
        * jnp.asarray(s_inv, aval_of(u).dtype)[..., None, :]
    )
    return jnp.matmul(vs, lax_linalg.matrix_transpose(u, conjugate=True))


@export
def matrix_rank(M: Any, rtol: Any = None, *, tol: Any = None) -> Any:
    """The number of singular values above the tolerance.

    `tol` is absolute; else `rtol` is relative to the largest singular value (default
    max(m, n) times the dtype's epsilon).
    """
    M = asarray_arg(M, "matrix_rank")
    if len(aval_of(M).shape) < 2:
        return jnp.asarray(jnp.any(M != 0), np.int32)
    s = svdvals(M)
    if tol is None:
        if rtol is None:
            rtol = _default_rtol(aval_of(M).shape, aval_of(s).dtype)
        tol = jnp.asarray(rtol, aval_of(s).dtype)[..., None] * jnp.max(s, axis=-1, keepdims=True)
    else:
        tol = jnp.asarray(tol, aval_of(s).dtype)[..., None]
    return jnp.sum(s > tol, axis=-1)


@export
def cond(x: Any, p: Any = None) -> Any:
    """The condition number of `x` in the `p`-norm (the 2-norm by default, from its SVD)."""
    x = as_matrix("cond", x, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(x)
        hi, lo = jnp.max(s, axis=-1), jnp.min(s, axis=-1)
        return hi / lo if p != -2 else lo / hi
    return matrix_norm(x, ord=p) * matrix_norm(inv(x), ord=p)


def lstsq(a: Any, b: Any, rcond: Any = None, *, numpy_resid: bool = False) -> tuple[Any, ...]:
    """The least-squares solution of a @ x = b: (x, residuals, rank, singular values).

    From the SVD of `a`; singular values at or below `rcond` times the largest count as zero
    (default: max(m, n) times the dtype's epsilon). The residuals are the squared norms of
    b - a x per column, given (as in NumPy) only when `a` has full column rank and more
    rows than columns, and otherwise an empty array; with `numpy_resid=False` (JAX's
    default) they are always given.
    """
    a = as_matrix("lstsq", a, square=False)
    b = asarray_arg(b, "lstsq")
    a, b = _common(a, b)
    if len(aval_of(a).shape) != 2:
        raise ValueError(f"lstsq: a must be 2-d, got shape {aval_of(a).shape}")
    m, n = aval_of(a).shape
    vector = len(aval_of(b).shape) == 1
    if aval_of(b).shape[0] != m:
        raise ValueError(f"lstsq: b must have {m} rows, got shape {aval_of(b).shape}")
    bm = lax.expand_dims(b, (1,)) if vector else b
    if rcond is None:
        rcond = _default_rtol((m, n), aval_of(a).dtype)
    u, s, vt = lax_linalg.svd(a, full_matrices=False)
    cutoff = jnp.asarray(rcond, aval_of(s).dtype) * jnp.max(s)
    keep = s > cutoff
    rank = jnp.sum(keep)
    s_inv = jnp.asarray(jnp.where(keep, 1 / jnp.where(keep, s, 1), 0), aval_of(a).dtype)
    uhb = jnp.matmul(lax_linalg.matrix_transpose(u, conjugate=True), bm)
    x = jnp.matmul(lax_linalg.matrix_transpose(vt, conjugate=True), s_inv[:, None] * uhb)
    resid = jnp.sum(jnp.abs(bm - jnp.matmul(a, x)) ** 2, axis=0)
    if numpy_resid and not (isinstance(rank, Tracer) or (int(rank) == n and m > n)):
        resid = jnp.zeros((0,), aval_of(resid).dtype)
    if vector:
        x = x[:, 0]
        resid = resid if numpy_resid and aval_of(resid).shape == (0,) else resid.reshape(-1)
    return x, resid, rank, s


class QRResult(NamedTuple):
    """The result of `qr`: Q (orthonormal columns) and upper-triangular R."""

    Q: Any
    R: Any


def qr(a: Any, mode: str = "reduced") -> Any:
    """The QR factorization a = Q @ R (Householder reflections, LAPACK's signs).

    `mode` "reduced" gives Q with min(m, n) columns, "complete" a square Q, "r" only R.
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
    if mode == "raw":
        raise NotImplementedError("qr: mode='raw' is not supported")
    a = as_matrix("qr", a, square=False)
    q, r = lax_linalg.qr(a, full_matrices=mode == "complete")
    q, r = export(lambda: (q, r))()
    return r if mode == "r" else QRResult(q, r)
