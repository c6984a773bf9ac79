"""optax's losses, schedules and a few transformations used directly."""

import json

import jax
import jax.numpy as jnp
import optax

key = jax.random.PRNGKey(3)
logits = jax.random.normal(key, (6, 4))
labels = jnp.array([0, 3, 1, 1, 2, 0])
onehot = jax.nn.one_hot(labels, 4)
preds = jnp.linspace(-2.0, 2.0, 6)
targets = jnp.array([0.0, 1.0, -1.0, 0.5, 2.5, -3.0])

losses = {
    "softmax_ce": float(optax.softmax_cross_entropy(logits, onehot).mean()),
    "softmax_ce_int": float(optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()),
    "sigmoid_bce": float(
        optax.sigmoid_binary_cross_entropy(preds, (targets > 0).astype(jnp.float32)).mean()
    ),
    "huber": float(optax.huber_loss(preds, targets, delta=1.0).mean()),
    "l2": float(optax.l2_loss(preds, targets).sum()),
    "cosine_sim": float(optax.cosine_similarity(logits[:3], logits[3:]).sum()),
    "hinge": float(optax.hinge_loss(preds, jnp.sign(targets)).mean()),
    "smooth_labels": [float(v) for v in optax.smooth_labels(onehot, 0.1)[0]],
}

steps = jnp.array([0, 10, 50, 99, 150])
schedules = {
    "exp": optax.exponential_decay(1.0, transition_steps=10, decay_rate=0.5, staircase=True),
    "piecewise": optax.piecewise_constant_schedule(1.0, {20: 0.1, 80: 0.5}),
    "cosine": optax.cosine_decay_schedule(1.0, decay_steps=100, alpha=0.1),
    "onecycle": optax.cosine_onecycle_schedule(100, peak_value=1.0),
    "linear": optax.linear_schedule(1.0, 0.0, transition_steps=100),
    "join": optax.join_schedules(
        [optax.constant_schedule(1.0), optax.linear_schedule(1.0, 0.1, 50)], [50]
    ),
}
sched_values = {k: [float(s(t)) for t in steps] for k, s in schedules.items()}

# transformations on a small tree
params = {"a": jnp.ones((2, 2)), "b": jnp.arange(3.0)}
grads = jax.tree.map(lambda p: p * 3.0 - 1.0, params)
tx = optax.chain(
    optax.clip(1.5), optax.scale_by_rms(), optax.add_decayed_weights(1e-2), optax.scale(-0.1)
)
u, _ = tx.update(grads, tx.init(params), params)
adamw = optax.adamw(1e-2, weight_decay=0.1, mask={"a": True, "b": False})
u2, _ = adamw.update(grads, adamw.init(params), params)
clipped, _ = optax.clip_by_global_norm(1.0).update(grads, optax.EmptyState())

print(
    "RESULT "
    + json.dumps(
        {
            "losses": losses,
            "schedules": sched_values,
            "chain_update": [float(v) for v in jnp.concatenate([u["a"].ravel(), u["b"]])],
            "adamw_update": [float(v) for v in jnp.concatenate([u2["a"].ravel(), u2["b"]])],
            "clipped_norm": float(optax.tree.norm(clipped)),
        }
    )
)
