"""A two-layer classifier trained with Adam written as pytree operations, gradient clipping
by global norm, and a learning-rate schedule (the optimizers programs write by hand)."""

import json

import jax
import jax.numpy as jnp
from jax import random


def init(key):
    k1, k2 = random.split(key)
    return {
        "h": {"w": random.normal(k1, (4, 16)) * 0.3, "b": jnp.zeros(16)},
        "out": {"w": random.normal(k2, (16, 2)) * 0.3, "b": jnp.zeros(2)},
    }


def forward(p, x):
    h = jax.nn.gelu(x @ p["h"]["w"] + p["h"]["b"])
    return h @ p["out"]["w"] + p["out"]["b"]


def loss(p, x, y):
    return jnp.mean(-jnp.sum(jax.nn.log_softmax(forward(p, x)) * jax.nn.one_hot(y, 2), -1))


def clip_by_global_norm(g, max_norm):
    norm = jnp.sqrt(sum(jnp.sum(x**2) for x in jax.tree_util.tree_leaves(g)))
    scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
    return jax.tree_util.tree_map(lambda x: x * scale, g), norm


def schedule(t):
    return 0.05 * jnp.minimum(1.0, t / 10.0) * 0.5 * (1 + jnp.cos(jnp.pi * t / 60.0))


@jax.jit
def step(state, x, y):
    p, m, v, t = state
    g = jax.grad(loss)(p, x, y)
    g, norm = clip_by_global_norm(g, 1.0)
    t = t + 1
    m = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
    v = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b**2, v, g)
    lr = schedule(t)
    p = jax.tree_util.tree_map(
        lambda w, a, b: w - lr * (a / (1 - 0.9**t)) / (jnp.sqrt(b / (1 - 0.999**t)) + 1e-8), p, m, v
    )
    return (p, m, v, t), norm


x = random.normal(random.PRNGKey(0), (64, 4))
y = (x[:, 0] * x[:, 1] > 0).astype(jnp.int32)
p = init(random.PRNGKey(1))
zeros = jax.tree_util.tree_map(jnp.zeros_like, p)
state = (p, zeros, zeros, jnp.asarray(0.0))
norms = []
for _ in range(60):
    state, norm = step(state, x, y)
    norms.append(float(norm))
acc = jnp.mean(jnp.argmax(forward(state[0], x), -1) == y)
print(
    "RESULT "
    + json.dumps(
        {
            "loss": float(loss(state[0], x, y)),
            "accuracy": float(acc),
            "first_norm": norms[0],
            "last_norm": norms[-1],
        }
    )
)
