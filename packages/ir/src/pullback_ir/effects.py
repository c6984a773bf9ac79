"""Effects: what a jaxpr equation does besides computing its outputs.

Pure equations have no effects and may be removed, reordered or duplicated. An equation with
an `IOEffect` must run (dead-code elimination keeps it); one with an `OrderedIOEffect` must
also run in program order relative to the other ordered effects, and `effects_barrier` waits
for all of them.
"""

from __future__ import annotations

__all__ = ["IO", "ORDERED_IO", "Effect", "IOEffect", "OrderedIOEffect", "is_ordered"]


class Effect:
    """Base class of effects; instances are singletons compared by identity."""

    __slots__ = ()

    def __repr__(self) -> str:
        return type(self).__name__


class IOEffect(Effect):
    """A side effect on the host (a callback) with no ordering requirement."""

    __slots__ = ()


class OrderedIOEffect(Effect):
    """A host side effect that must happen in program order."""

    __slots__ = ()


IO = IOEffect()
ORDERED_IO = OrderedIOEffect()


def is_ordered(effects: frozenset[Effect]) -> bool:
    """Whether any of `effects` must keep program order."""
    return any(isinstance(e, OrderedIOEffect) for e in effects)
