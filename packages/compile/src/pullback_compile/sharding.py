"""Meshes, partition specs and named shardings: how an array is laid out over devices.

`Mesh` arranges devices in an n-dimensional grid with named axes; `PartitionSpec` says, per
array dimension, which mesh axes split it; `NamedSharding` pairs the two. They answer the layout
questions JAX's do (`shard_shape`, `devices_indices_map`, `is_fully_replicated`) and compare and
hash as JAX's. Compiling and running programs partitioned over a mesh is future work: today
`jit` and `device_put` take shardings that place an array whole on one device.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import math
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from pullback_compile.devices import Device, Sharding, SingleDeviceSharding, devices as _all_devices

__all__ = [
    "AbstractMesh",
    "AxisType",
    "Mesh",
    "NamedSharding",
    "PartitionSpec",
    "Sharding",
    "SingleDeviceSharding",
    "get_abstract_mesh",
    "get_mesh",
    "make_mesh",
    "set_mesh",
    "use_abstract_mesh",
    "use_mesh",
]


class AxisType(enum.Enum):
    """How a mesh axis is partitioned.

    By the compiler (Auto), by the user's types (Explicit), or by hand inside shard_map (Manual).
    """

    Auto = enum.auto()
    Explicit = enum.auto()
    Manual = enum.auto()

    def __repr__(self) -> str:
        return self.name


def _axis_types(axis_types: Any, n: int) -> tuple[AxisType, ...]:
    if axis_types is None:
        return (AxisType.Auto,) * n
    if isinstance(axis_types, AxisType):
        return (axis_types,) * n
    out = tuple(axis_types)
    if len(out) != n or not all(isinstance(t, AxisType) for t in out):
        raise ValueError(f"axis_types must be {n} AxisType values, got {axis_types!r}")
    return out


def _axis_names(axis_names: Any) -> tuple[str, ...]:
    names = (axis_names,) if isinstance(axis_names, str) else tuple(axis_names)
    if len(set(names)) != len(names):
        raise ValueError(f"mesh axis names must be unique, got {names}")
    return names


class _MeshBase:
    """What `Mesh` and `AbstractMesh` share: named axes with sizes and types."""

    axis_names: tuple[str, ...]
    axis_sizes: tuple[int, ...]
    axis_types: tuple[AxisType, ...]

    @property
    def shape(self) -> collections.OrderedDict[str, int]:
        """The size of each axis, by name, in axis order."""
        return collections.OrderedDict(zip(self.axis_names, self.axis_sizes, strict=True))

    @property
    def shape_tuple(self) -> tuple[tuple[str, int], ...]:
        """(name, size) per axis."""
        return tuple(zip(self.axis_names, self.axis_sizes, strict=True))

    @property
    def size(self) -> int:
        """The number of devices."""
        return math.prod(self.axis_sizes)

    @property
    def empty(self) -> bool:
        """Whether the mesh has no axes."""
        return not self.axis_names

    def _axes_of(self, kind: AxisType) -> tuple[str, ...]:
        return tuple(n for n, t in zip(self.axis_names, self.axis_types, strict=True) if t is kind)

    @property
    def auto_axes(self) -> tuple[str, ...]:
        """The axes the compiler partitions."""
        return self._axes_of(AxisType.Auto)

    @property
    def explicit_axes(self) -> tuple[str, ...]:
        """The axes whose partitioning is part of array types."""
        return self._axes_of(AxisType.Explicit)

    @property
    def manual_axes(self) -> tuple[str, ...]:
        """The axes partitioned by hand (inside shard_map)."""
        return self._axes_of(AxisType.Manual)

    @property
    def are_all_axes_auto(self) -> bool:
        """Whether every axis is Auto."""
        return all(t is AxisType.Auto for t in self.axis_types)

    @property
    def are_all_axes_explicit(self) -> bool:
        """Whether every axis is Explicit."""
        return all(t is AxisType.Explicit for t in self.axis_types)

    @property
    def are_all_axes_manual(self) -> bool:
        """Whether every axis is Manual."""
        return all(t is AxisType.Manual for t in self.axis_types)

    @property
    def abstract_mesh(self) -> AbstractMesh:
        """The mesh's axes without its devices."""
        return AbstractMesh(self.axis_sizes, self.axis_names, axis_types=self.axis_types)

    def _shape_repr(self) -> str:
        axes = ", ".join(f"'{n}': {s}" for n, s in self.shape_tuple)
        types = ", ".join(t.name for t in self.axis_types)
        return f"{axes}, axis_types=({types}{',' if len(self.axis_types) == 1 else ''})"


