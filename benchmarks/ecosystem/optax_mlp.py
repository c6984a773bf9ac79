"""Benchmark program: an MLP trained with optax (adam + clipping), a JAX user's script."""

import json
import time

import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(0)
k1, k2, k3 = jax.random.split(key, 3)
sizes = [32, 256, 256, 10]
params = [
    {"w": jax.random.normal(k, (m, n)) / jnp.sqrt(m), "b": jnp.zeros(n)}
    for k, m, n in zip(jax.random.split(k1, 3), sizes[:-1], sizes[1:])
]
x = jax.random.normal(k2, (128, 32))
y = jax.random.randint(k3, (128,), 0, 10)
tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-3))
opt_state = tx.init(params)


def loss_fn(params):
    h = x
    for layer in params[:-1]:
        h = jax.nn.relu(h @ layer["w"] + layer["b"])
    logits = h @ params[-1]["w"] + params[-1]["b"]
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@jax.jit
def step(params, opt_state):
    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


for _ in range(5):
    params, opt_state, loss = step(params, opt_state)
loss.block_until_ready()
# The steady step: the best of 5 batches of 60 steps (the machine's noise only adds time).
n = 60
batches = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(n):
        params, opt_state, loss = step(params, opt_state)
    loss.block_until_ready()
    batches.append((time.perf_counter() - t0) / n * 1e6)
print("BENCH " + json.dumps({"step_us": min(batches), "loss": float(loss)}))
