"""The primitive catalogue: every primitive with its shape/dtype rule and NumPy reference."""

from pullback_ir.primitive import Primitive
from pullback_ir.primitives import (
    bits,
    conv,
    elementwise,
    indexing,
    linalg,
    reductions,
    shapes,
    sorting,
)

#: Every first-order primitive of the catalogue.
ALL: list[Primitive] = [
    *elementwise.ALL,
    *shapes.ALL,
    *reductions.ALL,
    *linalg.ALL,
    *indexing.ALL,
    *conv.ALL,
    *sorting.ALL,
    *bits.ALL,
]

__all__ = [
    "ALL",
    "bits",
    "conv",
    "elementwise",
    "indexing",
    "linalg",
    "reductions",
    "shapes",
    "sorting",
]
