"""chex.fake_jit for debugging (jax.disable_jit underneath), lax loops run in Python there, and
an equinox model saved and restored with tree_serialise_leaves (jnp.save / jnp.load)."""

import io
import json

import chex
import equinox as eqx
import jax
import jax.numpy as jnp

seen_types = []


@jax.jit
def normalise(x):
    # Under fake_jit this body runs as Python with concrete values: branching on them works.
    seen_types.append("concrete" if not isinstance(x, jax.core.Tracer) else "traced")
    scale = jnp.linalg.norm(x)
    return x / scale, scale


def loop_sum(xs):
    def body(i, acc):
        return acc + xs[i] * (i + 1)

    total = jax.lax.fori_loop(0, xs.shape[0], body, 0.0)
    carry, ys = jax.lax.scan(lambda c, x: (c * 0.5 + x, c), 1.0, xs)
    halves = jax.lax.while_loop(lambda v: v > 0.1, lambda v: v / 2, 3.0)
    branch = jax.lax.cond(total > 0, lambda: total * 2, lambda: -total)
    return total, carry, ys, halves, branch


xs = jnp.linspace(-1.0, 2.0, 5)
y_jit, s_jit = normalise(xs)
loops_jit = jax.jit(loop_sum)(xs)
with chex.fake_jit():
    y_fake, s_fake = normalise(xs)
    loops_fake = jax.jit(loop_sum)(xs)
    print_ok = float(s_fake) > 0  # a concrete value
y_again, _ = normalise(xs)

model = eqx.nn.MLP(3, 2, 8, 2, key=jax.random.PRNGKey(0))
buf = io.BytesIO()
eqx.tree_serialise_leaves(buf, model)
buf.seek(0)
skeleton = eqx.nn.MLP(3, 2, 8, 2, key=jax.random.PRNGKey(1))
restored = eqx.tree_deserialise_leaves(buf, skeleton)
x = jnp.array([0.5, -1.0, 2.0])

print(
    "RESULT "
    + json.dumps(
        {
            "seen": seen_types,
            "y_jit": [float(v) for v in y_jit],
            "y_fake": [float(v) for v in y_fake],
            "y_again": [float(v) for v in y_again],
            "loops_jit": [float(v) for v in jax.tree.leaves(loops_jit)[:2]]
            + [float(v) for v in loops_jit[2]]
            + [float(loops_jit[3]), float(loops_jit[4])],
            "loops_fake": [float(v) for v in jax.tree.leaves(loops_fake)[:2]]
            + [float(v) for v in loops_fake[2]]
            + [float(loops_fake[3]), float(loops_fake[4])],
            "print_ok": print_ok,
            "restored_out": [float(v) for v in restored(x)],
            "model_out": [float(v) for v in model(x)],
            "bytes": len(buf.getvalue()),
        }
    )
)
