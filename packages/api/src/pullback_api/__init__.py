"""pullback_api: the public surface of pullback.

`import pullback as pb` gives these: the transformations (`jit`, `grad`, `vmap`, `pmap`, ...),
arrays and devices, and the `numpy`, `lax`, `random`, `nn`, `tree_util` namespaces and
`config`, with JAX's names, signatures and semantics.
"""

from pullback_autodiff import (
    SymbolicZero as SymbolicZero,
    checkpoint_name as checkpoint_name,
    checkpoint_policies as checkpoint_policies,
)
from pullback_compile import (
    Array as Array,
    DeletedArrayError as DeletedArrayError,
    SingleDeviceSharding as SingleDeviceSharding,
    block_until_ready as block_until_ready,
    clear_caches as clear_caches,
    default_backend as default_backend,
    device_count as device_count,
    device_get as device_get,
    device_put as device_put,
    devices as devices,
    effects_barrier as effects_barrier,
    jit as jit,
    local_device_count as local_device_count,
    local_devices as local_devices,
    set_compilation_cache_dir as set_compilation_cache_dir,
)
from pullback_ir import ShapeDtypeStruct as ShapeDtypeStruct, make_jaxpr as make_jaxpr
from pullback_ir.errors import (
    ConcretizationTypeError as ConcretizationTypeError,
    TracerArrayConversionError as TracerArrayConversionError,
    TracerBoolConversionError as TracerBoolConversionError,
    TracerIntegerConversionError as TracerIntegerConversionError,
    UnexpectedTracerError as UnexpectedTracerError,
)
from pullback_ir.trace import named_scope as named_scope

from pullback_api import (
    config as _config_module,
    debug as debug,
    lax as lax,
    nn as nn,
    numpy as numpy,
    random as random,
    scipy as scipy,
    tree as tree,
    tree_util as tree_util,
)
from pullback_api._api_misc import (
    eval_shape as eval_shape,
    io_callback as io_callback,
    pure_callback as pure_callback,
)
from pullback_api._transforms import (
    checkpoint as checkpoint,
    closure_convert as closure_convert,
    custom_gradient as custom_gradient,
    custom_jvp as custom_jvp,
    custom_vjp as custom_vjp,
    fwd_and_bwd as fwd_and_bwd,
    grad as grad,
    hessian as hessian,
    jacfwd as jacfwd,
    jacobian as jacobian,
    jacrev as jacrev,
    jvp as jvp,
    linear_transpose as linear_transpose,
    linearize as linearize,
    named_call as named_call,
    pmap as pmap,
    remat as remat,
    stop_gradient as stop_gradient,
    value_and_grad as value_and_grad,
    vjp as vjp,
    vmap as vmap,
)
from pullback_api.tree_util import Partial as Partial

config = _config_module.config

__version__ = "0.1.0"

__all__ = [
    "Array", "ConcretizationTypeError", "DeletedArrayError", "Partial", "ShapeDtypeStruct",
    "SingleDeviceSharding", "SymbolicZero", "TracerArrayConversionError",
    "TracerBoolConversionError", "TracerIntegerConversionError", "UnexpectedTracerError",
    "block_until_ready", "checkpoint", "checkpoint_name", "checkpoint_policies", "clear_caches",
    "closure_convert", "config", "custom_gradient", "custom_jvp", "custom_vjp", "debug",
    "default_backend", "device_count", "device_get", "device_put", "devices",
    "effects_barrier", "eval_shape", "fwd_and_bwd", "grad", "hessian", "io_callback", "jacfwd",
    "jacobian", "jacrev", "jit", "jvp", "lax", "linear_transpose", "linearize",
    "local_device_count", "local_devices", "make_jaxpr", "named_call", "named_scope", "nn",
    "numpy", "pmap", "pure_callback", "random", "remat", "scipy", "set_compilation_cache_dir",
    "stop_gradient", "tree", "tree_util", "value_and_grad", "vjp", "vmap",
]  # fmt: skip
