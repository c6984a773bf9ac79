"""flax.linen: nn.scan over an LSTM cell (variable broadcast, split rngs), nn.Dropout with a
'dropout' rng, LayerNorm, trained with optax."""

import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


class Encoder(nn.Module):
    hidden: int = 16

    @nn.compact
    def __call__(self, xs, train: bool):
        cell = nn.scan(
            nn.OptimizedLSTMCell,
            variable_broadcast="params",
            split_rngs={"params": False},
            in_axes=1,
            out_axes=1,
        )(self.hidden)
        carry = cell.initialize_carry(jax.random.PRNGKey(0), xs[:, 0].shape)
        carry, ys = cell(carry, xs)
        h = nn.LayerNorm()(ys[:, -1])
        h = nn.Dropout(0.1, deterministic=not train)(h)
        return nn.Dense(1)(h)


key = jax.random.PRNGKey(5)
xk, pk, dk = jax.random.split(key, 3)
xs = jax.random.normal(xk, (12, 7, 3))
ys = jnp.sum(xs[:, :, 0], axis=1, keepdims=True) / 7
model = Encoder()
params = model.init({"params": pk}, xs, train=False)["params"]
tx = optax.adam(5e-3)
opt_state = tx.init(params)


@jax.jit
def step(params, opt_state, rng):
    def loss_fn(p):
        pred = model.apply({"params": p}, xs, train=True, rngs={"dropout": rng})
        return jnp.mean((pred - ys) ** 2)

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state, loss


losses = []
for i in range(20):
    dk, sub = jax.random.split(dk)
    params, opt_state, loss = step(params, opt_state, sub)
    losses.append(float(loss))
pred = model.apply({"params": params}, xs[:2], train=False)
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::4] + [losses[-1]],
            "pred": [float(v) for v in pred.ravel()],
            "param_tree": sorted(
                jax.tree_util.tree_map(lambda a: list(a.shape), params)[
                    "ScanOptimizedLSTMCell_0"
                ].keys()
            ),
        }
    )
)
