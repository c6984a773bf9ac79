"""`Partial`: a `functools.partial` that is a pytree, with its bound arguments as children."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from pullback_pytrees.registry import register_pytree_node

__all__ = ["Partial"]


class _Opaque:
    """Wraps a `functools.partial` so that `Partial` does not merge its arguments into its own.

    `functools.partial(functools.partial(f, a), b)` flattens to `partial(f, a, b)`, which would
    turn the inner partial's static arguments into pytree children.
    """

    __slots__ = ("func",)

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Opaque) and self.func is other.func

    def __hash__(self) -> int:
        return id(self.func)

    def __repr__(self) -> str:
        return repr(self.func)


class Partial(functools.partial):  # type: ignore[type-arg]
    """A `functools.partial` that is a pytree: bound arguments are children, the function static.

    It can therefore be passed through transformations as an ordinary argument.

    Example:
        >>> import operator
        >>> from pullback_pytrees import tree_leaves, tree_map
        >>> add_one = Partial(operator.add, 1)
        >>> tree_leaves(add_one)
        [1]
        >>> tree_map(lambda x: 10 * x, add_one)(5)
        15
    """

    def __new__(cls, func: Callable[..., Any], *args: Any, **kw: Any) -> Partial:
        """Bind `args` and `kw` to `func`, keeping a `functools.partial` func opaque."""
        if isinstance(func, functools.partial) and not isinstance(func, Partial):
            func = _Opaque(func)
        return super().__new__(cls, func, *args, **kw)


def _flatten(p: Partial) -> tuple[tuple[Any, Any], Any]:
    return (p.args, p.keywords), p.func


def _unflatten(func: Any, children: Iterable[Any]) -> Partial:
    args, keywords = children
    return Partial(func, *args, **keywords)


register_pytree_node(Partial, _flatten, _unflatten)
