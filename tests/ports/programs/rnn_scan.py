"""An Elman RNN over sequences with lax.scan, trained by backpropagation through time to
predict the running sum of its inputs."""

import json

import jax
import jax.numpy as jnp
from jax import lax, random


def init(key, hidden=8):
    k1, k2, k3 = random.split(key, 3)
    return {
        "Wx": random.normal(k1, (1, hidden)) * 0.5,
        "Wh": random.normal(k2, (hidden, hidden)) * 0.3,
        "Wo": random.normal(k3, (hidden, 1)) * 0.5,
        "b": jnp.zeros(hidden),
    }


def run(params, xs):
    def cell(h, x):
        h = jnp.tanh(x @ params["Wx"] + h @ params["Wh"] + params["b"])
        return h, h @ params["Wo"]

    h0 = jnp.zeros((xs.shape[1], params["Wh"].shape[0]))
    _, ys = lax.scan(cell, h0, xs)
    return ys


def loss(params, xs, targets):
    return jnp.mean((run(params, xs) - targets) ** 2)


key = random.PRNGKey(0)
xs = random.uniform(key, (10, 4, 1), minval=-0.5, maxval=0.5)  # (time, batch, feature)
targets = jnp.cumsum(xs, axis=0)
params = init(random.PRNGKey(1))
step = jax.jit(
    lambda p: jax.tree_util.tree_map(lambda a, g: a - 0.2 * g, p, jax.grad(loss)(p, xs, targets))
)
first = float(loss(params, xs, targets))
for _ in range(50):
    params = step(params)
print(
    "RESULT "
    + json.dumps(
        {
            "first": first,
            "last": float(loss(params, xs, targets)),
            "out": run(params, xs)[-1, :, 0].tolist(),
        }
    )
)
