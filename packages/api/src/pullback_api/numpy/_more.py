"""The rest of NumPy's everyday surface, composed from the other `pullback.numpy` functions.

Elementwise helpers (nan_to_num, fmax, signbit, ...), shapes and index grids (rot90, resize,
tril_indices, unravel_index, ...), sorted-array searches (searchsorted, digitize, interp,
histogram, unique), statistics (quantile and percentile with NaN variants, cov, corrcoef,
diff, gradient, trapezoid) and polynomials/convolutions. Every function traces: sizes that
NumPy computes from values (`bincount`'s length, `unique`'s size) are arguments under a
transformation, as in JAX.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device
from pullback_ir.trace import Tracer

from pullback_api import numpy as _jnp_module
from pullback_api.numpy._core import (
    asarray_arg,
    axes_of,
    cast,
    export,
    promote,
    promote_inexact,
)
from pullback_api.numpy._reductions import nan_to_identity

jnp: Any = _jnp_module  # filled in by the time any function here runs

__all__ = [
    "angle", "append", "bincount", "convolve", "corrcoef", "correlate", "cov", "cross",
    "diag_indices", "diff", "digitize", "divmod", "dsplit", "fabs", "fill_diagonal", "float_power",
    "fmax", "fmin", "frexp", "gcd", "geomspace", "gradient", "heaviside", "histogram", "hsplit",
    "i0", "indices", "interp", "iscomplex", "isneginf", "isposinf", "isreal", "lcm", "ldexp",
    "logspace", "modf", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum",
    "nanmedian", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nanvar", "percentile",
    "piecewise", "polyval", "quantile", "resize", "rollaxis", "rot90", "searchsorted", "signbit",
    "spacing", "trapezoid", "tril_indices", "triu_indices", "unique", "unravel_index", "vander",
    "vsplit",
]  # fmt: skip


def _dtype(x: Any) -> np.dtype[Any]:
    return aval_of(x).dtype


def _common(name: str, *args: Any, inexact: bool = False) -> list[Any]:
    """The arguments converted to their common dtype (JAX promotion), not broadcast."""
    vals = [asarray_arg(a, name) for a in args]
    dt, _ = dtypes.result_type(*vals)
    if inexact and not dtypes.is_inexact(dt):
        dt = dtypes.default_float_dtype()
    return [jnp.asarray(v, dt) for v in vals]


def _concrete_int(x: Any, what: str) -> int:
    if isinstance(x, Tracer):
        raise TypeError(f"{what} must be a concrete integer, not a traced value")
    return int(x)


# --- elementwise ----------------------------------------------------------------------------


@export
def angle(z: Any, deg: bool = False) -> Any:
    """The argument of complex `z` (0 or pi for reals), in degrees if `deg`."""
    (z,) = promote_inexact("angle", z)
    out = jnp.arctan2(jnp.imag(z), jnp.real(z))
    return jnp.degrees(out) if deg else out


@export
def fabs(x: Any) -> Any:
    """The absolute value of a real `x`, as a float."""
    (x,) = promote_inexact("fabs", x)
    if dtypes.is_complex(_dtype(x)):
        raise TypeError("fabs: complex input is not supported (use abs)")
    return jnp.abs(x)


@export
def float_power(x1: Any, x2: Any) -> Any:
    """x1 ** x2 computed in the widest float type enabled (float64 with x64, else float32)."""
    x1, x2 = promote_inexact("float_power", x1, x2)
    dt = _dtype(x1)
    wide = np.complex128 if dtypes.is_complex(dt) else np.float64
    wide_dt = dtypes.canonicalize_dtype(wide)
    x1, x2 = (cast(v, wide_dt, aval_of(v).weak_type) for v in (x1, x2))  # (weak stays weak)
    return jnp.power(x1, x2)


def _nan_ignoring(name: str, pick: Callable[[Any, Any], Any]) -> Any:
    def f(x1: Any, x2: Any) -> Any:
        x1, x2 = promote(name, x1, x2)
        if not dtypes.is_inexact(_dtype(x1)):
            return pick(x1, x2)
        return jnp.where(jnp.isnan(x1), x2, jnp.where(jnp.isnan(x2), x1, pick(x1, x2)))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise {name[1:]}imum that returns the other operand where one is NaN."
    return export(f)


fmax = _nan_ignoring("fmax", lambda a, b: jnp.maximum(a, b))
fmin = _nan_ignoring("fmin", lambda a, b: jnp.minimum(a, b))


@export
def heaviside(x1: Any, x2: Any) -> Any:
    """The step function: 0 for x1 < 0, x2 at 0, 1 for x1 > 0."""
    x1, x2 = promote_inexact("heaviside", x1, x2)
    zero, one = jnp.zeros_like(x1), jnp.ones_like(x1)
    return jnp.where(x1 < 0, zero, jnp.where(x1 > 0, one, x2))


_SAME_WIDTH_INT = {2: np.int16, 4: np.int32, 8: np.int64}


@export
def signbit(x: Any) -> Any:
    """Whether the sign bit is set (True for -0.0 and negative NaNs)."""
    x = jnp.asarray(x)
    dt = _dtype(x)
    if dt == np.bool_ or dt.kind == "u":
        return jnp.zeros_like(x, dtype=bool)
    if not dtypes.is_inexact(dt):
        return lax.lt(x, np.zeros((), dt))  # (strongly typed, as in JAX)
    if dtypes.is_complex(dt):
        raise TypeError("signbit: complex input is not supported")
    if dt.itemsize == 1:  # float8: widen first (the sign survives the conversion)
        x, dt = jnp.asarray(x, np.float16), np.dtype(np.float16)
    bits = lax.bitcast_convert_type(x, _SAME_WIDTH_INT[dt.itemsize])
    return bits < 0


@export
def isposinf(x: Any) -> Any:
    """Whether each element is +inf."""
    x = jnp.asarray(x)
    return jnp.logical_and(jnp.isinf(x), x > 0)


@export
def isneginf(x: Any) -> Any:
    """Whether each element is -inf."""
    x = jnp.asarray(x)
    return jnp.logical_and(jnp.isinf(x), x < 0)


@export
def iscomplex(x: Any) -> Any:
    """Whether each element has a nonzero imaginary part."""
    x = jnp.asarray(x)
    return jnp.imag(x) != 0


@export
def isreal(x: Any) -> Any:
    """Whether each element has a zero imaginary part."""
    x = jnp.asarray(x)
    return jnp.imag(x) == 0


@export
def ldexp(x1: Any, x2: Any) -> Any:
    """x1 * 2 ** x2 for an integer exponent x2."""
    x2 = jnp.asarray(x2)
    if dtypes.is_inexact(_dtype(x2)):
        raise TypeError("ldexp: the exponent x2 must be an integer array")
    (x1,) = promote_inexact("ldexp", x1)
    return jnp.multiply(x1, jnp.exp2(jnp.asarray(x2, _dtype(x1))))


def _i0_series(x: Any, terms: int) -> Any:
    # sum over k of (x^2/4)^k / (k!)^2, by Horner's rule in y = x^2/4 (all terms positive)
    y = x * x * 0.25
    acc = jnp.ones_like(y)
    for k in range(terms, 0, -1):
        acc = acc * y / float(k * k) + 1.0
    return acc


def _i0_asymptotic(x: Any, terms: int) -> Any:
    # e^x / sqrt(2 pi x) * sum over k of ((2k-1)!!)^2 / (k! (8x)^k), for large x
    acc = jnp.ones_like(x)
    for k in range(terms, 0, -1):
        acc = acc * (float((2 * k - 1) ** 2) / float(8 * k)) / x + 1.0
    # (e^x in two halves, the prefactor between them: finite wherever I0 itself is)
    half = jnp.exp(x * 0.5)
    return half * (half / jnp.sqrt(2.0 * math.pi * x)) * acc


@export
def i0(x: Any, /) -> Any:
    """The modified Bessel function of the first kind of order 0 (real `x`).

    A power series for |x| up to a switch point (15 for 32-bit and narrower floats, 30 for
    float64) and the large-argument expansion beyond it; both are evaluated on clamped
    arguments so that the branch not taken stays finite and the gradient (I1) is not NaN.
    """
    (x,) = promote_inexact("i0", x)
    dt = _dtype(x)
    if dtypes.is_complex(dt):
        raise TypeError("i0: complex input is not supported")
    work = dt if dt in (np.dtype(np.float32), np.dtype(np.float64)) else np.dtype(np.float32)
    wide = work == np.dtype(np.float64)
    switch, n_series, n_asym = (30.0, 60, 14) if wide else (15.0, 30, 8)
    top = 713.0 if wide else 91.5  # (I0 of more overflows: inf, without computing it)
    ax = jnp.abs(jnp.asarray(x, work) if work != dt else x)
    near = ax <= switch  # (where, not minimum: a tie would split the gradient in two)
    small = _i0_series(jnp.where(near, ax, switch), n_series)
    large = _i0_asymptotic(jnp.where(near, switch, jnp.where(ax > top, top, ax)), n_asym)
    out = jnp.where(near, small, jnp.where(ax > top, np.inf, large))
    return out if work == dt else jnp.asarray(out, dt)


@export
def divmod(x1: Any, x2: Any, /) -> Any:
    """(x1 // x2, x1 % x2), Python's floor division and the remainder with x2's sign."""
    return jnp.floor_divide(x1, x2), jnp.remainder(x1, x2)


# bits of the exponent field and of the mantissa of each float type frexp takes
_FLOAT_LAYOUT = {np.dtype(np.float16): (5, 10), np.dtype(np.float32): (8, 23),
                 np.dtype(np.float64): (11, 52)}  # fmt: skip


@export
def frexp(x: Any, /) -> Any:
    """(mantissa, exponent) with x = mantissa * 2**exponent and 0.5 <= |mantissa| < 1.

    Zeros, infinities and NaNs give themselves as the mantissa and exponent 0, as in NumPy.
    The exponent is int32.
    """
    (x,) = promote_inexact("frexp", x)
    dt = _dtype(x)
    if dtypes.is_complex(dt):
        raise TypeError("frexp: complex input is not supported")
    work = dt if dt in _FLOAT_LAYOUT else np.dtype(np.float32)  # (bfloat16, float8: widened)
    ebits, mbits = _FLOAT_LAYOUT[work]
    it = _SAME_WIDTH_INT[work.itemsize]
    v = jnp.asarray(x, work)
    # Subnormals are scaled into the normal range first (exactly), then the scale undone.
    sub = (v != 0) & (jnp.abs(v) < np.finfo(work).tiny)
    v = jnp.where(sub, v * np.asarray(2.0**mbits, work), v)
    bits = lax.bitcast_convert_type(v, it)
    ones = (1 << ebits) - 1  # (the exponent field, all set)
    field = lax.bitwise_and(lax.shift_right_logical(bits, np.asarray(mbits, it)),
                            np.asarray(ones, it))  # fmt: skip
    bias = (1 << (ebits - 1)) - 2  # (the field of 0.5)
    keep = np.asarray(~(ones << mbits), np.int64).astype(it)
    half = np.asarray(bias << mbits, it)
    mant = lax.bitcast_convert_type(lax.bitwise_or(lax.bitwise_and(bits, keep), half), work)
    exp = jnp.asarray(field, np.int32) - bias - jnp.where(sub, mbits, 0).astype(np.int32)
    special = (v == 0) | ~jnp.isfinite(v)
    mant = jnp.where(special, v, mant)
    exp = jnp.where(special, 0, exp).astype(np.int32)
    return jnp.asarray(mant, dt), exp


@export
def spacing(x: Any, /) -> Any:
    """The distance from `x` to the next representable value away from zero.

    As in NumPy and JAX, float16 steps toward +inf instead (so `spacing` of a negative
    float16 is positive), and infinities give NaN.
    """
    (x,) = promote_inexact("spacing", x)
    dt = _dtype(x)
    if dtypes.is_complex(dt):
        raise TypeError("spacing: complex input is not supported")
    if dt == np.float16:
        away = jnp.full_like(x, np.inf)
    else:
        away = jnp.where(jnp.signbit(x), -np.inf, np.inf).astype(dt)
    out = jnp.nextafter(x, away) - x
    # (at zero the step is the smallest subnormal itself: XLA's CPU code would flush x - 0)
    out = jnp.where(x == 0, jnp.nextafter(jnp.zeros_like(x), away), out)
    return jnp.where(jnp.isinf(x), np.nan, out).astype(dt)


@export
def modf(x: Any) -> Any:
    """The fractional and integral parts of `x`, both with the sign of `x`."""
    (x,) = promote_inexact("modf", x)
    whole = jnp.trunc(x)
    return x - whole, whole


def _gcd_pair(a: Any, b: Any) -> Any:
    def cond(c: Any) -> Any:
        return jnp.any(c[1] != 0)

    def body(c: Any) -> Any:
        x, y = c
        nz = y != 0
        safe = jnp.where(nz, y, jnp.ones_like(y))
        return jnp.where(nz, y, x), jnp.where(nz, jnp.remainder(x, safe), jnp.zeros_like(y))

    return lax.while_loop(cond, body, (jnp.abs(a), jnp.abs(b)))[0]


@export
def gcd(x1: Any, x2: Any) -> Any:
    """The greatest common divisor of integers, elementwise (gcd(0, 0) = 0)."""
    x1, x2 = jnp.broadcast_arrays(*promote("gcd", x1, x2))
    if dtypes.is_inexact(_dtype(x1)) or _dtype(x1) == np.bool_:
        raise TypeError(f"gcd: integer arguments are required, got {_dtype(x1).name}")
    return _gcd_pair(x1, x2)


@export
def lcm(x1: Any, x2: Any) -> Any:
    """The least common multiple of integers, elementwise (0 if either is 0)."""
    x1, x2 = jnp.broadcast_arrays(*promote("lcm", x1, x2))
    if dtypes.is_inexact(_dtype(x1)) or _dtype(x1) == np.bool_:
        raise TypeError(f"lcm: integer arguments are required, got {_dtype(x1).name}")
    g = _gcd_pair(x1, x2)
    safe = jnp.where(g == 0, jnp.ones_like(g), g)
    return jnp.where(g == 0, jnp.zeros_like(g), jnp.abs(x1 // safe * x2))


@export
def nan_to_num(x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None,
               neginf: Any = None) -> Any:  # fmt: skip
    """`x` with NaN replaced by `nan` and infinities by `posinf`/`neginf`.

    The infinities default to the largest and smallest finite values of the dtype.
    """
    del copy  # arrays are immutable
    x = jnp.asarray(x)
    dt = _dtype(x)
    if not dtypes.is_inexact(dt):
        return x
    if dtypes.is_complex(dt):
        re = nan_to_num(jnp.real(x), nan=nan, posinf=posinf, neginf=neginf)
        im = nan_to_num(jnp.imag(x), nan=nan, posinf=posinf, neginf=neginf)
        return lax.complex(re, im)
    info = jnp.finfo(dt)
    big = info.max if posinf is None else posinf
    small = info.min if neginf is None else neginf
    out = jnp.where(jnp.isnan(x), jnp.asarray(nan, dt), x)
    out = jnp.where(isposinf(out), jnp.asarray(big, dt), out)
    return jnp.where(isneginf(out), jnp.asarray(small, dt), out)


# --- shapes and index grids -----------------------------------------------------------------


@export
def append(arr: Any, values: Any, axis: int | None = None) -> Any:
    """`arr` with `values` added at the end (both flattened when `axis` is None)."""
    if axis is None:
        return jnp.concatenate([jnp.ravel(arr), jnp.ravel(values)])
    return jnp.concatenate([arr, values], axis=axis)


def _split_along(name: str, axis: int, min_ndim: int) -> Any:
    def f(ary: Any, indices_or_sections: Any) -> Any:
        ary = jnp.asarray(ary)
        nd = len(aval_of(ary).shape)
        if nd < min_ndim:
            raise ValueError(f"{name} needs an array of rank >= {min_ndim}, got rank {nd}")
        ax = 0 if (name == "hsplit" and nd == 1) else axis
        return jnp.split(ary, indices_or_sections, axis=ax)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"`split` along axis {axis}."
    return f


hsplit = _split_along("hsplit", 1, 1)
vsplit = _split_along("vsplit", 0, 2)
dsplit = _split_along("dsplit", 2, 3)


@export
def rot90(m: Any, k: int = 1, axes: tuple[int, int] = (0, 1)) -> Any:
    """`m` rotated by 90 degrees `k` times, from the first of `axes` towards the second."""
    m = jnp.asarray(m)
    nd = len(aval_of(m).shape)
    if len(axes) != 2:
        raise ValueError(f"rot90: axes must be two axes, got {axes}")
    a0, a1 = axes_of(axes, nd, "rot90")
    k = k % 4
    if k == 0:
        return m
    if k == 2:
        return jnp.flip(jnp.flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return jnp.transpose(jnp.flip(m, a1), perm)
    return jnp.flip(jnp.transpose(m, perm), a1)


@export
def rollaxis(a: Any, axis: int, start: int = 0) -> Any:
    """`a` with `axis` moved to just before position `start`."""
    a = jnp.asarray(a)
    nd = len(aval_of(a).shape)
    axis = axes_of(axis, nd, "rollaxis")[0]
    if not -nd <= start <= nd:
        raise ValueError(f"rollaxis: start {start} is out of range for rank {nd}")
    start = start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return jnp.moveaxis(a, axis, start)


@export
def resize(a: Any, new_shape: Any) -> Any:
    """An array of `new_shape` filled with the elements of `a`, repeated cyclically."""
    shape = (int(new_shape),) if isinstance(new_shape, int | np.integer) else tuple(new_shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"resize: new_shape must be non-negative, got {shape}")
    flat = jnp.ravel(a)
    n = aval_of(flat).shape[0]
    size = math.prod(shape)
    if n == 0 or size == 0:
        return jnp.zeros(shape, _dtype(flat))
    reps = -(-size // n)
    return jnp.reshape(jnp.tile(flat, reps)[:size], shape)


def _index_arrays(arrays: Sequence[np.ndarray[Any, Any]]) -> tuple[Any, ...]:
    dt = dtypes.default_int_dtype()
    return tuple(jnp.asarray(np.asarray(a, dt)) for a in arrays)


def diag_indices(n: int, ndim: int = 2) -> tuple[Any, ...]:
    """The indices of the main diagonal of an (n, ..., n) array of rank `ndim`."""
    return _index_arrays(np.diag_indices(n, ndim))


def tril_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Any, ...]:
    """The indices of the lower triangle (on and below diagonal `k`) of an (n, m) array."""
    return _index_arrays(np.tril_indices(n, k, m))


def triu_indices(n: int, k: int = 0, m: int | None = None) -> tuple[Any, ...]:
    """The indices of the upper triangle (on and above diagonal `k`) of an (n, m) array."""
    return _index_arrays(np.triu_indices(n, k, m))


def indices(dimensions: Sequence[int], dtype: Any = None, sparse: bool = False) -> Any:
    """The index grid of an array of shape `dimensions` (one array per axis)."""
    dt = dtypes.canonicalize_dtype(dtype or dtypes.default_int_dtype())
    grids: Any = np.indices(tuple(dimensions), dtype=dt, sparse=sparse)  # type: ignore[call-overload]
    if sparse:
        return tuple(jnp.asarray(g) for g in grids)
    return jnp.asarray(grids)


@export
def unravel_index(indices: Any, shape: Sequence[int]) -> tuple[Any, ...]:
    """The coordinates in an array of `shape` of flat `indices` (out-of-range ones clip)."""
    idx = jnp.asarray(indices)
    if dtypes.is_inexact(_dtype(idx)):
        raise TypeError("unravel_index: indices must be integers")
    shape = tuple(int(s) for s in shape)
    total = math.prod(shape)
    idx = jnp.clip(jnp.where(idx < 0, idx + total, idx), 0, builtins.max(total - 1, 0))
    out = []
    for size in reversed(shape):
        out.append(jnp.remainder(idx, size))
        idx = jnp.floor_divide(idx, size)
    return tuple(reversed(out))


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """A copy of `a` with `val` on its main diagonal.

    `inplace=False` is required: arrays are immutable.
    """
    if inplace:
        raise ValueError("fill_diagonal: pullback arrays are immutable; pass inplace=False")
    a = jnp.asarray(a)
    shape = aval_of(a).shape
    if len(shape) < 2:
        raise ValueError(f"fill_diagonal: the array must be at least 2-d, got shape {shape}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ValueError(f"fill_diagonal: all dimensions must be equal, got shape {shape}")
    if len(shape) == 2:
        n, m = shape
        step = m + 1
        end = n * m if wrap else builtins.min(n, m) * m
        flat_idx = np.arange(0, end, step)
    else:
        flat_idx = np.ravel_multi_index(np.diag_indices(shape[0], len(shape)), shape)
    count = len(flat_idx)
    vals = jnp.ravel(jnp.asarray(val, _dtype(a)))
    vals = jnp.resize(vals, (count,)) if aval_of(vals).shape[0] != count else vals
    return jnp.reshape(jnp.ravel(a).at[flat_idx].set(vals), shape)


@export
def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """The Vandermonde matrix of 1-d `x`: columns x**(N-1), ..., x, 1 (reversed if increasing)."""
    x = jnp.asarray(x)
    if len(aval_of(x).shape) != 1:
        raise ValueError(f"vander: x must be 1-d, got shape {aval_of(x).shape}")
    n = aval_of(x).shape[0] if N is None else int(N)
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    cols = [jnp.ones_like(x) if p == 0 else lax.integer_pow(x, int(p)) for p in powers]
    if not cols:
        return jnp.zeros((aval_of(x).shape[0], 0), _dtype(x))
    return jnp.stack(cols, axis=1)


@export
def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0,
             dtype: Any = None, axis: int = 0, *, device: Any = None) -> Any:  # fmt: skip
    """`base ** linspace(start, stop, num)` (`device`: accepted, as by `linspace`)."""
    del device
    exps = jnp.linspace(start, stop, num, endpoint=endpoint, axis=axis)
    out = jnp.power(jnp.asarray(base, _dtype(exps)), exps)
    return out if dtype is None else jnp.asarray(out, dtype)


@export
def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None,
              axis: int = 0, *, device: Any = None) -> Any:  # fmt: skip
    """`num` numbers from `start` to `stop` evenly spaced on a log scale (same signs).

    `device` is accepted, as by `linspace`.
    """
    del device
    start, stop = promote_inexact("geomspace", start, stop)
    sign = jnp.sign(start)
    logs = jnp.linspace(jnp.log(jnp.abs(start)), jnp.log(jnp.abs(stop)), num,
                        endpoint=endpoint, axis=axis)  # fmt: skip
    out = jnp.exp(logs) * jnp.expand_dims(sign, axis)
    # The end points exactly as given.
    n = aval_of(out).shape[axis]
    if n:
        out = jnp.moveaxis(out, axis, 0).at[0].set(start)
        if endpoint and n > 1:
            out = out.at[-1].set(stop)
        out = jnp.moveaxis(out, 0, axis)
    return out if dtype is None else jnp.asarray(out, dtype)


# --- searching sorted arrays ----------------------------------------------------------------


@export
def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None, *,
                 method: str = "scan") -> Any:  # fmt: skip
    """Indices where `v` would be inserted into sorted 1-d `a` to keep it sorted.

    `side="left"` gives the first such index, `"right"` the last. A binary search of
    ceil(log2(n + 1)) steps, each a gather and a comparison; `method` is accepted for JAX
    compatibility (every method gives the same result here).
    """
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in ("scan", "scan_unrolled", "sort", "compare_all"):
        raise ValueError(f"searchsorted: unknown method {method!r}")
    a = jnp.asarray(a)
    if len(aval_of(a).shape) != 1:
        raise ValueError(f"searchsorted: a must be 1-d, got shape {aval_of(a).shape}")
    if sorter is not None:
        a = jnp.take(a, sorter)
    a, v = _common("searchsorted", a, v)
    n = aval_of(a).shape[0]
    idt = dtypes.default_int_dtype()
    lo = jnp.zeros(aval_of(v).shape, idt)
    hi = jnp.full(aval_of(v).shape, n, idt)
    if n == 0:
        return lo
    for _ in range(builtins.max(1, math.ceil(math.log2(n + 1)))):
        mid = jnp.floor_divide(lo + hi, 2)
        pivot = jnp.take(a, jnp.clip(mid, 0, n - 1))
        right = (pivot <= v) if side == "right" else (pivot < v)
        active = lo < hi
        lo = jnp.where(active & right, mid + 1, lo)
        hi = jnp.where(active & ~right, mid, hi)
    return lo


@export
def digitize(x: Any, bins: Any, right: bool = False) -> Any:
    """The index of the bin of each `x` in monotonic `bins` (NumPy's convention for `right`)."""
    bins = jnp.asarray(bins)
    if len(aval_of(bins).shape) != 1:
        raise ValueError(f"digitize: bins must be 1-d, got shape {aval_of(bins).shape}")
    n = aval_of(bins).shape[0]
    if n == 0:
        return jnp.zeros(aval_of(jnp.asarray(x)).shape, dtypes.default_int_dtype())
    side = "left" if right else "right"
    increasing = searchsorted(bins, x, side=side)
    decreasing = n - searchsorted(jnp.flip(bins), x, side="right" if right else "left")
    return jnp.where(bins[-1] >= bins[0], increasing, decreasing)


@export
def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None,
           period: Any = None) -> Any:  # fmt: skip
    """Piecewise-linear interpolation of the points (xp, fp) at `x` (xp increasing).

    Outside the range the result is `left`/`right` (default fp[0]/fp[-1]); with `period`, the
    coordinates are taken modulo the period and `left`/`right` are not used.
    """
    x, xp = _common("interp", x, xp, inexact=True)
    fp = jnp.asarray(fp)
    if len(aval_of(xp).shape) != 1 or aval_of(xp).shape != aval_of(fp).shape:
        raise ValueError(
            f"interp: xp and fp must be 1-d of the same length, got {aval_of(xp).shape} and "
            f"{aval_of(fp).shape}"
        )
    if not dtypes.is_inexact(_dtype(fp)):
        fp = jnp.asarray(fp, _dtype(x))
    if period is not None:
        if left is not None or right is not None:
            raise ValueError("interp: left and right cannot be given with period")
        period = jnp.abs(jnp.asarray(period, _dtype(x)))
        x = jnp.remainder(x, period)
        xp = jnp.remainder(xp, period)
        order = jnp.argsort(xp)
        xp, fp = jnp.take(xp, order), jnp.take(fp, order)
        xp = jnp.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = jnp.concatenate([fp[-1:], fp, fp[:1]])
    n = aval_of(xp).shape[0]
    i = jnp.clip(searchsorted(xp, x, side="right"), 1, n - 1)
    x0, x1 = jnp.take(xp, i - 1), jnp.take(xp, i)
    f0, f1 = jnp.take(fp, i - 1), jnp.take(fp, i)
    dx = x1 - x0
    safe = jnp.where(dx == 0, jnp.ones_like(dx), dx)
    t = jnp.asarray((x - x0) / safe, _dtype(f0))
    out = jnp.where(dx == 0, f1, f0 + t * (f1 - f0))
    if period is None:
        lo = fp[0] if left is None else jnp.asarray(left, _dtype(out))
        hi = fp[-1] if right is None else jnp.asarray(right, _dtype(out))
        out = jnp.where(x < xp[0], lo, jnp.where(x > xp[-1], hi, out))
    return out


@export
def bincount(x: Any, weights: Any = None, minlength: int = 0, *, length: int | None = None) -> Any:
    """How many times each value 0, 1, ... occurs in non-negative integer `x`.

    With `weights`, their sums instead of counts.

    The result has `length` entries; without it the length is max(x) + 1 (at least
    `minlength`), which needs a concrete `x`. Values outside [0, length) are dropped.
    """
    x = jnp.asarray(x)
    if dtypes.is_inexact(_dtype(x)) or len(aval_of(x).shape) != 1:
        raise TypeError(f"bincount: x must be a 1-d integer array, got {aval_of(x).str_short()}")
    if length is None:
        if isinstance(x, Tracer):
            raise TypeError(
                "bincount: under a transformation the output length must be static: pass length=..."
            )
        host = np.asarray(x)
        length = builtins.max(int(host.max()) + 1 if host.size else 0, int(minlength))
    length = _concrete_int(length, "bincount's length")
    if weights is None:
        vals = jnp.ones(aval_of(x).shape, dtypes.default_int_dtype())
    else:
        vals = jnp.asarray(weights)
        if aval_of(vals).shape != aval_of(x).shape:
            raise ValueError(
                f"bincount: weights must have the shape of x {aval_of(x).shape}, got "
                f"{aval_of(vals).shape}"
            )
    return jnp.zeros(length, _dtype(vals)).at[x].add(vals, mode="drop")


@export
def histogram(a: Any, bins: Any = 10, range: Any = None, weights: Any = None,
              density: bool | None = None,
              out_sharding: Any = None) -> tuple[Any, Any]:  # fmt: skip
    """The histogram of `a`: (counts, bin_edges), NumPy's conventions (the last bin is closed).

    `bins` is a number of equal-width bins over `range` (default: the data's min and max) or
    the monotonic bin edges; `density=True` normalizes to a probability density.
    `out_sharding` may place the result on one device.
    """
    check_one_device(out_sharding, "histogram: out_sharding")
    a = jnp.ravel(promote_inexact("histogram", a)[0])
    if isinstance(bins, int | np.integer):
        if bins < 1:
            raise ValueError(f"histogram: bins must be positive, got {bins}")
        if range is None:
            lo, hi = jnp.min(a), jnp.max(a)
        else:
            lo, hi = (jnp.asarray(r, _dtype(a)) for r in range)
        same = lo == hi
        lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)
        edges = jnp.linspace(lo, hi, int(bins) + 1)
    else:
        edges = jnp.asarray(bins, _dtype(a))
    nbins = aval_of(edges).shape[0] - 1
    idx = searchsorted(edges, a, side="right") - 1
    idx = jnp.where(a == edges[-1], nbins - 1, idx)  # the last bin includes its right edge
    inside = (a >= edges[0]) & (a <= edges[-1])
    idx = jnp.where(inside, idx, nbins)  # dropped by bincount
    w = None if weights is None else jnp.ravel(jnp.asarray(weights))
    counts = bincount(idx, w, length=nbins)
    if density:
        widths = jnp.diff(edges)
        counts = counts / (jnp.sum(counts) * widths)
    return counts, edges


