"""`jax._src.state.types`: the abstract value of a mutable reference.

pullback has no mutable references (`jax.Ref`) yet, so no value is ever an `AbstractRef`;
libraries that test `isinstance(x, AbstractRef)` get False.
"""

__all__ = ["AbstractRef"]


class AbstractRef:
    """The abstract value of a mutable array reference (never produced by pullback)."""
