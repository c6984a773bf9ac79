"""vmap in the ways programs use it: in_axes/out_axes, nested vmap for pairwise distances,
vmap of a function with lax.cond and of a jitted function, and axis names with psum."""

import json

import jax
import jax.numpy as jnp
from jax import lax

xs = jnp.arange(12.0).reshape(3, 4)
ys = jnp.arange(8.0).reshape(2, 4)
pairwise = jax.vmap(jax.vmap(lambda a, b: jnp.sqrt(jnp.sum((a - b) ** 2)), (None, 0)), (0, None))
matvec = jax.vmap(jnp.dot, in_axes=(None, 1), out_axes=0)
cond_map = jax.vmap(lambda x: lax.cond(x > 2, lambda v: v * 10.0, lambda v: -v, x))
jitted = jax.vmap(jax.jit(lambda x, s: x * s), in_axes=(0, None))
normalized = jax.vmap(lambda x: x / lax.psum(x, "i"), axis_name="i")
dict_axes = jax.vmap(lambda d: d["a"] + d["b"], in_axes=({"a": 0, "b": None},))
moved = jax.vmap(lambda x: x * 2, in_axes=1, out_axes=1)(xs)
print(
    "RESULT "
    + json.dumps(
        {
            "pairwise": pairwise(xs, ys).tolist(),
            "matvec": matvec(jnp.ones(3), xs).tolist(),
            "cond": cond_map(jnp.arange(5.0)).tolist(),
            "jitted": jitted(xs, 2.0).tolist(),
            "normalized": normalized(jnp.arange(1.0, 5.0)).tolist(),
            "dict_axes": dict_axes({"a": jnp.arange(3.0), "b": 10.0}).tolist(),
            "moved_shape": list(moved.shape),
            "grad_of_vmap": jax.grad(lambda w: jnp.sum(jax.vmap(lambda x: jnp.tanh(w * x))(xs)))(
                0.3
            ).item(),
        }
    )
)
