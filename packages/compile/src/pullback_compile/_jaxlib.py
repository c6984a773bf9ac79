"""The only module of pullback that calls jaxlib: PJRT clients, transfers to and from devices.

jaxlib's private APIs change between releases (see shared notes, "jaxlib 0.11 / 0.12"), so every
call into it is kept here, where a jaxlib upgrade breaks in one place. Nothing here imports
`jax`, and nothing here touches jaxlib's process-global state.
"""

from __future__ import annotations

import ctypes
import functools
import os
from typing import Any

import ml_dtypes
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # hide XLA's INFO lines; read at import

from jaxlib import _jax, xla_client

__all__: list[str] = []

JAXLIB_EXTENSION_VERSION: int = xla_client._version


class Aval:
    """The abstract value jaxlib reads from transferred and computed arrays (four attributes)."""

    __slots__ = ("dtype", "ndim", "shape", "weak_type")

    def __init__(
        self, shape: tuple[int, ...], dtype: np.dtype[Any], weak_type: bool = False
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.ndim = len(self.shape)


class _DeviceSharding(_jax.SingleDeviceSharding):  # type: ignore[misc]
    # The C++ class lacks the two members that transfers and result handlers read; jax adds
    # them to the C++ class itself, we subclass instead.
    def _to_xla_hlo_sharding(self, ndim: int) -> Any:
        del ndim  # unused
        return xla_client.HloSharding.replicate()

    @property
    def memory_kind(self) -> Any:
        return self._memory_kind


@functools.cache
def cpu_client(num_devices: int = 1) -> Any:
    """The PJRT CPU client with `num_devices` virtual devices (one client per count)."""
    return xla_client.make_cpu_client(num_devices=num_devices)


@functools.cache
def _sharding(device: Any) -> Any:
    # One sharding object per device, reused: the C++ side compares them.
    return _DeviceSharding(device)


def device_put(x: np.ndarray[Any, Any], device: Any, *, x64: bool) -> Any:
    """Copy the host array `x` to `device`, returning a jaxlib array.

    `x` must already have its canonical dtype (64-bit types only when `x64`): with x64 off
    jaxlib narrows 64-bit data on transfer but keeps the aval it was given.
    """
    return xla_client.batched_device_put(
        Aval(x.shape, x.dtype),
        _sharding(device),
        [x],
        [device],
        True,
        host_buffer_semantics=xla_client.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL,
        enable_x64=x64,
    )


class _DLPackCapsule:
    # numpy.from_dlpack wants an object with __dlpack__, not a bare capsule.
    __slots__ = ("capsule",)

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        del kwargs  # unused: the capsule is on the CPU already
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU


# numpy's DLPack importer rejects these; they are read through a raw pointer view instead.
_NO_DLPACK = frozenset(
    np.dtype(getattr(ml_dtypes, n))
    for n in dir(ml_dtypes)
    if n == "bfloat16" or (n.startswith("float8") and not n.endswith("_"))
)


def to_numpy(arr: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """A read-only, zero-copy host view of the CPU-resident jaxlib array `arr`."""
    if dtype not in _NO_DLPACK:
        out: np.ndarray[Any, Any] = np.from_dlpack(
            _DLPackCapsule(_jax.buffer_to_dlpack_managed_tensor(arr))
        )
        return out
    arr.block_until_ready()
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes == 0:
        empty = np.empty(shape, dtype)
        empty.flags.writeable = False
        return empty
    raw = (ctypes.c_char * nbytes).from_address(arr.unsafe_buffer_pointer())
    raw._owner = arr  # type: ignore[attr-defined]  # keeps the device buffer alive
    flat: np.ndarray[Any, Any] = np.frombuffer(memoryview(raw).cast("B"), dtype=dtype)
    view = flat.reshape(shape)
    view.flags.writeable = False
    return view


# --- compile and execute -------------------------------------------------------------------------


def result_handler(aval: Aval, device: Any) -> Any:
    """A prebuilt handler that turns one output buffer into a jaxlib array (no jax hooks)."""
    try:
        return xla_client.array_result_handler(aval, _sharding(device), True, _skip_checks=True)
    except TypeError:  # later jaxlib releases drop _skip_checks (shared notes, section 12)
        return xla_client.array_result_handler(aval, _sharding(device), True)


class Loaded:
    """A compiled StableHLO program on one device, with its output handlers built once."""

    __slots__ = ("device", "exe", "handlers")

    def __init__(self, text: str, device: Any, out_avals: list[Aval]) -> None:
        client = device.client
        self.device = device
        self.exe = client.compile_and_load(
            text, xla_client.DeviceList((device,)), xla_client.CompileOptions()
        )
        self.handlers = [result_handler(a, device) for a in out_avals]

    def execute(self, args: list[Any]) -> list[Any]:
        """Run on device-resident jaxlib arrays; returns jaxlib arrays (asynchronously)."""
        return list(self.exe.execute_sharded(args).consume_with_handlers(self.handlers))

    def hlo_text(self) -> str:
        """The optimized HLO XLA compiled."""
        return str(self.exe.get_hlo_text())
