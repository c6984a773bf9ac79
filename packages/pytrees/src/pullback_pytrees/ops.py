"""The tree operations: flatten, unflatten, map, leaves, structure, reduce, transpose, prefixes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from pullback_pytrees.keypaths import KeyPath
from pullback_pytrees.registry import LEAF, TUPLE, classify
from pullback_pytrees.treedef import (
    IsLeaf,
    PyTreeDef,
    flatten_node,
    flatten_up_to,
    flatten_with_path_node,
    make_node,
)

__all__ = [
    "all_leaves",
    "broadcast_prefix",
    "tree_all",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_with_path",
    "tree_reduce",
    "tree_structure",
    "tree_transpose",
    "tree_unflatten",
    "treedef_children",
    "treedef_is_leaf",
    "treedef_tuple",
]

T = TypeVar("T")


def tree_flatten(tree: Any, is_leaf: IsLeaf = None) -> tuple[list[Any], PyTreeDef]:
    """Flatten a pytree into its leaves and its structure.

    Tuples, lists, dicts (in sorted key order), `None` (a node with no children),
    namedtuples, `OrderedDict`, `defaultdict` and registered types are nodes; anything else is a
    leaf.

    Args:
        tree: the pytree.
        is_leaf: optionally, a predicate called on each subtree before it is taken apart;
            a subtree for which it returns True is a leaf.

    Returns:
        `(leaves, treedef)`.

    Example:
        >>> leaves, treedef = tree_flatten({"b": (1, 2), "a": [3, None]})
        >>> leaves
        [3, 1, 2]
        >>> treedef
        PyTreeDef({'a': [*, None], 'b': (*, *)})
    """
    leaves: list[Any] = []
    node = flatten_node(tree, leaves, is_leaf)
    return leaves, PyTreeDef(node, len(leaves))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
    """Build a pytree of structure `treedef` from `leaves` (the inverse of `tree_flatten`).

    Args:
        treedef: the structure.
        leaves: `treedef.num_leaves` values, in flattening order.

    Returns:
        The pytree.

    Raises:
        ValueError: if the number of leaves does not match.

    Example:
        >>> _, treedef = tree_flatten((1, [2, 3]))
        >>> tree_unflatten(treedef, "abc")
        ('a', ['b', 'c'])
    """
    return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: IsLeaf = None) -> list[Any]:
    """The leaves of a pytree, in flattening order.

    Example:
        >>> tree_leaves([1, (2, None), {"x": 3}])
        [1, 2, 3]
    """
    leaves: list[Any] = []
    flatten_node(tree, leaves, is_leaf)
    return leaves


def tree_structure(tree: Any, is_leaf: IsLeaf = None) -> PyTreeDef:
    """The structure of a pytree.

    Example:
        >>> tree_structure((1, {"a": 2}))
        PyTreeDef((*, {'a': *}))
    """
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:
    """Apply `f` to the leaves of `tree` (and the matching subtrees of `rest`).

    Args:
        f: called as `f(leaf, *matching)` for each leaf of `tree`.
        tree: the pytree whose structure the result has.
        *rest: trees of the same structure as `tree`, or with `tree`'s structure as a prefix;
            each leaf of `tree` matches a whole subtree of each of them.
        is_leaf: optionally, a predicate marking subtrees of `tree` as leaves.

    Returns:
        A tree of `tree`'s structure holding the results of `f`.

    Raises:
        ValueError: if a tree of `rest` does not match, naming the key path and both structures.

    Example:
        >>> tree_map(lambda x, y: x + y, {"a": 1, "b": (2, 3)}, {"a": 10, "b": (20, 30)})
        {'a': 11, 'b': (22, 33)}
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    if not rest:
        return treedef.unflatten([f(x) for x in leaves])
    others = [
        flatten_up_to(treedef, r, f"tree_map: tree {i + 1} of *rest") for i, r in enumerate(rest)
    ]
    return treedef.unflatten([f(*xs) for xs in zip(leaves, *others, strict=True)])


