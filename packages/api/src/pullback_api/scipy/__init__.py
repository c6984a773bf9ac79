"""`pullback.scipy`: the SciPy functions JAX programs use (JAX's `jax.scipy`)."""

from pullback_api.scipy import (
    linalg as linalg,
    signal as signal,
    special as special,
    stats as stats,
)

__all__ = ["linalg", "signal", "special", "stats"]
