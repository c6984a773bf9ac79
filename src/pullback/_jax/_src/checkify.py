"""`jax._src.checkify`: the checkify module (flax's nnx.checkify imports it from here)."""

from typing import Any, TypeVar

from pullback_api.experimental.checkify import *  # noqa: F403
from pullback_api.experimental.checkify import __all__ as _public

Out = TypeVar("Out")
Payload = Any

__all__ = [*_public, "Out", "Payload"]
