"""equinox: a transformer-style block from eqx.nn.MultiheadAttention, eqx.nn.LayerNorm and
eqx.nn.RMSNorm (which enter jax.numpy_dtype_promotion), trained one step at a time."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import optax


class Block(eqx.Module):
    attn: eqx.nn.MultiheadAttention
    norm1: eqx.nn.LayerNorm
    norm2: eqx.nn.RMSNorm
    mlp: eqx.nn.MLP

    def __init__(self, dim, key):
        k1, k2 = jax.random.split(key)
        self.attn = eqx.nn.MultiheadAttention(num_heads=2, query_size=dim, key=k1)
        self.norm1 = eqx.nn.LayerNorm(dim)
        self.norm2 = eqx.nn.RMSNorm(dim)
        self.mlp = eqx.nn.MLP(dim, dim, 2 * dim, depth=1, activation=jax.nn.gelu, key=k2)

    def __call__(self, x):
        h = jax.vmap(self.norm1)(x)
        x = x + self.attn(h, h, h)
        return x + jax.vmap(self.mlp)(jax.vmap(self.norm2)(x))


key = jax.random.PRNGKey(13)
mk, xk = jax.random.split(key)
block = Block(8, mk)
x = jax.random.normal(xk, (4, 6, 8))
target = jnp.roll(x, 1, axis=1)
optim = optax.adam(3e-3)
state = optim.init(eqx.filter(block, eqx.is_array))


@eqx.filter_jit
def step(block, state):
    def loss_fn(b):
        return jnp.mean((jax.vmap(b)(x) - target) ** 2)

    loss, grads = eqx.filter_value_and_grad(loss_fn)(block)
    updates, state = optim.update(grads, state, eqx.filter(block, eqx.is_array))
    return eqx.apply_updates(block, updates), state, loss


losses = []
for _ in range(20):
    block, state, loss = step(block, state)
    losses.append(float(loss))
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::4] + [losses[-1]],
            "out": [float(v) for v in block(x[0])[0, :4]],
        }
    )
)
