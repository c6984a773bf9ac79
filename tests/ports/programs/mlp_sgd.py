"""MLP regression trained with a jitted SGD step (JAX's "MLP from scratch" style)."""

import json

import jax
import jax.numpy as jnp
import numpy as np
from jax import random


def init_mlp(sizes, key):
    keys = random.split(key, len(sizes) - 1)
    params = []
    for k, (m, n) in zip(keys, zip(sizes[:-1], sizes[1:])):
        w_key, b_key = random.split(k)
        params.append(
            (random.normal(w_key, (m, n)) * jnp.sqrt(2.0 / m), 0.01 * random.normal(b_key, (n,)))
        )
    return params


def predict(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)


@jax.jit
def update(params, x, y, lr=0.05):
    grads = jax.grad(loss)(params, x, y)
    return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)


rng = np.random.RandomState(0)
x = rng.uniform(-1, 1, size=(128, 3))
y = np.sin(x.sum(axis=1, keepdims=True))
params = init_mlp([3, 32, 32, 1], random.PRNGKey(0))
losses = []
for step in range(60):
    params = update(params, x, y)
    if step % 20 == 0:
        losses.append(float(loss(params, x, y)))
final = float(loss(params, x, y))
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses,
            "final": final,
            "pred": np.asarray(predict(params, x[:4])).ravel().tolist(),
        }
    )
)
