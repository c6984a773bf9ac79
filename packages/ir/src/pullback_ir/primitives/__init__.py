"""The primitive catalogue: every primitive with its shape/dtype rule and NumPy reference."""

from pullback_ir.primitive import Primitive
from pullback_ir.primitives import elementwise, linalg, reductions, shapes

#: Every primitive of the catalogue.
ALL: list[Primitive] = [*elementwise.ALL, *shapes.ALL, *reductions.ALL, *linalg.ALL]

__all__ = ["ALL", "elementwise", "linalg", "reductions", "shapes"]
