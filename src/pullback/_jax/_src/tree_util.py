"""`jax._src.tree_util`: pullback's tree_util, with `_registry` (the registered node types)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pullback_api.tree_util import *  # noqa: F403
from pullback_api.tree_util import __all__ as _public
from pullback_pytrees import registry as _reg

__all__ = list(_public)


class _Registry:
    """The types flattened as pytree nodes: the builtin containers and registered classes."""

    def __contains__(self, cls: object) -> bool:
        return cls in _reg.custom_nodes or cls in (type(None), tuple, list, dict) or (
            isinstance(cls, type) and cls in _reg.kind_cache and _reg.kind_cache[cls] not in (
                _reg.LEAF, _reg.NAMEDTUPLE)
        )  # fmt: skip

    def __iter__(self) -> Iterator[Any]:
        builtin = [t for t, k in _reg.kind_cache.items() if k not in (_reg.LEAF, _reg.NAMEDTUPLE)]
        return iter(dict.fromkeys([*builtin, *_reg.custom_nodes]))

    def __len__(self) -> int:
        return len(list(iter(self)))


_registry = _Registry()
