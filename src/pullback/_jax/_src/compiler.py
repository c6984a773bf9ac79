"""`jax._src.compiler`: compiling a lowered module with a backend.

chex's `restrict_backends` wraps `backend_compile_and_load` to forbid compiling on some backends.
pullback's `jit` compiles through its own executable cache, not through this function, so
wrapping it restricts nothing (COMPATIBILITY.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["backend_compile_and_load"]


def backend_compile_and_load(backend: Any, module: Any, *args: Any, **kwargs: Any) -> Any:
    """Compile `module` on `backend` (not how pullback compiles: see the module docstring).

    Raises:
        NotImplementedError: always; pullback compiles its own StableHLO text.
    """
    del backend, module, args, kwargs  # unused
    raise NotImplementedError(
        "jax._src.compiler.backend_compile_and_load is not how pullback compiles; use jit"
    )
