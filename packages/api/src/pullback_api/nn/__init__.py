"""`pullback.nn`: activation functions and friends (JAX's `jax.nn`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device

from pullback_api import numpy as jnp
from pullback_api._transforms import custom_jvp
from pullback_api.numpy._core import asarray_arg, axes_of, export, promote_inexact, to_dtype
from pullback_api.numpy._math import logaddexp as _logaddexp

__all__ = ["celu", "dot_product_attention", "elu", "gelu", "glu", "hard_sigmoid", "hard_silu",
           "hard_swish", "hard_tanh", "identity", "initializers", "leaky_relu", "log_sigmoid",
           "log_softmax", "logsumexp", "mish", "one_hot", "relu", "relu6", "selu", "sigmoid",
           "silu", "soft_sign", "softmax", "softplus", "sparse_plus", "sparse_sigmoid",
           "squareplus", "standardize", "swish", "tanh"]  # fmt: skip


def _f(x: Any, name: str) -> Any:
    return promote_inexact(name, x)[0]


def _zero(x: Any) -> Any:
    return np.asarray(0, aval_of(x).dtype)


@custom_jvp
def _relu(x: Any) -> Any:
    return lax.max(x, _zero(x))


# As in JAX: the derivative at 0 is 0 (max's own rule would split it, giving 0.5).
_relu.defjvps(lambda g, ans, x: lax.select(lax.gt(x, _zero(x)), g, lax.mul(g, _zero(g))))


@export
def relu(x: Any) -> Any:
    """max(x, 0); its derivative at 0 is 0."""
    return _relu(asarray_arg(x, "relu"))


@export
def relu6(x: Any) -> Any:
    """min(max(x, 0), 6)."""
    x = asarray_arg(x, "relu6")
    return lax.min(lax.max(x, _zero(x)), np.asarray(6, aval_of(x).dtype))


@export
def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x))."""
    return lax.logistic(_f(x, "sigmoid"))


@export
def log_sigmoid(x: Any) -> Any:
    """log(sigmoid(x)) = -softplus(-x)."""
    return lax.neg(softplus(lax.neg(_f(x, "log_sigmoid"))))


@export
def softplus(x: Any) -> Any:
    """log(1 + exp(x)), computed stably."""
    x = _f(x, "softplus")
    return _logaddexp(x, _zero(x))


@export
def soft_sign(x: Any) -> Any:
    """X / (|x| + 1)."""
    x = _f(x, "soft_sign")
    return lax.div(x, lax.add(lax.abs(x), np.asarray(1, aval_of(x).dtype)))


@export
def silu(x: Any) -> Any:
    """X * sigmoid(x)."""
    x = _f(x, "silu")
    return lax.mul(x, lax.logistic(x))


swish = silu


@export
def gelu(x: Any, approximate: bool = True) -> Any:
    """The Gaussian error linear unit (tanh approximation by default, as in JAX)."""
    x = _f(x, "gelu")
    dt = aval_of(x).dtype
    half = np.asarray(0.5, dt)
    if approximate:
        c = np.asarray(np.sqrt(2 / np.pi), dt)
        inner = lax.mul(c, lax.add(x, lax.mul(np.asarray(0.044715, dt), lax.integer_pow(x, 3))))
        return lax.mul(lax.mul(half, x), lax.add(np.asarray(1, dt), lax.tanh(inner)))
    cdf = lax.add(np.asarray(1, dt), lax.erf(lax.div(x, np.asarray(np.sqrt(2), dt))))
    return lax.mul(lax.mul(half, x), cdf)


@export
def elu(x: Any, alpha: float = 1.0) -> Any:
    """X for x > 0, alpha * (exp(x) - 1) otherwise."""
    x = _f(x, "elu")
    safe = lax.min(x, _zero(x))
    return jnp.where(lax.gt(x, _zero(x)), x, lax.mul(np.asarray(alpha, aval_of(x).dtype),
                                                      lax.expm1(safe)))  # fmt: skip


@export
def celu(x: Any, alpha: float = 1.0) -> Any:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    x = _f(x, "celu")
    a = np.asarray(alpha, aval_of(x).dtype)
    return lax.add(lax.max(x, _zero(x)), lax.min(_zero(x), lax.mul(a, lax.expm1(lax.div(x, a)))))


@export
def selu(x: Any) -> Any:
    """The scaled exponential linear unit."""
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    x = _f(x, "selu")
    return lax.mul(np.asarray(scale, aval_of(x).dtype), elu(x, alpha))


@export
def leaky_relu(x: Any, negative_slope: float = 1e-2) -> Any:
    """X for x >= 0, negative_slope * x otherwise."""
    x = _f(x, "leaky_relu")
    return jnp.where(
        lax.ge(x, _zero(x)), x, lax.mul(x, np.asarray(negative_slope, aval_of(x).dtype))
    )


@export
def hard_tanh(x: Any) -> Any:
    """X clipped to [-1, 1]."""
    x = asarray_arg(x, "hard_tanh")
    one = np.asarray(1, aval_of(x).dtype)
    return lax.max(lax.min(x, one), lax.neg(one))


