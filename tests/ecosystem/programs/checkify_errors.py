"""jax.experimental.checkify: user checks under jit and vmap, automatic NaN/division/index checks."""

import json

import jax
import jax.numpy as jnp
from jax.experimental import checkify


def safe_log(x):
    checkify.check(x > 0, "log of a non-positive number: {}", x)
    return jnp.log(x)


out = {}
err, y = jax.jit(checkify.checkify(safe_log))(2.0)
out["ok"] = [err.get(), float(y)]
err, _ = jax.jit(checkify.checkify(safe_log))(-3.0)
out["user"] = err.get()
err, _ = jax.vmap(checkify.checkify(safe_log))(jnp.array([1.0, -1.0, 2.0]))
out["vmapped"] = err.get()

f = checkify.checkify(lambda x: jnp.sin(x) / x, errors=checkify.float_checks)
out["div"] = f(jnp.array([0.0, 1.0]).astype(jnp.int32))[0].get()
out["nan"] = checkify.checkify(lambda x: jnp.log(x), errors=checkify.nan_checks)(-1.0)[0].get()
g = checkify.checkify(lambda x, i: x[i], errors=checkify.index_checks)
out["oob"] = g(jnp.arange(4.0), 7)[0].get()
out["in_bounds"] = g(jnp.arange(4.0), 2)[0].get()


def loop(x):
    def body(c, _):
        checkify.check(c < 10.0, "carry grew too large: {c}", c=c)
        return c * 2.0, c

    return jax.lax.scan(body, x, None, length=6)


out["scan"] = jax.jit(checkify.checkify(loop))(1.0)[0].get()
out["scan_ok"] = checkify.checkify(loop)(0.1)[0].get()


def branchy(x):
    return jax.lax.cond(x > 0, lambda v: safe_log(v), lambda v: v * 0.0, x)


out["cond"] = [checkify.checkify(branchy)(v)[0].get() for v in (2.0, -2.0)]
try:
    checkify.checkify(safe_log)(jnp.asarray(-1.0))[0].throw()
except checkify.JaxRuntimeError as e:
    out["thrown"] = str(e).splitlines()[0]
out["grad"] = float(jax.grad(lambda x: checkify.checkify(safe_log)(x)[1])(4.0))
print("RESULT " + json.dumps(out))
