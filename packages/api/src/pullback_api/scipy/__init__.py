"""`pullback.scipy`: the SciPy functions JAX programs use (JAX's `jax.scipy`)."""

from pullback_api.scipy import special as special, stats as stats

__all__ = ["special", "stats"]
