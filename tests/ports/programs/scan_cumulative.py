"""Scans and reductions: an exponential moving average with lax.scan, cumulative ops,
associative_scan, segment sums, sorting and top_k."""

import json

import jax
import jax.numpy as jnp
from jax import lax

x = jnp.asarray([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])


def ema(xs, alpha=0.3):
    def body(c, v):
        c = alpha * v + (1 - alpha) * c
        return c, c

    return lax.scan(body, xs[0], xs[1:])[1]


segments = jnp.asarray([0, 0, 1, 1, 1, 2, 2, 2])
vals, idx = lax.top_k(x, 3)
print(
    "RESULT "
    + json.dumps(
        {
            "ema": ema(x).tolist(),
            "cumsum": jnp.cumsum(x).tolist(),
            "cumprod": jnp.cumprod(x[:4]).tolist(),
            "assoc": lax.associative_scan(jnp.add, x).tolist(),
            "cummax": lax.cummax(x).tolist(),
            "segment_sum": jax.ops.segment_sum(x, segments, num_segments=3).tolist(),
            "sort": jnp.sort(x).tolist(),
            "argsort": jnp.argsort(x).tolist(),
            "top_k": [vals.tolist(), idx.tolist()],
            "scan_reverse": lax.scan(lambda c, v: (c + v, c), 0.0, x, reverse=True)[1].tolist(),
            "grad_ema": jax.grad(lambda xs: jnp.sum(ema(xs)))(x).tolist(),
        }
    )
)
