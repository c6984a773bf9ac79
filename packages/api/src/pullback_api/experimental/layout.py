"""`pullback.experimental.layout`: array layouts (JAX's `jax.experimental.layout`).

`Format` pairs a `Layout` (the order of dimensions in memory) with a sharding, as JAX's does.
pullback leaves memory layouts to XLA's defaults: a layout is recorded but does not change how a
program is compiled, and `with_layout_constraint` returns its argument.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Format", "Layout", "with_layout_constraint"]


class Layout:
    """The order of an array's dimensions in memory, minor-most last in `major_to_minor`."""

    __slots__ = ("_sub_byte", "_tiling", "major_to_minor")

    def __init__(
        self,
        major_to_minor: tuple[int, ...] | None = None,
        tiling: tuple[tuple[int, ...], ...] | None = None,
        sub_byte_element_size_in_bits: int = 0,
    ) -> None:
        self.major_to_minor = None if major_to_minor is None else tuple(major_to_minor)
        self._tiling = None if tiling is None else tuple(tuple(t) for t in tiling)
        self._sub_byte = sub_byte_element_size_in_bits

    @property
    def tiling(self) -> tuple[tuple[int, ...], ...] | None:
        """The tiling of the dimensions (None: untiled)."""
        return self._tiling

    def _key(self) -> tuple[Any, ...]:
        return (self.major_to_minor, self._tiling, self._sub_byte)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Layout(major_to_minor={self.major_to_minor}, tiling={self._tiling})"


class Format:
    """A layout and a sharding for an array (either may be None: the default)."""

    __slots__ = ("layout", "sharding")

    def __init__(self, layout: Any = None, sharding: Any = None) -> None:
        self.layout, self.sharding = layout, sharding

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Format)
            and other.layout == self.layout
            and other.sharding == self.sharding
        )

    def __hash__(self) -> int:
        return hash((self.layout, self.sharding))

    def __repr__(self) -> str:
        return f"Format(layout={self.layout}, sharding={self.sharding})"


def with_layout_constraint(x: Any, layout: Any) -> Any:
    """`x` itself: pullback leaves memory layouts to XLA (see the module docstring)."""
    del layout  # unused
    return x
