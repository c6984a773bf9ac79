"""pullback_batching: the vectorising map `vmap`, with named axes."""

__version__ = "0.1.0"

__all__: list[str] = []
