"""pmap over 4 virtual CPU devices against jax.pmap: dispatch of a psum step, chained calls
whose input is the previous call's output, NumPy inputs, and reading a result on the host.

Every call is blocked on: XLA's CPU collectives abort when multi-device launches pile up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

N = 4
os.environ.setdefault("PULLBACK_NUM_CPU_DEVICES", str(N))
_FLAG = f"--xla_force_host_platform_device_count={N}"  # (jax's virtual devices)
os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}"

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main  # noqa: E402 (after the environment it reads at import)


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax
        from jax import lax

        pmap, block = jax.pmap, jax.block_until_ready
    else:
        from pullback_compile import block_until_ready as block, pmap  # type: ignore[assignment]
        from pullback_ir import lax  # type: ignore[no-redef]

    host = np.arange(N * 8, dtype=np.float32).reshape(N, 8)
    step = pmap(lambda x: lax.mul(lax.psum(x, "i"), 0.25), axis_name="i")
    local = pmap(lambda x: lax.add(lax.mul(x, 0.5), 1.0))
    state = [block(step(host))]

    def chained() -> object:  # the previous output goes straight back in
        state[0] = block(step(state[0]))
        return state[0]

    chain_local = [block(local(host))]

    def chained_local() -> object:
        chain_local[0] = block(local(chain_local[0]))
        return chain_local[0]

    return {
        "pmap psum step, NumPy input + block": lambda: block(step(host)),
        "pmap psum step, chained + block": chained,
        "pmap no collective, chained + block": chained_local,
        "pmap psum step + np.asarray of the output": lambda: np.asarray(step(host)),
    }


if __name__ == "__main__":
    main(__file__, cases)
