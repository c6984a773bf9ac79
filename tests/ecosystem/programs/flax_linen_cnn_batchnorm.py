"""flax.linen: a CNN with Conv, BatchNorm (mutable batch_stats) and Dense, trained with optax;
evaluation with use_running_average."""

import json

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


class CNN(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(features=8, kernel_size=(3, 3))(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        x = nn.relu(x)
        x = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))
        x = nn.Dense(16)(x)
        x = nn.relu(x)
        return nn.Dense(4)(x)


key = jax.random.PRNGKey(0)
xk, pk = jax.random.split(key)
images = jax.random.normal(xk, (16, 8, 8, 1))
labels = jnp.arange(16) % 4
model = CNN()
variables = model.init(pk, images, train=False)
params, batch_stats = variables["params"], variables["batch_stats"]
tx = optax.sgd(0.05, momentum=0.9)
opt_state = tx.init(params)


@jax.jit
def train_step(params, batch_stats, opt_state):
    def loss_fn(p):
        logits, updates = model.apply(
            {"params": p, "batch_stats": batch_stats}, images, train=True, mutable=["batch_stats"]
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, updates["batch_stats"]

    (loss, new_stats), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), new_stats, opt_state, loss


losses = []
for i in range(20):
    params, batch_stats, opt_state, loss = train_step(params, batch_stats, opt_state)
    losses.append(float(loss))
logits = model.apply({"params": params, "batch_stats": batch_stats}, images, train=False)
n_params = sum(x.size for x in jax.tree_util.tree_leaves(params))
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses[::4] + [losses[-1]],
            "n_params": int(n_params),
            "bn_mean": [float(v) for v in batch_stats["BatchNorm_0"]["mean"][:3]],
            "eval_logits0": [float(v) for v in logits[0]],
            "param_keys": sorted(params.keys()),
        }
    )
)
