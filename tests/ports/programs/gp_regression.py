"""Gaussian-process regression: the marginal likelihood through a Cholesky factor,
hyperparameters fitted with gradient steps, then the posterior mean and variance."""

import json

import jax
import jax.numpy as jnp
import jax.scipy as jsp
import numpy as np


def kernel(params, x, z):
    amp, ls = jnp.exp(params["log_amp"]), jnp.exp(params["log_ls"])
    d2 = jnp.sum((x[:, None] - z[None, :]) ** 2, -1)
    return amp * jnp.exp(-0.5 * d2 / ls**2)


def neg_log_marginal(params, x, y):
    n = x.shape[0]
    k = kernel(params, x, x) + (jnp.exp(params["log_noise"]) + 1e-5) * jnp.eye(n)
    chol = jnp.linalg.cholesky(k)
    alpha = jsp.linalg.cho_solve((chol, True), y)
    return 0.5 * y @ alpha + jnp.sum(jnp.log(jnp.diag(chol))) + 0.5 * n * jnp.log(2 * jnp.pi)


def posterior(params, x, y, xs):
    k = kernel(params, x, x) + (jnp.exp(params["log_noise"]) + 1e-5) * jnp.eye(x.shape[0])
    ks = kernel(params, xs, x)
    chol = jnp.linalg.cholesky(k)
    mean = ks @ jsp.linalg.cho_solve((chol, True), y)
    v = jsp.linalg.solve_triangular(chol, ks.T, lower=True)
    var = jnp.diag(kernel(params, xs, xs)) - jnp.sum(v**2, axis=0)
    return mean, var


rng = np.random.RandomState(0)
x = np.sort(rng.uniform(-2, 2, (25, 1)), axis=0).astype(np.float32)
y = (np.cos(3 * x[:, 0]) + 0.1 * rng.randn(25)).astype(np.float32)
params = {"log_amp": jnp.zeros(()), "log_ls": jnp.zeros(()), "log_noise": jnp.asarray(-2.0)}
step = jax.jit(
    lambda p: jax.tree_util.tree_map(
        lambda a, g: a - 0.02 * g, p, jax.grad(neg_log_marginal)(p, x, y)
    )
)
for _ in range(40):
    params = step(params)
xs = jnp.linspace(-2, 2, 5)[:, None]
mean, var = posterior(params, x, y, xs)
print(
    "RESULT "
    + json.dumps(
        {
            "nlml": float(neg_log_marginal(params, x, y)),
            "mean": mean.tolist(),
            "var": var.tolist(),
            "params": {k: float(v) for k, v in params.items()},
        }
    )
)
