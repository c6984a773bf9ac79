"""Stateful computations: a counter and an online linear regression, with the state passed
in and out explicitly (JAX's "Stateful computations" guide)."""

import json
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class Params(NamedTuple):
    weight: jax.Array
    bias: jax.Array


class CounterV2:
    def count(self, n):
        return n + 1, n + 1

    def reset(self):
        return 0


def init(rng):
    weights_key, bias_key = jax.random.split(rng)
    return Params(jax.random.normal(weights_key, ()), jax.random.normal(bias_key, ()))


def loss(params, x, y):
    pred = params.weight * x + params.bias
    return jnp.mean((pred - y) ** 2)


LEARNING_RATE = 0.005


@jax.jit
def update(params, x, y):
    grad = jax.grad(loss)(params, x, y)
    return jax.tree_util.tree_map(lambda p, g: p - g * LEARNING_RATE, params, grad)


counter = CounterV2()
state = counter.reset()
values = []
for _ in range(3):
    value, state = counter.count(state)
    values.append(int(value))
rng = jax.random.key(42)
xs = np.random.RandomState(0).normal(size=(100,))
noise = np.random.RandomState(1).normal(scale=0.1, size=(100,))
ys = xs * 3 - 1 + noise
params = init(rng)
for _ in range(300):
    params = update(params, xs, ys)
print(
    "RESULT "
    + json.dumps(
        {
            "counter": values,
            "weight": float(params.weight),
            "bias": float(params.bias),
            "loss": float(loss(params, xs, ys)),
        }
    )
)
