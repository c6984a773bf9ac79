"""flax.nnx: a CNN (nnx.Conv, avg_pool, nnx.Linear) trained with nnx.Optimizer(optax.sgd) under
nnx.jit, then nnx.split / nnx.merge and nnx.state / nnx.update round trips."""

import json

import jax
import jax.numpy as jnp
import optax
from flax import nnx


class CNN(nnx.Module):
    def __init__(self, *, rngs: nnx.Rngs):
        self.conv = nnx.Conv(1, 6, kernel_size=(3, 3), rngs=rngs)
        self.linear = nnx.Linear(6 * 4 * 4, 3, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.conv(x))
        x = nnx.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        return self.linear(x.reshape(x.shape[0], -1))


model = CNN(rngs=nnx.Rngs(2))
optimizer = nnx.Optimizer(model, optax.sgd(0.05, momentum=0.9), wrt=nnx.Param)
images = jax.random.normal(jax.random.PRNGKey(4), (10, 8, 8, 1))
labels = jnp.arange(10) % 3


@nnx.jit
def train_step(model, optimizer, images, labels):
    def loss_fn(model):
        logits = model(images)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    return loss


losses = [float(train_step(model, optimizer, images, labels)) for _ in range(20)]
graphdef, state = nnx.split(model)
clone = nnx.merge(graphdef, state)
same = bool(jnp.allclose(clone(images), model(images)))
params = nnx.state(model, nnx.Param)
zeroed = jax.tree_util.tree_map(jnp.zeros_like, params)
nnx.update(clone, zeroed)
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::4] + [losses[-1]],
            "clone_same": same,
            "zeroed_out": float(jnp.abs(clone(images)).sum()),
            "n_params": int(sum(p.size for p in jax.tree_util.tree_leaves(params))),
        }
    )
)
