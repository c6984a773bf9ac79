"""Rule registries with JAX's interface that install adapted rules into pullback's tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from pullback._jax.extend.core import core_of, front

__all__ = ["Registry"]


class Registry(MutableMapping[Any, Callable[..., Any]]):
    """`registry[primitive] = rule` with JAX's rule signature.

    Keeps the rule, and installs `adapt(front, rule)` into pullback's `table` for the
    primitive's pullback core.
    """

    def __init__(
        self,
        name: str,
        table: dict[Any, Any],
        adapt: Callable[[Any, Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        self.name, self.table, self.adapt = name, table, adapt
        self.rules: dict[Any, Callable[..., Any]] = {}

    def __setitem__(self, prim: Any, rule: Callable[..., Any]) -> None:
        core = core_of(prim, self.name)
        self.rules[core] = rule
        self.table[core] = self.adapt(front(core), rule)

    def __getitem__(self, prim: Any) -> Callable[..., Any]:
        core = core_of(prim, self.name)
        if core in self.rules:
            return self.rules[core]
        if core in self.table:
            rule: Callable[..., Any] = self.table[core]
            return rule
        raise KeyError(prim)

    def __delitem__(self, prim: Any) -> None:
        core = core_of(prim, self.name)
        del self.rules[core]
        del self.table[core]

    def __contains__(self, prim: object) -> bool:
        try:
            core = core_of(prim, self.name)
        except TypeError:
            return False
        return core in self.table

    def __iter__(self) -> Iterator[Any]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)


def single(prim: Any) -> bool:
    """Whether a rule of `prim` takes and returns one value (JAX's `multiple_results=False`)."""
    return prim is not None and not prim.multiple_results