class Mesh(_MeshBase):
    """Devices laid out in a grid with named axes.

    `Mesh(np.array(devices).reshape(2, 4), ("data", "model"))`; `with mesh:` makes it the
    current mesh.
    """

    def __init__(
        self, devices: Any, axis_names: str | Sequence[str], *, axis_types: Any = None
    ) -> None:
        grid = np.asarray(devices, dtype=object)
        names = _axis_names(axis_names)
        if grid.ndim != len(names):
            raise ValueError(
                f"Mesh: devices has {grid.ndim} dimensions (shape {grid.shape}) but "
                f"axis_names names {len(names)} axes: {names}"
            )
        flat = list(grid.flat)
        for d in flat:
            if not (hasattr(d, "platform") and hasattr(d, "id")):
                raise TypeError(f"Mesh: devices must be Device objects, got {d!r}")
        if len({id(d) for d in flat}) != len(flat):
            raise ValueError(f"Mesh: a device appears twice in {grid.shape} devices")
        grid.flags.writeable = False
        self.devices = grid
        self.axis_names = names
        self.axis_sizes = tuple(int(s) for s in grid.shape)
        self.axis_types = _axis_types(axis_types, len(names))
        self._token: list[Any] = []

    @property
    def device_ids(self) -> np.ndarray:
        """The ids of the devices, in the mesh's shape."""
        ids: np.ndarray = np.vectorize(lambda d: d.id, otypes=[int])(self.devices)
        return ids

    @property
    def local_devices(self) -> list[Device]:
        """The mesh's devices attached to this process."""
        return [d for d in self.devices.flat if _is_local(d)]

    @property
    def is_multi_process(self) -> bool:
        """Whether the mesh spans devices of several processes."""
        return len({d.process_index for d in self.devices.flat}) > 1

    @property
    def local_mesh(self) -> Mesh:
        """The mesh itself (one process holds every device today)."""
        return self

    def update(self, devices: Any = None, axis_names: Any = None, axis_types: Any = None) -> Mesh:
        """A copy with some of devices, axis names or axis types replaced."""
        return Mesh(
            self.devices if devices is None else devices,
            self.axis_names if axis_names is None else axis_names,
            axis_types=self.axis_types if axis_types is None else axis_types,
        )

    def _key(self) -> tuple[Any, ...]:
        return (
            self.axis_names,
            self.axis_sizes,
            tuple(id(d) for d in self.devices.flat),
            self.axis_types,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mesh) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        types = ", ".join(t.name for t in self.axis_types)
        comma = "," if len(self.axis_types) == 1 else ""
        return (
            f"Mesh(axis_sizes={self.axis_sizes}, axis_names={self.axis_names}, "
            f"axis_types=({types}{comma}))"
        )

    def __enter__(self) -> Mesh:
        self._token.append(_STATE.push_mesh(self))
        return self

    def __exit__(self, *exc: object) -> None:
        _STATE.pop_mesh(self._token.pop())


class AbstractMesh(_MeshBase):
    """A mesh's axis names, sizes and types, without devices."""

    def __init__(
        self,
        axis_sizes: Sequence[int],
        axis_names: str | Sequence[str],
        *,
        axis_types: Any = None,
    ) -> None:
        names = _axis_names(axis_names)
        sizes = tuple(int(s) for s in axis_sizes)
        if len(sizes) != len(names):
            raise ValueError(
                f"AbstractMesh: {len(sizes)} axis sizes {sizes} but {len(names)} names {names}"
            )
        self.axis_names = names
        self.axis_sizes = sizes
        self.axis_types = _axis_types(axis_types, len(names))

    def update(
        self, axis_sizes: Any = None, axis_names: Any = None, axis_types: Any = None
    ) -> AbstractMesh:
        """A copy with some of sizes, names or types replaced."""
        return AbstractMesh(
            self.axis_sizes if axis_sizes is None else axis_sizes,
            self.axis_names if axis_names is None else axis_names,
            axis_types=self.axis_types if axis_types is None else axis_types,
        )

    def update_axis_types(self, axis_types: Mapping[str, AxisType]) -> AbstractMesh:
        """A copy with the types of the named axes replaced."""
        pairs = zip(self.axis_names, self.axis_types, strict=True)
        new = tuple(axis_types.get(n, t) for n, t in pairs)
        return self.update(axis_types=new)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AbstractMesh)
            and other.shape_tuple == self.shape_tuple
            and other.axis_types == self.axis_types
        )

    def __hash__(self) -> int:
        return hash((self.shape_tuple, self.axis_types))

    def __repr__(self) -> str:
        return f"AbstractMesh({self._shape_repr()})"


