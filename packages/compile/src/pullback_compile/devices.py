"""Devices and single-device shardings.

Devices are the PJRT device objects of jaxlib's clients (`CpuDevice(id=0)`, ...), as JAX users
know them. The CPU backend always exists; set `PULLBACK_NUM_CPU_DEVICES=N` (or XLA's
`--xla_force_host_platform_device_count=N` in `XLA_FLAGS`) before the first computation for N
virtual CPU devices. PJRT plugins a user installed (the CUDA plugin wheels, or
`PULLBACK_PJRT_PLUGINS="name:/path/plugin.so"`) add their backends.
"""

from __future__ import annotations

import functools
from typing import Any

from pullback_compile import _jaxlib

__all__ = [
    "Device",
    "DeviceType",
    "Sharding",
    "SingleDeviceSharding",
    "default_backend",
    "default_device",
    "device_count",
    "devices",
    "local_device_count",
    "local_devices",
    "resolve_device",
    "set_cpu_device_count",
    "set_platforms",
    "single_device_of",
]

#: A PJRT device (jaxlib's device object: `.id`, `.platform`, `.device_kind`).
Device = Any

#: The class of every device object (JAX's `jax.Device`), for `isinstance` checks.
DeviceType: type = _jaxlib.DEVICE_CLASS


def devices(backend: str | None = None) -> list[Device]:
    """All devices of `backend` (default: the default backend), in id order."""
    return list(_jaxlib.client_for(backend).devices())


def local_devices(process_index: int | None = None, backend: str | None = None) -> list[Device]:
    """The devices of `backend` attached to this process (or to `process_index`)."""
    client = _jaxlib.client_for(backend)
    if process_index is None:
        return list(client.local_devices())
    return [d for d in client.devices() if d.process_index == process_index]


def device_count(backend: str | None = None) -> int:
    """The number of devices of `backend`."""
    return len(devices(backend))


def local_device_count(backend: str | None = None) -> int:
    """The number of devices of `backend` attached to this process."""
    return len(local_devices(backend=backend))


def default_backend() -> str:
    """The platform name used when none is given ("cpu" unless an accelerator is present)."""
    return _jaxlib.default_backend()


@functools.cache
def _default_device() -> Device:
    dev = _jaxlib.client_for(None).devices()[0]
    _note_platform(dev)
    return dev


def _note_platform(dev: Device) -> None:
    # Values on an accelerator need eager ops to run there (see pullback_compile.eager).
    if dev.platform != "cpu":
        from pullback_compile import eager

        eager.route_devices()


def default_device() -> Device:
    """The device computations run on unless told otherwise (the default backend's first)."""
    return _default_device()


def resolve_device(device: Any, backend: str | None, what: str) -> Device:
    """The device named by a `device=`/`backend=` pair (either may be None).

    Raises:
        TypeError: if `device` is not a device.
        ValueError: for an unknown backend, or a device of another backend.
    """
    if device is None:
        if backend is None:
            return default_device()
        dev = devices(backend)[0]
        _note_platform(dev)
        return dev
    if isinstance(device, Sharding):
        device = single_device_of(device, what)
    if not (hasattr(device, "platform") and hasattr(device, "client")):
        raise TypeError(f"{what}: device must be a Device (from devices()), got {device!r}")
    if backend is not None and _jaxlib.client_for(backend) is not device.client:
        raise ValueError(f"{what}: device {device} does not belong to backend {backend!r}")
    return device


def single_device_of(sharding: Sharding, what: str) -> Device:
    """The one device of `sharding`.

    Raises:
        NotImplementedError: for a sharding over several devices (programs partitioned over a
            mesh are not supported yet).
    """
    if isinstance(sharding, SingleDeviceSharding):
        return sharding.device
    devs = sharding.device_set
    if len(devs) != 1:
        raise NotImplementedError(
            f"{what}: {sharding!r} spans {len(devs)} devices; pullback runs a program on one "
            "device (pmap for several) and does not partition arrays over a mesh yet"
        )
    return next(iter(devs))


