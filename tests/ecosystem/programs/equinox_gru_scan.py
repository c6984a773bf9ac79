"""equinox: a GRU sequence classifier (eqx.nn.GRUCell in lax.scan, eqx.nn.Embedding), trained
with optax.adamw under eqx.filter_jit."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import optax


class Classifier(eqx.Module):
    embed: eqx.nn.Embedding
    cell: eqx.nn.GRUCell
    head: eqx.nn.Linear

    def __init__(self, key):
        k1, k2, k3 = jax.random.split(key, 3)
        self.embed = eqx.nn.Embedding(10, 8, key=k1)
        self.cell = eqx.nn.GRUCell(8, 16, key=k2)
        self.head = eqx.nn.Linear(16, 2, key=k3)

    def __call__(self, tokens):
        xs = jax.vmap(self.embed)(tokens)

        def step(h, x):
            return self.cell(x, h), None

        h, _ = jax.lax.scan(step, jnp.zeros(16), xs)
        return self.head(h)


key = jax.random.PRNGKey(7)
mk, dk = jax.random.split(key)
model = Classifier(mk)
tokens = jax.random.randint(dk, (24, 6), 0, 10)
labels = (jnp.sum(tokens, axis=1) > 27).astype(jnp.int32)
optim = optax.adamw(3e-3, weight_decay=1e-3)
state = optim.init(eqx.filter(model, eqx.is_inexact_array))


@eqx.filter_jit
def step(model, state):
    def loss_fn(m):
        logits = jax.vmap(m)(tokens)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
    updates, state = optim.update(grads, state, eqx.filter(model, eqx.is_inexact_array))
    return eqx.apply_updates(model, updates), state, loss


losses = []
for i in range(40):
    model, state, loss = step(model, state)
    losses.append(float(loss))
acc = jnp.mean(jnp.argmax(jax.vmap(model)(tokens), -1) == labels)
print("RESULT " + json.dumps({"losses": losses[::8] + [losses[-1]], "accuracy": float(acc)}))
