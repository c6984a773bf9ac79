"""Differentially private SGD: per-example gradients, clipping and Gaussian noise."""

import json

import jax
import jax.numpy as jnp
from jax import random


def predict(params, x):
    w, b = params
    return jnp.tanh(x @ w + b)


def loss(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)


def clipped_grad(params, l2_norm_clip, x, y):
    grads = jax.grad(loss)(params, x[None], y[None])
    nonempty = [g for g in jax.tree_util.tree_leaves(grads)]
    total = jnp.linalg.norm(jnp.concatenate([g.ravel() for g in nonempty]))
    divisor = jnp.maximum(total / l2_norm_clip, 1.0)
    return jax.tree_util.tree_map(lambda g: g / divisor, grads)


def private_grad(params, batch, rng, l2_norm_clip, noise_multiplier, batch_size):
    x, y = batch
    clipped = jax.vmap(clipped_grad, (None, None, 0, 0))(params, l2_norm_clip, x, y)
    leaves, treedef = jax.tree_util.tree_flatten(clipped)
    rngs = random.split(rng, len(leaves))
    noised = [
        (g.sum(0) + l2_norm_clip * noise_multiplier * random.normal(r, g.shape[1:])) / batch_size
        for r, g in zip(rngs, leaves)
    ]
    return jax.tree_util.tree_unflatten(treedef, noised)


key = random.PRNGKey(0)
k1, k2, k3 = random.split(key, 3)
x = random.normal(k1, (32, 5))
y = jnp.sin(x[:, :1])
params = (random.normal(k2, (5, 1)) * 0.3, jnp.zeros(1))
update = jax.jit(
    lambda p, b, r: jax.tree_util.tree_map(
        lambda a, g: a - 0.5 * g, p, private_grad(p, b, r, 1.0, 0.1, 32)
    )
)
for i in range(25):
    params = update(params, (x, y), random.fold_in(k3, i))
print(
    "RESULT " + json.dumps({"loss": float(loss(params, x, y)), "w": jnp.ravel(params[0]).tolist()})
)
