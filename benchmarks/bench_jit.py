"""jit against jax.jit, and eager Array arithmetic against JAX's eager ops.

Issue goals (pullback-compile): tiny jitted call dispatch <= 1.0x JAX, jitted MLP SGD step
<= 1.02x, first call of jit(grad(mlp_loss)) <= 1.0x, eager elementwise op <= 0.1x. The other
"jit call" rows time the dispatch of calls that are not all-Array positional arguments.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main

SIZES = (64, 128, 128, 128, 10)
BATCH = 32


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax
        from jax import lax

        jit, grad, put = jax.jit, jax.grad, jax.device_put

        def block(x: object) -> object:
            return jax.block_until_ready(x)
    else:
        from pullback_autodiff import grad  # type: ignore[no-redef]
        from pullback_compile import (
            block_until_ready as block,  # type: ignore[assignment]
            device_put as put,  # type: ignore[assignment]
            jit,  # type: ignore[no-redef]
        )
        from pullback_ir import lax  # type: ignore[no-redef]

    a = put(np.arange(3, dtype=np.float32))
    b = put(np.ones(3, np.float32))
    tiny = jit(lambda x, y: lax.cos(lax.add(x, y)))
    block(tiny(a, b))

    def loss(params: object, x: object, y: object, scale: float = 1.0) -> object:
        h = x
        for i, (w, bias) in enumerate(params):  # type: ignore[attr-defined]
            h = lax.add(lax.dot(h, w), lax.broadcast_in_dim(bias, (BATCH, w.shape[1]), (1,)))
            if i < len(SIZES) - 2:
                h = lax.tanh(h)
        d = lax.sub(h, y)
        return lax.mul(lax.reduce_sum(lax.mul(d, d), (0, 1)), scale)

    params = put(_params())
    x, y = put(_data())

    @jit
    def sgd(params: object, x: object, y: object) -> object:
        g = grad(loss)(params, x, y)
        return [(lax.sub(w, lax.mul(gw, 0.01)), lax.sub(c, lax.mul(gc, 0.01)))
                for (w, c), (gw, gc) in zip(params, g, strict=False)]  # type: ignore[call-overload]  # fmt: skip

    block(sgd(params, x, y))
    counter = itertools.count(1)

    def first_call() -> object:
        scale = float(next(counter))  # a fresh constant: nothing can come from a cache
        f = jit(grad(lambda p, x, y: loss(p, x, y, scale)))
        return block(f(params, x, y))

    # Calls beyond all-Array positional arguments: each takes the dispatcher's fast path too.
    scaled = jit(lambda x, s: lax.mul(x, s))
    static = jit(lambda x, n: lax.mul(x, float(n)), static_argnums=1)
    keyword = jit(lambda x, y=None: lax.add(x, y))
    donating = jit(lambda x, y: lax.add(x, y), donate_argnums=0)
    host = np.ones(3, np.float32)
    tree = jit(lambda p, x: [(lax.add(w, x), lax.sub(c, x)) for w, c in p])
    small = put([(np.ones(3, np.float32), np.ones(3, np.float32)) for _ in range(4)])
    donated = [put(np.ones(3, np.float32))]

    def donate_step() -> object:
        donated[0] = donating(donated[0], b)
        return donated[0]

    for call in (lambda: scaled(a, 0.5), lambda: static(a, 3), lambda: keyword(a, y=b),
                 donate_step, lambda: tiny(host, b), lambda: tree(small, a)):  # fmt: skip
        block(call())

    jitted_loss = jit(loss)
    grad_of_jit = grad(jitted_loss)
    block(grad_of_jit(params, x, y))

    return {
        "tiny jit dispatch cos(a+b) f32[3]": lambda: tiny(a, b),
        "grad(jit(mlp_loss)) + block": lambda: block(grad_of_jit(params, x, y)),
        "tiny jit dispatch + block": lambda: block(tiny(a, b)),
        "jitted MLP SGD step + block": lambda: block(sgd(params, x, y)),
        "first call jit(grad(mlp_loss))": first_call,
        "jit call with a Python scalar f(x, 0.5)": lambda: scaled(a, 0.5),
        "jit call with a static int argument": lambda: static(a, 3),
        "jit call with a keyword argument": lambda: keyword(a, y=b),
        "jit call donating its argument": donate_step,
        "jit call with a NumPy argument": lambda: tiny(host, b),
        "jit call of a 4x2-leaf list of tuples": lambda: tree(small, a),
        "eager a + b, f32[3]": lambda: a + b,
        "eager a * b, f32[3]": lambda: a * b,
    }


def _params() -> object:
    rng = np.random.default_rng(0)
    return [
        (rng.standard_normal((m, n)).astype(np.float32) / np.sqrt(m), np.zeros(n, np.float32))
        for m, n in itertools.pairwise(SIZES)
    ]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return (
        rng.standard_normal((BATCH, SIZES[0])).astype(np.float32),
        rng.standard_normal((BATCH, SIZES[-1])).astype(np.float32),
    )


if __name__ == "__main__":
    main(__file__, cases)
