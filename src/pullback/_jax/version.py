"""`jax.version`: the JAX release whose API pullback follows."""

from pullback._jax_alias import JAX_API_VERSION

__version__ = JAX_API_VERSION
__version_info__ = tuple(int(v) for v in JAX_API_VERSION.split("."))
_version = __version__

__all__ = ["__version__", "__version_info__"]
