"""`pullback.lax`: the primitives, control flow and collectives (JAX's `jax.lax`).

The functions are `pullback_ir.lax`'s, returning Arrays when they run eagerly.
"""

from __future__ import annotations

import types
from typing import Any

import pullback_ir.lax as _ir_lax
from pullback_ir.primitives.conv import ConvDimensionNumbers as ConvDimensionNumbers
from pullback_ir.primitives.indexing import (
    GatherDimensionNumbers as GatherDimensionNumbers,
    GatherScatterMode as GatherScatterMode,
    ScatterDimensionNumbers as ScatterDimensionNumbers,
)
from pullback_ir.trace import named_scope as named_scope

from pullback_api._transforms import to_arrays

_CLASSES = {"ConvDimensionNumbers", "GatherDimensionNumbers", "GatherScatterMode",
            "ScatterDimensionNumbers", "named_scope"}  # fmt: skip


def _wrapped(f: Any) -> Any:
    def fn(*args: Any, **kwargs: Any) -> Any:
        return to_arrays(f(*args, **kwargs))

    fn.__name__ = fn.__qualname__ = f.__name__
    fn.__doc__ = f.__doc__
    fn.__wrapped__ = f  # type: ignore[attr-defined]
    fn.__module__ = __name__
    return fn


__all__: list[str] = sorted(_CLASSES)
for _name in dir(_ir_lax):
    _obj = getattr(_ir_lax, _name)
    if _name.startswith("_") or _name in _CLASSES or not isinstance(_obj, types.FunctionType):
        continue
    if _obj.__module__ not in ("pullback_ir.lax", "pullback_ir.control_flow"):
        continue
    globals()[_name] = _wrapped(_obj)
    __all__.append(_name)
__all__.sort()


from pullback_api.lax import linalg as linalg  # noqa: E402

__all__.append("linalg")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'pullback.lax' has no attribute {name!r}")
