"""Random samplers composed from the basic ones.

Double-sided Maxwell, generalized normal, the unit Lp ball, Wald, triangular, binomial and
multinomial.

Each follows JAX's algorithm operation for operation (the same keys split the same way, the same
formulas in the same order), so samples agree with JAX's bit for bit on the CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import asarray_arg, export
from pullback_api.random import (
    _check_key,
    _finfo,
    _float_dtype,
    _param_shape,
    _sampler,
    _shape,
    _split_raw,
    exponential,
    gamma,
    maxwell,
    normal,
    rademacher,
    uniform,
)

__all__ = [
    "ball",
    "binomial",
    "double_sided_maxwell",
    "generalized_normal",
    "multinomial",
    "triangular",
    "wald",
]


def _jnp() -> Any:
    from pullback_api import numpy  # (it imports the random module: looked up at call time)

    return numpy


def _real_float(dtype: Any, name: str) -> np.dtype[Any]:
    # (JAX raises ValueError here, where the other samplers raise TypeError)
    if dtype is not None and not dtypes.is_float(np.dtype(dtype)):
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    return _float_dtype(dtype, name)


@export
@_sampler("shape", "dtype")
def double_sided_maxwell(key: Any, loc: Any, scale: Any, shape: Sequence[int] = (),
                         dtype: Any = None) -> Any:  # fmt: skip
    """Double-sided Maxwell samples: a Maxwell sample with a random sign, scaled and shifted.

    As in JAX, the result shape is `shape` followed by the broadcast shape of `loc` and `scale`
    (just the latter when `shape` is empty).
    """
    key = _check_key(key, "double_sided_maxwell")
    dt = _real_float(dtype, "double_sided_maxwell")
    params = tuple(np.broadcast_shapes(np.shape(loc), np.shape(scale)))
    shp = _shape(shape, "double_sided_maxwell")
    shp = (shp or params) + params
    keys = _split_raw(key, (2,))
    rvs = maxwell(keys[0], shp, dt)
    sign = rademacher(keys[1], shp, dt)
    return sign * rvs * scale + loc


@export
@_sampler("shape", "dtype")
def generalized_normal(key: Any, p: Any, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Generalized normal samples of power `p`: sign * Gamma(1/p) ** (1/p)."""
    key = _check_key(key, "generalized_normal")
    dt = _float_dtype(dtype, "generalized_normal")
    shp = _shape(shape, "generalized_normal")
    keys = _split_raw(key, (2,))
    g = gamma(keys[0], 1 / p, shp, dt)
    r = rademacher(keys[1], shp, dt)
    return r * g ** (1 / p)


