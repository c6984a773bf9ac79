"""pullback_batching: the vectorising map `vmap`, with named axes."""

from pullback_batching.api import vmap as vmap

__version__ = "0.1.0"

__all__ = ["vmap"]