@export
def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value: Any = None) -> Any:  # fmt: skip
    """The sorted distinct elements of flattened `ar`.

    Optionally also the index of each one's first occurrence, the inverse mapping and the
    counts.

    Under a transformation the number of distinct values must be static: pass `size`
    (results are padded with `fill_value`, default the smallest value, or truncated).
    """
    if axis is not None:
        raise NotImplementedError("unique: only axis=None (the flattened array) is supported")
    flat = jnp.ravel(ar)
    n = aval_of(flat).shape[0]
    if size is None:
        if isinstance(flat, Tracer):
            raise TypeError(
                "unique: under a transformation the number of distinct values must be static: "
                "pass size=..."
            )
        host = np.asarray(flat)
        res = np.unique(host, return_index=True, equal_nan=equal_nan)
        size = len(res[0])
    size = _concrete_int(size, "unique's size")
    order = jnp.argsort(flat, stable=True)
    s = jnp.take(flat, order)
    if n:
        diff_ = s[1:] != s[:-1]
        if equal_nan and dtypes.is_inexact(_dtype(s)):
            diff_ = diff_ & ~(jnp.isnan(s[1:]) & jnp.isnan(s[:-1]))
        first = jnp.concatenate([jnp.ones(1, bool), diff_])
    else:
        first = jnp.ones(0, bool)
    group = jnp.cumsum(first) - 1
    slot = jnp.where(first, group, size)  # each group's first element, the rest dropped
    fill = fill_value if fill_value is not None else (jnp.min(flat) if n else 0)
    values = jnp.full(size, fill, _dtype(flat)).at[slot].set(s, mode="drop")
    outs = [values]
    if return_index:
        outs.append(jnp.zeros(size, _dtype(order)).at[slot].set(order, mode="drop"))
    if return_inverse:
        inverse = jnp.zeros(n, _dtype(group)).at[order].set(group)
        outs.append(jnp.reshape(inverse, aval_of(jnp.asarray(ar)).shape))
    if return_counts:
        outs.append(jnp.zeros(size, _dtype(group)).at[group].add(1, mode="drop"))
    return outs[0] if len(outs) == 1 else tuple(outs)


