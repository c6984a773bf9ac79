"""`jax._src`: the private JAX modules that libraries import, mapped onto pullback."""
