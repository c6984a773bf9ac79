"""`pullback.scipy.stats`: distributions (JAX's `jax.scipy.stats`)."""

from pullback_api.scipy.stats import norm as norm

__all__ = ["norm"]
