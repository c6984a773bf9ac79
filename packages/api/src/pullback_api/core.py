"""`pullback.core`: the public names of the tracing core that user code reaches for.

`Tracer` (to test `isinstance(x, core.Tracer)`), the abstract values `ShapedArray` and its
base `AbstractValue`, `Trace`, `eval_jaxpr`, and `ensure_compile_time_eval`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pullback_ir.avals import ShapedArray
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr
from pullback_ir.trace import CONTEXT, Trace, Tracer

__all__ = [
    "AbstractValue",
    "ClosedJaxpr",
    "Jaxpr",
    "ShapedArray",
    "Trace",
    "Tracer",
    "ensure_compile_time_eval",
    "eval_jaxpr",
]

AbstractValue = ShapedArray


@contextlib.contextmanager
def ensure_compile_time_eval() -> Iterator[None]:
    """Compute operations on concrete values eagerly inside the block, even under `jit`.

    Values that do not depend on traced arguments come out concrete, so Python control flow
    on them works; operations on traced values are staged as usual (JAX's eager constant
    folding).
    """
    saved = CONTEXT.fold_constants
    CONTEXT.fold_constants = True
    try:
        yield
    finally:
        CONTEXT.fold_constants = saved
