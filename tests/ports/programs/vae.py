"""A small variational autoencoder: reparameterized sampling, the ELBO, Adam written out."""

import json

import jax
import jax.numpy as jnp
from jax import random


def dense_init(key, m, n):
    return random.normal(key, (m, n)) / jnp.sqrt(m), jnp.zeros(n)


def init(key, d=8, h=16, z=2):
    ks = random.split(key, 4)
    return {
        "enc": dense_init(ks[0], d, h),
        "mu": dense_init(ks[1], h, z),
        "logvar": dense_init(ks[2], h, z),
        "dec": dense_init(ks[3], z, d),
    }


def apply_dense(p, x):
    return x @ p[0] + p[1]


def elbo(params, x, key):
    h = jnp.tanh(apply_dense(params["enc"], x))
    mu, logvar = apply_dense(params["mu"], h), apply_dense(params["logvar"], h)
    eps = random.normal(key, mu.shape)
    z = mu + jnp.exp(0.5 * logvar) * eps
    logits = apply_dense(params["dec"], z)
    rec = -jnp.sum(jnp.logaddexp(0.0, jnp.where(x > 0.5, -logits, logits)), axis=-1)
    kl = 0.5 * jnp.sum(jnp.exp(logvar) + mu**2 - 1.0 - logvar, axis=-1)
    return jnp.mean(rec - kl)


def adam_step(params, m, v, g, t, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
    v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
    mhat = jax.tree_util.tree_map(lambda a: a / (1 - b1**t), m)
    vhat = jax.tree_util.tree_map(lambda a: a / (1 - b2**t), v)
    params = jax.tree_util.tree_map(
        lambda p, a, b: p - lr * a / (jnp.sqrt(b) + eps), params, mhat, vhat
    )
    return params, m, v


@jax.jit
def train_step(params, m, v, x, key, t):
    loss, g = jax.value_and_grad(lambda p: -elbo(p, x, key))(params)
    params, m, v = adam_step(params, m, v, g, t)
    return params, m, v, loss


key = random.PRNGKey(0)
data = (random.uniform(random.PRNGKey(1), (64, 8)) > 0.5).astype(jnp.float32)
params = init(key)
m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)
losses = []
for t in range(1, 31):
    key, sub = random.split(key)
    params, m, v, loss = train_step(params, m, v, data, sub, t)
    losses.append(float(loss))
print(
    "RESULT "
    + json.dumps(
        {
            "first": losses[0],
            "last": losses[-1],
            "elbo": float(elbo(params, data, random.PRNGKey(5))),
        }
    )
)
