"""`pullback.config`: the process-wide switches, set the way JAX's are.

>>> from pullback_api import config
>>> config.update("jax_enable_x64", True)
>>> config.jax_enable_x64
True
>>> config.update("jax_enable_x64", False)
"""

from __future__ import annotations

from typing import Any

from pullback_ir import config as _ir_config

__all__ = ["config", "read", "update"]

_OPTIONS = {
    "jax_enable_x64": ("x64", "64-bit dtypes (float64, int64) instead of their 32-bit forms"),
    "jax_enable_checks": ("checks", "check every jaxpr a transformation produces"),
}


def _attr(name: str) -> str:
    try:
        return _OPTIONS[name][0]
    except KeyError:
        raise AttributeError(
            f"unrecognized config option {name!r}; pullback knows {sorted(_OPTIONS)}"
        ) from None


def update(name: str, value: Any) -> None:
    """Set a switch, e.g. `update("jax_enable_x64", True)`.

    Raises:
        AttributeError: for an unknown option name.
        TypeError: for a non-bool value.
    """
    attr = _attr(name)
    if not isinstance(value, (bool, int)):
        raise TypeError(f"config.update: {name} takes a bool, got {value!r}")
    setattr(_ir_config.STATE, attr, bool(value))


def read(name: str) -> bool:
    """The current value of a switch."""
    return bool(getattr(_ir_config.STATE, _attr(name)))


class _Config:
    """The `config` object: `config.update(...)`, `config.jax_enable_x64`."""

    update = staticmethod(update)
    read = staticmethod(read)

    def __getattr__(self, name: str) -> bool:
        if name.startswith("jax_"):
            return read(name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        return "Config(" + ", ".join(f"{k}={read(k)}" for k in _OPTIONS) + ")"


config = _Config()


def __getattr__(name: str) -> bool:
    if name.startswith("jax_"):
        return read(name)
    raise AttributeError(f"module 'pullback.config' has no attribute {name!r}")