@export
@_sampler("d", "shape", "dtype")
def ball(key: Any, d: int, p: float = 2, shape: Sequence[int] = (), dtype: Any = None) -> Any:
    """Samples uniform in the unit Lp ball of dimension `d` (shape `(*shape, d)`)."""
    key = _check_key(key, "ball")
    dt = _float_dtype(dtype, "ball")
    shp = _shape(shape, "ball")
    keys = _split_raw(key, (2,))
    g = generalized_normal(keys[0], p, (*shp, int(d)), dt)
    e = exponential(keys[1], shp, dt)
    return g / (((_jnp().abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


@export
@_sampler("shape", "dtype")
def wald(key: Any, mean: Any, shape: Sequence[int] | None = None, dtype: Any = None) -> Any:
    """Wald (inverse Gaussian) samples of the given mean (Michael, Schucany and Haas)."""
    key = _check_key(key, "wald")
    dt = _real_float(dtype, "wald")
    shp = _param_shape("wald", shape, mean)
    jnp = _jnp()
    keys = _split_raw(key, (2,))
    mean = jnp.broadcast_to(jnp.asarray(mean).astype(dt), shp)
    v = normal(keys[0], shp, dt)
    z = uniform(keys[1], shp, dt)
    y = lax.integer_pow(v, 2)
    y_sq = lax.integer_pow(y, 2)
    mean_sq = lax.integer_pow(mean, 2)
    sqrt_term = lax.sqrt(4 * mean * y + mean_sq * y_sq)
    x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
    return lax.select(lax.le(z, mean / (mean + x)), x, mean_sq / x)


@export
@_sampler("shape", "dtype")
def triangular(key: Any, left: Any, mode: Any, right: Any, shape: Sequence[int] | None = None,
               dtype: Any = None) -> Any:  # fmt: skip
    """Triangular samples on [left, right] with the given mode (by the inverse CDF)."""
    key = _check_key(key, "triangular")
    dt = _real_float(dtype, "triangular")
    shp = _param_shape("triangular", shape, left, mode, right)
    jnp = _jnp()

    def param(v: Any) -> Any:
        return jnp.broadcast_to(lax.convert_element_type(asarray_arg(v, "triangular"), dt), shp)

    left, right, mode = param(left), param(right), param(mode)
    fc = (mode - left) / (right - left)
    u = uniform(key, shp, dt)
    out1 = left + lax.sqrt(u * (right - left) * (mode - left))
    out2 = right - lax.sqrt((1 - u) * (right - left) * (right - mode))
    return lax.select(u < fc, out1, out2)


# --- binomial (inversion for small means, BTRS rejection otherwise, as TensorFlow and JAX) ----

_STIRLING_TAIL = [
    0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
    0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
    0.00925546218271273, 0.00833056343336287,
]  # fmt: skip


def _stirling_approx_tail(k: Any) -> Any:
    jnp = _jnp()
    dt = aval_of(k).dtype
    vals = jnp.array(_STIRLING_TAIL, dtype=dt)
    use_tail = k <= 9
    k = lax.clamp(np.asarray(0.0, dt), k, np.asarray(9.0, dt))
    kp1sq = (k + 1) * (k + 1)
    approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    k = jnp.floor(k)
    return lax.select(use_tail, vals[jnp.asarray(k, dtype="int32")], approx)


def _binomial_inversion(key: Any, count: Any, prob: Any, shape: tuple[int, ...],
                        dt: np.dtype[Any], max_iters: Any) -> Any:  # fmt: skip
    from pullback_ir.control_flow import while_loop

    jnp = _jnp()
    pdt = aval_of(prob).dtype
    log1minusprob = jnp.log1p(-prob)

    def body(carry: Any) -> Any:
        i, num_geom, geom_sum, rng = carry
        keys = _split_raw(rng, (2,))
        num_geom_out = lax.select(geom_sum <= count, num_geom + 1, num_geom)
        u = uniform(keys[0], shape, pdt)
        geom = jnp.ceil(jnp.log(u) / log1minusprob)
        return i + 1, num_geom_out, geom_sum + geom, keys[1]

    def cond(carry: Any) -> Any:
        i, geom_sum = carry[0], carry[2]
        return (geom_sum <= count).any() & (i < max_iters)

    zeros = lax.full(shape, 0, pdt)
    k = while_loop(cond, body, (0, zeros, zeros, key))[1]
    return (k - 1).astype(dt)


def _btrs(key: Any, count: Any, prob: Any, shape: tuple[int, ...], dt: np.dtype[Any],
          max_iters: Any) -> Any:  # fmt: skip
    from pullback_ir.control_flow import while_loop

    jnp = _jnp()
    pdt = aval_of(prob).dtype
    stddev = jnp.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = jnp.floor((count + 1) * prob)

    def body(carry: Any) -> Any:
        i, k_out, accepted, rng = carry
        keys = _split_raw(rng, (3,))
        u = uniform(keys[1], shape, pdt)
        v = uniform(keys[2], shape, pdt)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        accept1 = (us >= 0.07) & (v <= v_r)
        k = jnp.floor((2 * a / us + b) * u + c)
        reject = (k < 0) | (k > count)
        v = jnp.log(v * alpha / (a / (us * us) + b))
        ub = (
            (m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
            + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
            + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
            + _stirling_approx_tail(m)
            + _stirling_approx_tail(count - m)
            - _stirling_approx_tail(k)
            - _stirling_approx_tail(count - k)
        )
        accept = accept1 | (~reject & (v <= ub))
        return i + 1, lax.select(accept, k, k_out), accepted | accept, keys[0]

    def cond(carry: Any) -> Any:
        i, accepted = carry[0], carry[2]
        return (~accepted).any() & (i < max_iters)

    init = (0, lax.full(shape, -1, pdt), lax.full(shape, False, np.bool_), key)
    return while_loop(cond, body, init)[1].astype(dt)


@export
@_sampler("shape", "dtype")
def binomial(key: Any, n: Any, p: Any, shape: Sequence[int] | None = None,
             dtype: Any = None) -> Any:  # fmt: skip
    """Binomial(n, p) samples, as floats (NaN for a NaN or negative n or an invalid p)."""
    key = _check_key(key, "binomial")
    dt = _real_float(dtype, "binomial")
    shp = _param_shape("binomial", shape, n, p)
    jnp = _jnp()
    prob = jnp.asarray(p)
    if not dtypes.is_inexact(aval_of(prob).dtype):
        prob = prob.astype(dtypes.default_float_dtype())
    count = lax.convert_element_type(jnp.asarray(n), aval_of(prob).dtype)
    count = jnp.broadcast_to(count, shp)
    prob = jnp.broadcast_to(prob, shp)
    p_lt_half = prob < 0.5
    q = lax.select(p_lt_half, prob, 1.0 - prob)
    count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
    count_inf = jnp.isinf(count)
    q_is_nan = jnp.isnan(q)
    q_l_0 = q < 0.0
    q = lax.select(q_is_nan | q_l_0, lax.full_like(q, 0.01), q)
    use_inversion = count_nan_or_neg | (count * q <= 10.0)
    count = jnp.floor(count)
    count_inv = lax.select(use_inversion, count, lax.full_like(count, 0.0))
    count_btrs = lax.select(use_inversion, lax.full_like(count, 1e4), count)
    q_btrs = lax.select(use_inversion, lax.full_like(q, 0.5), q)
    max_iters = dt.type(_finfo(dt).max)
    samples = lax.select(
        use_inversion,
        _binomial_inversion(key, count_inv, q, shp, dt, max_iters),
        _btrs(key, count_btrs, q_btrs, shp, dt, max_iters),
    )
    invalid = q_l_0 | q_is_nan | count_nan_or_neg
    samples = lax.select(invalid, jnp.full_like(samples, np.nan, dt), samples)
    samples = lax.select(count_inf & (~invalid), jnp.full_like(samples, np.inf, dt), samples)
    return lax.select(
        p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples, count.astype(dt) - samples
    )


@export
def multinomial(key: Any, n: Any, p: Any, *, shape: Sequence[int] | None = None,
                dtype: Any = None, unroll: int | bool = 1) -> Any:  # fmt: skip
    """Multinomial(n, p) counts, with the outcomes along the last axis of `p`.

    Sequential binomials: each outcome's count is Binomial(the trials left, its probability
    over the probability left), as in JAX.
    """
    key = _check_key(key, "multinomial")
    jnp = _jnp()
    common = jnp.result_type(n, p)
    common = common if dtypes.is_inexact(common) else dtypes.default_float_dtype()
    n, p = jnp.asarray(n, common), jnp.asarray(p, common)
    shp = tuple(p.shape) if shape is None else _shape(shape, "multinomial")
    n = jnp.broadcast_to(n, shp[:-1])
    p = jnp.broadcast_to(p, shp)
    out_dt = _float_dtype(dtype, "multinomial")

    def f(remainder: Any, ratio_key: Any) -> Any:
        ratio, k = ratio_key
        count = binomial(k, remainder, ratio.clip(0, 1), dtype=aval_of(remainder).dtype)
        return remainder - count, count

    p = jnp.moveaxis(p, -1, 0)
    remaining = lax.cumsum(p, 0, reverse=True)
    ratios = p / jnp.where(remaining == 0, 1, remaining)
    keys = _split_raw(key, (int(ratios.shape[0]),))
    from pullback_ir.control_flow import scan

    _, counts = scan(f, n, (ratios, keys), unroll=unroll)
    return jnp.moveaxis(counts, 0, -1).astype(out_dt)