def _is_local(device: Device) -> bool:
    return bool(device.process_index == device.client.process_index())


class _Unconstrained:
    def __repr__(self) -> str:
        return "UNCONSTRAINED"


class PartitionSpec:
    """Per array dimension, the mesh axes that split it.

    `P("data", None)` splits dimension 0 over axis "data" and keeps dimension 1 whole;
    `P(("x", "y"))` splits dimension 0 over both. Dimensions a spec does not reach are not split.
    """

    UNCONSTRAINED: Any = _Unconstrained()

    __slots__ = ("_partitions", "reduced", "unreduced")

    def __init__(
        self,
        *partitions: Any,
        unreduced: Any = frozenset(),
        reduced: Any = frozenset(),
    ) -> None:
        parts = []
        for p in partitions:
            if isinstance(p, list):
                p = tuple(p)
            unconstrained = p is PartitionSpec.UNCONSTRAINED
            if not (p is None or unconstrained or isinstance(p, str | tuple)):
                raise TypeError(
                    "PartitionSpec entries must be None, a mesh axis name or a tuple of names, "
                    f"got {p!r}"
                )
            if isinstance(p, tuple) and not all(isinstance(n, str) for n in p):
                raise TypeError(f"PartitionSpec: a tuple entry must hold axis names, got {p!r}")
            parts.append(p)
        self._partitions = tuple(parts)
        self.unreduced = frozenset(unreduced)
        self.reduced = frozenset(reduced)

    @property
    def partitions(self) -> tuple[Any, ...]:
        """The entries, one per leading array dimension."""
        return self._partitions

    def __len__(self) -> int:
        return len(self._partitions)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._partitions)

    def __getitem__(self, i: Any) -> Any:
        return self._partitions[i]

    def index(self, value: Any) -> int:
        """The position of the first entry equal to `value`."""
        return self._partitions.index(value)

    def count(self, value: Any) -> int:
        """How many entries equal `value`."""
        return self._partitions.count(value)

    def _normalized(self) -> tuple[Any, ...]:
        parts = list(self._partitions)
        while parts and parts[-1] is None:
            parts.pop()
        return tuple(p[0] if isinstance(p, tuple) and len(p) == 1 else p for p in parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PartitionSpec):
            return NotImplemented
        return (
            self._normalized() == other._normalized()
            and self.unreduced == other.unreduced
            and self.reduced == other.reduced
        )

    def __hash__(self) -> int:
        return hash((self._normalized(), self.unreduced, self.reduced))

    def update(self, **kwargs: Any) -> PartitionSpec:
        """A copy with `partitions`, `unreduced` or `reduced` replaced."""
        return PartitionSpec(
            *kwargs.get("partitions", self._partitions),
            unreduced=kwargs.get("unreduced", self.unreduced),
            reduced=kwargs.get("reduced", self.reduced),
        )

    def __repr__(self) -> str:
        inner = ", ".join(repr(p) for p in self._partitions)
        if len(self._partitions) == 1:
            inner += ","
        extra = ""
        if self.unreduced:
            extra += f", unreduced={set(self.unreduced)!r}"
        if self.reduced:
            extra += f", reduced={set(self.reduced)!r}"
        return f"P({inner}{extra})"

    def __reduce__(self) -> Any:
        return (_make_spec, (self._partitions, self.unreduced, self.reduced))


def _make_spec(parts: tuple[Any, ...], unreduced: Any, reduced: Any) -> PartitionSpec:
    return PartitionSpec(*parts, unreduced=unreduced, reduced=reduced)


def _entry_axes(entry: Any) -> tuple[str, ...]:
    if entry is None or entry is PartitionSpec.UNCONSTRAINED:
        return ()
    return (entry,) if isinstance(entry, str) else tuple(entry)