# --- statistics -----------------------------------------------------------------------------


@export
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Any:
    """The `n`-th discrete difference along `axis` (after adding `prepend`/`append`)."""
    a = jnp.asarray(a)
    nd = len(aval_of(a).shape)
    if nd == 0:
        raise ValueError("diff: the input must be at least 1-d")
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    axis = axes_of(axis, nd, "diff")[0]
    if prepend is not None or append is not None:
        pieces = [] if prepend is None else [_as_part(prepend, a, axis)]
        pieces.append(a)
        if append is not None:
            pieces.append(_as_part(append, a, axis))
        a = jnp.concatenate(pieces, axis=axis)
    boolean = _dtype(a) == np.bool_
    for _ in range(n):
        m = aval_of(a).shape[axis]
        hi = lax.slice_in_dim(a, 1, m, 1, axis)
        lo = lax.slice_in_dim(a, 0, m - 1, 1, axis)
        a = jnp.not_equal(hi, lo) if boolean else jnp.subtract(hi, lo)
    return a


def _as_part(extra: Any, a: Any, axis: int) -> Any:
    e = jnp.asarray(extra)
    if not aval_of(e).shape:
        shape = list(aval_of(a).shape)
        shape[axis] = 1
        e = jnp.broadcast_to(e, tuple(shape))
    return e


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf",
            "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
            "hazen", "weibull", "median_unbiased", "normal_unbiased")  # fmt: skip
