"""`jax._src.xla_bridge`: which backends have started (chex's `set_n_cpu_devices` asks).

`_backends` is read fresh on each access: the started backends by platform name, {} before
the first computation.
"""

from __future__ import annotations

from typing import Any

from pullback_compile import started_backends

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    if name == "_backends":
        return started_backends()
    raise AttributeError(f"module 'jax._src.xla_bridge' has no attribute {name!r} in pullback")