class NamedSharding(Sharding):
    """An array laid out over a `Mesh` as a `PartitionSpec` says."""

    def __init__(
        self, mesh: Mesh | AbstractMesh, spec: PartitionSpec, *, memory_kind: str | None = None
    ) -> None:
        if not isinstance(mesh, Mesh | AbstractMesh):
            raise TypeError(f"NamedSharding: mesh must be a Mesh, got {type(mesh).__name__}")
        if not isinstance(spec, PartitionSpec):
            raise TypeError(
                "NamedSharding: spec must be a PartitionSpec (jax.sharding.PartitionSpec), got "
                f"{spec!r}"
            )
        seen: set[str] = set()
        for entry in spec:
            for name in _entry_axes(entry):
                if name not in mesh.axis_names:
                    raise ValueError(
                        f"NamedSharding: spec {spec!r} names axis {name!r}, which is not an axis "
                        f"of the mesh (axes {mesh.axis_names})"
                    )
                if name in seen:
                    raise ValueError(
                        f"NamedSharding: spec {spec!r} uses mesh axis {name!r} more than once"
                    )
                seen.add(name)
        self._mesh = mesh
        self._spec = spec
        self._memory_kind = memory_kind

    @property
    def mesh(self) -> Mesh | AbstractMesh:
        """The mesh."""
        return self._mesh

    @property
    def spec(self) -> PartitionSpec:
        """The partition spec."""
        return self._spec

    @property
    def memory_kind(self) -> str | None:
        """The memory kind (None: the devices' default memory)."""
        return self._memory_kind

    def _concrete_mesh(self) -> Mesh:
        if not isinstance(self._mesh, Mesh):
            raise ValueError(f"NamedSharding over an AbstractMesh has no devices ({self._mesh!r})")
        return self._mesh

    @property
    def device_set(self) -> set[Device]:
        """The devices of the mesh."""
        return set(self._concrete_mesh().devices.flat)

    @property
    def num_devices(self) -> int:
        """The number of devices of the mesh."""
        return self._mesh.size

    @property
    def is_fully_replicated(self) -> bool:
        """Whether every device holds the whole array."""
        sizes = self._mesh.shape
        return all(sizes[n] == 1 for e in self._spec for n in _entry_axes(e))

    @property
    def is_fully_addressable(self) -> bool:
        """Whether this process holds every device of the mesh."""
        return all(_is_local(d) for d in self._concrete_mesh().devices.flat)

    def _splits(self, ndim: int) -> list[int]:
        if len(self._spec) > ndim:
            raise ValueError(
                f"NamedSharding: spec {self._spec!r} has {len(self._spec)} entries, more than "
                f"the array's {ndim} dimensions"
            )
        sizes = self._mesh.shape
        splits = [math.prod(sizes[n] for n in _entry_axes(e)) for e in self._spec]
        return splits + [1] * (ndim - len(splits))

    def shard_shape(self, global_shape: Sequence[int]) -> tuple[int, ...]:
        """The shape of each device's piece of an array of `global_shape`.

        Raises:
            ValueError: if a split dimension does not divide evenly.
        """
        shape = tuple(int(d) for d in global_shape)
        out = []
        for dim, (size, n) in enumerate(zip(shape, self._splits(len(shape)), strict=True)):
            if size % n:
                raise ValueError(
                    f"NamedSharding: dimension {dim} of shape {shape} (size {size}) is not "
                    f"divisible by {n}, the number of shards spec {self._spec!r} makes of it"
                )
            out.append(size // n)
        return tuple(out)

    def devices_indices_map(self, global_shape: Sequence[int]) -> dict[Device, tuple[slice, ...]]:
        """For each device, the slices of an array of `global_shape` it holds."""
        shape = tuple(int(d) for d in global_shape)
        piece = self.shard_shape(shape)
        mesh = self._concrete_mesh()
        axis_pos = {n: i for i, n in enumerate(mesh.axis_names)}
        out: dict[Device, tuple[slice, ...]] = {}
        for coords in np.ndindex(*mesh.axis_sizes):
            idx = []
            for dim in range(len(shape)):
                entry = self._spec[dim] if dim < len(self._spec) else None
                block = 0
                for name in _entry_axes(entry):
                    block = block * mesh.axis_sizes[axis_pos[name]] + coords[axis_pos[name]]
                if piece[dim] == shape[dim]:
                    idx.append(slice(None))
                else:
                    idx.append(slice(block * piece[dim], (block + 1) * piece[dim]))
            out[mesh.devices[coords]] = tuple(idx)
        return out

    def with_memory_kind(self, kind: str) -> NamedSharding:
        """A copy in another memory kind."""
        return NamedSharding(self._mesh, self._spec, memory_kind=kind)

    def update(self, **kwargs: Any) -> NamedSharding:
        """A copy with `mesh`, `spec` or `memory_kind` replaced."""
        return NamedSharding(
            kwargs.get("mesh", self._mesh),
            kwargs.get("spec", self._spec),
            memory_kind=kwargs.get("memory_kind", self._memory_kind),
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, NamedSharding)
            and other._mesh == self._mesh
            and other._spec == self._spec
            and other._memory_kind == self._memory_kind
        )

    def __hash__(self) -> int:
        return hash((self._mesh, self._spec, self._memory_kind))

    def __repr__(self) -> str:
        kind = "" if self._memory_kind is None else f", memory_kind={self._memory_kind}"
        return f"NamedSharding(mesh={self._mesh!r}, spec={self._spec!r}{kind})"


