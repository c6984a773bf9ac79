"""custom_jvp from JAX's tutorial: a numerically stable log1pexp, a safe norm with a
defined gradient at zero, and a rule using Python control flow on concrete values."""

import json

import jax
import jax.numpy as jnp


@jax.custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def log1pexp_jvp(primals, tangents):
    (x,), (x_dot,) = primals, tangents
    ans = log1pexp(x)
    return ans, x_dot * (1 - 1 / (1 + jnp.exp(x)))


@jax.custom_jvp
def safe_norm(x):
    return jnp.sqrt(jnp.sum(x**2))


@safe_norm.defjvp
def safe_norm_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    n = safe_norm(x)
    return n, jnp.where(n == 0, 0.0, jnp.vdot(x, t) / jnp.where(n == 0, 1.0, n))


@jax.custom_jvp
def f(x, y):
    return jnp.sin(x) * y


f.defjvps(
    lambda x_dot, primal_out, x, y: jnp.cos(x) * x_dot * y,
    lambda y_dot, primal_out, x, y: jnp.sin(x) * y_dot,
)


@jax.custom_jvp
def clip_gradient(x):
    return x


@clip_gradient.defjvp
def clip_gradient_jvp(primals, tangents):
    (x,) = primals
    (t,) = tangents
    if x > 1.0:  # concrete outside jit: Python control flow works
        return x, 0.5 * t
    return x, t


out = {
    "log1pexp_grad": [float(jax.grad(log1pexp)(v)) for v in (0.0, 10.0, 100.0)],
    "jit_grad": float(jax.jit(jax.grad(log1pexp))(100.0)),
    "vmap_grad": jax.vmap(jax.grad(log1pexp))(jnp.arange(3.0)).tolist(),
    "safe_norm_grad_at_zero": jax.grad(safe_norm)(jnp.zeros(3)).tolist(),
    "safe_norm_grad": jax.grad(safe_norm)(jnp.asarray([3.0, 4.0])).tolist(),
    "defjvps": list(map(float, jax.grad(f, argnums=(0, 1))(0.5, 2.0))),
    "hessian": float(jax.grad(jax.grad(log1pexp))(1.0)),
    "clip": [float(jax.grad(clip_gradient)(2.0)), float(jax.grad(clip_gradient)(0.5))],
}
print("RESULT " + json.dumps(out))
