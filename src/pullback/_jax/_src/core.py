"""`jax._src.core`: pullback's core names, as libraries import them from JAX's private core."""

from pullback_api.core import *  # noqa: F403
from pullback_api.core import __all__ as _public

from pullback._jax.extend.core import (
    Effect,
    Literal,
    Primitive,
    Var,
    find_top_trace,
    get_aval,
    get_opaque_trace_state,
    jaxpr_as_fn,
    mapped_aval,
    unmapped_aval,
)

__all__ = [*_public, "Effect", "Literal", "Primitive", "Var", "find_top_trace", "get_aval",
           "get_opaque_trace_state", "jaxpr_as_fn", "mapped_aval", "unmapped_aval"]  # fmt: skip