class _State(threading.local):
    def __init__(self) -> None:
        self.meshes: list[Mesh] = []
        self.abstract: list[AbstractMesh] = []

    def push_mesh(self, mesh: Mesh) -> int:
        self.meshes.append(mesh)
        return len(self.meshes)

    def pop_mesh(self, depth: int) -> None:
        del self.meshes[depth - 1 :]


_STATE = _State()
_EMPTY_ABSTRACT = AbstractMesh((), ())


def get_mesh() -> Mesh | None:
    """The current mesh (set by `with mesh:`, `use_mesh` or `set_mesh`), or None."""
    return _STATE.meshes[-1] if _STATE.meshes else None


def get_abstract_mesh() -> AbstractMesh:
    """The axes of the current mesh (an empty AbstractMesh when none is set)."""
    if _STATE.abstract:
        return _STATE.abstract[-1]
    mesh = get_mesh()
    return _EMPTY_ABSTRACT if mesh is None else mesh.abstract_mesh


@contextlib.contextmanager
def use_mesh(mesh: Mesh) -> Iterator[Mesh]:
    """Make `mesh` the current mesh inside the block."""
    with mesh:
        yield mesh


def set_mesh(mesh: Mesh) -> Any:
    """Make `mesh` the current mesh; usable as a context manager that restores the previous."""
    if not isinstance(mesh, Mesh):
        raise TypeError(f"set_mesh: expected a Mesh, got {type(mesh).__name__}")
    depth = _STATE.push_mesh(mesh)

    @contextlib.contextmanager
    def restore() -> Iterator[Mesh]:
        try:
            yield mesh
        finally:
            _STATE.pop_mesh(depth)

    return restore()


@contextlib.contextmanager
def use_abstract_mesh(mesh: AbstractMesh) -> Iterator[AbstractMesh]:
    """Make `mesh` the current abstract mesh inside the block."""
    _STATE.abstract.append(mesh)
    try:
        yield mesh
    finally:
        _STATE.abstract.pop()


def make_mesh(
    axis_sizes: Sequence[int] | None = None,
    axis_names: Sequence[str] | None = None,
    axis_types: Any = None,
    *,
    devices: Sequence[Device] | None = None,
    axis_shapes: Sequence[int] | None = None,
) -> Mesh:
    """A mesh of `axis_sizes` over `devices` (default: all devices), in device order.

    Args:
        axis_sizes: the size of each mesh axis (JAX 0.12's name).
        axis_names: a name for each axis.
        axis_types: the axes' types (JAX's `AxisType`s), or None.
        devices: the devices to arrange (all devices by default).
        axis_shapes: JAX 0.10's name for `axis_sizes` (give one of the two).

    Returns:
        A `Mesh`.

    Raises:
        TypeError: when neither or both of `axis_sizes` and `axis_shapes` are given, or
            `axis_names` is missing.
        ValueError: if the axis sizes do not multiply to the number of devices.
    """
    if (axis_sizes is None) == (axis_shapes is None):
        raise TypeError("make_mesh: give the axis sizes once, as axis_sizes (or JAX 0.10's "
                        "axis_shapes)")  # fmt: skip
    if axis_names is None:
        raise TypeError("make_mesh: missing the axis_names argument")
    sizes = axis_sizes if axis_sizes is not None else axis_shapes
    assert sizes is not None
    devs = list(_all_devices() if devices is None else devices)
    shape = tuple(int(s) for s in sizes)
    if math.prod(shape) != len(devs):
        raise ValueError(
            f"make_mesh: axis_sizes {shape} make a mesh of {math.prod(shape)} devices, but "
            f"there are {len(devs)} devices"
        )
    grid = np.empty(len(devs), dtype=object)
    grid[:] = devs
    return Mesh(grid.reshape(shape), axis_names, axis_types=axis_types)
