"""`PyTreeDef`, the immutable and hashable structure of a pytree, and the walkers over it.

A structure is held as a nested tuple `(kind, data, children, leaf_only)`: `kind` is a node kind
from `registry`, `data` the node's static data (dict keys, the namedtuple class, `(type, aux)`
for a custom node), `children` a tuple of child nodes and `leaf_only` whether every child is a
leaf (then unflattening takes the children's leaves in one step). Plain tuples make equality and
hashing of whole structures a single C-level comparison, and keep flattening cheap.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeAlias

from pullback_pytrees.errors import describe, structure_mismatch
from pullback_pytrees.keypaths import (
    DictKey,
    GetAttrKey,
    KeyEntry,
    KeyPath,
    SequenceKey,
)
from pullback_pytrees.registry import (
    CUSTOM,
    DEFAULTDICT,
    DICT,
    LEAF,
    LIST,
    NAMEDTUPLE,
    NONE,
    ORDEREDDICT,
    TUPLE,
    classify,
    custom_children_with_keys,
    custom_nodes,
    kind_cache,
)

__all__ = ["PyTreeDef"]

Node: TypeAlias = tuple[int, Any, tuple["Node", ...], bool]
IsLeaf: TypeAlias = Callable[[Any], bool] | None

LEAF_NODE: Node = (LEAF, None, (), False)
NONE_NODE: Node = (NONE, None, (), True)


def make_node(kind: int, data: Any, children: tuple[Node, ...]) -> Node:
    """A node from its parts (the `leaf_only` flag is derived)."""
    return (kind, data, children, all(c[0] == LEAF for c in children))


def _sorted_keys(d: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(d))
    except TypeError as e:
        raise TypeError(
            f"pytree dict keys must be mutually comparable so that they can be sorted; got keys "
            f"{list(d)!r}. Use an OrderedDict to keep keys of mixed types in insertion order."
        ) from e


def take_apart(x: Any, kind: int) -> tuple[Any, Any]:
    """Return `(data, children)` of the container `x` of node kind `kind` (not a leaf)."""
    if kind == CUSTOM:
        cls = type(x)
        children, aux = custom_nodes[cls].flatten(x)
        return (cls, aux), children
    if kind in (TUPLE, LIST):
        return None, x
    if kind == DICT:
        keys = _sorted_keys(x)
        return keys, [x[k] for k in keys]
    if kind == NONE:
        return None, ()
    if kind == NAMEDTUPLE:
        return type(x), x
    if kind == ORDEREDDICT:
        keys = tuple(x)
        return keys, [x[k] for k in keys]
    keys = _sorted_keys(x)  # (DEFAULTDICT)
    return (x.default_factory, keys), [x[k] for k in keys]


def _child_keys(kind: int, data: Any, x: Any, n: int) -> list[KeyEntry]:
    """The key entries of the `n` children of container `x` (node kind `kind`, data `data`)."""
    if kind in (TUPLE, LIST):
        return [SequenceKey(i) for i in range(n)]
    if kind in (DICT, ORDEREDDICT):
        return [DictKey(k) for k in data]
    if kind == DEFAULTDICT:
        return [DictKey(k) for k in data[1]]
    if kind == NAMEDTUPLE:
        return [GetAttrKey(f) for f in data._fields]
    if kind == CUSTOM:
        return [k for k, _ in custom_children_with_keys(custom_nodes[data[0]], x)[0]]
    return []


# ---------------------------------------------------------------------------- flatten


def flatten_node(x: Any, leaves: list[Any], is_leaf: IsLeaf) -> Node:
    """Flatten `x`, appending its leaves to `leaves`, and return its structure."""
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return LEAF_NODE
    kind = kind_cache.get(type(x))
    if kind is None:
        kind = classify(type(x))
    if kind == LEAF:
        leaves.append(x)
        return LEAF_NODE
    if kind in (TUPLE, LIST):
        return _flatten_container(kind, None, x, leaves, is_leaf)
    data, children = take_apart(x, kind)
    return _flatten_container(kind, data, children, leaves, is_leaf)


def _flatten_container(
    kind: int, data: Any, xs: Iterable[Any], leaves: list[Any], is_leaf: IsLeaf
) -> Node:
    # This is the cost of flattening. Most containers hold only leaves: a quick scan finds
    # them and takes their children in one step. Otherwise leaves are still handled inline (a
    # call per leaf would dominate small trees). `is_leaf` is asked only about containers: its
    # answer cannot change anything for an object that is a leaf anyway.
    get = kind_cache.get
    if type(xs) is not tuple and type(xs) is not list:
        xs = list(xs)
    for c in xs:
        if get(type(c)) != LEAF:
            break
    else:
        leaves.extend(xs)
        return (kind, data, (LEAF_NODE,) * len(xs), True)
    out: list[Node] = []
    append = out.append
    leaf_only = True
    for c in xs:
        cls = type(c)
        k = get(cls)
        if k is None:
            k = classify(cls)
        if k == LEAF or (is_leaf is not None and is_leaf(c)):
            leaves.append(c)
            append(LEAF_NODE)
            continue
        leaf_only = False
        if k == CUSTOM:
            # (inline: most containers below the top are custom nodes in library code)
            children, aux = custom_nodes[cls].flatten(c)
            append(_flatten_container(CUSTOM, (cls, aux), children, leaves, is_leaf))
        elif k == NONE:
            append(NONE_NODE)
        elif k in (TUPLE, LIST):
            append(_flatten_container(k, None, c, leaves, is_leaf))
        else:
            d, children = take_apart(c, k)
            append(_flatten_container(k, d, children, leaves, is_leaf))
    return (kind, data, tuple(out), leaf_only)


def flatten_with_path_node(
    x: Any, path: KeyPath, out: list[tuple[KeyPath, Any]], is_leaf: IsLeaf
) -> Node:
    """Flatten `x` like `flatten_node`, appending `(key_path, leaf)` pairs to `out`."""
    if is_leaf is not None and is_leaf(x):
        out.append((path, x))
        return LEAF_NODE
    kind = classify(type(x))
    if kind == LEAF:
        out.append((path, x))
        return LEAF_NODE
    if kind == CUSTOM:
        pairs, aux = custom_children_with_keys(custom_nodes[type(x)], x)
        data: Any = (type(x), aux)
        keys = [k for k, _ in pairs]
        children: Any = [c for _, c in pairs]
    else:
        data, children = take_apart(x, kind)
        keys = _child_keys(kind, data, x, len(children))
    return make_node(
        kind,
        data,
        tuple(
            flatten_with_path_node(c, (*path, k), out, is_leaf)
            for k, c in zip(keys, children, strict=True)
        ),
    )


# ---------------------------------------------------------------------------- unflatten


def _build(kind: int, data: Any, children: list[Any]) -> Any:
    if kind == CUSTOM:
        return custom_nodes[data[0]].unflatten(data[1], tuple(children))
    if kind == TUPLE:
        return tuple(children)
    if kind == LIST:
        return children
    if kind == DICT:
        return dict(zip(data, children, strict=True))
    if kind == NONE:
        return None
    if kind == NAMEDTUPLE:
        return data(*children)
    if kind == ORDEREDDICT:
        return OrderedDict(zip(data, children, strict=True))
    return defaultdict(data[0], zip(data[1], children, strict=True))  # (DEFAULTDICT)


def unflatten_node(node: Node, it: Iterator[Any]) -> Any:
    """Rebuild the tree of structure `node`, taking its leaves in order from `it`."""
    kind, data, children, leaf_only = node
    if kind == LEAF:
        return next(it)
    if leaf_only:
        xs = tuple(islice(it, len(children)))
    else:
        xs = tuple([next(it) if c[0] == LEAF else unflatten_node(c, it) for c in children])
    if kind == CUSTOM:
        return custom_nodes[data[0]].unflatten(data[1], xs)
    if kind == TUPLE:
        return xs
    return _build(kind, data, list(xs))


# ---------------------------------------------------------------------------- generated builders

# A structure unflattened again and again (a library rebuilding its model on every call) gets
# straight-line code: one expression that calls each node's constructor directly. Structures
# are counted first, so that one-off structures do not pay for the code generation.
_BUILD_AFTER = 3
_BUILD_MAX = 512
_builders: dict[Any, Callable[[Sequence[Any]], Any]] = {}
_build_counts: dict[Any, int] = {}


def generated_builder(
    node: Node, label: str = "<pytree builder>"
) -> Callable[[Sequence[Any]], Any]:
    """Straight-line code building a tree of structure `node` from its leaves.

    Every node kind is generated (custom nodes call their registered unflatten with their aux
    data); `label` names the code in tracebacks and profiles.
    """
    consts: list[Any] = []
    index = [0]

    def const(v: Any) -> str:
        consts.append(v)
        return f"C[{len(consts) - 1}]"

    def expr(n: Node) -> str:
        kind, data, children, _ = n
        if kind == LEAF:
            index[0] += 1
            return f"l[{index[0] - 1}]"
        if kind == NONE:
            return "None"
        parts = [expr(c) for c in children]
        tup = f"({', '.join(parts)}{',' if len(parts) == 1 else ''})"
        if kind == TUPLE:
            return tup
        if kind == LIST:
            return f"[{', '.join(parts)}]"
        if kind == NAMEDTUPLE:
            return f"{const(data)}({', '.join(parts)})"
        if kind == CUSTOM:
            return f"{const(custom_nodes[data[0]].unflatten)}({const(data[1])}, {tup})"
        if kind == DICT:
            return (
                "{" + ", ".join(f"{const(k)}: {p}" for k, p in zip(data, parts, strict=True)) + "}"
            )
        return f"{const(_build)}({kind}, {const(data)}, [{', '.join(parts)}])"

    src = f"def build(l):\n    return {expr(node)}\n"
    env: dict[str, Any] = {"C": consts}
    exec(compile(src, label, "exec"), env)
    return env["build"]  # type: ignore[no-any-return]


def _cached_builder(node: Node) -> Callable[[Sequence[Any]], Any] | None:
    try:
        hit = _builders.get(node)
    except TypeError:  # (unhashable aux data)
        return None
    if hit is not None:
        return hit
    n = _build_counts.get(node, 0) + 1
    if n < _BUILD_AFTER:
        if len(_build_counts) >= _BUILD_MAX:
            _build_counts.clear()
        _build_counts[node] = n
        return None
    _build_counts.pop(node, None)
    builder = generated_builder(node)
    if len(_builders) >= _BUILD_MAX:
        _builders.pop(next(iter(_builders)))
    _builders[node] = builder
    return builder


# ---------------------------------------------------------------------------- flatten_up_to


class _Mismatch(Exception):
    """Raised inside `_up_to`; each level prepends its key to `path` on the way out."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(expected, got)
        self.expected, self.got = expected, got
        self.path: list[KeyEntry] = []


