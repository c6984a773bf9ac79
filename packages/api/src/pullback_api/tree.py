"""`pullback.tree`: the short names of the pytree API (JAX's `jax.tree`).

`tree.map` is `tree_util.tree_map`, `tree.leaves` is `tree_util.tree_leaves`, and so on.
"""

from __future__ import annotations

from typing import Any

from pullback_pytrees import (
    broadcast_prefix,
    tree_all as all,
    tree_flatten as flatten,
    tree_flatten_with_path as flatten_with_path,
    tree_leaves as leaves,
    tree_leaves_with_path as leaves_with_path,
    tree_map as map,
    tree_map_with_path as map_with_path,
    tree_reduce as reduce,
    tree_reduce_associative as reduce_associative,
    tree_structure as structure,
    tree_transpose as transpose,
    tree_unflatten as unflatten,
)
from pullback_pytrees.treedef import IsLeaf

__all__ = ["all", "broadcast", "flatten", "flatten_with_path", "leaves", "leaves_with_path",
           "map", "map_with_path", "reduce", "reduce_associative", "structure", "transpose",
           "unflatten"]  # fmt: skip


def broadcast(prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None) -> Any:
    """`prefix_tree` broadcast to the structure of `full_tree`.

    Each leaf of `prefix_tree` is repeated over the leaves of the matching subtree.

    Example:
        >>> from pullback import tree
        >>> tree.broadcast((1, 2), ((3, 4), {"a": 5, "b": 6}))
        ((1, 1), {'a': 2, 'b': 2})
    """
    return unflatten(
        structure(full_tree, is_leaf), broadcast_prefix(prefix_tree, full_tree, is_leaf)
    )
