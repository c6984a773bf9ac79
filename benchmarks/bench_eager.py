"""Eager pullback.numpy against eager jax.numpy (no jit on either side), small arrays.

Issue goal (pullback-compile): an eager elementwise op at most 0.1x JAX's time.
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
        import jax.numpy as jnp
    else:
        import pullback.numpy as jnp  # type: ignore[no-redef]

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal((8, 16)).astype(np.float32))
    y = jnp.asarray(rng.standard_normal((16, 4)).astype(np.float32))
    return {
        "jnp.sin(x) f32[8,16]": lambda: jnp.sin(x),
        "x + x": lambda: x + x,
        "x * 2.0": lambda: x * 2.0,
        "jnp.sum(x)": lambda: jnp.sum(x),
        "x.mean(axis=0)": lambda: x.mean(axis=0),
        "x @ y": lambda: x @ y,
        "x[0]": lambda: x[0],
        "jnp.maximum(x, 0.0)": lambda: jnp.maximum(x, 0.0),
    }


if __name__ == "__main__":
    main(__file__, cases)
