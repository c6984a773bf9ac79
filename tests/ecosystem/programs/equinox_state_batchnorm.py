"""equinox: stateful layers (eqx.nn.BatchNorm with eqx.nn.State, eqx.nn.make_with_state), a
Sequential model, and eqx.nn.inference_mode for evaluation."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(11)
k1, k2, k3 = jax.random.split(key, 3)
model, state = eqx.nn.make_with_state(eqx.nn.Sequential)(
    [
        eqx.nn.Linear(4, 12, use_bias=False, key=k1),
        eqx.nn.BatchNorm(12, axis_name="batch", mode="batch"),
        eqx.nn.Lambda(jax.nn.relu),
        eqx.nn.Linear(12, 1, key=k2),
    ]
)
x = jax.random.normal(k3, (32, 4))
y = jnp.sum(x[:, :2], axis=1, keepdims=True) - x[:, 3:]
optim = optax.sgd(0.05)
opt_state = optim.init(eqx.filter(model, eqx.is_array))


@eqx.filter_jit
def step(model, state, opt_state):
    def loss_fn(model, state):
        pred, state = jax.vmap(model, axis_name="batch", in_axes=(0, None), out_axes=(0, None))(
            x, state
        )
        return jnp.mean((pred - y) ** 2), state

    (loss, state), grads = eqx.filter_value_and_grad(loss_fn, has_aux=True)(model, state)
    updates, opt_state = optim.update(grads, opt_state)
    return eqx.apply_updates(model, updates), state, opt_state, loss


losses = []
for i in range(25):
    model, state, opt_state, loss = step(model, state, opt_state)
    losses.append(float(loss))
inference = eqx.nn.inference_mode(model)
pred, _ = jax.vmap(inference, in_axes=(0, None), out_axes=(0, None))(x[:3], state)
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::5] + [losses[-1]],
            "pred": [float(v) for v in pred.ravel()],
        }
    )
)