_SUPPORTED = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(name: str, a: Any, q: Any, axis: Any, method: str, keepdims: bool,
              ignore_nan: bool) -> Any:  # fmt: skip
    if method not in _METHODS:
        raise ValueError(f"{name}: unknown method {method!r}")
    if method not in _SUPPORTED:
        raise NotImplementedError(f"{name}: method {method!r} is not supported; use one of "
                                  f"{', '.join(_SUPPORTED)}")  # fmt: skip
    (a,) = promote_inexact(name, a)
    dt = _dtype(a)
    q_arr = jnp.asarray(q, dt)
    q_shape = aval_of(q_arr).shape
    nd = len(aval_of(a).shape)
    # The reduced axes first, flattened into one, then the kept axes.
    axes = tuple(range(nd)) if axis is None else axes_of(axis, nd, name)
    rest = [i for i in range(nd) if i not in axes]
    rest_shape = tuple(aval_of(a).shape[i] for i in rest)
    x = jnp.reshape(jnp.transpose(a, (*axes, *rest)), (-1, *rest_shape))
    x = jnp.sort(x, axis=0)  # NaNs sort last
    n = aval_of(x).shape[0]
    if ignore_nan:
        count = jnp.sum(~jnp.isnan(x), axis=0)
    else:
        count = jnp.full(rest_shape, n, dtypes.default_int_dtype())
    last = jnp.asarray(jnp.maximum(count - 1, 0), dt)
    nq = math.prod(q_shape)
    pos = jnp.reshape(q_arr, (nq,) + (1,) * len(rest_shape)) * last[None]  # (nq, *rest)
    lo, hi = jnp.floor(pos), jnp.ceil(pos)
    if method == "lower":
        hi = lo
    elif method == "higher":
        lo = hi
    elif method == "nearest":
        lo = hi = jnp.round(pos)  # half to even, as NumPy

    def gather(i: Any) -> Any:
        idx = jnp.clip(jnp.asarray(i, dtypes.default_int_dtype()), 0, builtins.max(n - 1, 0))
        return jnp.take_along_axis(x, idx, axis=0)

    v_lo, v_hi = gather(lo), gather(hi)
    out = (v_lo + v_hi) / 2 if method == "midpoint" else v_lo + (pos - lo) * (v_hi - v_lo)
    if ignore_nan:
        out = jnp.where((count == 0)[None], jnp.asarray(np.nan, dt), out)
    out = jnp.reshape(out, (*q_shape, *rest_shape))
    if keepdims:
        for ax in sorted(axes):
            out = jnp.expand_dims(out, len(q_shape) + ax)
    return out


