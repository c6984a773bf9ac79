"""Per-example gradients: vmap(grad(loss)) against a hand-written batched version, and JAX.

Issue goal (pullback-batching): vmap of grad keeps per-example gradients as cheap as writing
the batched gradient by hand (batched dots, no loop). Neither side jits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main

B, D, H, OUT = 64, 16, 64, 10


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax
        from jax import lax

        grad, vmap = jax.grad, jax.vmap
        params = jax.device_put(_params())
        x, y = jax.device_put(_data())
    else:
        from pullback_autodiff import grad  # type: ignore[no-redef]
        from pullback_batching import vmap  # type: ignore[no-redef,assignment]
        from pullback_ir import lax  # type: ignore[no-redef]

        params = _params()
        x, y = _data()

    def loss(p: object, x: object, y: object) -> object:
        (w1, b1), (w2, b2) = p  # type: ignore[misc]
        h = lax.tanh(lax.add(lax.dot(x, w1), b1))
        d = lax.sub(lax.add(lax.dot(h, w2), b2), y)
        return lax.reduce_sum(lax.mul(d, d), (0,))

    def by_hand(p: object, x: object, y: object) -> object:
        # The same per-example gradients, batched by hand: outer products as dot_generals.
        (w1, b1), (w2, b2) = p  # type: ignore[misc]
        h = lax.tanh(lax.add(lax.dot(x, w1), lax.broadcast_in_dim(b1, (B, H), (1,))))
        d = lax.sub(lax.add(lax.dot(h, w2), lax.broadcast_in_dim(b2, (B, OUT), (1,))), y)
        g_out = lax.mul(d, 2.0)
        batched_outer = (((2,), (1,)), ((0,), (0,)))
        g_w2 = lax.dot_general(
            lax.broadcast_in_dim(h, (B, H, 1), (0, 1)),
            lax.broadcast_in_dim(g_out, (B, 1, OUT), (0, 2)),
            batched_outer,
        )
        g_h = lax.mul(lax.dot_general(g_out, w2, (((1,), (1,)), ((), ()))),
                      lax.sub(1.0, lax.mul(h, h)))  # fmt: skip
        g_w1 = lax.dot_general(
            lax.broadcast_in_dim(x, (B, D, 1), (0, 1)),
            lax.broadcast_in_dim(g_h, (B, 1, H), (0, 2)),
            batched_outer,
        )
        return ((g_w1, g_h), (g_w2, g_out))

    per_example = vmap(grad(loss), in_axes=(None, 0, 0))
    per_example(params, x, y)
    by_hand(params, x, y)
    # The staged programs alone (no tracing): what a compiler gets to see.
    if impl == "jax":
        from jax import tree_util
        from jax.extend.core import jaxpr_as_fun

        def staged(f: Callable[..., object]) -> Callable[[], object]:
            run = jaxpr_as_fun(jax.make_jaxpr(f)(params, x, y))
            leaves = tree_util.tree_leaves((params, x, y))
            return lambda: run(*leaves)
    else:
        from pullback_ir.interpreter import eval_jaxpr
        from pullback_ir.staging import make_jaxpr
        from pullback_pytrees import tree_leaves

        def staged(f: Callable[..., object]) -> Callable[[], object]:
            closed = make_jaxpr(f)(params, x, y)
            leaves = tree_leaves((params, x, y))
            return lambda: eval_jaxpr(closed.jaxpr, closed.consts, *leaves)

    return {
        f"vmap(grad) MLP {D}-{H}-{OUT}, batch {B}": lambda: per_example(params, x, y),
        f"hand-batched grads, batch {B}": lambda: by_hand(params, x, y),
        "staged vmap(grad) program, evaluated": staged(per_example),
        "staged hand-batched program, evaluated": staged(by_hand),
    }


def _params() -> object:
    rng = np.random.default_rng(0)
    return (
        (rng.standard_normal((D, H)).astype(np.float32), np.zeros(H, np.float32)),
        (rng.standard_normal((H, OUT)).astype(np.float32), np.zeros(OUT, np.float32)),
    )


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return (
        rng.standard_normal((B, D)).astype(np.float32),
        rng.standard_normal((B, OUT)).astype(np.float32),
    )


if __name__ == "__main__":
    main(__file__, cases)
