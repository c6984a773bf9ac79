"""optax and equinox together: a linear model fit with optax.lion, optax.noisy_sgd-free
schedules (optax.sgdr_schedule), and gradient clipping by value, checked against the
closed-form least squares solution."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(17)
k1, k2, k3 = jax.random.split(key, 3)
X = jax.random.normal(k1, (50, 4))
w_true = jnp.array([1.0, -2.0, 0.5, 3.0])
y = X @ w_true + 0.1 * jax.random.normal(k2, (50,))
model = eqx.nn.Linear(4, "scalar", key=k3)
schedule = optax.sgdr_schedule(
    [
        {
            "init_value": 0.0,
            "peak_value": 0.05,
            "warmup_steps": 10,
            "decay_steps": 100,
            "end_value": 1e-3,
        },
        {
            "init_value": 0.0,
            "peak_value": 0.02,
            "warmup_steps": 10,
            "decay_steps": 100,
            "end_value": 1e-4,
        },
    ]
)
optim = optax.chain(optax.clip(1.0), optax.lion(schedule))
state = optim.init(eqx.filter(model, eqx.is_array))


@eqx.filter_jit
def step(model, state):
    def loss(m):
        return jnp.mean((jax.vmap(m)(X) - y) ** 2)

    l, g = eqx.filter_value_and_grad(loss)(model)
    u, state = optim.update(g, state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, u), state, l


trace = []
for i in range(200):
    model, state, l = step(model, state)
    if i % 40 == 39:
        trace.append(float(l))
w_ls = jnp.linalg.lstsq(jnp.concatenate([X, jnp.ones((50, 1))], 1), y)[0]
print(
    "RESULT "
    + json.dumps(
        {
            "trace": trace,
            "weight": [float(v) for v in model.weight.ravel()],
            "lstsq": [float(v) for v in w_ls],
            "sched": [float(schedule(t)) for t in (0, 5, 50, 110, 180)],
        }
    )
)
