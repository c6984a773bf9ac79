"""flax.linen: a small transformer block (MultiHeadDotProductAttention with a causal mask,
LayerNorm, MLP) with dropout rngs, initialized with init and run with apply."""

import json

import flax.linen as nn
import jax
import jax.numpy as jnp


class Block(nn.Module):
    dim: int = 16
    heads: int = 2

    @nn.compact
    def __call__(self, x, train: bool):
        mask = nn.make_causal_mask(jnp.ones(x.shape[:2]))
        h = nn.LayerNorm()(x)
        h = nn.MultiHeadDotProductAttention(
            num_heads=self.heads, dropout_rate=0.1, deterministic=not train
        )(h, h, mask=mask)
        x = x + h
        h = nn.LayerNorm()(x)
        h = nn.Dense(4 * self.dim)(h)
        h = nn.gelu(h)
        h = nn.Dense(self.dim)(h)
        return x + nn.Dropout(0.1, deterministic=not train)(h)


key = jax.random.PRNGKey(21)
xk, pk, dk = jax.random.split(key, 3)
x = jax.random.normal(xk, (2, 5, 16))
block = Block()
variables = block.init(pk, x, train=False)
out_eval = block.apply(variables, x, train=False)
out_train = block.apply(variables, x, train=True, rngs={"dropout": dk})
grad = jax.grad(lambda v: jnp.sum(block.apply(v, x, train=False) ** 2))(variables)
gnorm = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grad)))
print(
    "RESULT "
    + json.dumps(
        {
            "eval": [float(v) for v in out_eval[0, :, 0]],
            "train": [float(v) for v in out_train[1, :, 1]],
            "grad_norm": float(gnorm),
            "n_params": int(sum(v.size for v in jax.tree_util.tree_leaves(variables))),
        }
    )
)
