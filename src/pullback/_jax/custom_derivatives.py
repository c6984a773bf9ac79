"""`jax.custom_derivatives`: custom differentiation rules and the values their rules see."""

from pullback_api import (
    closure_convert,
    custom_gradient,
    custom_jvp,
    custom_vjp,
)
from pullback_autodiff import CustomVJPPrimal, SymbolicZero
from pullback_ir.primitives.control import custom_jvp_call_p, custom_vjp_call_p

__all__ = ["CustomVJPPrimal", "SymbolicZero", "closure_convert", "custom_gradient",
           "custom_jvp", "custom_jvp_call_p", "custom_vjp", "custom_vjp_call_p"]  # fmt: skip
