"""Tracing cost: make_jaxpr of a 1000-equation function against jax.make_jaxpr.

Issue goal (pullback-ir): at most 0.5x JAX's time.
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

        make_jaxpr = jax.make_jaxpr
    else:
        from pullback_ir import lax, make_jaxpr  # type: ignore[no-redef]

    def chain(x: object) -> object:
        # 1000 equations: 250 rounds of sin, mul, add, tanh.
        for _ in range(250):
            x = lax.tanh(lax.add(lax.mul(lax.sin(x), x), x))
        return x

    x = np.ones((8,), np.float32)
    jaxpr = make_jaxpr(chain)(x)
    assert len(jaxpr.eqns) == 1000, len(jaxpr.eqns)
    return {
        # A fresh function each call: JAX caches traces per function object.
        "make_jaxpr, 1000 equations": lambda: make_jaxpr(lambda v: chain(v))(x),
        "make_jaxpr, 4 equations": lambda: make_jaxpr(
            lambda v: lax.tanh(lax.add(lax.mul(lax.sin(v), v), v))
        )(x),
    }


if __name__ == "__main__":
    main(__file__, cases)
