"""An MLP regression trained with optax: clipping, adam and a warmup-cosine schedule."""

import itertools
import json

import jax
import jax.numpy as jnp
import optax


def init_mlp(key, sizes):
    params = []
    for k, (m, n) in zip(
        jax.random.split(key, len(sizes) - 1), itertools.pairwise(sizes), strict=False
    ):
        wk, _bk = jax.random.split(k)
        params.append({"w": jax.random.normal(wk, (m, n)) * jnp.sqrt(2.0 / m), "b": jnp.zeros(n)})
    return params


def mlp(params, x):
    for layer in params[:-1]:
        x = jax.nn.gelu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y):
    return jnp.mean(optax.l2_loss(mlp(params, x), y))


key = jax.random.PRNGKey(0)
xkey, pkey = jax.random.split(key)
x = jax.random.uniform(xkey, (256, 3), minval=-1.0, maxval=1.0)
y = jnp.stack([jnp.sin(3 * x[:, 0]) * x[:, 1], jnp.cos(2 * x[:, 2])], axis=1)

schedule = optax.warmup_cosine_decay_schedule(
    init_value=0.0, peak_value=3e-3, warmup_steps=20, decay_steps=200, end_value=1e-4
)
optimizer = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(schedule))
params = init_mlp(pkey, [3, 32, 32, 2])
opt_state = optimizer.init(params)


@jax.jit
def step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss


losses = []
for i in range(200):
    params, opt_state, loss = step(params, opt_state, x, y)
    if i % 40 == 0 or i == 199:
        losses.append(float(loss))
print("final loss", losses[-1])
print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses,
            "grad_norm": float(optax.tree.norm(jax.grad(loss_fn)(params, x, y))),
            "lr_at_50": float(schedule(50)),
            "count": int(opt_state[1][0].count),
        }
    )
)
