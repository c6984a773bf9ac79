"""`pullback.stages`: the ahead-of-time stages of a jitted function.

`jit(f).lower(*args)` gives a `Lowered` (the StableHLO text, `.compile()`), which gives a
`Compiled` (callable on arguments of the lowered types, with `.as_text()` and `.cost_analysis`
where jaxlib provides it).
"""

from __future__ import annotations

from pullback_compile.jit import Compiled, JitFunction, Lowered

__all__ = ["Compiled", "Lowered", "Wrapped"]

#: The type of a jitted function (JAX calls it `Wrapped`).
Wrapped = JitFunction
