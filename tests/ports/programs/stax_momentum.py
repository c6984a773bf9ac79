"""A stax-like layer library (init_fun, apply_fun pairs) trained with momentum SGD."""

import json

import jax
import jax.numpy as jnp
from jax import random


def Dense(out_dim):
    def init_fun(key, input_shape):
        k1, k2 = random.split(key)
        w = random.normal(k1, (input_shape[-1], out_dim)) * 0.1
        b = random.normal(k2, (out_dim,)) * 0.1
        return input_shape[:-1] + (out_dim,), (w, b)

    def apply_fun(params, x):
        w, b = params
        return jnp.dot(x, w) + b

    return init_fun, apply_fun


def elementwise(fn):
    return lambda key, input_shape: (input_shape, ()), lambda params, x: fn(x)


Relu = elementwise(jax.nn.relu)
LogSoftmax = elementwise(lambda x: jax.nn.log_softmax(x, axis=-1))


def serial(*layers):
    init_funs, apply_funs = zip(*layers)

    def init_fun(key, input_shape):
        params = []
        for f in init_funs:
            key, sub = random.split(key)
            input_shape, p = f(sub, input_shape)
            params.append(p)
        return input_shape, params

    def apply_fun(params, x):
        for f, p in zip(apply_funs, params):
            x = f(p, x)
        return x

    return init_fun, apply_fun


init, apply = serial(Dense(16), Relu, Dense(3), LogSoftmax)
key = random.PRNGKey(1)
_, params = init(key, (-1, 4))
x = random.normal(random.PRNGKey(2), (60, 4))
labels = jnp.argmax(x[:, :3] + 0.5 * x[:, 3:], axis=1)
targets = jax.nn.one_hot(labels, 3)


def loss(params, x, t):
    return -jnp.mean(jnp.sum(apply(params, x) * t, axis=1))


def accuracy(params, x, labels):
    return jnp.mean(jnp.argmax(apply(params, x), axis=1) == labels)


@jax.jit
def step(params, velocity, x, t):
    g = jax.grad(loss)(params, x, t)
    velocity = jax.tree_util.tree_map(lambda v, gi: 0.9 * v + gi, velocity, g)
    params = jax.tree_util.tree_map(lambda p, v: p - 0.1 * v, params, velocity)
    return params, velocity


velocity = jax.tree_util.tree_map(jnp.zeros_like, params)
for _ in range(40):
    params, velocity = step(params, velocity, x, targets)
print(
    "RESULT "
    + json.dumps(
        {"loss": float(loss(params, x, targets)), "accuracy": float(accuracy(params, x, labels))}
    )
)
