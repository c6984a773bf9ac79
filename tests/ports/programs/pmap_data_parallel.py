"""Data-parallel training with pmap over 4 CPU devices: replicated parameters, sharded
batches, gradients averaged with lax.pmean (JAX's pmap tutorial)."""

import json

import jax

jax.config.update("jax_num_cpu_devices", 4)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402


def init(rng):
    w_key, b_key = jax.random.split(rng)
    return {"w": jax.random.normal(w_key, (2,)), "b": jax.random.normal(b_key, ())}


def loss(params, xs, ys):
    pred = xs @ params["w"] + params["b"]
    return jnp.mean((pred - ys) ** 2)


LR = 0.1


def update(params, xs, ys):
    loss_val, grads = jax.value_and_grad(loss)(params, xs, ys)
    grads = lax.pmean(grads, axis_name="batch")
    loss_val = lax.pmean(loss_val, axis_name="batch")
    new = jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)
    return new, loss_val


p_update = jax.pmap(update, axis_name="batch")
n = jax.local_device_count()
rng = np.random.RandomState(0)
xs = rng.normal(size=(128, 2)).astype(np.float32)
ys = (xs @ np.asarray([2.0, -1.0]) + 0.5).astype(np.float32)
params = init(jax.random.PRNGKey(0))
replicated = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (n, *x.shape)), params)
xs_sharded, ys_sharded = xs.reshape(n, -1, 2), ys.reshape(n, -1)
losses = []
for _ in range(30):
    replicated, loss_val = p_update(replicated, xs_sharded, ys_sharded)
    losses.append(float(loss_val[0]))
final = jax.tree_util.tree_map(lambda x: x[0], replicated)
print(
    "RESULT "
    + json.dumps(
        {
            "devices": n,
            "first": losses[0],
            "last": losses[-1],
            "w": final["w"].tolist(),
            "b": float(final["b"]),
            "psum": jax.pmap(lambda x: lax.psum(x, "i"), axis_name="i")(jnp.arange(4.0)).tolist(),
        }
    )
)
