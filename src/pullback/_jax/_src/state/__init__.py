"""`jax._src.state`: mutable references (pullback has none yet)."""
