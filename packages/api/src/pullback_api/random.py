"""`pullback.random`: counter-based random numbers from the Threefry-2x32 hash.

Keys are uint32[2] arrays. The derivations follow JAX's default ("partitionable") Threefry
scheme, so that the same key gives the same bits as `jax.random`: a key of a seed holds its
high and low 32 bits; `split` and the random bits of a shape hash the (high, low) words of the
flat position index; `fold_in` hashes (0, data). Samplers transform those bits as JAX does
(uniform floats from the mantissa bits, normal via erf_inv, Gumbel-max categorical, sort-based
permutation). Everything is made of primitives, so it works under jit, vmap and grad.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of
from pullback_ir.config import STATE
from pullback_ir.trace import Tracer

from pullback_api.numpy._core import asarray_arg, export, to_dtype

__all__ = [
    "PRNGKey",
    "bernoulli",
    "bits",
    "categorical",
    "cauchy",
    "choice",
    "exponential",
    "fold_in",
    "gumbel",
    "key",
    "key_data",
    "laplace",
    "logistic",
    "lognormal",
    "maxwell",
    "multivariate_normal",
    "normal",
    "orthogonal",
    "pareto",
    "permutation",
    "rademacher",
    "randint",
    "rayleigh",
    "shuffle",
    "split",
    "truncated_normal",
    "uniform",
    "weibull_min",
    "wrap_key_data",
]  # fmt: skip

_U32 = np.dtype(np.uint32)


def _check_key(key: Any, name: str) -> Any:
    key = asarray_arg(key, name)
    a = aval_of(key)
    if a.dtype != _U32 or a.shape != (2,):
        raise TypeError(
            f"{name}: expected a PRNG key (uint32[2], from PRNGKey or split), got "
            f"{a.dtype}{list(a.shape)}"
        )
    return key


def _shape(shape: Any, name: str) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a sequence of ints, got {shape!r}") from None


@export
def PRNGKey(seed: Any, *, impl: Any = None) -> Any:
    """A key from an integer seed: the seed's high and low 32 bits as uint32[2]."""
    if impl not in (None, "threefry2x32"):
        raise ValueError(f"PRNGKey: only the threefry2x32 implementation, got {impl!r}")
    if isinstance(seed, Tracer):
        dt = aval_of(seed).dtype
        if not dtypes.is_integer(dt):
            raise TypeError(f"PRNGKey: the seed must be an integer, got {dt}")
        lo = lax.convert_element_type(seed, _U32)
        if dt.itemsize == 8:
            hi = lax.convert_element_type(lax.shift_right_logical(seed, np.asarray(32, dt)), _U32)
        else:
            hi = lax.mul(lo, np.asarray(0, _U32))
        return lax.concatenate([lax.reshape(hi, (1,)), lax.reshape(lo, (1,))], 0)
    non_int_array = hasattr(seed, "dtype") and not dtypes.is_integer(np.dtype(seed.dtype))
    if isinstance(seed, (float, np.floating)) or non_int_array:
        raise TypeError(f"PRNGKey: the seed must be an integer, got {seed!r}")
    s = int(np.asarray(seed))
    if not STATE.x64:
        if not -(2**31) <= s < 2**32:
            raise OverflowError(f"PRNGKey: seed {s} does not fit in 32 bits (x64 is off)")
        hi, lo = 0, s & 0xFFFFFFFF
    else:
        hi, lo = (s >> 32) & 0xFFFFFFFF, s & 0xFFFFFFFF
    return np.array([hi, lo], dtype=np.uint32)


def key(seed: Any, *, impl: Any = None) -> Any:
    """A key from a seed (here the same uint32[2] array as `PRNGKey`)."""
    return PRNGKey(seed, impl=impl)


def key_data(keys: Any) -> Any:
    """The raw uint32 words of keys (keys are raw already)."""
    return keys


