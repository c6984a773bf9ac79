"""Eager execution of compiled calls and of operations on device-resident values.

A `pjit` call (what `jit` stages under `grad`, `vmap`, ...) reached eagerly runs compiled, so
`grad(jit(f))` executes its forward and backward calls as XLA programs.

On the CPU, eager operations run through the reference interpreter on zero-copy host views.
When an operand lives on another device (an accelerator) the operation must run there: it is
lowered alone, compiled once per (primitive, operand types, parameters, device) and executed on
the device buffers, and its results stay on the device. `eager_on_device(True)` routes CPU
values this way too (to test the path, or to match an accelerator's numerics on the CPU).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.control import pjit_p
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import EAGER_HOOK, EAGER_WEAK, HOST_ARRAY_TYPES

from pullback_compile.array import Array
from pullback_compile.devices import Device

__all__ = ["eager_cache_size", "eager_on_device"]


class _State(threading.local):
    def __init__(self) -> None:
        self.all_devices = False


_STATE = _State()
_CACHE: dict[Any, Any] = {}


@contextlib.contextmanager
def eager_on_device(enabled: bool = True) -> Iterator[None]:
    """Run eager operations on Arrays as compiled single-op programs, even on the CPU.

    Inside the block the Arrays' device executes them (results stay on it), as on an
    accelerator.
    """
    route_devices()
    prev = _STATE.all_devices
    _STATE.all_devices = bool(enabled)
    try:
        yield
    finally:
        _STATE.all_devices = prev


def eager_cache_size() -> int:
    """The number of single-operation executables compiled so far."""
    return len(_CACHE)


def _device_of(args: Sequence[Any]) -> Device | None:
    for x in args:
        if type(x) is Array and x._replicas is None:
            dev = x._device
            if _STATE.all_devices or dev.platform != "cpu":
                return dev
    return None


def _hook(primitive: Primitive, args: Sequence[Any], params: dict[str, Any]) -> list[Any] | None:
    # (installed once an accelerator or eager_on_device is in use; before that, on the CPU,
    # the reference interpreter runs every eager operation)
    device = _device_of(args)
    if device is None:
        return None
    from pullback_compile.jit import _leaf_aval  # (imported late: jit imports this package)

    avals = [_leaf_aval(x, f"{primitive.name} operand {i}") for i, x in enumerate(args)]
    try:
        key: Any = (primitive, tuple(avals), tuple(sorted(params.items())), device)
        hash(key)
    except TypeError:  # unhashable parameters (callables with state): compile, do not keep
        key = None
    exe = _CACHE.get(key) if key is not None else None
    if exe is None:
        exe = _compile(primitive, avals, params, device)
        if key is not None:
            _CACHE[key] = exe
    return list(exe.run(args))


_PJIT_CACHE: dict[Any, Any] = {}


def _run_pjit(args: Sequence[Any], params: dict[str, Any]) -> list[Any]:
    """Run a staged jit call compiled: the derived calls of grad/vmap stay compiled."""
    from pullback_compile.devices import default_device
    from pullback_compile.jit import executable_for

    closed = params["call_jaxpr"]
    device = _device_of(args) or default_device()
    key = (id(closed), device)
    hit = _PJIT_CACHE.get(key)
    if hit is None or hit[0] is not closed:
        if len(_PJIT_CACHE) > 256:
            _PJIT_CACHE.clear()
        hit = _PJIT_CACHE[key] = (closed, executable_for(closed, params["name"], device))
    return list(hit[1].run(args))


def _compile(primitive: Primitive, avals: list[ShapedArray], params: dict[str, Any],
             device: Device) -> Any:  # fmt: skip
    from pullback_compile.jit import executable_for

    closed = trace_to_jaxpr(lambda *xs: primitive.bind(*xs, **params), avals)
    return executable_for(closed, primitive.name, device)


def route_devices() -> None:
    """Look at operands' devices from now on: an accelerator is in use, or the switch is on."""
    EAGER_HOOK[0] = _hook


def _weak_result(value: Any) -> Array:
    return Array._from_host(value, True)


# Installed once: jitted calls reached eagerly (pjit) always run compiled; weakly typed eager
# results are Arrays that keep the weak type (a NumPy array cannot carry it); eager operations
# read an Array's host value directly.
pjit_p.eager_override = _run_pjit  # a jitted call reached eagerly (grad(jit(f)), vmap(jit(f)))
EAGER_WEAK[0] = _weak_result
HOST_ARRAY_TYPES.add(Array)
