"""Newton's method with lax.while_loop: roots of a scalar function, vmapped over starting
points, and Newton optimization of the Rosenbrock function with its Hessian."""

import json

import jax
import jax.numpy as jnp
from jax import lax


def newton_root(f, x0, tol=1e-6, max_iter=50):
    df = jax.grad(f)

    def cond(state):
        x, i = state
        return (jnp.abs(f(x)) > tol) & (i < max_iter)

    def body(state):
        x, i = state
        return x - f(x) / df(x), i + 1

    return lax.while_loop(cond, body, (x0, 0))


def rosenbrock(p):
    x, y = p
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def newton_opt(f, p, steps=8):
    def body(i, p):
        g = jax.grad(f)(p)
        h = jax.hessian(f)(p)
        return p - jnp.linalg.solve(h, g)

    return lax.fori_loop(0, steps, body, p)


cubic = lambda x: x**3 - 2 * x - 5
root, iters = jax.jit(lambda x0: newton_root(cubic, x0))(2.0)
roots = jax.vmap(lambda x0: newton_root(jnp.cos, x0)[0])(jnp.asarray([1.0, 4.0, 7.0]))
opt = jax.jit(lambda p: newton_opt(rosenbrock, p))(jnp.asarray([-1.2, 1.0]))
print(
    "RESULT "
    + json.dumps(
        {
            "root": float(root),
            "iters": int(iters),
            "cos_roots": roots.tolist(),
            "rosenbrock_min": opt.tolist(),
            "value": float(rosenbrock(opt)),
        }
    )
)