def wrap_key_data(key_bits_array: Any, *, impl: Any = None) -> Any:
    """Keys from raw uint32 words (keys are raw already)."""
    return key_bits_array


def _hash(key: Any, hi: Any, lo: Any) -> tuple[Any, Any]:
    k1 = lax.slice(key, [0], [1])
    k2 = lax.slice(key, [1], [2])
    k1, k2 = lax.reshape(k1, ()), lax.reshape(k2, ())
    return tuple(lax.threefry2x32(k1, k2, hi, lo))


def _counts(shape: tuple[int, ...]) -> tuple[Any, Any]:
    # The flat position index as (high, low) uint32 words.
    n = math.prod(shape)
    idx = np.arange(n, dtype=np.uint64).reshape(shape)
    return (np.ascontiguousarray((idx >> np.uint64(32)).astype(np.uint32)),
            np.ascontiguousarray((idx & np.uint64(0xFFFFFFFF)).astype(np.uint32)))  # fmt: skip


def _bits(key: Any, bit_width: int, shape: tuple[int, ...]) -> Any:
    hi, lo = _counts(shape)
    b1, b2 = _hash(key, hi, lo)
    if bit_width == 32:
        return lax.bitwise_xor(b1, b2)
    if bit_width == 64:
        u64 = np.dtype(np.uint64)
        return lax.bitwise_or(lax.shift_left(lax.convert_element_type(b1, u64),
                                             np.asarray(32, u64)),
                              lax.convert_element_type(b2, u64))  # fmt: skip
    return lax.convert_element_type(lax.bitwise_xor(b1, b2),
                                    {8: np.uint8, 16: np.uint16}[bit_width])  # fmt: skip


@export
def bits(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Uniform random bits of an unsigned integer dtype (default uint32)."""
    key = _check_key(key, "bits")
    dt = np.dtype(np.uint32) if dtype is None else dtypes.canonicalize_dtype(dtype)
    if dt not in (
        np.dtype(np.uint8),
        np.dtype(np.uint16),
        np.dtype(np.uint32),
        np.dtype(np.uint64),
    ):
        raise TypeError(f"bits: dtype must be an unsigned integer type, got {dt}")
    return _bits(key, dt.itemsize * 8, _shape(shape, "bits"))


@export
def split(key: Any, num: int | Sequence[int] = 2) -> Any:
    """`num` new keys (a shape gives keys of that shape), independent of `key`'s others."""
    key = _check_key(key, "split")
    shape = _shape(num, "split")
    hi, lo = _counts(shape)
    b1, b2 = _hash(key, hi, lo)
    nd = len(shape)
    return lax.concatenate([lax.expand_dims(b1, (nd,)), lax.expand_dims(b2, (nd,))], nd)


@export
def fold_in(key: Any, data: Any) -> Any:
    """A new key determined by `key` and an integer `data`."""
    key = _check_key(key, "fold_in")
    d = asarray_arg(data, "fold_in")
    if aval_of(d).shape:
        raise TypeError("fold_in: data must be a scalar")
    d = lax.reshape(to_dtype(d, _U32), (1,))
    b1, b2 = _hash(key, np.zeros(1, np.uint32), d)
    return lax.concatenate([b1, b2], 0)


def _float_dtype(dtype: Any, name: str) -> np.dtype[Any]:
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dt):
        raise TypeError(f"{name}: dtype must be a floating type, got {dt}")
    return dt


