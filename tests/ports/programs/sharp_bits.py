"""The "sharp bits": functional updates with .at, out-of-bounds indexing, NumPy inputs
canonicalized to 32 bits, random keys used once each, and control flow under jit."""

import json

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax, random

x = jnp.arange(10)
updated = x.at[3].set(100).at[::3].add(1).at[jnp.array([1, 1])].mul(2)
clamped = x[11]
dropped = x.at[11].set(7)
filled = x.at[jnp.array([2, 20])].get(mode="fill", fill_value=-1)
taken = jnp.take(jnp.arange(5.0), jnp.array([1, 7]))  # fill mode: nan out of bounds
mixed = jnp.ones(3) + np.ones(3)  # float64 NumPy -> float32
ints = jnp.arange(3) * np.int64(2)


@jax.jit
def f(x):
    return lax.cond(x.sum() > 0, lambda v: v * 2, lambda v: -v, x)


def g(x, n):
    return lax.fori_loop(0, n, lambda i, v: v + i, x)


key = random.PRNGKey(0)
key, sub = random.split(key)
a = random.uniform(sub, (3,))
key, sub = random.split(key)
b = random.uniform(sub, (3,))
out = {
    "updated": updated.tolist(),
    "clamped": int(clamped),
    "dropped": dropped.tolist(),
    "filled": filled.tolist(),
    "taken_ok": float(taken[0]),
    "taken_nan": bool(jnp.isnan(taken[1])),
    "mixed_dtype": str(mixed.dtype),
    "ints_dtype": str(ints.dtype),
    "cond": f(jnp.arange(3.0)).tolist(),
    "fori": float(jax.jit(g, static_argnums=1)(1.0, 4)),
    "a": a.tolist(),
    "b": b.tolist(),
    "nan_grad": float(jax.grad(lambda x: jnp.where(x > 0, jnp.sqrt(jnp.abs(x)), 0.0))(0.0)),
}
print("RESULT " + json.dumps(out))