def tree_flatten_with_path(
    tree: Any, is_leaf: IsLeaf = None
) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
    """Flatten a pytree into `(key_path, leaf)` pairs and its structure.

    Example:
        >>> from pullback_pytrees import keystr
        >>> pairs, _ = tree_flatten_with_path({"w": [5, 6]})
        >>> [(keystr(p), x) for p, x in pairs]
        [("['w'][0]", 5), ("['w'][1]", 6)]
    """
    pairs: list[tuple[KeyPath, Any]] = []
    node = flatten_with_path_node(tree, (), pairs, is_leaf)
    return pairs, PyTreeDef(node, len(pairs))


def tree_leaves_with_path(tree: Any, is_leaf: IsLeaf = None) -> list[tuple[KeyPath, Any]]:
    """The `(key_path, leaf)` pairs of a pytree, in flattening order."""
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any, is_leaf: IsLeaf = None) -> Any:
    """Like `tree_map`, but `f` is called as `f(key_path, leaf, *matching)`.

    Example:
        >>> from pullback_pytrees import keystr
        >>> tree_map_with_path(lambda p, x: f"{keystr(p)}={x}", {"a": [1]})
        {'a': ["['a'][0]=1"]}
    """
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [
        flatten_up_to(treedef, r, f"tree_map_with_path: tree {i + 1} of *rest")
        for i, r in enumerate(rest)
    ]
    return treedef.unflatten([f(p, x, *xs) for (p, x), *xs in zip(pairs, *others, strict=True)])


class _NoInitializer:
    def __repr__(self) -> str:
        return "<no initializer>"


_NO_INITIALIZER: Any = _NoInitializer()


def tree_reduce(
    function: Callable[[T, Any], T],
    tree: Any,
    initializer: Any = _NO_INITIALIZER,
    is_leaf: IsLeaf = None,
) -> T:
    """Fold `function` over the leaves of `tree`, like `functools.reduce`.

    Raises:
        TypeError: if the tree has no leaves and no initializer is given.

    Example:
        >>> import operator
        >>> tree_reduce(operator.add, {"a": 1, "b": [2, 3]})
        6
    """
    leaves = tree_leaves(tree, is_leaf)
    if initializer is _NO_INITIALIZER:
        if not leaves:
            raise TypeError("tree_reduce: the tree has no leaves and no initializer was given.")
        result: T = functools.reduce(function, leaves)
    else:
        result = functools.reduce(function, leaves, initializer)
    return result


def tree_all(tree: Any, *, is_leaf: IsLeaf = None) -> bool:
    """Whether every leaf of `tree` is truthy (True for a tree with no leaves).

    Example:
        >>> tree_all([True, (1, None)]), tree_all({"a": 0})
        (True, False)
    """
    return all(tree_leaves(tree, is_leaf))


def tree_transpose(
    outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None, pytree_to_transpose: Any
) -> Any:
    """Turn a tree of structure `outer(inner)` into one of structure `inner(outer)`.

    Args:
        outer_treedef: the outer structure.
        inner_treedef: the inner structure; None to take it from the first outer leaf.
        pytree_to_transpose: a tree of structure `outer_treedef.compose(inner_treedef)`.

    Returns:
        The transposed tree.

    Raises:
        TypeError: if the tree's structure is not the composition of the two.

    Example:
        >>> outer, inner = tree_structure([0, 0]), tree_structure((0, 0))
        >>> tree_transpose(outer, inner, [(1, 2), (3, 4)])
        ([1, 3], [2, 4])
    """
    if inner_treedef is None:
        firsts = outer_treedef.flatten_up_to(pytree_to_transpose)
        inner_treedef = tree_structure(firsts[0]) if firsts else tree_structure(())
    leaves, treedef = tree_flatten(pytree_to_transpose)
    expected = outer_treedef.compose(inner_treedef)
    if treedef != expected:
        raise TypeError(
            "tree_transpose: the tree's structure is not outer_treedef composed with "
            f"inner_treedef.\n  expected: {expected}\n  received: {treedef}"
        )
    n_inner, n_outer = inner_treedef.num_leaves, outer_treedef.num_leaves
    rows = [leaves[i * n_inner : (i + 1) * n_inner] for i in range(n_outer)]
    columns = [outer_treedef.unflatten(col) for col in zip(*rows, strict=True)]
    if not rows:
        columns = [outer_treedef.unflatten([]) for _ in range(n_inner)]
    return inner_treedef.unflatten(columns)


