"""`pullback.nn.initializers`: parameter initializers (JAX's `jax.nn.initializers`).

An initializer is called as `init(key, shape, dtype=float32)`; the factories (`normal`,
`glorot_uniform`, `orthogonal`, ...) return one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes

from pullback_api import numpy as _jnp_module, random

jnp: Any = _jnp_module  # (its elementwise functions are made at import: typed as Any)

__all__ = ["constant", "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal",
           "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal", "lecun_uniform",
           "normal", "ones", "orthogonal", "truncated_normal", "uniform", "variance_scaling",
           "xavier_normal", "xavier_uniform", "zeros"]  # fmt: skip

Initializer = Callable[..., Any]

# The standard deviation of a unit normal truncated to [-2, 2].
_TRUNCATED_STD = 0.87962566103423978


def _shape(shape: Any) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)


def _float(dtype: Any, name: str) -> Any:
    dt = dtypes.canonicalize_dtype(dtype)
    if not dtypes.is_float(dt):
        raise TypeError(f"{name}: dtype must be a floating type, got {np.dtype(dt).name}")
    return dt


def zeros(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """An array of zeros (the key is unused)."""
    return jnp.zeros(_shape(shape), dtypes.canonicalize_dtype(dtype))


def ones(key: Any, shape: Sequence[int], dtype: Any = np.float32) -> Any:
    """An array of ones (the key is unused)."""
    return jnp.ones(_shape(shape), dtypes.canonicalize_dtype(dtype))


def constant(value: Any, dtype: Any = np.float32) -> Initializer:
    """An initializer filling with `value`."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        return jnp.full(_shape(shape), value, dtypes.canonicalize_dtype(dtype))

    return init


def uniform(scale: float = 1e-2, dtype: Any = np.float32) -> Initializer:
    """Uniform values in [0, scale)."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _float(dtype, "uniform")
        return random.uniform(key, _shape(shape), dt) * jnp.asarray(scale, dt)

    return init


def normal(stddev: float = 1e-2, dtype: Any = np.float32) -> Initializer:
    """Normal values with mean 0 and standard deviation `stddev`."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _float(dtype, "normal")
        return random.normal(key, _shape(shape), dt) * jnp.asarray(stddev, dt)

    return init


def truncated_normal(stddev: float = 1e-2, dtype: Any = np.float32, lower: float = -2.0,
                     upper: float = 2.0) -> Initializer:  # fmt: skip
    """`stddev` times a unit normal truncated to [lower, upper]."""

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _float(dtype, "truncated_normal")
        sample = random.truncated_normal(key, lower, upper, _shape(shape), dt)
        return sample * jnp.asarray(stddev, dt)

    return init


def _fans(shape: tuple[int, ...], in_axis: Any, out_axis: Any,
          batch_axis: Any) -> tuple[float, float]:  # fmt: skip
    # JAX's arithmetic exactly (the fans are floats; an axis named twice counts twice, so the
    # receptive field may be fractional): the initial values then agree bit for bit.
    if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
        raise ValueError(
            f"Can't compute input and output sizes of a {len(shape)}-dimensional weights tensor "
            "with default in_axis. Must be at least 2D or specify in_axis explicitly."
        )

    def size(a: Any) -> int:
        return int(shape[a]) if isinstance(a, int) else math.prod(int(shape[i]) for i in a)

    in_size, out_size, batch_size = size(in_axis), size(out_axis), size(batch_axis)
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


def variance_scaling(scale: float, mode: str, distribution: str, in_axis: Any = -2,
                     out_axis: Any = -1, batch_axis: Any = (),
                     dtype: Any = np.float32) -> Initializer:  # fmt: skip
    """Values whose variance is `scale` over a fan of the shape.

    `mode` picks the fan: "fan_in", "fan_out" or "fan_avg" (their mean), counting the input
    (`in_axis`) or output (`out_axis`) axes times the receptive field (the other axes, less
    `batch_axis`). `distribution` is "truncated_normal", "normal" or "uniform".
    """
    if mode not in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        raise ValueError(
            f"variance_scaling: mode must be fan_in, fan_out, fan_avg or fan_geo_avg, got {mode!r}"
        )
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(
            "variance_scaling: distribution must be truncated_normal, normal or uniform, got "
            f"{distribution!r}"
        )

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        # JAX's formulas, in JAX's order and precision (the variance is rounded to `dtype`
        # before its square root), so the values agree with JAX's bit for bit.
        dt = _float(dtype, "variance_scaling")
        shp = _shape(shape)
        fan_in, fan_out = _fans(shp, in_axis, out_axis, batch_axis)
        denominator = {
            "fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
            "fan_geo_avg": (fan_in * fan_out) ** 0.5,
        }[mode]  # fmt: skip
        variance = jnp.asarray(scale / denominator, dt)
        if distribution == "truncated_normal":
            std = jnp.sqrt(variance) / jnp.asarray(_TRUNCATED_STD, dt)
            return random.truncated_normal(key, -2, 2, shp, dt) * std
        if distribution == "normal":
            return random.normal(key, shp, dt) * jnp.sqrt(variance)
        return random.uniform(key, shp, dt, -1) * jnp.sqrt(3 * variance)

    return init