def _quantile_fn(name: str, scale: float, ignore_nan: bool) -> Any:
    def f(a: Any, q: Any, axis: Any = None, out: None = None, overwrite_input: bool = False,
          method: str = "linear", keepdims: bool = False, *, weights: Any = None,
          interpolation: str | None = None, out_sharding: Any = None) -> Any:  # fmt: skip
        del out, overwrite_input
        check_one_device(out_sharding, f"{name}: out_sharding")
        if weights is not None:
            raise NotImplementedError(f"{name}: weights= is not supported yet (pass None)")
        if interpolation is not None:
            method = interpolation
        qq = q if scale == 1 else jnp.asarray(q) / scale
        return _quantile(name, a, qq, axis, method, keepdims, ignore_nan)

    f.__name__ = f.__qualname__ = name
    unit = "fractions in [0, 1]" if scale == 1 else "percentages in [0, 100]"
    nan = ", ignoring NaNs" if ignore_nan else ""
    f.__doc__ = f"The `q`-th quantiles ({unit}) over `axis`{nan}; NumPy's `method`s " \
        "linear, lower, higher, midpoint and nearest."  # fmt: skip
    return export(f)


quantile = _quantile_fn("quantile", 1, False)
percentile = _quantile_fn("percentile", 100, False)
nanquantile = _quantile_fn("nanquantile", 1, True)
nanpercentile = _quantile_fn("nanpercentile", 100, True)


