"""The autodiff cookbook: grad, jacobians both ways, Hessian-vector products, per-example
gradients and the derivative of a loop."""

import json

import jax
import jax.numpy as jnp
from jax import random


def f(x):
    return jnp.sum(jnp.tanh(x) ** 2 + jnp.sin(x) * x[::-1])


def hvp(f, x, v):
    return jax.grad(lambda x: jnp.vdot(jax.grad(f)(x), v))(x)


def hvp_fwd(f, x, v):
    return jax.jvp(jax.grad(f), (x,), (v,))[1]


key = random.PRNGKey(0)
x = random.normal(key, (4,))
v = jnp.arange(1.0, 5.0)
W = random.normal(random.PRNGKey(1), (3, 4))


def g(x):
    return jnp.tanh(W @ x)


def loop(x):
    def body(i, c):
        return c * jnp.cos(c + i)

    return jax.lax.fori_loop(0, 5, body, x)


per_example = jax.vmap(jax.grad(lambda w, xi: jnp.sum(jnp.tanh(w @ xi))), (None, 0))
out = {
    "grad": jax.grad(f)(x).tolist(),
    "jacfwd": jax.jacfwd(g)(x).tolist(),
    "jacrev": jax.jacrev(g)(x).tolist(),
    "hessian": jax.hessian(f)(x).tolist(),
    "hvp": hvp(f, x, v).tolist(),
    "hvp_fwd": hvp_fwd(f, x, v).tolist(),
    "per_example": per_example(W, random.normal(random.PRNGKey(2), (2, 4))).tolist(),
    "loop_grad": jax.grad(lambda x: jnp.sum(loop(x)))(x).tolist(),
    "vjp": jax.vjp(g, x)[1](jnp.ones(3))[0].tolist(),
}
print("RESULT " + json.dumps(out))