@export
def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return lax.tanh(_f(x, "tanh"))


@export
def glu(x: Any, axis: int = -1) -> Any:
    """The gated linear unit: first half * sigmoid(second half) along `axis`."""
    a, b = jnp.split(x, 2, axis)
    return lax.mul(a, lax.logistic(b))


@export
def log_softmax(x: Any, axis: Any = -1, where: Any = None, initial: Any = None) -> Any:
    """X - logsumexp(x) over `axis`, computed stably."""
    x = _f(x, "log_softmax")
    axes = axes_of(axis, len(aval_of(x).shape), "log_softmax")
    m = lax.stop_gradient(jnp.max(x, axes, keepdims=True, where=where, initial=initial))
    shifted = lax.sub(x, jnp.broadcast_to(m, aval_of(x).shape))
    s = jnp.sum(lax.exp(shifted), axes, keepdims=True, where=where)
    return lax.sub(shifted, jnp.broadcast_to(lax.log(s), aval_of(x).shape))


@export
def softmax(x: Any, axis: Any = -1, where: Any = None, initial: Any = None) -> Any:
    """exp(x) / sum(exp(x)) over `axis`, computed stably."""
    x = _f(x, "softmax")
    axes = axes_of(axis, len(aval_of(x).shape), "softmax")
    m = lax.stop_gradient(jnp.max(x, axes, keepdims=True, where=where, initial=initial))
    e = lax.exp(lax.sub(x, jnp.broadcast_to(m, aval_of(x).shape)))
    if where is not None:
        e = jnp.where(where, e, _zero(e))
    s = jnp.sum(e, axes, keepdims=True)
    return lax.div(e, jnp.broadcast_to(s, aval_of(e).shape))


logsumexp = jnp.logsumexp


@export
def standardize(x: Any, axis: Any = -1, mean: Any = None, variance: Any = None,
                epsilon: float = 1e-5, where: Any = None) -> Any:  # fmt: skip
    """(x - mean) / sqrt(variance + epsilon) over `axis`."""
    x = _f(x, "standardize")
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True, where=where)
    if variance is None:
        d = lax.sub(x, jnp.broadcast_to(mean, aval_of(x).shape))
        variance = jnp.mean(lax.mul(d, d), axis, keepdims=True, where=where)
    d = lax.sub(x, jnp.broadcast_to(mean, aval_of(x).shape))
    v = lax.add(jnp.broadcast_to(variance, aval_of(x).shape), np.asarray(epsilon, aval_of(x).dtype))
    return lax.mul(d, lax.rsqrt(v))


@export
def one_hot(x: Any, num_classes: int, *, dtype: Any = None, axis: int = -1,
            out_sharding: Any = None) -> Any:  # fmt: skip
    """One-hot encoding of integer labels along a new `axis` (out-of-range labels: zeros).

    `out_sharding` may place the result on one device.
    """
    check_one_device(out_sharding, "one_hot: out_sharding")
    x = asarray_arg(x, "one_hot")
    dt = dtypes.default_float_dtype() if dtype is None else dtypes.canonicalize_dtype(dtype)
    s = aval_of(x).shape
    nd = len(s) + 1
    ax = axis % nd
    out_shape = (*s[:ax], int(num_classes), *s[ax:])
    iota = lax.broadcasted_iota(aval_of(x).dtype if dtypes.is_integer(aval_of(x).dtype)
                                else np.dtype(np.int32), out_shape, ax)  # fmt: skip
    xe = lax.broadcast_in_dim(x, out_shape, tuple(d for d in range(nd) if d != ax))
    return to_dtype(lax.eq(xe, to_dtype(iota, aval_of(xe).dtype)), dt)


@export
def identity(x: Any) -> Any:
    """X itself."""
    return asarray_arg(x, "identity")


@export
def mish(x: Any) -> Any:
    """X * tanh(softplus(x))."""
    x = _f(x, "mish")
    return lax.mul(x, lax.tanh(softplus(x)))


@export
def hard_sigmoid(x: Any) -> Any:
    """relu6(x + 3) / 6, a piecewise-linear sigmoid."""
    x = _f(x, "hard_sigmoid")
    return lax.div(relu6(lax.add(x, np.asarray(3, aval_of(x).dtype))),
                   np.asarray(6, aval_of(x).dtype))  # fmt: skip


@export
def hard_silu(x: Any) -> Any:
    """X * hard_sigmoid(x)."""
    x = _f(x, "hard_silu")
    return lax.mul(x, hard_sigmoid(x))


hard_swish = hard_silu


@export
def squareplus(x: Any, b: Any = 4) -> Any:
    """(x + sqrt(x^2 + b)) / 2, a smooth relu."""
    x = _f(x, "squareplus")
    dt = aval_of(x).dtype
    root = lax.sqrt(lax.add(lax.mul(x, x), jnp.asarray(b, dt)))
    return lax.div(lax.add(x, root), np.asarray(2, dt))


