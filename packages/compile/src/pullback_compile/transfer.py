"""Moving pytrees of values to and from devices."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.trace import Tracer
from pullback_pytrees import tree_flatten, tree_map, tree_unflatten

from pullback_compile import _jaxlib
from pullback_compile.array import Array
from pullback_compile.devices import resolve_device

__all__ = ["block_until_ready", "device_get", "device_put"]


def _put_leaf(x: Any, device: Any, where: str) -> Any:
    if isinstance(x, Tracer):
        return x  # under a transformation device_put is the identity
    if type(x) is Array:
        if x.device is device:
            return x
        x._check_alive()
        return Array._from_host(np.array(x._value), x.weak_type, device)
    try:
        dt, weak = dtypes.dtype_and_weak(x)
    except TypeError as e:
        raise TypeError(f"device_put: {where} is not an array: {e}") from None
    value = np.array(x, dtype=dt)  # a copy: the caller may write to its NumPy array later
    return Array._from_host(value, weak, device)


def device_put(x: Any, device: Any = None, *, src: Any = None, donate: bool = False,
               may_alias: bool | None = None) -> Any:  # fmt: skip
    """Place every leaf of the pytree `x` on `device` (default: the default device).

    NumPy data is copied (later writes to it do not show); an Array already on `device` is
    returned as it is. Under a transformation this is the identity.

    Args:
        x: a pytree of arrays or scalars.
        device: a device or `SingleDeviceSharding` (or None for the default device).
        src: accepted for compatibility (the source device is known from the value).
        donate: accepted; a copy is made either way on the host.
        may_alias: accepted; Arrays already on `device` are returned uncopied.

    Raises:
        TypeError: naming the leaf for a value that is not an array.
    """
    del src, donate, may_alias  # unused
    dev = resolve_device(device, None, "device_put")
    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, [_put_leaf(v, dev, f"leaf {i}") for i, v in enumerate(leaves)])


def device_get(x: Any) -> Any:
    """The pytree `x` with every Array replaced by a NumPy array (a host copy)."""
    return tree_map(lambda v: np.array(v) if isinstance(v, Array) else v, x)


def _collect(x: Any, out: list[Any]) -> bool:
    # The buffers of the Arrays in plain containers (any order); False if another node type
    # is met (then the general pytree flattening runs).
    stack = [x]
    pop, extend, append = stack.pop, stack.extend, out.append
    while stack:
        v = pop()
        t = type(v)
        if t is Array:
            if v._buf is not None:
                append(v._buf)
        elif t is list or t is tuple:
            extend(v)
        elif t is dict:
            extend(v.values())
        elif not (v is None or isinstance(v, (np.ndarray, np.generic, int, float, complex))):
            return False
    return True


def block_until_ready(x: Any) -> Any:
    """Wait until every Array in the pytree `x` is computed; returns `x`."""
    if type(x) is Array:  # (the common case, without building the tree's buffer list)
        if x._buf is not None:
            _jaxlib.block_until_ready([x._buf])
        return x
    bufs: list[Any] = []
    if not _collect(x, bufs):
        bufs = [v._buf for v in tree_flatten(x)[0] if type(v) is Array and v._buf is not None]
    _jaxlib.block_until_ready(bufs)
    return x
