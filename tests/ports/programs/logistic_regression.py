"""Multinomial logistic regression with jax.nn (log_softmax, one_hot), L2 regularization
and gradient descent, evaluated by accuracy and cross-entropy."""

import json

import jax
import jax.numpy as jnp
import numpy as np

rng = np.random.RandomState(0)
centers = np.asarray([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
labels = rng.randint(0, 3, size=150)
x = (centers[labels] + rng.normal(scale=0.8, size=(150, 2))).astype(np.float32)


def logits(params, x):
    return x @ params["W"] + params["b"]


def loss(params, x, y, l2=1e-3):
    logp = jax.nn.log_softmax(logits(params, x))
    ce = -jnp.mean(jnp.sum(jax.nn.one_hot(y, 3) * logp, axis=-1))
    return ce + l2 * jnp.sum(params["W"] ** 2)


params = {"W": jnp.zeros((2, 3)), "b": jnp.zeros(3)}
grad_fn = jax.jit(jax.grad(loss))
for _ in range(100):
    g = grad_fn(params, x, labels)
    params = {k: params[k] - 0.5 * g[k] for k in params}
pred = jnp.argmax(logits(params, x), axis=-1)
probs = jax.nn.softmax(logits(params, x[:3]))
print(
    "RESULT "
    + json.dumps(
        {
            "loss": float(loss(params, x, labels)),
            "accuracy": float(jnp.mean(pred == labels)),
            "probs": probs.tolist(),
            "logsumexp": float(jax.nn.logsumexp(logits(params, x[0]))),
        }
    )
)
