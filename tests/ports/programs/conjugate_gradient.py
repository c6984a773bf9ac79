"""Conjugate gradients with lax.while_loop on a pytree-free matrix-vector product, compared
with jnp.linalg.solve, and gradients through jax.scipy.sparse.linalg-style solves."""

import json

import jax
import jax.numpy as jnp
from jax import lax, random


def cg(matvec, b, tol=1e-6, maxiter=100):
    def cond(state):
        x, r, p, rs, i = state
        return (jnp.sqrt(rs) > tol) & (i < maxiter)

    def body(state):
        x, r, p, rs, i = state
        ap = matvec(p)
        alpha = rs / jnp.vdot(p, ap)
        x = x + alpha * p
        r = r - alpha * ap
        rs_new = jnp.vdot(r, r)
        p = r + (rs_new / rs) * p
        return x, r, p, rs_new, i + 1

    x0 = jnp.zeros_like(b)
    state = (x0, b, b, jnp.vdot(b, b), 0)
    x, _, _, _, iters = lax.while_loop(cond, body, state)
    return x, iters


key = random.PRNGKey(0)
m = random.normal(key, (6, 6))
a = m @ m.T + 6 * jnp.eye(6)
b = jnp.arange(1.0, 7.0)
x, iters = jax.jit(lambda b: cg(lambda v: a @ v, b))(b)
exact = jnp.linalg.solve(a, b)
grad_b = jax.grad(lambda b: jnp.sum(jnp.linalg.solve(a, b) ** 2))(b)
print(
    "RESULT "
    + json.dumps(
        {
            "x": x.tolist(),
            "iters": int(iters),
            "err": float(jnp.max(jnp.abs(x - exact))),
            "grad_b": grad_b.tolist(),
            "det": float(jnp.linalg.det(a)),
            "slogdet": float(jnp.linalg.slogdet(a)[1]),
        }
    )
)
