"""Multi-head self-attention written with einsum and jax.nn.softmax (with a causal mask),
compared with jax.nn.dot_product_attention, and differentiated."""

import json

import jax
import jax.numpy as jnp
from jax import random


def attention(params, x, mask):
    b, t, d = x.shape
    h = 2
    q = (x @ params["q"]).reshape(b, t, h, d // h)
    k = (x @ params["k"]).reshape(b, t, h, d // h)
    v = (x @ params["v"]).reshape(b, t, h, d // h)
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(d // h)
    scores = jnp.where(mask, scores, -1e9)
    w = jax.nn.softmax(scores, axis=-1)
    out = jnp.einsum("bhqk,bkhd->bqhd", w, v).reshape(b, t, d)
    return out @ params["o"], (q, k, v)


key = random.PRNGKey(0)
ks = random.split(key, 5)
d = 8
params = {n: random.normal(k, (d, d)) / jnp.sqrt(d) for n, k in zip("qkvo", ks[:4])}
x = random.normal(ks[4], (2, 5, d))
mask = jnp.tril(jnp.ones((5, 5), bool))[None, None]
out, (q, k, v) = attention(params, x, mask)
ref = jax.nn.dot_product_attention(q, k, v, is_causal=True).reshape(2, 5, d) @ params["o"]
g = jax.grad(lambda p: jnp.sum(attention(p, x, mask)[0] ** 2))(params)
print(
    "RESULT "
    + json.dumps(
        {
            "out": out[0, :2].tolist(),
            "max_diff_vs_nn": float(jnp.max(jnp.abs(out - ref))),
            "grad_q": g["q"][0].tolist(),
            "jit_equal": bool(jnp.allclose(jax.jit(attention)(params, x, mask)[0], out, atol=1e-6)),
        }
    )
)
