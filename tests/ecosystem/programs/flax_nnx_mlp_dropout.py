"""flax.nnx: a model with Linear, BatchNorm and Dropout, nnx.Rngs, nnx.Optimizer and nnx.jit,
switched to eval mode for prediction."""

import json

import jax
import jax.numpy as jnp
import optax
from flax import nnx


class MLP(nnx.Module):
    def __init__(self, din, dhidden, dout, *, rngs: nnx.Rngs):
        self.linear1 = nnx.Linear(din, dhidden, use_bias=False, rngs=rngs)  # (BatchNorm follows)
        self.bn = nnx.BatchNorm(dhidden, rngs=rngs)
        self.dropout = nnx.Dropout(0.2, rngs=rngs)
        self.linear2 = nnx.Linear(dhidden, dout, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.bn(self.linear1(x)))
        return self.linear2(self.dropout(x))


model = MLP(3, 16, 2, rngs=nnx.Rngs(0))
optimizer = nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)
x = jax.random.normal(jax.random.PRNGKey(1), (32, 3))
y = jnp.stack([x[:, 0] - x[:, 1], x[:, 2] ** 2], axis=1)


@nnx.jit
def train_step(model, optimizer, x, y):
    def loss_fn(model):
        return jnp.mean((model(x) - y) ** 2)

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss


losses = [float(train_step(model, optimizer, x, y)) for _ in range(30)]
model.eval()
pred = model(x[:2])
state = nnx.state(model, nnx.Param)
n_params = sum(v.size for v in jax.tree_util.tree_leaves(state))
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::5] + [losses[-1]],
            "pred": [float(v) for v in pred.ravel()],
            "n_params": int(n_params),
            "step": int(optimizer.step[...]),
        }
    )
)
