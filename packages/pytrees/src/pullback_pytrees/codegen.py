"""Straight-line Python for one tree structure: a matcher and a builder.

A dispatcher that sees the same argument structure on every call (a `jit`'s parameters and
batch) can flatten and rebuild it with generated code instead of walking the tree: the
generated matcher checks each container's type and length and reads the leaves directly, the
builder writes the containers out as one expression. Only tuples, namedtuples, lists, dicts
and None are generated; other structures get None (use `tree_flatten` / `tree_unflatten`).
`describe` gives the same structures as plain data, for a matcher written in another language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_pytrees.registry import DICT, LEAF, LIST, NAMEDTUPLE, NONE, TUPLE
from pullback_pytrees.treedef import Node, PyTreeDef, generated_builder

__all__ = ["describe", "make_builder", "make_matcher"]

_SIMPLE = frozenset({TUPLE, NAMEDTUPLE, LIST, DICT, NONE, LEAF})


def _simple(node: Node) -> bool:
    kind, _, children, _ = node
    return kind in _SIMPLE and all(_simple(c) for c in children)


def describe(treedef: PyTreeDef) -> Any:
    """`treedef` as nested tuples: None for a leaf, else `(type, children, dict keys or None)`.

    The container type is `tuple`, a namedtuple class, `list`, `dict` or `type(None)`; a
    dict's children follow its keys in the order given. Returns False when `treedef` has other
    node kinds.

    Example:
        >>> from pullback_pytrees import tree_structure
        >>> describe(tree_structure([1, {"a": 2}]))
        (<class 'list'>, (None, (<class 'dict'>, (None,), ('a',))), None)
    """
    node = treedef._node
    if not _simple(node):
        return False
    types = {TUPLE: tuple, LIST: list, DICT: dict, NONE: type(None)}

    def visit(n: Node) -> Any:
        kind, data, children, _ = n
        if kind == LEAF:
            return None
        keys = tuple(data) if kind == DICT else None
        container = data if kind == NAMEDTUPLE else types[kind]
        return (container, tuple(visit(c) for c in children), keys)

    return visit(node)


def make_matcher(treedef: PyTreeDef) -> Callable[[Any], list[Any] | None] | None:
    """A function returning the leaves of a tree of exactly `treedef`'s structure, else None.

    Leaves are not inspected: a container where `treedef` has a leaf is returned as a leaf.
    Returns None when `treedef` has node kinds other than tuple, namedtuple, list, dict and
    None.

    Example:
        >>> from pullback_pytrees import tree_structure
        >>> match = make_matcher(tree_structure(([1, 2], {"a": 3})))
        >>> match(([5, 6], {"a": 7})), match(([5], {"a": 7}))
        ([5, 6, 7], None)
    """
    node = treedef._node
    if not _simple(node):
        return None
    lines: list[str] = []
    leaves: list[str] = []
    keys: list[Any] = []
    types: list[type] = []
    counter = [0]

    def visit(var: str, n: Node, depth: int) -> None:
        kind, data, children, _ = n
        pad = "    " * depth
        if kind == LEAF:
            leaves.append(var)
            return
        if kind == NONE:
            lines.append(f"{pad}if {var} is not None: return None")
            return
        if kind == NAMEDTUPLE:
            types.append(data)
            tname = f"T[{len(types) - 1}]"
        else:
            tname = {TUPLE: "tuple", LIST: "list", DICT: "dict"}[kind]
        lines.append(f"{pad}if type({var}) is not {tname} or len({var}) != {len(children)}: "
                     "return None")  # fmt: skip
        for i, c in enumerate(children):
            counter[0] += 1
            child = f"v{counter[0]}"
            if kind == DICT:
                keys.append(data[i])
                lines.append(f"{pad}{child} = {var}[K[{len(keys) - 1}]]")
            else:
                lines.append(f"{pad}{child} = {var}[{i}]")
            visit(child, c, depth)

    visit("x", node, 1)
    body = "\n".join(lines)
    src = (
        "def match(x):\n    try:\n"
        + "\n".join("    " + line for line in body.splitlines())
        + f"\n        return [{', '.join(leaves)}]\n    except KeyError:\n        return None\n"
    )
    env: dict[str, Any] = {"K": keys, "T": types}
    exec(compile(src, f"<matcher {treedef!r}>", "exec"), env)
    return env["match"]  # type: ignore[no-any-return]


def make_builder(treedef: PyTreeDef) -> Callable[[Sequence[Any]], Any] | None:
    """A function building a tree of `treedef`'s structure from its leaves, in order.

    Returns None when `treedef` has node kinds other than tuple, namedtuple, list, dict and
    None.

    Example:
        >>> from pullback_pytrees import tree_structure
        >>> make_builder(tree_structure(([1, 2], {"a": 3})))([5, 6, 7])
        ([5, 6], {'a': 7})
    """
    node = treedef._node
    if not _simple(node):
        return None
    return generated_builder(node, f"<builder {treedef!r}>")
