"""Test support shipped with the package: op records, input factories and per-dtype tolerances.

One op-record table drives every transformation's suite (shape rules, reference checks here;
gradient checks, vmap-vs-loop and lowering checks in the packages above).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import (
    bits,
    callbacks as cb,
    collectives as coll,
    control as cf,
    conv,
    elementwise as ew,
    factorizations as fz,
    fft as fft_mod,
    indexing as ix,
    linalg as la,
    reductions as red,
    shapes as sh,
    sorting,
)

__all__ = ["OP_RECORDS", "OpRecord", "random_array", "tolerance"]

_TOL = {
    dtypes.float64: 1e-12,
    dtypes.float32: 1e-5,
    dtypes.float16: 2e-3,
    dtypes.bfloat16: 2e-2,
    dtypes.complex64: 1e-5,
    dtypes.complex128: 1e-12,
}


def tolerance(dtype: np.dtype[Any], scale: float = 1.0) -> float:
    """Relative tolerance of reference comparisons for `dtype` (0 for exact types)."""
    if dtype in dtypes.FLOAT8_DTYPES:
        return 0.25 * scale
    return _TOL.get(dtype, 0.0) * scale


def random_array(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    dtype: Any,
    low: float = -3.0,
    high: float = 3.0,
) -> np.ndarray[Any, Any]:
    """Random values of `dtype` in [low, high) (booleans and integers included)."""
    dt = np.dtype(dtype)
    if dt == dtypes.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtypes.is_integer(dt):
        lo = 0 if not dtypes.is_signed(dt) else max(int(low), -100)
        return rng.integers(lo, max(int(high), lo + 1) + 1, size=shape).astype(dt)
    if dtypes.is_complex(dt):
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dt)
    return rng.uniform(low, high, size=shape).astype(dt)


FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32)
INEXACT = (*FLOATS, dtypes.complex64)
INTS = (dtypes.int8, dtypes.int32, dtypes.uint8, dtypes.uint32)
NUMERIC = (*INTS, *INEXACT)
ALL = (dtypes.bool_, *NUMERIC)


@dataclass(frozen=True)
class OpRecord:
    """How to test one primitive.

    Attributes:
        primitive: the primitive.
        dtypes: the dtypes to test (of the first operand).
        make_args: `(rng, dtype) -> (args, params)`.
        reference: an independent definition, `(*float64-or-exact args, **params) -> value`.
        low, high: the input range for the default argument factory.
        rtol_scale: multiplies the dtype's tolerance.
        axis_size: for a collective, the size of the named axis: `make_args` then returns
            arguments stacked along a leading axis of that size, and the reference computes the
            stacked result (checked against `collectives.STACKED_IMPLS`).
    """

    primitive: Primitive
    dtypes: tuple[np.dtype[Any], ...]
    make_args: Callable[[np.random.Generator, np.dtype[Any]], tuple[list[Any], dict[str, Any]]]
    reference: Callable[..., Any]
    low: float = -3.0
    high: float = 3.0
    rtol_scale: float = 1.0
    params: dict[str, Any] = field(default_factory=dict)
    axis_size: int | None = None


def _nary(n: int, low: float, high: float, shape: tuple[int, ...] = (2, 3)) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        return [random_array(rng, shape, dt, low, high) for _ in range(n)], {}

    return make


def _elementwise(
    prim: Primitive,
    n: int,
    dts: tuple[Any, ...],
    ref: Callable[..., Any],
    low: float = -3.0,
    high: float = 3.0,
    rtol: float = 1.0,
) -> OpRecord:
    return OpRecord(
        prim, tuple(np.dtype(d) for d in dts), _nary(n, low, high), ref, low, high, rtol
    )


_v = np.vectorize
_trunc_div = _v(lambda a, b: -1 if b == 0 else int(a / b) if abs(a) < 2**52 else a // b)


def _cmath_or_math(name: str) -> Callable[..., Any]:
    import cmath

    rf, cf = getattr(math, name), getattr(cmath, name)
    return _v(lambda x: cf(x) if isinstance(x, complex) else rf(x))


def _gather_args(mode: str) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        x = random_array(rng, (5, 3), dt)
        idx = np.array([[0], [4], [2], [7], [-2]], np.int32)
        dn = ix.GatherDimensionNumbers(
            offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,)
        )
        params = {
            "dimension_numbers": dn,
            "slice_sizes": (1, 3),
            "mode": ix.GatherScatterMode.from_any(mode),
            "fill_value": 9,
            "indices_are_sorted": False,
            "unique_indices": False,
        }
        return [x, idx], params

    return make


def _gather_ref(x: Any, idx: Any, *, mode: Any, **p: Any) -> Any:
    rows = []
    for (i,) in idx.tolist():
        if mode is ix.GatherScatterMode.CLIP:
            rows.append(list(x[min(max(i, 0), 4)]))
        else:
            rows.append(list(x[i]) if 0 <= i < 5 else [9] * 3)
    return np.array(rows)


def _batched_gather_args(
    rng: np.random.Generator, dt: np.dtype[Any]
) -> tuple[list[Any], dict[str, Any]]:
    dn = ix.GatherDimensionNumbers(
        (), (1,), (1,), operand_batching_dims=(0,), start_indices_batching_dims=(0,)
    )
    params = {
        "dimension_numbers": dn,
        "slice_sizes": (1, 1),
        "mode": ix.GatherScatterMode.CLIP,
        "fill_value": None,
        "indices_are_sorted": False,
        "unique_indices": False,
    }
    return [random_array(rng, (3, 4), dt), np.array([[3], [0], [2]], np.int32)], params


def _scatter_args(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
    # Rows 1 and 3 are hit twice; index 9 is out of bounds and dropped.
    x = random_array(rng, (5, 2), dt, 1, 4)
    idx = np.array([[1], [3], [9], [1], [3]], np.int32)
    upd = random_array(rng, (2, 5), dt, 1, 4)  # window dim first: update_window_dims=(0,)
    if dt == dtypes.bool_:
        idx = np.array([[1], [3], [9], [0], [2]], np.int32)
    dn = ix.ScatterDimensionNumbers(
        update_window_dims=(0,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)
    )
    return [x, idx, upd], {
        "dimension_numbers": dn,
        "mode": ix.GatherScatterMode.FILL_OR_DROP,
        "indices_are_sorted": False,
        "unique_indices": False,
    }


def _scatter_ref(combine: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def ref(x: Any, idx: Any, upd: Any, **p: Any) -> Any:
        out = [list(row) for row in x]
        for k, (i,) in enumerate(idx.tolist()):
            if 0 <= i < len(out):
                out[i] = [combine(a, b) for a, b in zip(out[i], upd[:, k], strict=True)]
        return np.array(out)

    return ref


def _conv_args(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
    # 1-d, NWC input and WIO kernel layouts, stride 2, padding (1, 2), both dilations, 2 groups.
    lhs = random_array(rng, (2, 7, 4), dt, -2, 2)  # N W C
    rhs = random_array(rng, (3, 2, 6), dt, -2, 2)  # W I O
    dn = conv.ConvDimensionNumbers(lhs_spec=(0, 2, 1), rhs_spec=(2, 1, 0), out_spec=(0, 2, 1))
    return [lhs, rhs], {
        "window_strides": (2,),
        "padding": ((1, 2),),
        "lhs_dilation": (2,),
        "rhs_dilation": (2,),
        "dimension_numbers": dn,
        "feature_group_count": 2,
        "batch_group_count": 1,
        "precision": None,
        "preferred_element_type": None,
    }


def _conv_ref(lhs: Any, rhs: Any, **p: Any) -> Any:
    n_, w_, c_ = lhs.shape
    k_, i_, o_ = rhs.shape
    dil = [[0] * c_ for _ in range(2 * w_ - 1)]
    xs = []
    for n in range(n_):
        rows = [list(r) for r in dil]
        for w in range(w_):
            rows[2 * w] = list(lhs[n, w])
        rows = [[0] * c_] + rows + [[0] * c_] * 2
        xs.append(rows)
    span = (k_ - 1) * 2 + 1
    width = (len(xs[0]) - span) // 2 + 1
    out = np.zeros((n_, width, o_), dtype=object)
    for n in range(n_):
        for t in range(width):
            for o in range(o_):
                g = o // (o_ // 2)
                out[n, t, o] = sum(
                    xs[n][2 * t + 2 * k][g * i_ + i] * rhs[k, i, o]
                    for k in range(k_)
                    for i in range(i_)
                )
    return out


def _sort_ref(keys: Any, vals: Any, **p: Any) -> Any:
    ks, vs = [], []
    for krow, vrow in zip(keys.tolist(), vals.tolist(), strict=True):
        pairs = sorted(zip(krow, range(len(krow)), vrow, strict=True))  # stable: ties by position
        ks.append([k for k, _, _ in pairs])
        vs.append([v for _, _, v in pairs])
    return [np.array(ks), np.array(vs)]


def _spd_args(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
    # Hermitian positive definite, and well conditioned: M M^H + 3 I (a batch of two).
    m = random_array(rng, (2, 3, 3), dt, -1, 1)
    a = m @ np.conj(np.swapaxes(m, -1, -2)) + 3 * np.eye(3, dtype=dt)
    return [a.astype(dt)], {}


def _cholesky_ref(a: Any) -> Any:
    # The Hermitian matrix of a's lower triangle, factored row by row (Cholesky-Banachiewicz).
    h = fz.hermitian_from_lower(a)
    out = np.zeros_like(h)
    for idx in np.ndindex(*h.shape[:-2]):
        x, n = h[idx], h.shape[-1]
        low = out[idx]
        for i in range(n):
            for j in range(i + 1):
                s = x[i, j] - sum(low[i, k] * np.conj(low[j, k]) for k in range(j))
                low[i, j] = np.sqrt(s.real) if i == j else s / low[j, j]
    return out


def _triangular_args(**params: Any) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        a = random_array(rng, (2, 3, 3), dt, -1, 1) + 3 * np.eye(3, dtype=dt)
        shape = (2, 3, 2) if params["left_side"] else (2, 2, 3)
        return [a.astype(dt), random_array(rng, shape, dt)], params

    return make


def _triangular_ref(a: Any, b: Any, *, left_side: bool, lower: bool, transpose_a: bool,
                    conjugate_a: bool, unit_diagonal: bool) -> Any:  # fmt: skip
    # By substitution, one matrix and right-hand side at a time.
    t = fz.triangle(a, lower, unit_diagonal)
    t = np.conj(t) if conjugate_a else t
    t = np.swapaxes(t, -1, -2) if transpose_a else t
    out = np.zeros_like(b)
    for idx in np.ndindex(*b.shape[:-2]):
        m = t[idx] if left_side else t[idx].T  # x op(a) = b  <=>  op(a)^T x^T = b^T
        rhs = b[idx] if left_side else b[idx].T
        n = m.shape[0]
        forward = np.allclose(np.triu(m, 1), 0)
        x = np.zeros_like(rhs)
        for i in range(n) if forward else range(n - 1, -1, -1):
            js = range(i) if forward else range(i + 1, n)
            x[i] = (rhs[i] - sum(m[i, j] * x[j] for j in js)) / m[i, i]
        out[idx] = x if left_side else x.T
    return out


def _lu_args(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
    return [random_array(rng, (2, 3, 3), dt)], {}


def _lu_ref(a: Any) -> Any:
    # Check the factorization's defining properties and return it: rows permuted as the
    # pivots say equal L @ U, and each pivot is the largest remaining entry of its column.
    lu, pivots = fz.lu_p.impl(a)
    for idx in np.ndindex(*a.shape[:-2]):
        n = a.shape[-1]
        rows = list(range(n))
        for i, p in enumerate(pivots[idx]):
            rows[i], rows[p] = rows[p], rows[i]
        low = np.tril(lu[idx], -1) + np.eye(n)
        assert np.allclose(a[idx][rows], low @ np.triu(lu[idx]))
        if not np.iscomplexobj(a):
            assert np.all(np.abs(np.tril(lu[idx], -1)) <= 1 + 1e-12)
    return [lu, pivots]


def _eigh_args(lower: bool) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        return [random_array(rng, (2, 3, 3), dt, -1, 1)], {"lower": lower}

    return make


def _eigh_ref(a: Any, *, lower: bool) -> Any:
    # Checked by its defining properties, then compared in the phase convention.
    h = fz.hermitian_from_lower(a if lower else np.conj(np.swapaxes(a, -1, -2)))
    v, w = fz.eigh_p.impl(a, lower=lower)
    assert np.allclose(h @ v, v * w[..., None, :], atol=1e-8)
    assert np.all(np.diff(w, axis=-1) >= 0)
    return [v, w]


def _svd_args(shape: tuple[int, ...], compute_uv: bool) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        return [random_array(rng, shape, dt, -1, 1)], {"full_matrices": False,
                                                       "compute_uv": compute_uv}  # fmt: skip

    return make


def _svd_ref(a: Any, *, full_matrices: bool, compute_uv: bool) -> Any:
    outs = fz.svd_p.impl(a, full_matrices=full_matrices, compute_uv=True)
    s, u, vt = outs
    assert np.allclose((u * s[..., None, :]) @ vt, a, atol=1e-8)
    assert np.all(np.diff(s, axis=-1) <= 0)
    return outs if compute_uv else s


def _qr_args(shape: tuple[int, ...], full_matrices: bool) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        return [random_array(rng, shape, dt, -1, 1)], {"full_matrices": full_matrices}

    return make


def _qr_ref(a: Any, *, full_matrices: bool) -> Any:
    # NumPy's (LAPACK's) factorization, checked by its defining properties.
    q, r = fz.qr_p.impl(a, full_matrices=full_matrices)
    assert np.allclose(q @ r, a, atol=1e-8)
    assert np.allclose(np.tril(r, -1), 0)
    return [q, r]


def _fft_args(fft_type: str, shape: tuple[int, ...], lengths: tuple[int, ...]) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        return [random_array(rng, shape, dt)], {"fft_type": fft_type, "fft_lengths": lengths}

    return make


def _fft_ref(x: Any, *, fft_type: str, fft_lengths: tuple[int, ...]) -> Any:
    # The DFT by its definition, sum_j x_j exp(-2 pi i jk / n), one axis at a time.
    def dft(v: Any, axis: int, n: int, inverse: bool) -> Any:
        v = np.moveaxis(v, axis, -1)
        j = np.arange(n)
        w = np.exp((2j if inverse else -2j) * np.pi * np.outer(j, j) / n)
        out = v @ w.T / (n if inverse else 1)
        return np.moveaxis(out, -1, axis)

    k = len(fft_lengths)
    axes = range(x.ndim - k, x.ndim)
    if fft_type in ("FFT", "IFFT"):
        for ax, n in zip(axes, fft_lengths, strict=True):
            x = dft(x, ax, n, fft_type == "IFFT")
        return x
    if fft_type == "RFFT":
        for ax, n in zip(axes, fft_lengths, strict=True):
            x = dft(x, ax, n, False)
        return x[..., : fft_lengths[-1] // 2 + 1]
    # IRFFT: rebuild the Hermitian spectrum of the last axis, invert, keep the real part.
    n = fft_lengths[-1]
    for ax, m in zip(list(axes)[:-1], fft_lengths[:-1], strict=True):
        x = dft(x, ax, m, True)
    half = x[..., : n // 2 + 1]
    rest = np.conj(half[..., 1 : (n + 1) // 2][..., ::-1])
    full = np.concatenate([half, rest], axis=-1)
    full[..., 0] = full[..., 0].real
    if n % 2 == 0:
        full[..., n // 2] = full[..., n // 2].real
    return dft(full, x.ndim - 1, n, True).real


def _top_k_ref(x: Any, *, k: int) -> Any:
    vals, idxs = [], []
    for row in x.tolist():
        best = sorted(range(len(row)), key=lambda j: (-row[j], j))[:k]
        vals.append([row[j] for j in best])
        idxs.append(best)
    return [np.array(vals), np.array(idxs)]


_THREEFRY_KAT = (
    (
        [0, 0xFFFFFFFF, 0x13198A2E],
        [0, 0xFFFFFFFF, 0x03707344],
        [0, 0xFFFFFFFF, 0x243F6A88],
        [0, 0xFFFFFFFF, 0x85A308D3],
    ),
    ([0x6B200159, 0x1CB996FC, 0xC4923A9C], [0x99BA4EFE, 0xBB002BE7, 0x483DF7A0]),
)


def _jaxpr(fun: Callable[..., Any], dt: np.dtype[Any], *shapes: tuple[int, ...]) -> Any:
    from pullback_ir.avals import ShapeDtypeStruct
    from pullback_ir.control_flow import hoist_consts
    from pullback_ir.staging import make_jaxpr

    closed = make_jaxpr(fun)(*[ShapeDtypeStruct(s, dt) for s in shapes])
    return hoist_consts(closed)[0]


def _cond_args(index: int) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        branches = tuple(
            _jaxpr(f, dt, (3,)) for f in (lambda a: a + a, lambda a: a * 3, lambda a: -a)
        )
        return [np.int32(index), random_array(rng, (3,), dt)], {"branches": branches}

    return make


def _while_args(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
    # while count < limit: count += 1, x = x * 2 + 1   (cond const: limit)
    from pullback_ir import lax

    i32 = np.dtype(np.int32)
    limit = np.int32(rng.integers(0, 5))
    cond = _typed_jaxpr(lambda lim, c, x: lax.lt(c, lim), ((), i32), ((), i32), ((2,), dt))
    body = _typed_jaxpr(
        lambda c, x: (lax.add(c, 1), lax.add(lax.mul(x, 2), 1)), ((), i32), ((2,), dt)
    )
    args = [limit, np.int32(0), random_array(rng, (2,), dt, -2, 2)]
    return args, {"cond_jaxpr": cond, "body_jaxpr": body, "cond_nconsts": 1, "body_nconsts": 0}


def _typed_jaxpr(fun: Callable[..., Any], *specs: tuple[tuple[int, ...], np.dtype[Any]]) -> Any:
    from pullback_ir.avals import ShapeDtypeStruct
    from pullback_ir.control_flow import hoist_consts
    from pullback_ir.staging import make_jaxpr

    closed = make_jaxpr(fun)(*[ShapeDtypeStruct(s, d) for s, d in specs])
    return hoist_consts(closed)[0]


def _while_ref(limit: Any, count: Any, x: Any, **p: Any) -> Any:
    c, v = int(count), [*x.tolist()]
    while c < int(limit):
        c, v = c + 1, [2 * e + 1 for e in v]
    return [np.array(c), np.array(v)]


def _scan_args(reverse: bool) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        from pullback_ir import lax

        # carry' = carry * k + x ; y = carry - x   (const: k)
        jaxpr = _jaxpr(
            lambda k, c, x: (lax.add(lax.mul(c, k), x), lax.sub(c, x)), dt, (), (2,), (2,)
        )
        args = [
            np.asarray(2, dt),
            random_array(rng, (2,), dt, -2, 2),
            random_array(rng, (5, 2), dt, -2, 2),
        ]
        params = {
            "jaxpr": jaxpr,
            "length": 5,
            "reverse": reverse,
            "num_consts": 1,
            "num_carry": 1,
            "linear": (False,) * 3,
            "unroll": 2,
            "_split_transpose": False,
        }
        return args, params

    return make


def _scan_ref(reverse: bool) -> Callable[..., Any]:
    def ref(k: Any, c: Any, xs: Any, **p: Any) -> Any:
        carry = list(c)
        ys: list[Any] = [None] * 5
        for t in range(5):
            i = 4 - t if reverse else t
            ys[i] = [a - b for a, b in zip(carry, xs[i], strict=True)]
            carry = [a * k + b for a, b in zip(carry, xs[i], strict=True)]
        return [np.array(carry), np.array(ys)]

    return ref


def _callback_args(prim: Primitive) -> Any:
    def make(rng: np.random.Generator, dt: np.dtype[Any]) -> tuple[list[Any], dict[str, Any]]:
        from pullback_ir.avals import ShapedArray

        params: dict[str, Any] = {
            "callback": lambda a: np.cumsum(a).astype(a.dtype),
            "result_avals": (ShapedArray((4,), dt),),
            "sharding": None,
        }
        params["vmap_method" if prim is cb.pure_callback_p else "ordered"] = (
            None if prim is cb.pure_callback_p else True
        )
        return [random_array(rng, (4,), dt)], params

    return make


def _all_to_all_ref(x: Any, **p: Any) -> Any:
    # Member m sends rows [2j, 2j+2) of its (4, 3) block to member j; j stacks them along axis 1.
    out = []
    for j in range(2):
        parts = [x[m][2 * j : 2 * j + 2] for m in range(2)]
        out.append(np.concatenate(parts, axis=1))
    return np.array(out)


OP_RECORDS: list[OpRecord] = [
    _elementwise(ew.neg_p, 1, NUMERIC, lambda x: -x),
    _elementwise(ew.sign_p, 1, (dtypes.int8, dtypes.int32, *FLOATS), _v(lambda x: int(x > 0) - int(x < 0))),
    _elementwise(ew.abs_p, 1, (dtypes.int8, dtypes.int32, *INEXACT), _v(abs)),
    _elementwise(ew.floor_p, 1, FLOATS, _v(math.floor)),
    _elementwise(ew.ceil_p, 1, FLOATS, _v(math.ceil)),
    _elementwise(ew.is_finite_p, 1, FLOATS, _v(math.isfinite)),
    _elementwise(ew.exp_p, 1, INEXACT, _cmath_or_math("exp")),
    _elementwise(ew.exp2_p, 1, FLOATS, _v(lambda x: 2.0**x)),
    _elementwise(ew.log_p, 1, FLOATS, _v(math.log), 0.1, 5.0),
    _elementwise(ew.expm1_p, 1, FLOATS, _v(math.expm1)),
    _elementwise(ew.log1p_p, 1, FLOATS, _v(math.log1p), -0.9, 5.0),
    _elementwise(ew.sin_p, 1, INEXACT, _cmath_or_math("sin")),
    _elementwise(ew.cos_p, 1, INEXACT, _cmath_or_math("cos")),
    _elementwise(ew.tan_p, 1, FLOATS, _v(math.tan), -1.3, 1.3, 4.0),
    _elementwise(ew.asin_p, 1, FLOATS, _v(math.asin), -0.99, 0.99),
    _elementwise(ew.acos_p, 1, FLOATS, _v(math.acos), -0.99, 0.99),
    _elementwise(ew.atan_p, 1, FLOATS, _v(math.atan)),
    _elementwise(ew.sinh_p, 1, FLOATS, _v(math.sinh)),
    _elementwise(ew.cosh_p, 1, FLOATS, _v(math.cosh)),
    _elementwise(ew.tanh_p, 1, INEXACT, _cmath_or_math("tanh")),
    _elementwise(ew.asinh_p, 1, FLOATS, _v(math.asinh)),
    _elementwise(ew.acosh_p, 1, FLOATS, _v(math.acosh), 1.1, 5.0),
    _elementwise(ew.atanh_p, 1, FLOATS, _v(math.atanh), -0.9, 0.9),
    _elementwise(ew.sqrt_p, 1, FLOATS, _v(math.sqrt), 0.01, 5.0),
    _elementwise(ew.rsqrt_p, 1, FLOATS, _v(lambda x: 1 / math.sqrt(x)), 0.1, 5.0),
    _elementwise(ew.cbrt_p, 1, FLOATS, _v(lambda x: math.copysign(abs(x) ** (1 / 3), x))),
    _elementwise(ew.logistic_p, 1, FLOATS, _v(lambda x: 1 / (1 + math.exp(-x)))),
    _elementwise(ew.erf_p, 1, FLOATS, _v(math.erf)),
    _elementwise(ew.erfc_p, 1, FLOATS, _v(math.erfc)),
    # erf_inv is checked through erf: erf(erf_inv(y)) == y.
    _elementwise(ew.erf_inv_p, 1, FLOATS, lambda y: y, -0.95, 0.95, 4.0),
    _elementwise(ew.lgamma_p, 1, FLOATS, _v(math.lgamma), 0.1, 6.0),
    # digamma against a central difference of math.lgamma.
    _elementwise(ew.digamma_p, 1, FLOATS, _v(lambda x: (math.lgamma(x + 1e-6) - math.lgamma(x - 1e-6)) / 2e-6), 0.2, 6.0, 10.0),
    _elementwise(ew.not_p, 1, (dtypes.bool_, *INTS), _v(lambda x: (not x) if isinstance(x, bool) else ~x)),
    _elementwise(ew.population_count_p, 1, (dtypes.int32, dtypes.uint8, dtypes.uint32), _v(lambda x: bin(x & 0xFFFFFFFF).count("1"))),
    _elementwise(ew.clz_p, 1, (dtypes.int32, dtypes.uint32), _v(lambda x: 32 - (x & 0xFFFFFFFF).bit_length())),
    _elementwise(ew.real_p, 1, (dtypes.complex64,), _v(lambda z: z.real)),
    _elementwise(ew.imag_p, 1, (dtypes.complex64,), _v(lambda z: z.imag)),
    _elementwise(ew.conj_p, 1, (dtypes.complex64,), _v(lambda z: z.conjugate())),
    _elementwise(ew.stop_gradient_p, 1, ALL, lambda x: x),
    _elementwise(ew.add_p, 2, NUMERIC, lambda x, y: x + y),
    _elementwise(ew.sub_p, 2, NUMERIC, lambda x, y: x - y),
    _elementwise(ew.mul_p, 2, NUMERIC, lambda x, y: x * y),
    _elementwise(ew.div_p, 2, (dtypes.int8, dtypes.int32, *INEXACT), _v(lambda x, y: _trunc_div(x, y) if isinstance(x, int) else x / y), 1.0, 5.0),
    _elementwise(ew.rem_p, 2, (dtypes.int32, *FLOATS), _v(lambda x, y: math.fmod(x, y) if isinstance(x, float) else int(math.fmod(x, y))), 1.0, 5.0, 4.0),
    _elementwise(ew.pow_p, 2, FLOATS, _v(lambda x, y: x**y), 0.5, 2.0, 4.0),
    _elementwise(ew.max_p, 2, (*INTS, *FLOATS), _v(max)),
    _elementwise(ew.min_p, 2, (*INTS, *FLOATS), _v(min)),
    _elementwise(ew.atan2_p, 2, FLOATS, _v(math.atan2)),
    _elementwise(ew.nextafter_p, 2, (dtypes.float32,), lambda x, y: np.nextafter(x.astype(np.float32), y.astype(np.float32))),
    _elementwise(ew.and_p, 2, (dtypes.bool_, *INTS), lambda x, y: x & y),
    _elementwise(ew.or_p, 2, (dtypes.bool_, *INTS), lambda x, y: x | y),
    _elementwise(ew.xor_p, 2, (dtypes.bool_, *INTS), lambda x, y: x ^ y),
    _elementwise(ew.shift_left_p, 2, (dtypes.int32, dtypes.uint32), _v(lambda x, y: (x << y) & 0xFFFFFFFF), 0, 40),
    _elementwise(ew.shift_right_arithmetic_p, 2, (dtypes.int32,), _v(lambda x, y: x >> min(y, 31)), 0, 40),
    _elementwise(ew.shift_right_logical_p, 2, (dtypes.int32, dtypes.uint32), _v(lambda x, y: ((x & 0xFFFFFFFF) >> y) if y < 32 else 0), 0, 40),
    _elementwise(ew.eq_p, 2, ALL, lambda x, y: x == y, -1, 1),
    _elementwise(ew.ne_p, 2, ALL, lambda x, y: x != y, -1, 1),
    _elementwise(ew.lt_p, 2, (*INTS, *FLOATS), lambda x, y: x < y, -1, 1),
    _elementwise(ew.le_p, 2, (*INTS, *FLOATS), lambda x, y: x <= y, -1, 1),
    _elementwise(ew.gt_p, 2, (*INTS, *FLOATS), lambda x, y: x > y, -1, 1),
    _elementwise(ew.ge_p, 2, (*INTS, *FLOATS), lambda x, y: x >= y, -1, 1),
    _elementwise(ew.complex_p, 2, (dtypes.float32,), _v(complex)),
    OpRecord(ew.round_p, FLOATS, lambda r, d: ([random_array(r, (7,), d)], {"rounding_method": 0}), _v(lambda x, rounding_method: math.copysign(math.floor(abs(x) + 0.5), x))),
    OpRecord(ew.integer_pow_p, (dtypes.int32, *FLOATS), lambda r, d: ([random_array(r, (4,), d, -3, 3)], {"y": 3}), lambda x, y: x**y),
    OpRecord(ew.select_n_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (5,), dtypes.bool_), random_array(r, (5,), d), random_array(r, (5,), d)], {}), lambda w, a, b: np.where(w, b, a)),
    OpRecord(ew.clamp_p, (dtypes.float32, dtypes.int32), lambda r, d: ([np.asarray(-1, d), random_array(r, (5,), d), np.asarray(1, d)], {}), lambda lo, x, hi: np.minimum(np.maximum(x, lo), hi)),
    OpRecord(ew.convert_element_type_p, (dtypes.float32, dtypes.int32, dtypes.bool_, dtypes.bfloat16), lambda r, d: ([random_array(r, (6,), d)], {"new_dtype": np.dtype(np.int8), "weak_type": False}), _v(lambda x, new_dtype, weak_type: int(x))),
    OpRecord(ew.bitcast_convert_type_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3,), d)], {"new_dtype": np.dtype(np.int32)}), lambda x, new_dtype: np.frombuffer(x.astype(np.float32).tobytes(), np.int32)),
    OpRecord(sh.broadcast_in_dim_p, (dtypes.float32, dtypes.int8), lambda r, d: ([random_array(r, (3, 1), d)], {"shape": (2, 3, 4), "broadcast_dimensions": (1, 2)}), lambda x, shape, broadcast_dimensions: np.tile(x[None], (2, 1, 4))),
    OpRecord(sh.reshape_p, (dtypes.float32, dtypes.bool_), lambda r, d: ([random_array(r, (2, 6), d)], {"new_sizes": (3, 4), "dimensions": None}), lambda x, new_sizes, dimensions: np.array(x.ravel().tolist()).reshape(new_sizes)),
    OpRecord(sh.squeeze_p, (dtypes.float32,), lambda r, d: ([random_array(r, (1, 3, 1), d)], {"dimensions": (0, 2)}), lambda x, dimensions: x[0, :, 0]),
    OpRecord(sh.transpose_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (2, 3, 4), d)], {"permutation": (2, 0, 1)}), lambda x, permutation: np.einsum("abc->cab", x)),
    OpRecord(sh.rev_p, (dtypes.float32,), lambda r, d: ([random_array(r, (2, 3), d)], {"dimensions": (1,)}), lambda x, dimensions: x[:, ::-1]),
    OpRecord(sh.pad_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (3,), d), np.asarray(7, d)], {"padding_config": ((2, -1, 1),)}), lambda x, v, padding_config: np.array([v, v, x[0], v, x[1], v])),
    OpRecord(sh.concatenate_p, (dtypes.float32, dtypes.uint8), lambda r, d: ([random_array(r, (2, 1), d), random_array(r, (2, 3), d)], {"dimension": 1}), lambda a, b, dimension: np.array([list(a[i]) + list(b[i]) for i in range(2)])),
    OpRecord(sh.slice_p, (dtypes.float32,), lambda r, d: ([random_array(r, (5, 4), d)], {"start_indices": (1, 0), "limit_indices": (5, 3), "strides": (2, 1)}), lambda x, **p: np.array([x[1, :3], x[3, :3]])),
    OpRecord(sh.dynamic_slice_p, (dtypes.float32,), lambda r, d: ([random_array(r, (5,), d), np.int32(4)], {"slice_sizes": (2,)}), lambda x, i, slice_sizes: x[3:5]),
    OpRecord(sh.dynamic_update_slice_p, (dtypes.float32,), lambda r, d: ([random_array(r, (5,), d), np.zeros(2, d), np.int32(-1)], {}), lambda x, u, i: np.concatenate([u, x[2:]])),
    OpRecord(sh.iota_p, (dtypes.int32, dtypes.float32), lambda r, d: ([], {"dtype": d, "shape": (2, 3), "dimension": 1}), lambda **p: np.array([[0, 1, 2], [0, 1, 2]])),
    OpRecord(red.reduce_sum_p, (dtypes.int32, *FLOATS), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (1,)}), lambda x, axes: np.array([sum(row.tolist()) for row in x])),
    OpRecord(red.reduce_prod_p, (dtypes.int32, dtypes.float32), lambda r, d: ([random_array(r, (3, 2), d)], {"axes": (1,)}), lambda x, axes: np.array([math.prod(row.tolist()) for row in x])),
    OpRecord(red.reduce_max_p, (dtypes.int8, dtypes.float32), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (0, 1)}), lambda x, axes: max(x.ravel().tolist())),
    OpRecord(red.reduce_min_p, (dtypes.uint8, dtypes.float32), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (0,)}), lambda x, axes: np.array([min(c) for c in x.T.tolist()])),
    OpRecord(red.reduce_and_p, (dtypes.bool_,), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (1,)}), lambda x, axes: np.array([all(row) for row in x.tolist()])),
    OpRecord(red.reduce_or_p, (dtypes.bool_,), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (1,)}), lambda x, axes: np.array([any(row) for row in x.tolist()])),
    OpRecord(red.reduce_xor_p, (dtypes.bool_,), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (1,)}), lambda x, axes: np.array([sum(row) % 2 == 1 for row in x.tolist()])),
    OpRecord(red.argmax_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (1,), "index_dtype": np.dtype(np.int32)}), lambda x, **p: np.array([row.index(max(row)) for row in x.tolist()])),
    OpRecord(red.argmin_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3, 4), d)], {"axes": (0,), "index_dtype": np.dtype(np.int32)}), lambda x, **p: np.array([c.index(min(c)) for c in x.T.tolist()])),
    # Ties go to the first index and NaN counts as the extreme (its first occurrence); bools too.
    OpRecord(red.argmax_p, (dtypes.float32,), lambda r, d: ([np.array([[1, 3, 3, 0], [np.nan, 2, np.nan, 5], [-np.inf, -np.inf, -np.inf, -np.inf]], d)], {"axes": (1,), "index_dtype": np.dtype(np.int32)}), lambda x, **p: np.array([1, 0, 0])),
    OpRecord(red.argmin_p, (dtypes.float32,), lambda r, d: ([np.array([[1, 3, 0, 0], [4, np.nan, 2, np.nan]], d)], {"axes": (1,), "index_dtype": np.dtype(np.int32)}), lambda x, **p: np.array([2, 1])),
    OpRecord(red.argmax_p, (dtypes.bool_, dtypes.uint8), lambda r, d: ([np.array([[0, 1, 1], [0, 0, 0]], d)], {"axes": (1,), "index_dtype": np.dtype(np.int32)}), lambda x, **p: np.array([1, 0])),
    OpRecord(red.cumsum_p, (dtypes.int32, dtypes.float32), lambda r, d: ([random_array(r, (4,), d)], {"axis": 0, "reverse": False}), lambda x, **p: np.array([sum(x[: i + 1].tolist()) for i in range(4)])),
    OpRecord(red.cumprod_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4,), d)], {"axis": 0, "reverse": True}), lambda x, **p: np.array([math.prod(x[i:].tolist()) for i in range(4)])),
    OpRecord(red.cummax_p, (dtypes.float32,), lambda r, d: ([random_array(r, (5,), d)], {"axis": 0, "reverse": False}), lambda x, **p: np.array([max(x[: i + 1].tolist()) for i in range(5)])),
    OpRecord(red.cummin_p, (dtypes.int32,), lambda r, d: ([random_array(r, (5,), d)], {"axis": 0, "reverse": False}), lambda x, **p: np.array([min(x[: i + 1].tolist()) for i in range(5)])),
    OpRecord(red.cumlogsumexp_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4,), d)], {"axis": 0, "reverse": False}), lambda x, **p: np.array([math.log(sum(math.exp(v) for v in x[: i + 1].tolist())) for i in range(4)])),
    OpRecord(la.dot_general_p, (dtypes.int32, *FLOATS), lambda r, d: ([random_array(r, (2, 3, 4), d), random_array(r, (2, 4, 5), d)], {"dimension_numbers": (((2,), (1,)), ((0,), (0,))), "precision": None, "preferred_element_type": None}), lambda a, b, **p: np.array([[[sum(a[k, i, t] * b[k, t, j] for t in range(4)) for j in range(5)] for i in range(3)] for k in range(2)]), rtol_scale=4.0),

    OpRecord(ix.gather_p, (dtypes.float32, dtypes.int32, dtypes.bool_), _gather_args("clip"), _gather_ref),
    OpRecord(ix.gather_p, (dtypes.float32, dtypes.uint8), _gather_args("fill"), _gather_ref),
    OpRecord(ix.gather_p, (dtypes.float32,), _batched_gather_args, lambda x, i, **p: np.array([x[b, i[b, 0]] for b in range(3)])),
    OpRecord(ix.scatter_p, (dtypes.float32, dtypes.int32, dtypes.bool_), _scatter_args, _scatter_ref(lambda a, b: b)),
    OpRecord(ix.scatter_add_p, (dtypes.float32, dtypes.int32, dtypes.bfloat16), _scatter_args, _scatter_ref(lambda a, b: a + b)),
    OpRecord(ix.scatter_mul_p, (dtypes.float32, dtypes.int8), _scatter_args, _scatter_ref(lambda a, b: a * b)),
    OpRecord(ix.scatter_min_p, (dtypes.float32, dtypes.uint32), _scatter_args, _scatter_ref(min)),
    OpRecord(ix.scatter_max_p, (dtypes.float16, dtypes.int32), _scatter_args, _scatter_ref(max)),
    OpRecord(conv.conv_general_dilated_p, (dtypes.float32, dtypes.int32, dtypes.float16), _conv_args, _conv_ref, rtol_scale=8.0),
    OpRecord(fz.cholesky_p, (dtypes.float32, dtypes.complex64), _spd_args, _cholesky_ref, rtol_scale=10.0),
    OpRecord(fz.triangular_solve_p, (dtypes.float32, dtypes.complex64), _triangular_args(left_side=True, lower=True, transpose_a=False, conjugate_a=False, unit_diagonal=False), _triangular_ref, rtol_scale=10.0),
    OpRecord(fz.triangular_solve_p, (dtypes.float32, dtypes.complex64), _triangular_args(left_side=False, lower=False, transpose_a=True, conjugate_a=True, unit_diagonal=False), _triangular_ref, rtol_scale=10.0),
    OpRecord(fz.triangular_solve_p, (dtypes.float32,), _triangular_args(left_side=True, lower=False, transpose_a=True, conjugate_a=False, unit_diagonal=True), _triangular_ref, rtol_scale=10.0),
    OpRecord(fz.lu_p, (dtypes.float32, dtypes.complex64), _lu_args, _lu_ref, rtol_scale=10.0),
    OpRecord(fft_mod.fft_p, (dtypes.complex64,), _fft_args("FFT", (2, 8), (8,)), _fft_ref, rtol_scale=20.0),
    OpRecord(fft_mod.fft_p, (dtypes.complex64,), _fft_args("IFFT", (2, 4, 3), (4, 3)), _fft_ref, rtol_scale=20.0),
    OpRecord(fft_mod.fft_p, (dtypes.float32,), _fft_args("RFFT", (3, 8), (8,)), _fft_ref, rtol_scale=20.0),
    OpRecord(fft_mod.fft_p, (dtypes.float32,), _fft_args("RFFT", (2, 3, 5), (3, 5)), _fft_ref, rtol_scale=20.0),
    OpRecord(fft_mod.fft_p, (dtypes.complex64,), _fft_args("IRFFT", (3, 5), (8,)), _fft_ref, rtol_scale=20.0),
    OpRecord(fft_mod.fft_p, (dtypes.complex64,), _fft_args("IRFFT", (2, 2, 5), (2, 9)), _fft_ref, rtol_scale=20.0),
    OpRecord(fz.qr_p, (dtypes.float32, dtypes.complex64), _qr_args((2, 4, 3), False), _qr_ref, rtol_scale=20.0),
    OpRecord(fz.qr_p, (dtypes.float32,), _qr_args((3, 3), True), _qr_ref, rtol_scale=20.0),
    OpRecord(fz.eigh_p, (dtypes.float32, dtypes.complex64), _eigh_args(True), _eigh_ref, rtol_scale=20.0),
    OpRecord(fz.eigh_p, (dtypes.float32,), _eigh_args(False), _eigh_ref, rtol_scale=20.0),
    OpRecord(fz.svd_p, (dtypes.float32, dtypes.complex64), _svd_args((2, 4, 3), True), _svd_ref, rtol_scale=20.0),
    OpRecord(fz.svd_p, (dtypes.float32,), _svd_args((3, 2, 3), True), _svd_ref, rtol_scale=20.0),
    OpRecord(fz.svd_p, (dtypes.float32, dtypes.complex64), _svd_args((3, 3), False), _svd_ref, rtol_scale=20.0),
    OpRecord(sorting.sort_p, (dtypes.float32, dtypes.int32, dtypes.uint8, dtypes.bool_), lambda r, d: ([random_array(r, (3, 5), d), random_array(r, (3, 5), dtypes.int32)], {"dimension": 1, "is_stable": True, "num_keys": 1}), _sort_ref),
    OpRecord(sorting.sort_p, (dtypes.float32,), lambda r, d: ([np.array([np.nan, 1.0, -0.0, 0.0, -np.inf, np.inf, -1.0], d)], {"dimension": 0, "is_stable": True, "num_keys": 1}), lambda x, **p: np.array([-math.inf, -1.0, -0.0, 0.0, 1.0, math.inf, math.nan])),
    OpRecord(sorting.top_k_p, (dtypes.float32, dtypes.int32, dtypes.uint8), lambda r, d: ([random_array(r, (2, 6), d, 0, 4)], {"k": 3}), _top_k_ref),
    OpRecord(bits.reduce_precision_p, (dtypes.float32,), lambda r, d: ([random_array(r, (50,), d, -1e3, 1e3)], {"exponent_bits": 8, "mantissa_bits": 7}), lambda x, **p: x.astype(dtypes.bfloat16)),
    OpRecord(bits.reduce_precision_p, (dtypes.float32,), lambda r, d: ([random_array(r, (50,), d, -6e4, 6e4)], {"exponent_bits": 5, "mantissa_bits": 10}), lambda x, **p: x.astype(np.float16)),
    # Known-answer vectors of Threefry-2x32 (20 rounds) from the Random123 distribution.
    OpRecord(bits.threefry2x32_p, (dtypes.uint32,), lambda r, d: ([np.array(k, d) for k in _THREEFRY_KAT[0]], {}), lambda *a: [np.array(v) for v in _THREEFRY_KAT[1]]),

    OpRecord(cf.closed_call_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (3,), d), random_array(r, (3,), d)], {"call_jaxpr": _jaxpr(lambda a, b: a * b + a, d, (3,), (3,))}), lambda a, b, **p: a * b + a),
    OpRecord(cf.pjit_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3,), d), random_array(r, (3,), d)], {"call_jaxpr": _jaxpr(lambda a, b: a * b + ew.sin_p.bind(a)[0], d, (3,), (3,)), "name": "f"}), lambda a, b, **p: a * b + np.sin(a)),
    OpRecord(cf.named_call_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3,), d)], {"call_jaxpr": _jaxpr(lambda a: a * a, d, (3,)), "name": "square"}), lambda a, **p: a * a),
    OpRecord(cf.cond_p, (dtypes.float32, dtypes.int32), _cond_args(1), lambda i, a, **p: a * 3),
    OpRecord(cf.cond_p, (dtypes.float32,), _cond_args(7), lambda i, a, **p: -a),  # clamped index
    OpRecord(cf.while_p, (dtypes.float32, dtypes.int32), _while_args, _while_ref),
    OpRecord(cf.scan_p, (dtypes.float32, dtypes.int32), _scan_args(False), _scan_ref(False)),
    OpRecord(cf.scan_p, (dtypes.float32,), _scan_args(True), _scan_ref(True)),
    OpRecord(cf.checkpoint_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4,), d)], {"jaxpr": _jaxpr(lambda a: a * a * a, d, (4,)), "prevent_cse": True, "differentiated": False, "policy": None}), lambda a, **p: a**3),
    OpRecord(cf.name_p, ALL, lambda r, d: ([random_array(r, (2, 3), d)], {"name": "h"}), lambda a, **p: a),
    OpRecord(cf.custom_jvp_call_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4,), d)], {"call_jaxpr": _jaxpr(lambda a: a * a, d, (4,)), "jvp_jaxpr_fun": None, "num_consts": 0, "symbolic_zeros": False}), lambda a, **p: a * a),
    OpRecord(cf.custom_vjp_call_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4,), d)], {"call_jaxpr": _jaxpr(lambda a: a + a, d, (4,)), "fwd_jaxpr_thunk": None, "bwd": None, "num_consts": 0, "out_trees": None, "symbolic_zeros": False}), lambda a, **p: 2 * a),
    OpRecord(cb.pure_callback_p, (dtypes.float32, dtypes.int32), _callback_args(cb.pure_callback_p), lambda a, **p: np.array([sum(a[: i + 1].tolist()) for i in range(len(a))])),
    OpRecord(cb.io_callback_p, (dtypes.float32,), _callback_args(cb.io_callback_p), lambda a, **p: np.array([sum(a[: i + 1].tolist()) for i in range(len(a))])),
    OpRecord(coll.psum_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (4, 3), d)], {"axes": ("i",), "axis_index_groups": None}), lambda x, **p: np.array([[sum(x[:, j].tolist()) for j in range(3)]] * 4), axis_size=4),
    OpRecord(coll.psum_p, (dtypes.float32,), lambda r, d: ([random_array(r, (4, 2), d)], {"axes": ("i",), "axis_index_groups": ((0, 2), (1, 3))}), lambda x, **p: np.array([x[0] + x[2], x[1] + x[3], x[0] + x[2], x[1] + x[3]]), axis_size=4),
    OpRecord(coll.pmax_p, (dtypes.float32, dtypes.int8), lambda r, d: ([random_array(r, (3, 2), d)], {"axes": ("i",), "axis_index_groups": None}), lambda x, **p: np.array([[max(x[:, j].tolist()) for j in range(2)]] * 3), axis_size=3),
    OpRecord(coll.pmin_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3, 2), d)], {"axes": ("i",), "axis_index_groups": None}), lambda x, **p: np.array([[min(x[:, j].tolist()) for j in range(2)]] * 3), axis_size=3),
    OpRecord(coll.axis_index_p, (dtypes.int32,), lambda r, d: ([], {"axis_name": "i"}), lambda **p: np.array([0, 1, 2, 3, 4]), axis_size=5),
    OpRecord(coll.all_gather_p, (dtypes.float32, dtypes.bool_), lambda r, d: ([random_array(r, (3, 2), d)], {"axis_name": "i", "all_gather_dimension": 1, "axis_size": 3, "axis_index_groups": None, "tiled": False}), lambda x, **p: np.array([[[x[m, k] for m in range(3)] for k in range(2)]] * 3), axis_size=3),
    OpRecord(coll.all_gather_p, (dtypes.float32,), lambda r, d: ([random_array(r, (2, 2), d)], {"axis_name": "i", "all_gather_dimension": 0, "axis_size": 2, "axis_index_groups": None, "tiled": True}), lambda x, **p: np.array([[x[0, 0], x[0, 1], x[1, 0], x[1, 1]]] * 2), axis_size=2),
    OpRecord(coll.all_to_all_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (2, 4, 3), d)], {"axis_name": "i", "split_axis": 0, "concat_axis": 1, "axis_size": 2, "axis_index_groups": None}), _all_to_all_ref, axis_size=2),
    OpRecord(coll.ppermute_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (4, 2), d)], {"axis_name": "i", "perm": ((0, 1), (1, 2), (2, 0))}), lambda x, **p: np.array([x[2], x[0], x[1], 0 * x[3]]), axis_size=4),
    OpRecord(coll.psum_scatter_p, (dtypes.float32, dtypes.int32), lambda r, d: ([random_array(r, (2, 4), d)], {"axis_name": "i", "scatter_dimension": 0, "axis_size": 2, "axis_index_groups": None, "tiled": True}), lambda x, **p: np.array([(x[0] + x[1])[:2], (x[0] + x[1])[2:]]), axis_size=2),
    OpRecord(coll.psum_scatter_p, (dtypes.float32,), lambda r, d: ([random_array(r, (3, 3, 2), d)], {"axis_name": "i", "scatter_dimension": 0, "axis_size": 3, "axis_index_groups": None, "tiled": False}), lambda x, **p: np.array([(x[0] + x[1] + x[2])[m] for m in range(3)]), axis_size=3),
]  # fmt: skip