@export
def sparse_plus(x: Any) -> Any:
    """0 below -1, x above 1, and (x + 1)^2 / 4 between: a smooth relu with exact zeros."""
    x = _f(x, "sparse_plus")
    dt = aval_of(x).dtype
    mid = lax.div(lax.integer_pow(lax.add(x, np.asarray(1, dt)), 2), np.asarray(4, dt))
    return jnp.where(x <= -1, jnp.zeros_like(x), jnp.where(x >= 1, x, mid))


@export
def sparse_sigmoid(x: Any) -> Any:
    """(x + 1) / 2 clipped to [0, 1]: the derivative of `sparse_plus`."""
    x = _f(x, "sparse_sigmoid")
    dt = aval_of(x).dtype
    return jnp.clip(lax.div(lax.add(x, np.asarray(1, dt)), np.asarray(2, dt)), 0, 1)


def _attention_mask(t: int, s: int, is_causal: bool, local_window_size: Any,
                    query_seq_lengths: Any, key_value_seq_lengths: Any,
                    batch: tuple[int, ...]) -> Any:  # fmt: skip
    """A boolean mask of shape (B..., 1, T, S) (or None): True where attention may look."""
    rows = jnp.arange(t)[:, None]
    cols = jnp.arange(s)[None, :]
    keep = None
    if is_causal:
        keep = cols <= rows
    if local_window_size is not None:
        left, right = ((local_window_size, local_window_size) if isinstance(local_window_size, int)
                       else tuple(local_window_size))  # fmt: skip
        window = (cols >= rows - left) & (cols <= rows + right)
        keep = window if keep is None else keep & window
    if keep is not None:
        keep = jnp.broadcast_to(keep, (*batch, 1, t, s))
    for lengths, axis_len, is_query in ((query_seq_lengths, t, True),
                                        (key_value_seq_lengths, s, False)):  # fmt: skip
        if lengths is None:
            continue
        lengths = jnp.asarray(lengths)
        idx = jnp.arange(axis_len)
        valid = idx[None, :] < lengths.reshape(-1, 1)  # (B, len)
        valid = valid[:, None, :, None] if is_query else valid[:, None, None, :]
        valid = jnp.broadcast_to(valid, (*batch, 1, t, s))
        keep = valid if keep is None else keep & valid
    return keep


@export
def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None, mask: Any = None,
                          *, scale: float | None = None, is_causal: bool = False,
                          query_seq_lengths: Any = None, key_value_seq_lengths: Any = None,
                          local_window_size: Any = None,
                          implementation: str | None = None) -> Any:  # fmt: skip
    """Scaled dot-product attention, softmax(q k^T * scale + bias, masked) v, per head.

    query is (B, T, N, H) (or (T, N, H)); key and value are (B, S, K, H) with K dividing N
    (grouped-query attention: each key head serves N / K query heads). `mask` is boolean (True:
    attend), `bias` is added to the logits, both broadcasting to (B, N, T, S); `is_causal`,
    `local_window_size` and the sequence lengths add masks of their own. The softmax runs in
    float32 at least. Returns (B, T, N, H).
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: implementation {implementation!r} is not "
                         "available; use None or 'xla'")  # fmt: skip
    q, k, v = (jnp.asarray(a) for a in (query, key, value))
    unbatched = q.ndim == 3
    if unbatched:
        q, k, v = q[None], k[None], v[None]
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError(
            "dot_product_attention: query, key and value must be (B, T, N, H) or (T, N, H), "
            f"got shapes {query.shape}, {key.shape} and {value.shape}"
        )
    b, t, n, h = q.shape
    s, kh = k.shape[1], k.shape[2]
    if k.shape != v.shape or k.shape[0] != b or k.shape[3] != h or n % kh:
        raise ValueError(
            f"dot_product_attention: key and value must be (B, S, K, H) with K dividing the "
            f"{n} query heads; got query {q.shape}, key {k.shape}, value {v.shape}"
        )
    groups = n // kh
    scale = 1.0 / np.sqrt(h) if scale is None else scale
    qg = q.reshape(b, t, kh, groups, h)
    logits = jnp.einsum("btkgh,bskh->bkgts", qg, k).reshape(b, n, t, s)
    wide = jnp.promote_types(logits.dtype, np.float32)
    logits = jnp.asarray(logits, wide) * jnp.asarray(scale, wide)
    if bias is not None:
        logits = logits + jnp.asarray(bias, wide)
    keep = _attention_mask(t, s, is_causal, local_window_size, query_seq_lengths,
                           key_value_seq_lengths, (b,))  # fmt: skip
    if mask is not None:
        user = jnp.asarray(mask, bool)
        keep = user if keep is None else keep & user
    if keep is not None:
        logits = jnp.where(keep, logits, jnp.asarray(np.finfo(wide).min, wide))
    probs = jnp.asarray(softmax(logits, axis=-1), q.dtype)
    out = jnp.einsum("bkgts,bskh->btkgh", probs.reshape(b, kh, groups, t, s), v)
    out = out.reshape(b, t, n, h)
    return out[0] if unbatched else out


from pullback_api.nn import initializers as initializers  # noqa: E402
