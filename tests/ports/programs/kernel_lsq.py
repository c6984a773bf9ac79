"""Kernel least squares with an RBF kernel; the lengthscale learned by gradient descent."""

import json

import jax
import jax.numpy as jnp
import numpy as np


def rbf(x, z, lengthscale):
    d2 = jnp.sum((x[:, None, :] - z[None, :, :]) ** 2, axis=-1)
    return jnp.exp(-0.5 * d2 / lengthscale**2)


def fit_predict(log_ls, x, y, x_test, reg=1e-2):
    ls = jnp.exp(log_ls)
    k = rbf(x, x, ls) + reg * jnp.eye(x.shape[0])
    alpha = jnp.linalg.solve(k, y)
    return rbf(x_test, x, ls) @ alpha


def val_loss(log_ls, x, y, xv, yv):
    return jnp.mean((fit_predict(log_ls, x, y, xv) - yv) ** 2)


rng = np.random.RandomState(3)
x = rng.uniform(-3, 3, (40, 1)).astype(np.float32)
y = np.sin(2 * x[:, 0]).astype(np.float32)
xv = rng.uniform(-3, 3, (20, 1)).astype(np.float32)
yv = np.sin(2 * xv[:, 0]).astype(np.float32)
log_ls = jnp.asarray(0.5)
g = jax.jit(jax.value_and_grad(val_loss))
history = []
for _ in range(30):
    v, d = g(log_ls, x, y, xv, yv)
    history.append(float(v))
    log_ls = log_ls - 0.5 * d
print(
    "RESULT "
    + json.dumps({"first": history[0], "last": history[-1], "lengthscale": float(jnp.exp(log_ls))})
)
