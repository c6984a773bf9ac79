"""The primitive catalogue: every primitive with its shape/dtype rule and NumPy reference."""

from pullback_ir.primitive import Primitive
from pullback_ir.primitives import (
    bits,
    callbacks,
    collectives,
    control,
    conv,
    elementwise,
    factorizations,
    fft,
    indexing,
    linalg,
    reductions,
    shapes,
    sorting,
)

#: Every primitive of the catalogue.
ALL: list[Primitive] = [
    *elementwise.ALL,
    *shapes.ALL,
    *reductions.ALL,
    *linalg.ALL,
    *factorizations.ALL,
    *fft.ALL,
    *indexing.ALL,
    *conv.ALL,
    *sorting.ALL,
    *bits.ALL,
    *control.ALL,
    *callbacks.ALL,
    *collectives.ALL,
]

__all__ = [
    "ALL",
    "bits",
    "callbacks",
    "collectives",
    "control",
    "conv",
    "elementwise",
    "factorizations",
    "fft",
    "indexing",
    "linalg",
    "reductions",
    "shapes",
    "sorting",
]
