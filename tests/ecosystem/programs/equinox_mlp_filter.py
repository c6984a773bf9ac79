"""equinox: an eqx.nn.MLP trained with filter_jit and filter_value_and_grad, updated with
optax through eqx.apply_updates, then edited with tree_at and partitioned with filters."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(0)
mkey, dkey = jax.random.split(key)
model = eqx.nn.MLP(in_size=2, out_size=1, width_size=16, depth=2, activation=jax.nn.tanh, key=mkey)
x = jax.random.normal(dkey, (64, 2))
y = (x[:, :1] * x[:, 1:]) + 0.5 * jnp.sin(x[:, :1])

optim = optax.adam(1e-2)
opt_state = optim.init(eqx.filter(model, eqx.is_array))


@eqx.filter_value_and_grad
def loss_fn(model, x, y):
    pred = jax.vmap(model)(x)
    return jnp.mean((pred - y) ** 2)


@eqx.filter_jit
def step(model, opt_state, x, y):
    loss, grads = loss_fn(model, x, y)
    updates, opt_state = optim.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    return eqx.apply_updates(model, updates), opt_state, loss


losses = []
for i in range(100):
    model, opt_state, loss = step(model, opt_state, x, y)
    if i % 20 == 0 or i == 99:
        losses.append(float(loss))

params, static = eqx.partition(model, eqx.is_array)
n_params = sum(p.size for p in jax.tree_util.tree_leaves(params))
zeroed = eqx.tree_at(lambda m: m.layers[-1].bias, model, jnp.zeros(1))
combined = eqx.combine(params, static)
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses,
            "n_params": int(n_params),
            "pred0": float(model(x[0])[0]),
            "zeroed_bias": float(zeroed.layers[-1].bias[0]),
            "combined_same": bool(jnp.allclose(combined(x[1]), model(x[1]))),
            "is_module": isinstance(model, eqx.Module),
        }
    )
)