def _expected(kind: int, data: Any, n: int) -> str:
    if kind == TUPLE:
        return f"a tuple of length {n}"
    if kind == LIST:
        return f"a list of length {n}"
    if kind == NONE:
        return "None"
    if kind == DICT:
        return f"a dict with keys {list(data)!r}"
    if kind == ORDEREDDICT:
        return f"an OrderedDict with keys {list(data)!r}"
    if kind == DEFAULTDICT:
        return f"a defaultdict with keys {list(data[1])!r}"
    if kind == NAMEDTUPLE:
        return f"a namedtuple {data.__qualname__}"
    return f"a {data[0].__qualname__} node with aux data {data[1]!r} and {n} children"


def _up_to(node: Node, x: Any, out: list[Any]) -> None:
    kind, data, children, _ = node
    if kind == LEAF:
        out.append(x)
        return
    xkind = classify(type(x))
    ok = xkind == kind
    if ok and kind in (TUPLE, LIST):
        ok = ok and len(x) == len(children)
    elif ok and kind == NAMEDTUPLE:
        ok = type(x) is data
    elif ok and kind == CUSTOM:
        ok = type(x) is data[0]
    if not ok:
        raise _Mismatch(_expected(kind, data, len(children)), describe(x))
    xdata, xchildren = take_apart(x, kind)
    if kind in (DICT, ORDEREDDICT, DEFAULTDICT):
        want = data[1] if kind == DEFAULTDICT else data
        have = xdata[1] if kind == DEFAULTDICT else xdata
        if set(have) != set(want):
            raise _Mismatch(_expected(kind, data, len(children)), describe(x))
        # Take the children in the structure's key order (this matters for OrderedDict).
        xchildren = [x[k] for k in want]
    elif kind == CUSTOM:
        xchildren = list(xchildren)
        if xdata[1] != data[1] or len(xchildren) != len(children):
            raise _Mismatch(_expected(kind, data, len(children)), describe(x))
    for i, (c, xc) in enumerate(zip(children, xchildren, strict=True)):
        try:
            _up_to(c, xc, out)
        except _Mismatch as e:
            e.path.insert(0, _child_keys(kind, data, x, len(children))[i])
            raise


