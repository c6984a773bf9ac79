"""`pullback.sharding`: meshes, partition specs and shardings (JAX's `jax.sharding`).

The classes answer layout questions as JAX's do; programs run on one device (or over several
with `pmap`) and are not yet partitioned over a mesh, so a sharding that spans several devices
is refused where an array is placed.
"""

from __future__ import annotations

from pullback_compile.devices import Sharding, SingleDeviceSharding
from pullback_compile.sharding import (
    AbstractMesh,
    AxisType,
    Mesh,
    NamedSharding,
    PartitionSpec,
    get_abstract_mesh,
    get_mesh,
    set_mesh,
    use_abstract_mesh,
    use_mesh,
)

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
    "set_mesh",
    "use_abstract_mesh",
    "use_mesh",
]
