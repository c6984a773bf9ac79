"""A tiny residual convolutional network on NHWC images (lax.conv_general_dilated, pooling
with reduce_window), trained for a few steps."""

import json

import jax
import jax.numpy as jnp
from jax import lax, random


def conv(x, w):
    return lax.conv_general_dilated(
        x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def norm(x):
    mean = jnp.mean(x, axis=(0, 1, 2), keepdims=True)
    var = jnp.var(x, axis=(0, 1, 2), keepdims=True)
    return (x - mean) * lax.rsqrt(var + 1e-5)


def block(params, x):
    y = jax.nn.relu(norm(conv(x, params["w1"])))
    y = norm(conv(y, params["w2"]))
    return jax.nn.relu(x + y)


def model(params, x):
    x = jax.nn.relu(conv(x, params["stem"]))
    x = block(params["block"], x)
    x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    x = jnp.mean(x, axis=(1, 2))
    return x @ params["head"]


def init(key):
    ks = random.split(key, 4)
    return {
        "stem": random.normal(ks[0], (3, 3, 1, 4)) * 0.3,
        "block": {
            "w1": random.normal(ks[1], (3, 3, 4, 4)) * 0.2,
            "w2": random.normal(ks[2], (3, 3, 4, 4)) * 0.2,
        },
        "head": random.normal(ks[3], (4, 2)) * 0.5,
    }


def loss(params, x, y):
    logits = model(params, x)
    return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * jax.nn.one_hot(y, 2), -1))


key = random.PRNGKey(0)
x = random.normal(key, (8, 8, 8, 1))
y = (jnp.mean(x, axis=(1, 2, 3)) > 0).astype(jnp.int32)
params = init(random.PRNGKey(1))
step = jax.jit(
    lambda p: jax.tree_util.tree_map(lambda a, g: a - 0.1 * g, p, jax.grad(loss)(p, x, y))
)
first = float(loss(params, x, y))
for _ in range(10):
    params = step(params)
print(
    "RESULT "
    + json.dumps(
        {"first": first, "last": float(loss(params, x, y)), "logits": model(params, x[:2]).tolist()}
    )
)
