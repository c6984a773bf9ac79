"""pullback_autodiff: forward and reverse-mode automatic differentiation."""

from pullback_ir.lax import stop_gradient as stop_gradient

from pullback_autodiff import checkpoint_policies as checkpoint_policies
from pullback_autodiff.api import (
    fwd_and_bwd as fwd_and_bwd,
    grad as grad,
    hessian as hessian,
    jacfwd as jacfwd,
    jacobian as jacobian,
    jacrev as jacrev,
    jvp as jvp,
    linear_transpose as linear_transpose,
    linearize as linearize,
    value_and_grad as value_and_grad,
    vjp as vjp,
)
from pullback_autodiff.checkpoint import (
    checkpoint as checkpoint,
    checkpoint_name as checkpoint_name,
    remat as remat,
)
from pullback_autodiff.custom import (
    CustomVJPPrimal as CustomVJPPrimal,
    SymbolicZero as SymbolicZero,
    closure_convert as closure_convert,
    custom_gradient as custom_gradient,
    custom_jvp as custom_jvp,
    custom_vjp as custom_vjp,
)

__version__ = "0.1.0"

__all__ = [
    "CustomVJPPrimal",
    "SymbolicZero",
    "checkpoint",
    "checkpoint_name",
    "checkpoint_policies",
    "closure_convert",
    "custom_gradient",
    "custom_jvp",
    "custom_vjp",
    "fwd_and_bwd",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linear_transpose",
    "linearize",
    "remat",
    "stop_gradient",
    "value_and_grad",
    "vjp",
]