# ---------------------------------------------------------------------------- the PyTreeDef


def _count_leaves(node: Node) -> int:
    if node[0] == LEAF:
        return 1
    return sum(_count_leaves(c) for c in node[2])


def _count_nodes(node: Node) -> int:
    return 1 + sum(_count_nodes(c) for c in node[2])


def _compose(node: Node, inner: Node) -> Node:
    if node[0] == LEAF:
        return inner
    return make_node(node[0], node[1], tuple(_compose(c, inner) for c in node[2]))


def _node_repr(node: Node) -> str:
    kind, data, children, _ = node
    if kind == LEAF:
        return "*"
    if kind == NONE:
        return "None"
    cs = [_node_repr(c) for c in children]
    if kind == TUPLE:
        return "(" + ", ".join(cs) + ("," if len(cs) == 1 else "") + ")"
    if kind == LIST:
        return "[" + ", ".join(cs) + "]"
    if kind in (DICT, ORDEREDDICT, DEFAULTDICT):
        keys = data[1] if kind == DEFAULTDICT else data
        body = "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(keys, cs, strict=True)) + "}"
        if kind == DICT:
            return body
        if kind == ORDEREDDICT:
            return f"OrderedDict({body})"
        return f"defaultdict({data[0]!r}, {body})"
    if kind == NAMEDTUPLE:
        return f"CustomNode(namedtuple[{data.__name__}], [{', '.join(cs)}])"
    return f"CustomNode({data[0].__name__}[{data[1]!r}], [{', '.join(cs)}])"


