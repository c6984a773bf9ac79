"""`jax.Ref` and `jax.new_ref` under the alias: mutable array references are not implemented.

flax.nnx imports them (and uses them only for Variables made with `ref=True`, off by default).
`Ref` is a class no value is an instance of; `new_ref` raises NotImplementedError.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Ref", "new_ref"]


class Ref:
    """A mutable array reference (pullback makes none)."""


def new_ref(init_val: Any, *, memory_space: Any = None, kind: Any = None) -> Ref:
    """Raises NotImplementedError: pullback has no mutable array references.

    Raises:
        NotImplementedError: always.
    """
    del init_val, memory_space, kind  # unused
    raise NotImplementedError(
        "jax.new_ref: mutable array references are not implemented in pullback"
    )