def broadcast_prefix(
    prefix_tree: Any, full_tree: Any, is_leaf: IsLeaf = None, *, what: str = "broadcast_prefix"
) -> list[Any]:
    """Broadcast each leaf of `prefix_tree` over the leaves of the matching subtree of `full_tree`.

    Args:
        prefix_tree: a tree whose structure is a prefix of `full_tree`'s.
        full_tree: the full tree.
        is_leaf: optionally, a predicate marking subtrees of `prefix_tree` as leaves.
        what: names `prefix_tree` in the error message (for example `"vmap in_axes"`).

    Returns:
        One entry per leaf of `full_tree`.

    Raises:
        ValueError: if `prefix_tree` is not a prefix of `full_tree`, naming the key path.

    Example:
        >>> broadcast_prefix((0, 1), ([1, 2], {"a": 3}))
        [0, 0, 1]
        >>> broadcast_prefix((0, None), ([1, 2], {"a": 3}), is_leaf=lambda x: x is None)
        [0, 0, None]
    """
    prefix_leaves, prefix_def = tree_flatten(prefix_tree, is_leaf)
    subtrees = flatten_up_to(prefix_def, full_tree, f"{what}: the full tree")
    out: list[Any] = []
    for p, sub in zip(prefix_leaves, subtrees, strict=True):
        out.extend([p] * len(tree_leaves(sub)))
    return out


def all_leaves(iterable: Iterable[Any], is_leaf: IsLeaf = None) -> bool:
    """Whether every element of `iterable` is a leaf.

    Example:
        >>> all_leaves([1, 2.0]), all_leaves([1, (2,)])
        (True, False)
    """
    if is_leaf is None:
        return all(classify(type(x)) == LEAF for x in iterable)
    return all(is_leaf(x) or classify(type(x)) == LEAF for x in iterable)


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether `treedef` is the structure of a single leaf."""
    return treedef.is_leaf()


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
    """The structures of the root's children."""
    return treedef.children()


def treedef_tuple(treedefs: Sequence[PyTreeDef]) -> PyTreeDef:
    """The structure of a tuple whose elements have the structures `treedefs`.

    Example:
        >>> treedef_tuple([tree_structure(1), tree_structure([1, 2])])
        PyTreeDef((*, [*, *]))
    """
    node = make_node(TUPLE, None, tuple(t._node for t in treedefs))
    return PyTreeDef(node, sum(t.num_leaves for t in treedefs))


def tree_reduce_associative(
    operation: Callable[[T, T], T],
    tree: Any,
    *,
    identity: Any = _NO_INITIALIZER,
    is_leaf: IsLeaf = None,
) -> T:
    """Combine the leaves of `tree` with an associative `operation`, pairwise as a balanced tree.

    The leaves are split in halves recursively and each half reduced first (JAX's order, so
    floating-point results agree), which suits operations that are cheaper on balanced inputs.

    Raises:
        TypeError: if the tree has no leaves and no `identity` is given.

    Example:
        >>> import operator
        >>> tree_reduce_associative(operator.add, {"a": 1, "b": [2, 3, 4]})
        10
    """
    leaves = tree_leaves(tree, is_leaf=is_leaf)

    def reduce(seq: list[Any]) -> Any:
        if not seq:
            if identity is _NO_INITIALIZER:
                raise TypeError("Must specify identity for parallel reduction of empty sequence.")
            return identity
        if len(seq) == 1:
            return seq[0]
        half = len(seq) // 2
        return operation(reduce(seq[:half]), reduce(seq[half:]))

    return reduce(leaves)  # type: ignore[no-any-return]