class Sharding:
    """How an array is laid out over devices (the base of every sharding class)."""

    __slots__ = ()

    @property
    def device_set(self) -> set[Device]:
        """The devices holding some part of the array."""
        raise NotImplementedError

    @property
    def num_devices(self) -> int:
        """The number of devices."""
        return len(self.device_set)

    @property
    def memory_kind(self) -> str | None:
        """The memory kind (None: the devices' default memory)."""
        return None

    @property
    def is_fully_replicated(self) -> bool:
        """Whether every device holds the whole array."""
        raise NotImplementedError

    @property
    def is_fully_addressable(self) -> bool:
        """Whether this process holds every device."""
        return all(d.process_index == d.client.process_index() for d in self.device_set)

    @property
    def addressable_devices(self) -> set[Device]:
        """The devices attached to this process."""
        return {d for d in self.device_set if d.process_index == d.client.process_index()}

    @property
    def has_addressable_devices(self) -> bool:
        """Whether this process holds any of the devices."""
        return bool(self.addressable_devices)

    def shard_shape(self, global_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of each device's piece of an array of `global_shape`."""
        raise NotImplementedError

    def devices_indices_map(self, global_shape: tuple[int, ...]) -> dict[Device, Any]:
        """For each device, the index of the piece it holds of an array of `global_shape`."""
        raise NotImplementedError

    def addressable_devices_indices_map(self, global_shape: tuple[int, ...]) -> dict[Device, Any]:
        """`devices_indices_map` restricted to this process's devices."""
        local = self.addressable_devices
        return {d: i for d, i in self.devices_indices_map(global_shape).items() if d in local}

    def is_equivalent_to(self, other: Sharding, ndim: int) -> bool:
        """Whether the two lay out an array of `ndim` dimensions the same way."""
        if self.device_set != other.device_set or self.memory_kind != other.memory_kind:
            return False
        shape = (2 * self.num_devices,) * ndim
        return self.devices_indices_map(shape) == other.devices_indices_map(shape)


class SingleDeviceSharding(Sharding):
    """The sharding of an array held whole on one device."""

    __slots__ = ("_device", "_memory_kind")

    def __init__(self, device: Device, *, memory_kind: str | None = None) -> None:
        self._device = resolve_device(device, None, "SingleDeviceSharding")
        self._memory_kind = memory_kind

    @property
    def device(self) -> Device:
        """The device."""
        return self._device

    @property
    def device_set(self) -> set[Device]:
        """The set of devices (one)."""
        return {self._device}

    @property
    def memory_kind(self) -> str | None:
        """The memory kind (None: the device's default memory)."""
        return self._memory_kind

    @property
    def num_devices(self) -> int:
        """The number of devices (one)."""
        return 1

    @property
    def is_fully_replicated(self) -> bool:
        """True: one device holds everything."""
        return True

    def shard_shape(self, global_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The whole shape: the one device holds everything."""
        return tuple(global_shape)

    def devices_indices_map(self, global_shape: tuple[int, ...]) -> dict[Device, Any]:
        """The one device, holding every index."""
        return {self._device: (slice(None),) * len(global_shape)}

    def with_memory_kind(self, kind: str) -> SingleDeviceSharding:
        """A copy in another memory kind."""
        return SingleDeviceSharding(self._device, memory_kind=kind)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, SingleDeviceSharding)
            and other._device is self._device
            and other._memory_kind == self._memory_kind
        )

    def __hash__(self) -> int:
        return hash((id(self._device), self._memory_kind))

    def __repr__(self) -> str:
        kind = "" if self._memory_kind is None else f", memory_kind={self._memory_kind}"
        return f"SingleDeviceSharding(device={self._device!r}{kind})"


def started_backends() -> dict[str, Any]:
    """The backends (platform name -> client) already started; {} before the first use.

    Asking starts nothing, so a program can still choose the CPU device count after it.
    """
    return _jaxlib.started_clients()


def set_platforms(names: str | None) -> None:
    """Choose the backends by platform, in order of preference ("cuda,cpu").

    As JAX's `jax_platforms`: before the first computation it decides which PJRT plugins start
    and which backend is the default; afterwards it is only checked.

    Raises:
        ValueError: after the backends started, for a platform this process lacks.
    """
    _jaxlib.set_platforms(names)


def set_cpu_device_count(n: int) -> None:
    """Ask for `n` virtual CPU devices (`jax_num_cpu_devices`).

    Raises:
        RuntimeError: if the CPU backend already runs with another number of devices.
    """
    _jaxlib.set_cpu_device_count(n)
