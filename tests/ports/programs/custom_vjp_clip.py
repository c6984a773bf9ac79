"""custom_vjp: gradient clipping in the backward pass, and a fixed-point solver whose
gradient comes from the implicit function theorem (JAX's tutorial)."""

import json
from functools import partial

import jax
import jax.numpy as jnp


@jax.custom_vjp
def clip_gradient(lo, hi, x):
    return x


def clip_gradient_fwd(lo, hi, x):
    return x, (lo, hi)


def clip_gradient_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))


clip_gradient.defvjp(clip_gradient_fwd, clip_gradient_bwd)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def fixed_point(f, a, x_guess):
    def cond_fun(carry):
        x_prev, x = carry
        return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
        _, x = carry
        return x, f(a, x)

    _, x_star = jax.lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star


def fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)


def fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = jax.vjp(lambda a: f(a, x_star), a)
    (a_bar,) = vjp_a(fixed_point(partial(rev_iter, f), (a, x_star, x_star_bar), x_star_bar))
    return a_bar, jnp.zeros_like(x_star)


def rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = jax.vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]


fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)


def newton_sqrt(a):
    update = lambda a, x: 0.5 * (x + a / x)
    return fixed_point(update, a, a)


def loss(x):
    return jnp.sum(jnp.sin(clip_gradient(-0.5, 0.5, x * 3.0)))


x = jnp.linspace(-1.0, 1.0, 5)
out = {
    "clipped_grad": jax.grad(loss)(x).tolist(),
    "jit_clipped_grad": jax.jit(jax.grad(loss))(x).tolist(),
    "sqrt": float(newton_sqrt(2.0)),
    "sqrt_grad": float(jax.grad(newton_sqrt)(2.0)),
    "sqrt_grad_jit": float(jax.jit(jax.grad(newton_sqrt))(9.0)),
    "vmap_sqrt_grad": jax.vmap(jax.grad(newton_sqrt))(jnp.asarray([1.0, 4.0])).tolist(),
}
print("RESULT " + json.dumps(out))