def _family(name: str, scale: float, mode: str, distribution: str, doc: str) -> Any:
    def make(in_axis: Any = -2, out_axis: Any = -1, batch_axis: Any = (),
             dtype: Any = np.float32) -> Initializer:  # fmt: skip
        return variance_scaling(scale, mode, distribution, in_axis, out_axis, batch_axis, dtype)

    make.__name__ = make.__qualname__ = name
    make.__doc__ = doc
    return make


glorot_uniform = _family("glorot_uniform", 1.0, "fan_avg", "uniform",
                         "Glorot (Xavier) uniform: variance 1 / fan_avg.")  # fmt: skip
glorot_normal = _family("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                        "Glorot (Xavier) truncated normal: variance 1 / fan_avg.")  # fmt: skip
lecun_uniform = _family("lecun_uniform", 1.0, "fan_in", "uniform",
                        "LeCun uniform: variance 1 / fan_in.")  # fmt: skip
lecun_normal = _family("lecun_normal", 1.0, "fan_in", "truncated_normal",
                       "LeCun truncated normal: variance 1 / fan_in.")  # fmt: skip
he_uniform = _family("he_uniform", 2.0, "fan_in", "uniform",
                     "He (Kaiming) uniform: variance 2 / fan_in.")  # fmt: skip
he_normal = _family("he_normal", 2.0, "fan_in", "truncated_normal",
                    "He (Kaiming) truncated normal: variance 2 / fan_in.")  # fmt: skip
xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def orthogonal(scale: float = 1.0, column_axis: int = -1, dtype: Any = np.float32) -> Initializer:
    """A (scaled) matrix with orthonormal rows or columns, the other axes flattened.

    It is the Q of the QR factorization of a normal matrix, its signs fixed by R's diagonal.
    """

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _float(dtype, "orthogonal")
        shp = _shape(shape)
        if len(shp) < 2:
            raise ValueError(f"orthogonal: the shape needs at least two axes, got {shp}")
        axis = column_axis % len(shp)
        n_cols = shp[axis]
        n_rows = math.prod(shp) // n_cols
        tall = (n_rows, n_cols) if n_rows > n_cols else (n_cols, n_rows)
        q, r = jnp.linalg.qr(random.normal(key, tall, dt))
        q = q * jnp.sign(jnp.diagonal(r))[None, :]
        if n_rows < n_cols:
            q = q.T
        rest = tuple(s for i, s in enumerate(shp) if i != axis)
        q = jnp.moveaxis(jnp.reshape(q, (*rest, n_cols)), -1, axis)
        return q * jnp.asarray(scale, dt)

    return init


def delta_orthogonal(scale: float = 1.0, column_axis: int = -1,
                     dtype: Any = np.float32) -> Initializer:  # fmt: skip
    """The delta-orthogonal initialization of a convolution kernel (spatial..., in, out).

    The kernel is zero but at the spatial centre, where it is an orthogonal (in, out) matrix.
    """
    if column_axis != -1:
        raise ValueError("delta_orthogonal: only column_axis=-1 is supported")

    def init(key: Any, shape: Sequence[int], dtype: Any = dtype) -> Any:
        dt = _float(dtype, "delta_orthogonal")
        shp = _shape(shape)
        if len(shp) not in (3, 4, 5):
            raise ValueError(f"delta_orthogonal: the shape must have 3, 4 or 5 axes, got {shp}")
        if shp[-2] > shp[-1]:
            raise ValueError(f"delta_orthogonal: needs in <= out features, got shape {shp}")
        ortho = orthogonal(scale, -1, dt)(key, shp[-2:], dt)
        centre = tuple(s // 2 for s in shp[:-2])
        return jnp.zeros(shp, dt).at[centre].set(ortho)

    return init
