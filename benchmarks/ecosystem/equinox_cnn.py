"""Benchmark program: a small equinox CNN trained with optax under eqx.filter_jit."""

import json
import time

import equinox as eqx
import jax
import optax


class CNN(eqx.Module):
    conv1: eqx.nn.Conv2d
    conv2: eqx.nn.Conv2d
    linear: eqx.nn.Linear

    def __init__(self, key):
        k1, k2, k3 = jax.random.split(key, 3)
        self.conv1 = eqx.nn.Conv2d(1, 8, 3, padding=1, key=k1)
        self.conv2 = eqx.nn.Conv2d(8, 8, 3, padding=1, key=k2)
        self.linear = eqx.nn.Linear(8 * 7 * 7, 10, key=k3)

    def __call__(self, x):
        x = jax.nn.relu(self.conv1(x))
        x = eqx.nn.MaxPool2d(2, 2)(x)
        x = jax.nn.relu(self.conv2(x))
        return self.linear(x.reshape(-1))


key = jax.random.PRNGKey(0)
mk, xk, yk = jax.random.split(key, 3)
model = CNN(mk)
x = jax.random.normal(xk, (32, 1, 14, 14))
y = jax.random.randint(yk, (32,), 0, 10)
optim = optax.adam(1e-3)
opt_state = optim.init(eqx.filter(model, eqx.is_array))


@eqx.filter_jit
def step(model, opt_state):
    def loss_fn(m):
        logits = jax.vmap(m)(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
    updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, updates), opt_state, loss


for _ in range(3):
    model, opt_state, loss = step(model, opt_state)
loss.block_until_ready()
# The steady step: the best of 5 batches of 20 steps (the machine's noise only adds time).
n = 20
batches = []
for _ in range(5):
    t0 = time.perf_counter()
    for _ in range(n):
        model, opt_state, loss = step(model, opt_state)
    loss.block_until_ready()
    batches.append((time.perf_counter() - t0) / n * 1e6)
print("BENCH " + json.dumps({"step_us": min(batches), "loss": float(loss)}))
