"""pullback_compile: lowering to StableHLO and the XLA runtime (jit, pmap, devices, Array)."""

from pullback_compile.array import Array as Array, DeletedArrayError as DeletedArrayError
from pullback_compile.devices import (
    SingleDeviceSharding as SingleDeviceSharding,
    default_backend as default_backend,
    device_count as device_count,
    devices as devices,
    local_device_count as local_device_count,
    local_devices as local_devices,
    set_cpu_device_count as set_cpu_device_count,
    set_platforms as set_platforms,
    started_backends as started_backends,
)
from pullback_compile.eager import (
    eager_cache_size as eager_cache_size,
    eager_on_device as eager_on_device,
)
from pullback_compile.jit import (
    clear_caches as clear_caches,
    effects_barrier as effects_barrier,
    jit as jit,
    set_compilation_cache_dir as set_compilation_cache_dir,
)
from pullback_compile.pmap import pmap as pmap
from pullback_compile.transfer import (
    block_until_ready as block_until_ready,
    device_get as device_get,
    device_put as device_put,
)

__version__ = "0.1.0"

__all__ = [
    "Array",
    "DeletedArrayError",
    "SingleDeviceSharding",
    "block_until_ready",
    "clear_caches",
    "default_backend",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "eager_cache_size",
    "eager_on_device",
    "effects_barrier",
    "jit",
    "local_device_count",
    "local_devices",
    "pmap",
    "set_compilation_cache_dir",
    "set_cpu_device_count",
    "set_platforms",
    "started_backends",
]
