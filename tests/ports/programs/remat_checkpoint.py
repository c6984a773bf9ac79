"""jax.checkpoint (remat) around the layers of a deep tanh network: the gradients equal the
plain ones, with policies and a named checkpoint."""

import json

import jax
import jax.numpy as jnp
from jax import random
from jax.ad_checkpoint import checkpoint_name


def layer(w, x):
    return jnp.tanh(checkpoint_name(x @ w, "pre"))


def net(ws, x, remat=False, policy=None):
    f = jax.checkpoint(layer, policy=policy) if remat else layer
    for w in ws:
        x = f(w, x)
    return jnp.sum(x**2)


keys = random.split(random.PRNGKey(0), 6)
ws = [random.normal(k, (5, 5)) * 0.6 for k in keys]
x = jnp.linspace(-1.0, 1.0, 10).reshape(2, 5)
g_plain = jax.grad(net)(ws, x)
g_remat = jax.grad(lambda w, x: net(w, x, True))(ws, x)
g_policy = jax.jit(
    jax.grad(lambda w, x: net(w, x, True, jax.checkpoint_policies.save_only_these_names("pre")))
)(ws, x)
g_dots = jax.grad(lambda w, x: net(w, x, True, jax.checkpoint_policies.dots_saveable))(ws, x)
print(
    "RESULT "
    + json.dumps(
        {
            "value": float(net(ws, x)),
            "g0": g_plain[0][0].tolist(),
            "remat_diff": float(max(jnp.max(jnp.abs(a - b)) for a, b in zip(g_plain, g_remat))),
            "policy_diff": float(max(jnp.max(jnp.abs(a - b)) for a, b in zip(g_plain, g_policy))),
            "dots_diff": float(max(jnp.max(jnp.abs(a - b)) for a, b in zip(g_plain, g_dots))),
        }
    )
)
