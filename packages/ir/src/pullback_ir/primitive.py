"""`Primitive`: a named operation with its abstract evaluation and NumPy reference implementation.

Transformations keep their own rule tables keyed by primitive (DESIGN.md, "rule-table
pattern"); a primitive carries only what every transformation needs: how to compute output
avals from input avals (`abstract_eval`) and how to compute outputs on concrete NumPy arrays
(`impl`). Both take and return lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_ir.avals import ShapedArray
from pullback_ir.trace import CONTEXT

__all__ = ["AbstractEval", "Impl", "Primitive"]

# Every primitive is added here when it is built (`primitives.ALL` reads it).
REGISTRY: dict[str, Primitive] = {}


# `(*avals, **params) -> [aval, ...]`; raises TypeError/ValueError for bad input.
AbstractEval = Callable[..., list[ShapedArray]]
Impl = Callable[..., Sequence[Any]]


class Primitive:
    """A primitive operation.

    Args:
        name: the name shown in jaxprs (JAX's names: `add`, `reduce_sum`, `dot_general`).
        abstract_eval: `(*avals, **params) -> [aval, ...]`, the shape and dtype rule.
        impl: `(*ndarrays, **params) -> [ndarray, ...]`, the NumPy reference implementation.
        effectful: whether the primitive has side effects (kept by dead-code elimination).
        effects_rule: `(**params) -> frozenset` of the effects of one application (the effects
            of sub-jaxprs for higher-order primitives); None for no effects.
        higher_order: whether params carry sub-jaxprs or callables (a higher-order primitive).
    """

    __slots__ = (
        "_aval_cache",
        "_eager_cache",
        "abstract_eval",
        "eager_override",
        "effectful",
        "effects_rule",
        "higher_order",
        "impl",
        "name",
    )

    def __init__(
        self,
        name: str,
        *,
        abstract_eval: AbstractEval,
        impl: Impl,
        effectful: bool = False,
        effects_rule: Callable[..., frozenset[Any]] | None = None,
        higher_order: bool = False,
    ) -> None:
        if name in REGISTRY:
            raise ValueError(f"a primitive named '{name}' already exists")
        self.name = name
        self.abstract_eval = abstract_eval
        self.impl = impl
        self.effectful = effectful
        self.effects_rule = effects_rule
        self.higher_order = higher_order
        #: How a runtime layer applies this primitive eagerly instead of the reference
        #: implementation: `(args, params) -> outputs` (pullback_compile runs `pjit` compiled).
        self.eager_override: Callable[[Sequence[Any], dict[str, Any]], list[Any]] | None = None
        self._eager_cache: dict[Any, tuple[list[ShapedArray], bool]] = {}
        self._aval_cache: dict[Any, list[ShapedArray]] = {}
        REGISTRY[name] = self

    def abstract_eval_cached(
        self, avals: Sequence[ShapedArray], params: dict[str, Any]
    ) -> list[ShapedArray]:
        """`abstract_eval`, memoized per (avals, params) for first-order primitives."""
        if self.higher_order:
            return self.abstract_eval(*avals, **params)
        key = (*avals, *params.items())
        try:
            return self._aval_cache[key]
        except KeyError:
            out = self._aval_cache[key] = self.abstract_eval(*avals, **params)
            return out
        except TypeError:  # unhashable params
            return self.abstract_eval(*avals, **params)

    def bind(self, *args: Any, **params: Any) -> list[Any]:
        """Apply the primitive under the current trace; returns a list of outputs."""
        # Read the context directly rather than through a helper: bind is on every op's path.
        return CONTEXT.trace.process_primitive(self, args, params)

    def __repr__(self) -> str:
        return self.name
