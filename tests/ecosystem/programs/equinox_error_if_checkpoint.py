"""equinox: eqx.error_if inside filter_jit (a runtime error raised from compiled code),
eqx.filter_checkpoint and eqx.filter_custom_jvp, eqx.tree_equal and eqx.filter_eval_shape."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp


@eqx.filter_jit
def safe_sqrt(x):
    x = eqx.error_if(x, x < 0, "negative input to safe_sqrt")
    return jnp.sqrt(x)


out = {"ok": [float(v) for v in safe_sqrt(jnp.array([1.0, 4.0]))]}
try:
    safe_sqrt(jnp.array([1.0, -4.0])).block_until_ready()
    out["raised"] = False
except Exception as e:  # eqx.EquinoxRuntimeError (JaxRuntimeError on JAX)
    out["raised"] = "negative input to safe_sqrt" in str(e)


@eqx.filter_custom_jvp
def clipped_square(x):
    return x**2


@clipped_square.def_jvp
def _jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return x**2, jnp.clip(2 * x, -1.0, 1.0) * t


def f(x):
    return jnp.sum(eqx.filter_checkpoint(lambda v: jnp.sin(v) * clipped_square(v))(x))


x = jnp.array([0.2, 0.7, 2.0])
out["grad"] = [float(v) for v in jax.grad(f)(x)]
out["tree_equal"] = bool(eqx.tree_equal({"a": x}, {"a": x + 0}))
shape = eqx.filter_eval_shape(lambda v: jnp.outer(v, v), x)
out["eval_shape"] = list(shape.shape)
print("RESULT " + json.dumps(out))
