"""`pullback.stages`: the ahead-of-time stages of a jitted function.

`jit(f).trace(*args)` gives a `Traced` (the jaxpr and output types, `.lower()`);
`jit(f).lower(*args)` gives a `Lowered` (the StableHLO text, `.compile()`), which gives a
`Compiled` (callable on arguments of the lowered types, with `.as_text()` and `.cost_analysis`
where jaxlib provides it).
"""

from __future__ import annotations

from typing import TypeAlias

from pullback_compile.jit import Compiled, JitFunction, Lowered, Traced

__all__ = ["Compiled", "CompilerOptions", "Lowered", "Traced", "Wrapped"]

#: XLA compiler options by name, as `jit(..., compiler_options=)` takes them.
CompilerOptions: TypeAlias = dict[str, str | bool]

#: The type of a jitted function (JAX calls it `Wrapped`).
Wrapped = JitFunction
