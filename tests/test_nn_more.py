"""The newer pullback.nn functions: activations against their formulas (with gradients) and
dot_product_attention against a direct NumPy definition."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import nn

X = np.linspace(-4, 4, 33).astype(np.float32)
SOFTPLUS = np.log1p(np.exp(X))


@pytest.mark.parametrize(
    ("f", "ref"),
    [
        (nn.identity, X),
        (nn.mish, X * np.tanh(SOFTPLUS)),
        (nn.hard_sigmoid, np.clip(X + 3, 0, 6) / 6),
        (nn.hard_silu, X * np.clip(X + 3, 0, 6) / 6),
        (nn.hard_swish, X * np.clip(X + 3, 0, 6) / 6),
        (nn.squareplus, (X + np.sqrt(X**2 + 4)) / 2),
        (nn.sparse_plus, np.where(X <= -1, 0, np.where(X >= 1, X, (X + 1) ** 2 / 4))),
        (nn.sparse_sigmoid, np.clip((X + 1) / 2, 0, 1)),
    ],
)
def test_activations(f, ref):
    np.testing.assert_allclose(f(X), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pb.jit(f)(X), ref, rtol=1e-5, atol=1e-6)


def test_sparse_plus_derivative_is_sparse_sigmoid():
    g = pb.vmap(pb.grad(nn.sparse_plus))(X)
    np.testing.assert_allclose(g, nn.sparse_sigmoid(X), atol=1e-6)


def _reference_attention(q, k, v, mask=None, bias=None, causal=False):
    _, t, n, h = q.shape
    groups = n // k.shape[2]
    k = np.repeat(k, groups, axis=2)
    v = np.repeat(v, groups, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(h)
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= np.broadcast_to(mask, logits.shape)
    if causal:
        keep &= np.tril(np.ones((t, k.shape[1]), bool))
    logits = np.where(keep, logits, -np.inf)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


@pytest.mark.parametrize("kv_heads", [4, 2, 1])
@pytest.mark.parametrize("causal", [False, True])
def test_dot_product_attention(kv_heads, causal):
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 5, 4, 8)).astype(np.float32)
    k = rng.standard_normal((2, 5, kv_heads, 8)).astype(np.float32)
    v = rng.standard_normal((2, 5, kv_heads, 8)).astype(np.float32)
    mask = rng.uniform(size=(2, 1, 5, 5)) < 0.8
    mask[..., 0] = True  # every query sees something
    bias = rng.standard_normal((1, 4, 5, 5)).astype(np.float32)
    expected = _reference_attention(q, k, v, mask, bias, causal)
    f = lambda *a: nn.dot_product_attention(*a, bias=bias, mask=mask, is_causal=causal)  # noqa: E731
    np.testing.assert_allclose(f(q, k, v), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(pb.jit(f)(q, k, v), expected, rtol=1e-4, atol=1e-5)
    g = pb.grad(lambda qq: jnp.sum(f(qq, k, v) ** 2))(q)
    assert g.shape == q.shape
    unbatched = nn.dot_product_attention(q[0], k[0], v[0])
    np.testing.assert_allclose(unbatched, _reference_attention(q[:1], k[:1], v[:1])[0], rtol=1e-4,
                               atol=1e-5)  # fmt: skip


def test_attention_sequence_lengths_and_errors():
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 3, 2, 4)).astype(np.float32)
    k = rng.standard_normal((2, 6, 2, 4)).astype(np.float32)
    out = nn.dot_product_attention(q, k, k, key_value_seq_lengths=jnp.asarray([2, 6]))
    mask = np.zeros((2, 1, 3, 6), bool)
    mask[0, ..., :2] = True
    mask[1] = True
    np.testing.assert_allclose(out, _reference_attention(q, k, k, mask), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="K dividing the 2 query heads"):
        nn.dot_product_attention(q, k[:, :, :1].repeat(3, axis=2), k[:, :, :1].repeat(3, axis=2))
