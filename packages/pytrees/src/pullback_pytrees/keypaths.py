"""Key entries that name one step from a pytree node to a child, and `keystr` to print paths."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class SequenceKey:
    """The position of a child in a tuple, list or other sequence node.

    Example:
        >>> str(SequenceKey(2))
        '[2]'
    """

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"


@dataclass(frozen=True, slots=True)
class DictKey:
    """The key of a child in a dict-like node.

    Example:
        >>> str(DictKey("w"))
        "['w']"
    """

    key: Hashable

    def __str__(self) -> str:
        return f"[{self.key!r}]"


@dataclass(frozen=True, slots=True)
class GetAttrKey:
    """The attribute name of a child in a namedtuple, dataclass or similar node.

    Example:
        >>> str(GetAttrKey("bias"))
        '.bias'
    """

    name: str

    def __str__(self) -> str:
        return f".{self.name}"


@dataclass(frozen=True, slots=True)
class FlattenedIndexKey:
    """The index of a child among the flattened children of a custom node without named keys.

    Example:
        >>> str(FlattenedIndexKey(0))
        '[<flat index 0>]'
    """

    key: int

    def __str__(self) -> str:
        return f"[<flat index {self.key}>]"


KeyEntry: TypeAlias = SequenceKey | DictKey | GetAttrKey | FlattenedIndexKey | Hashable
KeyPath: TypeAlias = tuple[KeyEntry, ...]


def _simple(key: KeyEntry) -> str:
    if isinstance(key, SequenceKey):
        return str(key.idx)
    if isinstance(key, DictKey):
        return str(key.key)
    if isinstance(key, GetAttrKey):
        return key.name
    if isinstance(key, FlattenedIndexKey):
        return str(key.key)
    return str(key)


def keystr(keys: Sequence[KeyEntry], *, simple: bool = False, separator: str = "") -> str:
    """Render a key path as a string.

    Args:
        keys: the key path, as returned by `tree_flatten_with_path`.
        simple: if True, write each key bare (`0`, `w`, `bias`) instead of in its
            indexing form (`[0]`, `['w']`, `.bias`).
        separator: the string written between keys.

    Returns:
        The key path as one string; the empty string for the root path `()`.

    Example:
        >>> keystr((DictKey("layers"), SequenceKey(0), GetAttrKey("w")))
        "['layers'][0].w"
        >>> keystr((DictKey("layers"), SequenceKey(0)), simple=True, separator="/")
        'layers/0'
    """
    render = _simple if simple else str
    return separator.join(render(k) for k in keys)
