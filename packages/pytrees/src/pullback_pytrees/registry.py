"""The registry of pytree node types: built-in containers, namedtuples and user-registered types.

Every Python type is classified once into a *kind* and the answer is cached, so flattening pays
one dict look-up per object. Registering a type clears the cache, because the type may already
have been seen (and cached) as a leaf.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, NamedTuple, TypeVar

from pullback_pytrees.keypaths import FlattenedIndexKey, GetAttrKey, KeyEntry

__all__ = [
    "register_dataclass",
    "register_pytree_node",
    "register_pytree_node_class",
    "register_pytree_with_keys",
    "register_static",
]

T = TypeVar("T")
TypeT = TypeVar("TypeT", bound=type)

# Node kinds. Built-in containers get their own kind so that the flattening loop can handle them
# inline, without calling user functions.
LEAF = 0
NONE = 1
TUPLE = 2
LIST = 3
DICT = 4
NAMEDTUPLE = 5
ORDEREDDICT = 6
DEFAULTDICT = 7
CUSTOM = 8

FlattenFunc = Callable[[Any], tuple[Iterable[Any], Hashable]]
FlattenWithKeysFunc = Callable[[Any], tuple[Iterable[tuple[KeyEntry, Any]], Hashable]]
UnflattenFunc = Callable[[Any, Iterable[Any]], Any]


class NodeDef(NamedTuple):
    """How to take apart and rebuild one registered custom node type."""

    flatten: FlattenFunc
    unflatten: UnflattenFunc
    flatten_with_keys: FlattenWithKeysFunc | None


_BUILTIN_KINDS: dict[type, int] = {
    type(None): NONE,
    tuple: TUPLE,
    list: LIST,
    dict: DICT,
    OrderedDict: ORDEREDDICT,
    defaultdict: DEFAULTDICT,
}

custom_nodes: dict[type, NodeDef] = {}
# type -> kind for every type seen so far; read directly by the flattening loops.
kind_cache: dict[type, int] = dict(_BUILTIN_KINDS)


def classify(cls: type) -> int:
    """Return the node kind of `cls` (and cache it)."""
    kind = kind_cache.get(cls)
    if kind is not None:
        return kind
    if cls in custom_nodes:
        kind = CUSTOM
    elif issubclass(cls, tuple) and hasattr(cls, "_fields"):
        kind = NAMEDTUPLE
    else:
        kind = LEAF
    kind_cache[cls] = kind
    return kind


def _register(nodetype: type, node: NodeDef) -> None:
    if not isinstance(nodetype, type):
        raise TypeError(f"register_pytree_node: nodetype must be a class, got {nodetype!r}.")
    if nodetype in _BUILTIN_KINDS or nodetype in custom_nodes:
        raise ValueError(
            f"Duplicate pytree node type registration for {nodetype.__qualname__}: "
            "a type can be registered only once."
        )
    custom_nodes[nodetype] = node
    # The type (or a namedtuple subclass of it) may already be cached as a leaf.
    kind_cache.clear()
    kind_cache.update(_BUILTIN_KINDS)


def register_pytree_node(
    nodetype: type[T],
    flatten_func: Callable[[T], tuple[Iterable[Any], Hashable]],
    unflatten_func: Callable[[Any, Iterable[Any]], T],
    flatten_with_keys_func: Callable[[T], tuple[Iterable[tuple[KeyEntry, Any]], Hashable]]
    | None = None,
) -> None:
    """Register a type as a pytree node, so that transformations look inside it.

    Args:
        nodetype: the class to register. Subclasses are not covered: register each one.
        flatten_func: maps an instance to `(children, aux_data)`; the children are pytrees and
            `aux_data` is hashable static data, compared with `==` when tree structures are.
        unflatten_func: maps `(aux_data, children)` back to an instance; `children` is a tuple.
        flatten_with_keys_func: optionally maps an instance to `(((key, child), ...), aux_data)`
            to name the children in key paths; without it children are named by
            `FlattenedIndexKey`.

    Raises:
        ValueError: if `nodetype` is already registered.

    Example:
        >>> class Pair:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
        >>> from pullback_pytrees import tree_leaves
        >>> tree_leaves(Pair(1, (2, 3)))
        [1, 2, 3]
    """
    _register(nodetype, NodeDef(flatten_func, unflatten_func, flatten_with_keys_func))


def register_pytree_with_keys(
    nodetype: type[T],
    flatten_with_keys: Callable[[T], tuple[Iterable[tuple[KeyEntry, Any]], Hashable]],
    unflatten_func: Callable[[Any, Iterable[Any]], T],
    flatten_func: Callable[[T], tuple[Iterable[Any], Hashable]] | None = None,
) -> None:
    """Register a type as a pytree node whose children have named keys.

    Args:
        nodetype: the class to register.
        flatten_with_keys: maps an instance to `(((key, child), ...), aux_data)`.
        unflatten_func: maps `(aux_data, children)` back to an instance.
        flatten_func: optionally a faster flatten without keys; derived from
            `flatten_with_keys` when omitted.

    Raises:
        ValueError: if `nodetype` is already registered.

    Example:
        >>> from pullback_pytrees import GetAttrKey, keystr, tree_flatten_with_path
        >>> class Box:
        ...     def __init__(self, x):
        ...         self.x = x
        >>> register_pytree_with_keys(
        ...     Box, lambda b: (((GetAttrKey("x"), b.x),), None), lambda _, c: Box(*c))
        >>> [(keystr(p), v) for p, v in tree_flatten_with_path(Box([7]))[0]]
        [('.x[0]', 7)]
    """
    if flatten_func is None:

        def flatten_func(x: T) -> tuple[Iterable[Any], Hashable]:
            pairs, aux = flatten_with_keys(x)
            return [child for _, child in pairs], aux

    _register(nodetype, NodeDef(flatten_func, unflatten_func, flatten_with_keys))


def register_pytree_node_class(cls: TypeT) -> TypeT:
    """Class decorator: register `cls` using its `tree_flatten` and `tree_unflatten` methods.

    `cls.tree_flatten(self)` returns `(children, aux_data)` and the classmethod
    `cls.tree_unflatten(aux_data, children)` rebuilds an instance.

    Args:
        cls: the class to register.

    Returns:
        `cls` itself.

    Example:
        >>> @register_pytree_node_class
        ... class Scaled:
        ...     def __init__(self, v, scale):
        ...         self.v, self.scale = v, scale
        ...     def tree_flatten(self):
        ...         return (self.v,), self.scale
        ...     @classmethod
        ...     def tree_unflatten(cls, scale, children):
        ...         return cls(children[0], scale)
        >>> from pullback_pytrees import tree_leaves
        >>> tree_leaves(Scaled([1, 2], scale=3))
        [1, 2]
    """
    register_pytree_node(cls, cls.tree_flatten, cls.tree_unflatten)  # type: ignore[attr-defined]
    return cls


def register_pytree_with_keys_class(cls: TypeT) -> TypeT:
    """Class decorator: register `cls` using `tree_flatten_with_keys` and `tree_unflatten`.

    `cls.tree_flatten_with_keys(self)` returns `(((key, child), ...), aux_data)`; a
    `tree_flatten` method, if the class has one, is the faster flatten without keys.

    Args:
        cls: the class to register.

    Returns:
        `cls` itself.

    Example:
        >>> from pullback_pytrees import GetAttrKey, keystr, tree_flatten_with_path
        >>> @register_pytree_with_keys_class
        ... class Pair:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        ...     def tree_flatten_with_keys(self):
        ...         return ((GetAttrKey("a"), self.a), (GetAttrKey("b"), self.b)), None
        ...     @classmethod
        ...     def tree_unflatten(cls, aux, children):
        ...         return cls(*children)
        >>> [keystr(p) for p, _ in tree_flatten_with_path(Pair(1, 2))[0]]
        ['.a', '.b']
    """
    flatten = getattr(cls, "tree_flatten", None)
    register_pytree_with_keys(
        cls,
        cls.tree_flatten_with_keys,  # type: ignore[attr-defined]
        cls.tree_unflatten,  # type: ignore[attr-defined]
        flatten,
    )
    return cls


def register_static(cls: TypeT) -> TypeT:
    """Register `cls` as a node with no children: instances are static aux data, not leaves.

    Instances must be hashable, since tree structures that contain them are compared and hashed.

    Args:
        cls: the class to register.

    Returns:
        `cls` itself, so that it can be used as a decorator.

    Example:
        >>> @register_static
        ... class Config:
        ...     pass
        >>> from pullback_pytrees import tree_leaves
        >>> tree_leaves([1, Config()])
        [1]
    """
    register_pytree_node(cls, lambda x: ((), x), lambda aux, _: aux)
    return cls


def register_dataclass(
    nodetype: TypeT,
    data_fields: Sequence[str] | None = None,
    meta_fields: Sequence[str] | None = None,
    drop_fields: Sequence[str] = (),
) -> TypeT:
    """Register a dataclass as a pytree node with data fields (children) and meta fields (static).

    Args:
        nodetype: the class to register. When both field lists are omitted it must be a
            dataclass: fields marked `field(metadata={"static": True})` are meta fields and the
            other `init` fields are data fields.
        data_fields: names of the fields that hold pytree children.
        meta_fields: names of the fields that hold static, hashable data.
        drop_fields: names of `init` fields to leave out of both lists.

    Returns:
        `nodetype` itself, so that it can be used as a decorator.

    Raises:
        TypeError: if only one of `data_fields`, `meta_fields` is given, or fields are inferred
            for a class that is not a dataclass.
        ValueError: if the given fields do not match the dataclass's `init` fields.

    Example:
        >>> import dataclasses
        >>> @register_dataclass
        ... @dataclasses.dataclass
        ... class Layer:
        ...     w: list
        ...     name: str = dataclasses.field(default="dense", metadata={"static": True})
        >>> from pullback_pytrees import tree_leaves, tree_structure
        >>> tree_leaves(Layer(w=[1.0, 2.0]))
        [1.0, 2.0]
    """
    if (data_fields is None) != (meta_fields is None):
        raise TypeError(
            "register_dataclass: give both data_fields and meta_fields, or neither "
            f"(got data_fields={data_fields!r}, meta_fields={meta_fields!r})."
        )
    if data_fields is None or meta_fields is None:
        if not dataclasses.is_dataclass(nodetype):
            raise TypeError(
                f"register_dataclass: {nodetype.__qualname__} is not a dataclass; pass "
                "data_fields and meta_fields explicitly."
            )
        init_fields = [f for f in dataclasses.fields(nodetype) if f.init]
        data = tuple(
            f.name
            for f in init_fields
            if not f.metadata.get("static", False) and f.name not in drop_fields
        )
        meta = tuple(
            f.name
            for f in init_fields
            if f.metadata.get("static", False) and f.name not in drop_fields
        )
    else:
        data, meta = tuple(data_fields), tuple(meta_fields)
        if dataclasses.is_dataclass(nodetype):
            expected = {f.name for f in dataclasses.fields(nodetype) if f.init}
            given = set(data) | set(meta) | set(drop_fields)
            if given != expected:
                raise ValueError(
                    f"register_dataclass: the data, meta and drop fields of "
                    f"{nodetype.__qualname__} must be exactly its init fields "
                    f"{sorted(expected)}; missing {sorted(expected - given)}, "
                    f"unexpected {sorted(given - expected)}."
                )

    def flatten_with_keys(x: Any) -> tuple[list[tuple[KeyEntry, Any]], Hashable]:
        return [(GetAttrKey(n), getattr(x, n)) for n in data], tuple(getattr(x, n) for n in meta)

    def flatten(x: Any) -> tuple[list[Any], Hashable]:
        return [getattr(x, n) for n in data], tuple(getattr(x, n) for n in meta)

    def unflatten(aux: Any, children: Iterable[Any]) -> Any:
        return nodetype(
            **dict(zip(data, children, strict=True)), **dict(zip(meta, aux, strict=True))
        )

    register_pytree_node(nodetype, flatten, unflatten, flatten_with_keys)
    return nodetype


def custom_children_with_keys(node: NodeDef, x: Any) -> tuple[list[tuple[KeyEntry, Any]], Hashable]:
    """Flatten one custom node into `(key, child)` pairs and its aux data."""
    if node.flatten_with_keys is not None:
        pairs, aux = node.flatten_with_keys(x)
        return list(pairs), aux
    children, aux = node.flatten(x)
    return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux
