"""optax: different optimizers per parameter group (multi_transform with labels), masked weight
decay, gradient accumulation with apply_every, and a per-step schedule in scale_by_schedule."""

import json

import jax
import jax.numpy as jnp
import optax

params = {
    "encoder": {"w": jnp.ones((3, 3)) * 0.5, "b": jnp.zeros(3)},
    "head": {"w": jnp.ones((3, 1)) * -0.2, "b": jnp.zeros(1)},
}
labels = jax.tree_util.tree_map_with_path(
    lambda path, _: "slow" if path[0].key == "encoder" else "fast", params
)
tx = optax.chain(
    optax.clip_by_global_norm(2.0),
    optax.multi_transform({"slow": optax.sgd(1e-2), "fast": optax.adam(5e-2)}, labels),
    optax.add_decayed_weights(1e-3, mask=jax.tree_util.tree_map(lambda p: p.ndim > 1, params)),
)
x = jax.random.normal(jax.random.PRNGKey(9), (16, 3))
y = jnp.tanh(x @ jnp.array([[1.0], [-2.0], [0.5]]))


def loss(p):
    h = jnp.tanh(x @ p["encoder"]["w"] + p["encoder"]["b"])
    return jnp.mean((h @ p["head"]["w"] + p["head"]["b"] - y) ** 2)


state = tx.init(params)
trace = []
for i in range(30):
    g = jax.grad(loss)(params)
    updates, state = tx.update(g, state, params)
    params = optax.apply_updates(params, updates)
    trace.append(float(loss(params)))

acc = optax.chain(
    optax.apply_every(3),
    optax.scale_by_schedule(optax.linear_schedule(1.0, 0.1, 10)),
    optax.scale(-0.1),
)
p2 = jnp.array([1.0, -1.0])
s2 = acc.init(p2)
for i in range(7):
    u, s2 = acc.update(jnp.array([0.5, 0.25]) * (i + 1), s2)
    p2 = p2 + u
print("RESULT " + json.dumps({"trace": trace[::6] + [trace[-1]], "p2": [float(v) for v in p2]}))