@export
def nanmedian(a: Any, axis: Any = None, out: None = None, overwrite_input: bool = False,
              keepdims: bool = False) -> Any:  # fmt: skip
    """The median over `axis`, ignoring NaNs."""
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, True)


@export
def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: None = None,
            keepdims: bool = False) -> Any:  # fmt: skip
    """The product over `axis`, NaNs counted as 1."""
    return jnp.prod(
        nan_to_identity(a, "prod", "nanprod"), axis=axis, dtype=dtype, keepdims=keepdims
    )


@export
def nancumsum(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """The cumulative sum along `axis`, NaNs counted as 0."""
    return jnp.cumsum(nan_to_identity(a, "sum", "nancumsum"), axis=axis, dtype=dtype)


@export
def nancumprod(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
    """The cumulative product along `axis`, NaNs counted as 1."""
    return jnp.cumprod(nan_to_identity(a, "prod", "nancumprod"), axis=axis, dtype=dtype)


def _nan_arg(name: str, fill: float, base: Any) -> Any:
    def f(a: Any, axis: int | None = None, out: None = None, keepdims: bool = False) -> Any:
        a = jnp.asarray(a)
        if not dtypes.is_inexact(_dtype(a)):
            return base(a, axis, keepdims=keepdims)
        nan = jnp.isnan(a)
        res = base(jnp.where(nan, jnp.asarray(fill, _dtype(a)), a), axis, keepdims=keepdims)
        all_nan = jnp.all(nan, axis=axis, keepdims=keepdims)
        return jnp.where(all_nan, -1, res)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Like arg{name[6:]}, ignoring NaNs (-1 where a slice is all NaN)."
    return export(f)


def _argmax(a: Any, axis: int | None, keepdims: bool) -> Any:
    return jnp.argmax(a, axis, keepdims=keepdims)


def _argmin(a: Any, axis: int | None, keepdims: bool) -> Any:
    return jnp.argmin(a, axis, keepdims=keepdims)


nanargmax = _nan_arg("nanargmax", -np.inf, _argmax)
nanargmin = _nan_arg("nanargmin", np.inf, _argmin)


@export
def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0,
           keepdims: bool = False, where: Any = None, mean: Any = None, *,
           correction: Any = None) -> Any:  # fmt: skip
    """The variance over `axis`, ignoring NaNs (and the elements `where` is False).

    `mean` is the precomputed NaN-ignoring mean, as for `var`; `correction` is `ddof`'s
    array-API name.
    """
    a = jnp.asarray(a)
    if dtypes.is_inexact(_dtype(a)):
        keep = ~jnp.isnan(a)
        where = keep if where is None else jnp.logical_and(keep, where)
    return jnp.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                   mean=mean, correction=correction)  # fmt: skip