class PyTreeDef:
    """The structure of a pytree: its containers and their static data, with leaves left out.

    Made by `tree_flatten` or `tree_structure`. Equal structures compare equal and hash
    equally, so a `PyTreeDef` can key a cache. It pickles when its custom node types and aux
    data do.

    Example:
        >>> from pullback_pytrees import tree_structure
        >>> t = tree_structure({"b": [1, 2], "a": (3, None)})
        >>> t
        PyTreeDef({'a': (*, None), 'b': [*, *]})
        >>> t.num_leaves, t.num_nodes
        (3, 7)
        >>> t.unflatten([10, 20, 30])
        {'a': (10, None), 'b': [20, 30]}
    """

    __slots__ = ("_hash", "_node", "num_leaves")

    _node: Node
    num_leaves: int
    _hash: int | None

    def __init__(self, node: Node, num_leaves: int | None = None) -> None:
        self._node = node
        self.num_leaves = _count_leaves(node) if num_leaves is None else num_leaves
        self._hash = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (PyTreeDef, (self._node, self.num_leaves))

    @property
    def num_nodes(self) -> int:
        """The number of nodes in the structure, leaves and `None`s included."""
        return _count_nodes(self._node)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PyTreeDef):
            return NotImplemented
        return self is other or self._node == other._node

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            try:
                h = hash(self._node)
            except TypeError:
                # A node's aux data need not be hashable (JAX compares it by equality only):
                # such data hashes by its type, and equality decides.
                h = _loose_hash(self._node)
            self._hash = h
        return h

    def __repr__(self) -> str:
        return f"PyTreeDef({_node_repr(self._node)})"

    def unflatten(self, leaves: Iterable[Any]) -> Any:
        """Build a tree of this structure from `leaves`.

        Args:
            leaves: exactly `num_leaves` values, in flattening order.

        Returns:
            The rebuilt tree.

        Raises:
            ValueError: if the number of leaves is not `num_leaves`.
        """
        seq: Sequence[Any] = leaves if type(leaves) in (list, tuple) else list(leaves)  # type: ignore[assignment]
        if len(seq) != self.num_leaves:
            raise ValueError(
                f"tree_unflatten: {self!r} has {self.num_leaves} leaves but {len(seq)} were given."
            )
        kind, data, _, leaf_only = node = self._node
        if leaf_only:
            # A flat container: build it from the leaves directly (copied: the caller's list
            # must not become part of the tree).
            return _build(kind, data, list(seq))
        if kind == LEAF:
            return seq[0]
        builder = _cached_builder(node)
        if builder is not None:
            return builder(seq)
        return unflatten_node(node, iter(seq))

    def flatten_up_to(self, xs: Any) -> list[Any]:
        """Flatten `xs` down to the leaves of this structure, which must be a prefix of its own.

        Each leaf of this structure matches a whole subtree of `xs`, returned as it is.

        Args:
            xs: a tree whose structure starts with this one.

        Returns:
            `num_leaves` subtrees of `xs`.

        Raises:
            ValueError: naming the key path where `xs` departs from this structure.

        Example:
            >>> from pullback_pytrees import tree_structure
            >>> tree_structure((0, 0)).flatten_up_to(([1, 2], {"a": 3}))
            [[1, 2], {'a': 3}]
        """
        return flatten_up_to(self, xs, "flatten_up_to: the tree")

    def children(self) -> list[PyTreeDef]:
        """The structures of the root's children (empty for a leaf or `None`)."""
        return [PyTreeDef(c) for c in self._node[2]]

    def node_data(self) -> tuple[type, Any] | None:
        """The root's `(node type, static data)`, or None for a leaf."""
        kind, data, _, _ = self._node
        if kind == LEAF:
            return None
        if kind == NAMEDTUPLE:
            return data, None
        if kind == CUSTOM:
            return data[0], data[1]
        node_types: dict[int, type] = {
            NONE: type(None),
            TUPLE: tuple,
            LIST: list,
            DICT: dict,
            ORDEREDDICT: OrderedDict,
            DEFAULTDICT: defaultdict,
        }
        return node_types[kind], data

    def compose(self, inner: PyTreeDef) -> PyTreeDef:
        """The structure with `inner` put in place of each of this structure's leaves.

        Example:
            >>> from pullback_pytrees import tree_structure
            >>> tree_structure((0, 0)).compose(tree_structure([0, 0, 0])).num_leaves
            6
        """
        return PyTreeDef(_compose(self._node, inner._node), self.num_leaves * inner.num_leaves)

    def is_leaf(self) -> bool:
        """Whether this is the structure of a single leaf."""
        return self._node[0] == LEAF


def flatten_up_to(treedef: PyTreeDef, xs: Any, what: str) -> list[Any]:
    """`treedef.flatten_up_to(xs)`, with `what` naming `xs` in the error message."""
    out: list[Any] = []
    try:
        _up_to(treedef._node, xs, out)
    except _Mismatch as e:
        raise structure_mismatch(
            what, tuple(e.path), e.expected, e.got, repr(treedef), _structure_repr(xs)
        ) from None
    return out


def _structure_repr(x: Any) -> str:
    leaves: list[Any] = []
    return repr(PyTreeDef(flatten_node(x, leaves, None), len(leaves)))


def _loose_hash(x: Any) -> int:
    """`hash(x)`, with unhashable parts (other than tuples, which recurse) hashed by type."""
    try:
        return hash(x)
    except TypeError:
        if isinstance(x, tuple):
            return hash(tuple(_loose_hash(v) for v in x))
        return hash(type(x).__qualname__)
