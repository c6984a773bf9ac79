"""`jax.api_util` (served from `jax._src.api_util`)."""

from pullback._jax._src.api_util import debug_info, flatten_fun, flatten_fun_nokwargs

__all__ = ["debug_info", "flatten_fun", "flatten_fun_nokwargs"]
