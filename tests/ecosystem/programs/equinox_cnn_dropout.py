"""equinox: a small CNN with eqx.nn.Conv2d, MaxPool2d, Linear and Dropout (inference switch via
eqx.nn.inference_mode), a custom Module, eqx.filter_grad and eqx.filter_vmap."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp


class CNN(eqx.Module):
    conv: eqx.nn.Conv2d
    pool: eqx.nn.MaxPool2d
    linear: eqx.nn.Linear
    dropout: eqx.nn.Dropout

    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.conv = eqx.nn.Conv2d(1, 4, kernel_size=3, padding=1, key=k1)
        self.pool = eqx.nn.MaxPool2d(kernel_size=2, stride=2)
        self.linear = eqx.nn.Linear(4 * 4 * 4, 3, key=k2)
        self.dropout = eqx.nn.Dropout(p=0.25)

    def __call__(self, x, *, key=None):
        x = jax.nn.relu(self.conv(x))
        x = self.pool(x)
        x = self.dropout(x.reshape(-1), key=key)
        return self.linear(x)


key = jax.random.PRNGKey(3)
mk, dk, xk = jax.random.split(key, 3)
model = CNN(mk)
images = jax.random.normal(xk, (8, 1, 8, 8))
labels = jnp.arange(8) % 3


def loss(model, images, labels, key):
    keys = jax.random.split(key, images.shape[0])
    logits = eqx.filter_vmap(lambda im, k: model(im, key=k))(images, keys)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))


@eqx.filter_jit
def step(model, images, labels, key):
    grads = eqx.filter_grad(loss)(model, images, labels, key)
    updates = jax.tree_util.tree_map(lambda g: -0.1 * g, grads)
    return eqx.apply_updates(model, updates), loss(model, images, labels, key)


values = []
for i in range(15):
    dk, sub = jax.random.split(dk)
    model, l = step(model, images, labels, sub)
    values.append(float(l))
inference = eqx.nn.inference_mode(model)
logits = jax.vmap(inference)(images)
print(
    "RESULT "
    + json.dumps(
        {
            "losses": values[::3] + [values[-1]],
            "logits0": [float(v) for v in logits[0]],
            "accuracy": float(jnp.mean(jnp.argmax(logits, -1) == labels)),
            "dropout_inference": bool(inference.dropout.inference),
        }
    )
)
