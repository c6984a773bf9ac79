"""Benchmark program: a flax.linen CNN with BatchNorm trained with optax under jax.jit."""

import json
import time

import flax.linen as nn
import jax
import optax


class CNN(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(8, (3, 3))(x)
        x = nn.BatchNorm(use_running_average=not train)(x)
        x = nn.relu(x)
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = nn.Conv(8, (3, 3))(x)
        x = nn.relu(x)
        x = x.reshape((x.shape[0], -1))
        return nn.Dense(10)(x)


key = jax.random.PRNGKey(0)
pk, xk, yk = jax.random.split(key, 3)
x = jax.random.normal(xk, (32, 14, 14, 1))
y = jax.random.randint(yk, (32,), 0, 10)
model = CNN()
variables = model.init(pk, x, train=False)
params, stats = variables["params"], variables["batch_stats"]
tx = optax.adam(1e-3)
opt_state = tx.init(params)


@jax.jit
def step(params, stats, opt_state):
    def loss_fn(p):
        logits, upd = model.apply(
            {"params": p, "batch_stats": stats}, x, train=True, mutable=["batch_stats"]
        )
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), upd

    (loss, upd), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
    updates, opt_state = tx.update(grads, opt_state)
    return optax.apply_updates(params, updates), upd["batch_stats"], opt_state, loss


for _ in range(3):
    params, stats, opt_state, loss = step(params, stats, opt_state)
loss.block_until_ready()
# The steady step: the best of 5 batches of 20 steps (the machine's noise only adds time).
n = 20
batches = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(n):
        params, stats, opt_state, loss = step(params, stats, opt_state)
    loss.block_until_ready()
    batches.append((time.perf_counter() - t0) / n * 1e6)
print("BENCH " + json.dumps({"step_us": min(batches), "loss": float(loss)}))