def _uniform(key: Any, shape: tuple[int, ...], dt: np.dtype[Any], minval: Any,
             maxval: Any) -> Any:  # fmt: skip
    import ml_dtypes

    info = ml_dtypes.finfo(dt)  # type: ignore[no-untyped-call]
    nbits, nmant = info.bits, info.nmant
    rng_bits = 8 if nmant < 8 else nbits
    uint = {8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[nbits]
    bits = _bits(key, rng_bits, shape)
    if rng_bits != nbits:
        bits = lax.convert_element_type(bits, uint)
    one_bits = np.array(1.0, dt).view(uint)
    fb = lax.bitwise_or(lax.shift_right_logical(bits, np.asarray(rng_bits - nmant, uint)),
                        np.asarray(one_bits, uint))  # fmt: skip
    floats = lax.sub(lax.bitcast_convert_type(fb, dt), np.asarray(1.0, dt))
    lo = to_dtype(asarray_arg(minval, "uniform"), dt)
    hi = to_dtype(asarray_arg(maxval, "uniform"), dt)
    from pullback_api.numpy._shape import broadcast_to

    lo_b = broadcast_to(lo, shape)
    hi_b = broadcast_to(hi, shape)
    return lax.max(lo_b, lax.add(lax.mul(floats, lax.sub(hi_b, lo_b)), lo_b))


@export
def uniform(key: Any, shape: Sequence[int] = (), dtype: Any = None, minval: Any = 0.0,
            maxval: Any = 1.0) -> Any:  # fmt: skip
    """Uniform floats in [minval, maxval)."""
    key = _check_key(key, "uniform")
    return _uniform(key, _shape(shape, "uniform"), _float_dtype(dtype, "uniform"), minval, maxval)


@export
def normal(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard normal floats (sqrt(2) * erf_inv of a uniform in (-1, 1))."""
    key = _check_key(key, "normal")
    dt = _float_dtype(dtype, "normal")
    lo = np.nextafter(np.array(-1.0, dt), np.array(0.0, dt), dtype=dt) if dt != dtypes.bfloat16 \
        else np.array(-1.0 + 2.0**-7, dt)  # fmt: skip
    u = _uniform(key, _shape(shape, "normal"), dt, lo, 1.0)
    return lax.mul(np.asarray(np.sqrt(2), dt), lax.erf_inv(u))


@export
def truncated_normal(key: Any, lower: Any, upper: Any, shape: Sequence[int] | None = None,
                     dtype: Any = None) -> Any:  # fmt: skip
    """Normal floats truncated to [lower, upper] (inverse-CDF sampling)."""
    key = _check_key(key, "truncated_normal")
    dt = _float_dtype(dtype, "truncated_normal")
    lo = to_dtype(asarray_arg(lower), dt)
    hi = to_dtype(asarray_arg(upper), dt)
    shp = _shape(shape, "truncated_normal") if shape is not None else tuple(
        np.broadcast_shapes(aval_of(lo).shape, aval_of(hi).shape))  # fmt: skip
    sqrt2 = np.asarray(np.sqrt(2), dt)
    a = lax.erf(lax.div(lo, sqrt2))
    b = lax.erf(lax.div(hi, sqrt2))
    u = _uniform(key, shp, dt, a, b)
    out = lax.mul(sqrt2, lax.erf_inv(u))
    from pullback_api.numpy._reductions import clip

    return clip(out, lo, hi)


@export
def bernoulli(key: Any, p: Any = 0.5, shape: Sequence[int] | None = None, mode: str = "low") -> Any:
    """Booleans that are True with probability `p`."""
    key = _check_key(key, "bernoulli")
    p = asarray_arg(p, "bernoulli")
    dt = aval_of(p).dtype
    if not dtypes.is_float(dt):
        p = to_dtype(p, dtypes.default_float_dtype())
        dt = aval_of(p).dtype
    shp = aval_of(p).shape if shape is None else _shape(shape, "bernoulli")
    from pullback_api.numpy._shape import broadcast_to

    return lax.lt(_uniform(key, shp, dt, 0.0, 1.0), broadcast_to(p, shp))


@export
def randint(key: Any, shape: Sequence[int], minval: Any, maxval: Any, dtype: Any = None) -> Any:
    """Integers in [minval, maxval) (JAX's two-word modulus method)."""
    key = _check_key(key, "randint")
    dt = dtypes.default_int_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_integer(dt):
        raise TypeError(f"randint: dtype must be an integer type, got {dt}")
    shp = _shape(shape, "randint")
    nbits = dt.itemsize * 8
    udt = np.dtype({8: np.uint8, 16: np.uint16, 32: np.uint32, 64: np.uint64}[nbits])
    info = np.iinfo(dt)
    lo_in = asarray_arg(minval, "randint")
    hi_in = asarray_arg(maxval, "randint")
    wide = np.dtype(np.int64) if STATE.x64 else np.dtype(np.int32)
    lo_w, hi_w = to_dtype(lo_in, wide), to_dtype(hi_in, wide)
    top = np.asarray(min(info.max, np.iinfo(wide).max), wide)
    bottom = np.asarray(max(info.min, np.iinfo(wide).min), wide)
    out_of_range = lax.gt(hi_w, top)
    lo = to_dtype(lax.clamp(bottom, lo_w, top), dt)
    hi = to_dtype(lax.clamp(bottom, hi_w, top), dt)
    from pullback_api.numpy._shape import broadcast_to

    lo, hi = broadcast_to(lo, shp), broadcast_to(hi, shp)
    out_of_range = broadcast_to(out_of_range, shp)
    keys = split(key)
    k1 = lax.reshape(lax.slice(keys, [0, 0], [1, 2]), (2,))
    k2 = lax.reshape(lax.slice(keys, [1, 0], [2, 2]), (2,))
    higher, lower = _bits(k1, nbits, shp), _bits(k2, nbits, shp)
    span = lax.convert_element_type(lax.sub(hi, lo), udt)
    one = np.asarray(1, udt)
    span = lax.select(lax.le(hi, lo), lax.broadcast_in_dim(one, shp, ()) if shp else one, span)
    span = lax.select(lax.bitwise_and(out_of_range, lax.gt(hi, lo)), lax.add(span, one), span)
    mult = lax.rem(np.asarray(2 ** (nbits // 2), udt), span)
    mult = lax.rem(lax.mul(mult, mult), span)
    off = lax.add(lax.mul(lax.rem(higher, span), mult), lax.rem(lower, span))
    off = lax.rem(off, span)
    return lax.add(lo, lax.convert_element_type(off, dt))


@export
def gumbel(key: Any, shape: Sequence[int] = (), dtype: Any = None, mode: str | None = None) -> Any:
    """Standard Gumbel samples: -log(-log(u))."""
    key = _check_key(key, "gumbel")
    dt = _float_dtype(dtype, "gumbel")
    import ml_dtypes

    tiny = ml_dtypes.finfo(dt).tiny  # type: ignore[no-untyped-call]
    u = _uniform(key, _shape(shape, "gumbel"), dt, tiny, 1.0)
    return lax.neg(lax.log(lax.neg(lax.log(u))))


@export
def categorical(key: Any, logits: Any, axis: int = -1, shape: Sequence[int] | None = None,
                replace: bool = True, mode: str | None = None) -> Any:  # fmt: skip
    """Category indices drawn from `softmax(logits)` along `axis` (the Gumbel-max trick)."""
    key = _check_key(key, "categorical")
    logits = asarray_arg(logits, "categorical")
    ls = aval_of(logits).shape
    ax = axis % len(ls)
    batch = ls[:ax] + ls[ax + 1 :]
    shp = batch if shape is None else _shape(shape, "categorical")
    prefix = shp[: len(shp) - len(batch)]
    dt = aval_of(logits).dtype if dtypes.is_float(aval_of(logits).dtype) else \
        dtypes.default_float_dtype()  # fmt: skip
    logits = to_dtype(logits, dt)
    from pullback_api.numpy._reductions import argmax
    from pullback_api.numpy._shape import broadcast_to

    if replace:
        neg_axis = ax - len(ls)
        logits_shape = list(shp[len(shp) - len(batch) :])
        logits_shape.insert(neg_axis % len(ls), ls[ax])
        g = gumbel(key, (*prefix, *logits_shape), dt)
        full = (*prefix, *logits_shape)
        lg = lax.expand_dims(logits, tuple(range(len(prefix)))) if prefix else logits
        return argmax(lax.add(g, broadcast_to(lg, full)), axis=neg_axis)
    g = lax.add(logits, gumbel(key, ls, dt))
    k = math.prod(prefix)
    if k > ls[ax]:
        raise ValueError(f"categorical: {k} samples without replacement from {ls[ax]} categories")
    from pullback_api.numpy._shape import moveaxis

    _, idx = lax.top_k(moveaxis(g, ax, -1), k)  # (*batch, k)
    return lax.reshape(moveaxis(idx, -1, 0), (*prefix, *batch))


def _shuffle(key: Any, x: Any, axis: int) -> Any:
    n = aval_of(x).size
    rounds = int(np.ceil(3 * np.log(max(1, n)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        keys = split(key)
        key = lax.reshape(lax.slice(keys, [0, 0], [1, 2]), (2,))
        sub = lax.reshape(lax.slice(keys, [1, 0], [2, 2]), (2,))
        sort_keys = _bits(sub, 32, aval_of(x).shape)
        _, x = lax.sort_key_val(sort_keys, x, axis)
    return x


@export
def permutation(key: Any, x: Any, axis: int = 0, independent: bool = False) -> Any:
    """A random permutation of `arange(x)`, or of `x`'s elements along `axis`."""
    key = _check_key(key, "permutation")
    if isinstance(x, (int, np.integer)):
        return _shuffle(key, np.arange(int(x), dtype=dtypes.default_int_dtype()), 0)
    x = asarray_arg(x, "permutation")
    nd = len(aval_of(x).shape)
    if nd == 0:
        raise TypeError("permutation: x must be an integer or at least 1-dimensional")
    ax = axis % nd
    if independent or nd == 1:
        return _shuffle(key, x, ax)
    ind = _shuffle(key, np.arange(aval_of(x).shape[ax], dtype=dtypes.default_int_dtype()), 0)
    from pullback_api.numpy._indexing import take

    return take(x, ind, axis=ax)


@export
def shuffle(key: Any, x: Any, axis: int = 0) -> Any:
    """`x` shuffled along `axis` (deprecated in JAX; use permutation)."""
    return _shuffle(_check_key(key, "shuffle"), asarray_arg(x, "shuffle"), axis)


@export
def choice(key: Any, a: Any, shape: Sequence[int] = (), replace: bool = True, p: Any = None,
           axis: int = 0) -> Any:  # fmt: skip
    """Random elements of `a` (or of arange(a)), with optional probabilities `p`."""
    key = _check_key(key, "choice")
    shp = _shape(shape, "choice")
    n = int(a) if isinstance(a, (int, np.integer)) else aval_of(asarray_arg(a)).shape[axis]
    k = math.prod(shp)
    if p is None:
        if replace:
            idx = randint(key, shp, 0, n)
        else:
            if k > n:
                raise ValueError(f"choice: cannot take {k} samples from {n} without replacement")
            idx = lax.reshape(lax.slice(permutation(key, n), [0], [k]), shp)
    else:
        logits = lax.log(to_dtype(asarray_arg(p), dtypes.default_float_dtype()))
        idx = categorical(key, logits, shape=shp if replace else (k,), replace=replace)
        idx = lax.reshape(idx, shp)
    if isinstance(a, (int, np.integer)):
        return idx
    from pullback_api.numpy._indexing import take

    return take(asarray_arg(a), idx, axis=axis)


@export
def exponential(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard exponential samples: -log1p(-u)."""
    key = _check_key(key, "exponential")
    dt = _float_dtype(dtype, "exponential")
    u = _uniform(key, _shape(shape, "exponential"), dt, 0.0, 1.0)
    return lax.neg(lax.log1p(lax.neg(u)))


@export
def rademacher(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Random signs (+1 or -1) with equal probability."""
    b = bernoulli(key, 0.5, shape)
    dt = dtypes.default_int_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    return lax.sub(lax.mul(to_dtype(b, dt), np.asarray(2, dt)), np.asarray(1, dt))


# --- transforms of uniform and normal samples (JAX's formulas, so the values agree bit for bit)


def _numpy() -> Any:
    from pullback_api import numpy  # (it imports this module: looked up at call time)

    return numpy


def _finfo(dt: np.dtype[Any]) -> Any:
    import ml_dtypes

    return ml_dtypes.finfo(dt)  # type: ignore[no-untyped-call]


def _param_shape(name: str, shape: Any, *params: Any) -> tuple[int, ...]:
    """`shape`, or the broadcast shape of the parameters when it is None."""
    shapes = [aval_of(asarray_arg(p, name)).shape for p in params]
    if shape is None:
        return tuple(np.broadcast_shapes(*shapes)) if shapes else ()
    out = _shape(shape, name)
    try:
        np.broadcast_shapes(out, *shapes)
    except ValueError:
        raise ValueError(
            f"{name}: shape {out} does not broadcast with the parameters' shapes {shapes}"
        ) from None
    return out


@export
def laplace(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard Laplace samples: sign(u) * log1p(-|u|) for u uniform in (-1, 1)."""
    key = _check_key(key, "laplace")
    dt = _float_dtype(dtype, "laplace")
    u = _uniform(key, _shape(shape, "laplace"), dt, -1.0 + float(_finfo(dt).epsneg), 1.0)
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


@export
def logistic(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard logistic samples: log(u) - log1p(-u)."""
    key = _check_key(key, "logistic")
    dt = _float_dtype(dtype, "logistic")
    u = _uniform(key, _shape(shape, "logistic"), dt, float(_finfo(dt).tiny), 1.0)
    return lax.sub(lax.log(u), lax.log1p(lax.neg(u)))


@export
def cauchy(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Standard Cauchy samples: tan(pi (u - 1/2))."""
    key = _check_key(key, "cauchy")
    dt = _float_dtype(dtype, "cauchy")
    u = _uniform(key, _shape(shape, "cauchy"), dt, float(_finfo(dt).eps), 1.0)
    return lax.tan(lax.mul(np.asarray(np.pi, dt), lax.sub(u, np.asarray(0.5, dt))))


@export
def pareto(key: Any, b: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Pareto samples of shape `b`: exp(e / b) for standard exponential e."""
    key = _check_key(key, "pareto")
    dt = _float_dtype(dtype, "pareto")
    shp = _param_shape("pareto", shape, b)
    e = exponential(key, shp, dt)
    return lax.exp(lax.div(e, _broadcast_param(b, dt, shp)))


def _broadcast_param(p: Any, dt: np.dtype[Any], shape: tuple[int, ...]) -> Any:
    p = to_dtype(asarray_arg(p), dt)
    pshape = aval_of(p).shape
    return lax.broadcast_in_dim(p, shape, tuple(range(len(shape) - len(pshape), len(shape))))


@export
def rayleigh(key: Any, scale: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Rayleigh samples: scale * sqrt(-2 log u)."""
    key = _check_key(key, "rayleigh")
    dt = _float_dtype(dtype, "rayleigh")
    shp = _param_shape("rayleigh", shape, scale)
    u = _uniform(key, shp, dt, 0.0, 1.0)
    root = lax.sqrt(lax.mul(lax.log(u), np.asarray(-2, dt)))
    return lax.mul(_broadcast_param(scale, dt, shp), root)


@export
def lognormal(key: Any, sigma: Any = 1.0, shape: Sequence[int] | None = None,
              dtype: Any = None) -> Any:  # fmt: skip
    """Log-normal samples: exp(sigma * z) for standard normal z."""
    key = _check_key(key, "lognormal")
    dt = _float_dtype(dtype, "lognormal")
    shp = _param_shape("lognormal", shape, sigma)
    return lax.exp(lax.mul(normal(key, shp, dt), _broadcast_param(sigma, dt, shp)))


@export
def weibull_min(key: Any, scale: Any, concentration: Any, shape: Sequence[int] = (),
                dtype: Any = None) -> Any:  # fmt: skip
    """Weibull samples by the inverse CDF: scale * (-log1p(-u)) ** (1 / concentration)."""
    key = _check_key(key, "weibull_min")
    dt = _float_dtype(dtype, "weibull_min")
    shp = _shape(shape, "weibull_min")
    u = _uniform(key, shp, dt, 0.0, 1.0)
    e = lax.neg(lax.log1p(lax.neg(u)))
    inv = lax.div(np.asarray(1.0, dt), _broadcast_param(concentration, dt, shp))
    return lax.mul(lax.pow(e, inv), _broadcast_param(scale, dt, shp))


@export
def maxwell(key: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Maxwell samples: the norm of three standard normals."""
    key = _check_key(key, "maxwell")
    dt = _float_dtype(dtype, "maxwell")
    z = normal(key, (*_shape(shape, "maxwell"), 3), dt)
    return lax.sqrt(lax.reduce_sum(lax.mul(z, z), (len(aval_of(z).shape) - 1,)))


@export
def multivariate_normal(key: Any, mean: Any, cov: Any, shape: Sequence[int] | None = None,
                        dtype: Any = None, method: str = "cholesky") -> Any:  # fmt: skip
    """Normal samples with `mean` (..., n) and covariance `cov` (..., n, n).

    The covariance is factored as L L^T by `method`: "cholesky", "eigh" or "svd" (the last
    two also accept positive semi-definite covariances).
    """
    jnp: Any = _numpy()
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(
            f"multivariate_normal: method must be cholesky, eigh or svd, got {method!r}"
        )
    key = _check_key(key, "multivariate_normal")
    dt = _float_dtype(dtype, "multivariate_normal")
    mean = to_dtype(asarray_arg(mean, "multivariate_normal"), dt)
    cov = to_dtype(asarray_arg(cov, "multivariate_normal"), dt)
    ms, cs = aval_of(mean).shape, aval_of(cov).shape
    if len(ms) < 1:
        raise ValueError(f"multivariate_normal: mean must have rank >= 1, got shape {ms}")
    n = ms[-1]
    if len(cs) < 2 or cs[-2:] != (n, n):
        raise ValueError(f"multivariate_normal: cov must be (..., {n}, {n}), got shape {cs}")
    batch = (
        np.broadcast_shapes(ms[:-1], cs[:-2])
        if shape is None
        else _shape(shape, "multivariate_normal")
    )
    if method == "svd":
        u, s, _ = jnp.linalg.svd(cov)
        factor = u * jnp.sqrt(s)[..., None, :]
    elif method == "eigh":
        w, v = jnp.linalg.eigh(cov)
        factor = v * jnp.sqrt(w)[..., None, :]
    else:
        factor = jnp.linalg.cholesky(cov)
    z = normal(key, (*batch, n), dt)
    return mean + jnp.einsum("...ij,...j->...i", factor, z)


@export
def orthogonal(key: Any, n: int, shape: Sequence[int] = (), dtype: Any = None,
               m: int | None = None) -> Any:  # fmt: skip
    """Haar-random (n, m) matrices with orthonormal columns (or rows if n < m)."""
    jnp: Any = _numpy()
    key = _check_key(key, "orthogonal")
    dt = _float_dtype(dtype, "orthogonal")
    cols = n if m is None else int(m)
    z = normal(key, (*_shape(shape, "orthogonal"), max(n, cols), min(n, cols)), dt)
    q, r = jnp.linalg.qr(z)
    d = jnp.diagonal(r, axis1=-2, axis2=-1)
    x = q * jnp.expand_dims(jnp.sign(d), -2)
    return jnp.swapaxes(x, -1, -2) if n < cols else x
