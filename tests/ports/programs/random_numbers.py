"""Random numbers: explicit keys, split and fold_in, typed keys, and samplers of every kind."""

import json

import jax
import jax.numpy as jnp
from jax import random

key = random.key(42)
k1, k2, k3, k4 = random.split(key, 4)
legacy = random.PRNGKey(7)
out = {
    "normal": random.normal(k1, (3,)).tolist(),
    "uniform": random.uniform(k2, (2, 2), minval=-1.0, maxval=1.0).tolist(),
    "randint": random.randint(k3, (5,), 0, 10).tolist(),
    "choice": random.choice(k4, 10, (3,), replace=False).tolist(),
    "permutation": random.permutation(k1, 6).tolist(),
    "bernoulli": random.bernoulli(k2, 0.3, (6,)).tolist(),
    "categorical": random.categorical(
        k3, jnp.log(jnp.asarray([0.1, 0.6, 0.3])), shape=(5,)
    ).tolist(),
    "gamma": random.gamma(k4, 2.5, (3,)).tolist(),
    "beta": random.beta(k1, 2.0, 3.0, (2,)).tolist(),
    "poisson": random.poisson(k2, 4.0, (4,)).tolist(),
    "dirichlet": random.dirichlet(k3, jnp.ones(3)).tolist(),
    "fold_in": random.key_data(random.fold_in(key, 3)).tolist(),
    "legacy_split": random.split(legacy).tolist(),
    "scalar": float(random.normal(legacy)),
    "vmapped": jax.vmap(lambda k: random.uniform(k))(random.split(k1, 3)).tolist(),
    "jit_equal": bool(
        jnp.all(jax.jit(lambda k: random.normal(k, (4,)))(k2) == random.normal(k2, (4,)))
    ),
    "truncated": random.truncated_normal(k4, -1.0, 1.0, (3,)).tolist(),
}
print("RESULT " + json.dumps(out))