@export
def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0,
           keepdims: bool = False, where: Any = None, mean: Any = None, *,
           correction: Any = None) -> Any:  # fmt: skip
    """The standard deviation over `axis`, ignoring NaNs (see `nanvar`)."""
    return jnp.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where, mean,
                           correction=correction))  # fmt: skip


@export
def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: int = -1) -> Any:
    """The integral of `y` along `axis` by the trapezoidal rule (at `x`, or spacing `dx`)."""
    (y,) = promote_inexact("trapezoid", y)
    nd = len(aval_of(y).shape)
    axis = axes_of(axis, nd, "trapezoid")[0]
    m = aval_of(y).shape[axis]
    hi = lax.slice_in_dim(y, 1, m, 1, axis)
    lo = lax.slice_in_dim(y, 0, m - 1, 1, axis)
    if x is None:
        d = jnp.asarray(dx, _dtype(y))
    else:
        x = jnp.asarray(x, _dtype(y))
        d = jnp.diff(x, axis=axis if len(aval_of(x).shape) == nd else -1)
        if len(aval_of(x).shape) == 1 and nd > 1:
            shape = [1] * nd
            shape[axis] = m - 1
            d = jnp.reshape(d, shape)
    return jnp.sum((hi + lo) * d / 2, axis=axis)


@export
def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int | None = None) -> Any:
    """The gradient of sampled `f`.

    Central differences inside and one-sided differences at the edges (first order), for
    uniform spacings given as scalars (default 1).
    """
    if edge_order not in (None, 1):
        raise NotImplementedError("gradient: only edge_order=1 is supported")
    (f,) = promote_inexact("gradient", f)
    nd = len(aval_of(f).shape)
    axes = tuple(range(nd)) if axis is None else axes_of(axis, nd, "gradient")
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError(f"gradient: expected 0, 1 or {len(axes)} spacings, got {len(varargs)}")
    outs = []
    for ax, h in zip(axes, spacing, strict=True):
        if aval_of(jnp.asarray(h)).shape:
            raise NotImplementedError("gradient: only scalar (uniform) spacings are supported")
        m = aval_of(f).shape[ax]
        if m < 2:
            raise ValueError(f"gradient: axis {ax} needs at least 2 samples, got {m}")
        h = jnp.asarray(h, _dtype(f))

        def sl(start: int, stop: int, ax: int = ax) -> Any:
            return lax.slice_in_dim(f, start, stop, 1, ax)

        first = (sl(1, 2) - sl(0, 1)) / h
        last = (sl(m - 1, m) - sl(m - 2, m - 1)) / h
        inner = [(sl(2, m) - sl(0, m - 2)) / (2 * h)] if m > 2 else []
        outs.append(jnp.concatenate([first, *inner, last], axis=ax))
    return outs[0] if len(outs) == 1 else outs


