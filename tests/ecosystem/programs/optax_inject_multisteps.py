"""optax.inject_hyperparams (changing the learning rate mid-run) and optax.MultiSteps."""

import json

import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(1)
k1, k2 = jax.random.split(key)
A = jax.random.normal(k1, (20, 5))
w_true = jnp.arange(5.0) / 5
b = A @ w_true + 0.01 * jax.random.normal(k2, (20,))


def loss(w):
    return jnp.sum((A @ w - b) ** 2) / A.shape[0]


# inject_hyperparams: the learning rate lives in the optimizer state
opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.05, momentum=0.9)
w = jnp.zeros(5)
state = opt.init(w)
trace = []
for i in range(60):
    if i == 30:
        state.hyperparams["learning_rate"] = jnp.asarray(0.01)
    g = jax.grad(loss)(w)
    updates, state = opt.update(g, state)
    w = optax.apply_updates(w, updates)
    if i % 10 == 9:
        trace.append(float(loss(w)))

# MultiSteps: accumulate 4 mini-batch gradients per update
ms = optax.MultiSteps(optax.adam(0.1), every_k_schedule=4)
w2 = jnp.zeros(5)
ms_state = ms.init(w2)


@jax.jit
def ms_step(w, s, idx):
    g = jax.grad(lambda w: jnp.sum((A[idx] @ w - b[idx]) ** 2))(w)
    u, s = ms.update(g, s, w)
    return optax.apply_updates(w, u), s


for i in range(40):
    idx = jnp.arange(5) + 5 * (i % 4)
    w2, ms_state = ms_step(w2, ms_state, idx)

print(
    "RESULT "
    + json.dumps(
        {
            "sgd_trace": trace,
            "lr": float(state.hyperparams["learning_rate"]),
            "multisteps_w": [float(v) for v in w2],
            "mini_step": int(ms_state.mini_step),
            "gradient_step": int(ms_state.gradient_step),
            "multisteps_loss": float(loss(w2)),
        }
    )
)
