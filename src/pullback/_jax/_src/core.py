"""`jax._src.core`: pullback's core names, as libraries import them from JAX's private core."""

from typing import Any

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

__all__ = [*_public, "Atom", "Effect", "Literal", "Primitive", "Var", "find_top_trace",
           "get_aval", "get_opaque_trace_state", "jaxpr_as_fn", "mapped_aval", "physical_aval",
           "unmapped_aval"]  # fmt: skip

#: What an equation reads: a variable or a literal.
Atom = Var | Literal


def physical_aval(aval: Any) -> Any:
    """The aval of `aval`'s storage: itself, as pullback has no extended dtypes to lower."""
    return aval
