"""Eager reverse mode: grad of a small MLP loss against JAX's eager grad.

Issue goal (pullback-autodiff): at most 0.2x JAX's time. Neither side jits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax
        from jax import lax

        grad = jax.grad
        params = jax.device_put(_params())
        x, y = jax.device_put(_data())
    else:
        from pullback_autodiff import grad  # type: ignore[no-redef]
        from pullback_ir import lax  # type: ignore[no-redef]

        params = _params()
        x, y = _data()

    def loss(p: object, x: object, y: object) -> object:
        (w1, b1), (w2, b2) = p  # type: ignore[misc]
        h = lax.tanh(lax.add(lax.dot(x, w1), lax.broadcast_in_dim(b1, (32, 64), (1,))))
        out = lax.add(lax.dot(h, w2), lax.broadcast_in_dim(b2, (32, 10), (1,)))
        d = lax.sub(out, y)
        return lax.reduce_sum(lax.mul(d, d), (0, 1))

    g = grad(loss)
    g(params, x, y)
    return {"eager grad, MLP 16-64-10, batch 32": lambda: g(params, x, y)}


def _params() -> object:
    rng = np.random.default_rng(0)
    return (
        (rng.standard_normal((16, 64)).astype(np.float32), np.zeros(64, np.float32)),
        (rng.standard_normal((64, 10)).astype(np.float32), np.zeros(10, np.float32)),
    )


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return (
        rng.standard_normal((32, 16)).astype(np.float32),
        rng.standard_normal((32, 10)).astype(np.float32),
    )


if __name__ == "__main__":
    main(__file__, cases)
