"""`jax.experimental.hijax`: JAX's experimental high-level types, as far as flax imports them.

flax.nnx defines its "hijax" Variables with these classes at import; they are used only when
that mode is switched on (`flax_hijax_variable`, off by default). pullback does not implement
high-level types: the classes exist so that flax imports, and binding a `HiPrimitive` raises
NotImplementedError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pullback_autodiff.core import Zero, instantiate
from pullback_autodiff.transpose import is_undefined

from pullback._jax.extend.core import Effect

__all__ = ["AbstractValue", "AvalMutableQDD", "AvalQDD", "HiPrimitive", "HiType",
           "MutableHiType", "Zero", "aval_method", "aval_property", "control_flow_allowed_effects",
           "instantiate_zeros", "is_undefined_primal", "register_hitype"]  # fmt: skip

instantiate_zeros = instantiate
is_undefined_primal = is_undefined

_UNSUPPORTED = (
    "JAX's high-level types (jax.experimental.hijax) are not implemented in pullback; flax's "
    "hijax Variables (flax_hijax_variable) are not supported"
)


class AbstractValue:
    """The base of abstract values of high-level types."""

    __slots__ = ()


class HiType(AbstractValue):
    """An abstract value of a high-level type."""

    __slots__ = ()


class MutableHiType(HiType):
    """An abstract value of a mutable high-level type."""

    __slots__ = ()


class AvalQDD:
    """An abstract value with its quasi-dynamic data."""

    def __init__(self, aval: Any, qdd: Any) -> None:
        self.aval, self.qdd = aval, qdd


class AvalMutableQDD(AvalQDD):
    """An abstract value with mutable quasi-dynamic data."""


class HiPrimitive:
    """A primitive on high-level types (not supported: binding raises)."""

    multiple_results = False

    def __init__(self, name: str) -> None:
        self.name = name

    def bind(self, *args: Any, **params: Any) -> Any:
        """Raises NotImplementedError: high-level types are not supported."""
        raise NotImplementedError(f"{self.name}: {_UNSUPPORTED}")

    def __repr__(self) -> str:
        return self.name


class _EffectTypes:
    def __init__(self) -> None:
        self.types: list[type] = []

    def add_type(self, t: type) -> None:
        self.types.append(t)


control_flow_allowed_effects = _EffectTypes()
_HITYPES: dict[type, Callable[..., Any]] = {}


def register_hitype(cls: type, to_aval: Callable[..., Any]) -> None:
    """Record a high-level type (kept; pullback does not trace such values)."""
    _HITYPES[cls] = to_aval


def aval_method(f: Callable[..., Any]) -> Any:
    """A method of a high-level value reachable from its abstract value (kept as given)."""
    return f


def aval_property(fget: Callable[..., Any]) -> Any:
    """A property of a high-level value reachable from its abstract value."""
    return property(fget)


__all__ += ["Effect"]
