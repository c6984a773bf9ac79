"""`pullback.Array`: the type of arrays, as user code tests it.

As in JAX, it is an abstract base class: concrete arrays (`pullback_compile.Array`), typed PRNG
key arrays and the tracers that stand for arrays inside `jit`, `grad` and `vmap` are all
instances, so `isinstance(x, pullback.Array)` holds for any array a function is given, traced or
not (equinox's filters rely on this).
"""

from __future__ import annotations

import abc

from pullback_compile import Array as _ConcreteArray
from pullback_ir.trace import Tracer

__all__ = ["Array"]


class Array(abc.ABC):  # noqa: B024 (an abstract type with no abstract methods, as JAX's)
    """The type of pullback arrays, concrete or traced (see the module docstring)."""

    __slots__ = ()


Array.register(_ConcreteArray)
Array.register(Tracer)
# (pullback_api.random registers its PRNGKeyArray)
