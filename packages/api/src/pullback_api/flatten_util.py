"""`pullback.flatten_util`: a pytree of arrays as one flat vector (JAX's `jax.flatten_util`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pullback_pytrees import tree_flatten, tree_unflatten

from pullback_api import numpy as jnp

__all__ = ["ravel_pytree"]


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
    """Ravel every leaf of `pytree` and concatenate them into one 1-D array.

    The leaves are promoted to their common dtype (float32 for an empty tree). Returns the flat
    array and `unravel`, which takes a 1-D array of the same size back to a pytree of the
    original structure, shapes and dtypes.

    Args:
        pytree: a pytree of arrays or scalars.

    Returns:
        `(flat, unravel)`.

    Example:
        >>> import pullback.numpy as jnp
        >>> flat, unravel = ravel_pytree({"a": jnp.ones(2), "b": jnp.zeros((1, 2))})
        >>> flat
        Array([1., 1., 0., 0.], dtype=float32)
        >>> unravel(flat)["b"].shape
        (1, 2)
    """
    leaves, tree = tree_flatten(pytree)
    if not leaves:
        return jnp.zeros((0,), np.float32), _Unravel(tree, (), (), None, None)
    from_dtypes = tuple(np.dtype(jnp.result_type(x)) for x in leaves)
    to_dtype = np.dtype(jnp.result_type(*from_dtypes))
    sizes = tuple(int(np.size(x)) for x in leaves)
    shapes = tuple(tuple(np.shape(x)) for x in leaves)
    flat = jnp.concatenate([jnp.ravel(jnp.asarray(x, to_dtype)) for x in leaves])
    if all(d == to_dtype for d in from_dtypes):
        # One dtype: unravel keeps the dtype it is given (as JAX's does).
        return flat, _Unravel(tree, sizes, shapes, None, None)
    return flat, _Unravel(tree, sizes, shapes, from_dtypes, to_dtype)


class _Unravel:
    """The inverse of one `ravel_pytree` call (hashable, equal when the layouts are)."""

    __slots__ = ("_key", "from_dtypes", "shapes", "sizes", "to_dtype", "tree")

    def __init__(
        self,
        tree: Any,
        sizes: tuple[int, ...],
        shapes: tuple[tuple[int, ...], ...],
        from_dtypes: tuple[np.dtype[Any], ...] | None,
        to_dtype: np.dtype[Any] | None,
    ) -> None:
        self.tree, self.sizes, self.shapes = tree, sizes, shapes
        self.from_dtypes, self.to_dtype = from_dtypes, to_dtype
        self._key = (tree, sizes, shapes, from_dtypes, to_dtype)

    def __call__(self, flat: Any) -> Any:
        v = jnp.asarray(flat)
        total = sum(self.sizes)
        if tuple(v.shape) != (total,):
            raise ValueError(
                f"unravel function given array of shape {tuple(v.shape)}, but expected shape "
                f"{(total,)}"
            )
        if self.to_dtype is not None and np.dtype(v.dtype) != self.to_dtype:
            raise TypeError(
                f"unravel function given array of dtype {np.dtype(v.dtype)}, but expected "
                f"dtype {self.to_dtype}"
            )
        offsets = np.cumsum([0, *self.sizes]).tolist()
        parts = [jnp.reshape(v[offsets[i] : offsets[i + 1]], s) for i, s in enumerate(self.shapes)]
        if self.from_dtypes is not None:
            parts = [p.astype(d) for p, d in zip(parts, self.from_dtypes, strict=True)]
        return tree_unflatten(self.tree, parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unravel) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)