@export
def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: int | None = None,
        fweights: Any = None, aweights: Any = None) -> Any:  # fmt: skip
    """The covariance matrix of the variables in the rows of `m` (columns if not `rowvar`).

    `fweights` and `aweights` are NumPy's frequency and analytic weights.
    """
    x = jnp.atleast_2d(promote_inexact("cov", m)[0])
    if not rowvar and aval_of(x).shape[0] != 1:
        x = x.T
    if y is not None:
        yy = jnp.atleast_2d(jnp.asarray(y, _dtype(x)))
        if not rowvar and aval_of(yy).shape[0] != 1:
            yy = yy.T
        x = jnp.concatenate([x, yy], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = aval_of(x).shape[1]
    w = None
    if fweights is not None:
        w = jnp.asarray(fweights, _dtype(x))
    if aweights is not None:
        aw = jnp.asarray(aweights, _dtype(x))
        w = aw if w is None else w * aw
    if w is None:
        avg = jnp.mean(x, axis=1)
        w_sum = jnp.asarray(n, _dtype(x))
        fact = w_sum - ddof
    else:
        if aval_of(w).shape != (n,):
            raise ValueError(f"cov: weights must have shape ({n},), got {aval_of(w).shape}")
        w_sum = jnp.sum(w)
        avg = jnp.sum(x * w, axis=1) / w_sum
        if aweights is None:
            fact = w_sum - ddof
        else:
            aw = jnp.asarray(aweights, _dtype(x))
            fact = w_sum - ddof * jnp.sum(w * aw) / w_sum
    xc = x - avg[:, None]
    xw = xc if w is None else xc * w
    c = jnp.matmul(xw, jnp.conj(xc).T) / fact
    return jnp.squeeze(c)


@export
def corrcoef(x: Any, y: Any = None, rowvar: bool = True) -> Any:
    """The Pearson correlation coefficients: `cov` normalized by the standard deviations."""
    c = cov(x, y, rowvar)
    if not aval_of(c).shape:
        return c / c
    d = jnp.sqrt(jnp.real(jnp.diagonal(c)))
    out = c / d[:, None] / d[None, :]
    return jnp.clip(out, -1, 1) if not dtypes.is_complex(_dtype(out)) else out


# --- polynomials, convolutions, products ----------------------------------------------------


@export
def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients `p` (highest degree first) at `x`, by Horner's rule."""
    p = jnp.asarray(p)
    if len(aval_of(p).shape) != 1:
        raise ValueError(f"polyval: p must be 1-d, got shape {aval_of(p).shape}")
    x = jnp.asarray(x)
    dt = jnp.result_type(p, x)
    p, x = jnp.asarray(p, dt), jnp.asarray(x, dt)
    out = jnp.zeros_like(x)
    for i in range(aval_of(p).shape[0]):
        out = out * x + p[i]
    return out


def _correlate_full(a: Any, v: Any, mode: str, name: str) -> Any:
    a, v = _common(name, a, v)
    if len(aval_of(a).shape) != 1 or len(aval_of(v).shape) != 1:
        raise ValueError(f"{name}: a and v must be 1-d, got {aval_of(a).shape} and "
                         f"{aval_of(v).shape}")  # fmt: skip
    n, m = aval_of(a).shape[0], aval_of(v).shape[0]
    if n == 0 or m == 0:
        raise ValueError(f"{name}: a and v must not be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    swapped = m > n
    if swapped:  # the longer one slides under the shorter one, as NumPy does
        a, v, n, m = v, a, m, n
    # `valid` keeps the n - m + 1 full overlaps; `full` pads m - 1 on both sides; `same`
    # keeps n outputs, placed as NumPy places them (the extra one of an even m on the left).
    pad = {"full": (m - 1, m - 1), "same": (m // 2, m - 1 - m // 2), "valid": (0, 0)}[mode]
    dt = _dtype(a)
    real = not dtypes.is_complex(dt) and dt != np.bool_
    if real and dtypes.is_inexact(dt):
        out = lax.conv_general_dilated(
            jnp.reshape(a, (1, 1, n)), jnp.reshape(v, (1, 1, m)), (1,), [pad],
        )  # fmt: skip
        out = jnp.reshape(out, (-1,))
    else:
        padded = jnp.pad(a, pad)
        k = aval_of(padded).shape[0] - m + 1
        out = sum(padded[i : i + k] * v[i] for i in range(m))
    return out[::-1] if swapped else out


@export
def correlate(a: Any, v: Any, mode: str = "valid", *, precision: Any = None,
              preferred_element_type: Any = None) -> Any:  # fmt: skip
    """The cross-correlation of 1-d `a` and `v`: sum_n a[n + k] * conj(v[n])."""
    del precision, preferred_element_type
    return _correlate_full(a, jnp.conj(jnp.asarray(v)), mode, "correlate")


@export
def convolve(a: Any, v: Any, mode: str = "full", *, precision: Any = None,
             preferred_element_type: Any = None) -> Any:  # fmt: skip
    """The discrete linear convolution of 1-d `a` and `v`."""
    del precision, preferred_element_type
    return _correlate_full(a, jnp.flip(jnp.asarray(v)), mode, "convolve")


@export
def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: int | None = None) -> Any:  # fmt: skip
    """The cross product of 2- or 3-vectors along the given axes."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = _common("cross", a, b)
    a = jnp.moveaxis(a, axisa, -1)
    b = jnp.moveaxis(b, axisb, -1)
    da, db = aval_of(a).shape[-1], aval_of(b).shape[-1]
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError(f"cross: vectors must have 2 or 3 components, got {da} and {db}")
    if da == 2 and db == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    zero_a = jnp.zeros_like(a[..., 0])
    zero_b = jnp.zeros_like(b[..., 0])
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2] if da == 3 else zero_a
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2] if db == 3 else zero_b
    c = jnp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return jnp.moveaxis(c, -1, axisc)


def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """`funclist[i](x)` where `condlist[i]` holds (the last of them winning).

    An extra last function (or 0) applies elsewhere; entries of `funclist` may be constants.
    """
    x = jnp.asarray(x)
    conds = [jnp.asarray(c, bool) for c in (condlist if isinstance(condlist, list | tuple)
                                            else [condlist])]  # fmt: skip
    if len(funclist) not in (len(conds), len(conds) + 1):
        raise ValueError(f"piecewise: {len(conds)} conditions need {len(conds)} or "
                         f"{len(conds) + 1} functions, got {len(funclist)}")  # fmt: skip
    if len(funclist) == len(conds) + 1:
        otherwise = ~jnp.any(jnp.stack([jnp.broadcast_to(c, aval_of(x).shape) for c in conds]),
                             axis=0) if conds else jnp.ones(aval_of(x).shape, bool)  # fmt: skip
        conds = [*conds, otherwise]

    def value(f: Any) -> Any:
        v = f(x, *args, **kw) if callable(f) else f
        return jnp.broadcast_to(jnp.asarray(v, _dtype(x)), aval_of(x).shape)

    out = jnp.zeros_like(x)
    for c, f in zip(conds, funclist, strict=True):
        out = jnp.where(c, value(f), out)
    return out
