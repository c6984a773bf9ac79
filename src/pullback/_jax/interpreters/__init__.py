"""`jax.interpreters`: the rule registries of JAX's transformations, on pullback's tables."""
