"""Compiled linear algebra and windowed reductions against JAX: both call LAPACK (jaxlib's
kernels) and XLA, so the ratios show the cost of what pullback adds around them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main

N = 64


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax
        import jax.numpy as jnp
        from jax import lax

        jit, grad, put, block = jax.jit, jax.grad, jax.device_put, jax.block_until_ready
    else:
        import pullback.numpy as jnp  # type: ignore[no-redef]

        import pullback as pb
        from pullback import lax  # type: ignore[no-redef]

        jit, grad, put, block = pb.jit, pb.grad, pb.device_put, pb.block_until_ready  # type: ignore[assignment]

    rng = np.random.default_rng(0)
    m = rng.standard_normal((N, N)).astype(np.float32)
    a = put(m @ m.T + N * np.eye(N, dtype=np.float32))
    b = put(rng.standard_normal((N, 8)).astype(np.float32))
    tall = put(rng.standard_normal((2 * N, N)).astype(np.float32))
    images = put(rng.standard_normal((8, 16, 32, 32)).astype(np.float32))

    solve = jit(jnp.linalg.solve)
    eigh = jit(jnp.linalg.eigh)
    svd = jit(lambda x: jnp.linalg.svd(x, full_matrices=False))
    logdet_grad = jit(grad(lambda x: jnp.linalg.slogdet(x)[1]))

    def pool(x: object) -> object:
        return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 3, 3), (1, 1, 2, 2), "SAME")

    max_pool = jit(pool)
    pool_grad = jit(grad(lambda x: jnp.sum(pool(x))))
    warm = ((solve, (a, b)), (eigh, (a,)), (svd, (tall,)), (logdet_grad, (a,)),
            (max_pool, (images,)), (pool_grad, (images,)))  # fmt: skip
    for f, args in warm:
        block(f(*args))
    return {
        f"jit solve {N}x{N}, 8 rhs": lambda: block(solve(a, b)),
        f"jit eigh {N}x{N}": lambda: block(eigh(a)),
        f"jit svd {2 * N}x{N}": lambda: block(svd(tall)),
        f"jit grad(slogdet) {N}x{N}": lambda: block(logdet_grad(a)),
        "jit 3x3/2 max pool 8x16x32x32": lambda: block(max_pool(images)),
        "jit grad of max pool": lambda: block(pool_grad(images)),
    }


if __name__ == "__main__":
    main(__file__, cases)
