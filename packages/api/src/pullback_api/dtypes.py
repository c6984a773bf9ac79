"""`pullback.dtypes`: dtype helpers with JAX's names (`jax.dtypes`).

`canonicalize_dtype` narrows 64-bit types unless x64 is on; `result_type` follows JAX's
promotion lattice (weak Python scalars included); `prng_key` is the abstract dtype of typed
PRNG keys (`jnp.issubdtype(random.key(0).dtype, dtypes.prng_key)`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes as _d
from pullback_ir.errors import TypePromotionError

from pullback_api.numpy import bfloat16, finfo, iinfo, issubdtype

__all__ = [
    "TypePromotionError",
    "bfloat16",
    "canonicalize_dtype",
    "extended",
    "finfo",
    "float0",
    "iinfo",
    "issubdtype",
    "prng_key",
    "result_type",
    "scalar_type_of",
]

float0 = _d.float0


class extended:
    """The abstract base of extended dtypes (typed PRNG keys are the one kind here)."""


class prng_key(extended):
    """The abstract dtype of typed PRNG key arrays (`key<fry>`)."""


def canonicalize_dtype(dtype: Any, allow_extended_dtype: bool = False) -> Any:
    """The dtype values of `dtype` get: 64-bit types narrow to 32 bits unless x64 is on."""
    if allow_extended_dtype and _is_key_dtype(dtype):
        return dtype
    return _d.canonicalize_dtype(dtype)


def result_type(*args: Any, return_weak_type_flag: bool = False) -> Any:
    """The dtype JAX's promotion gives `args` (values, dtypes; Python scalars are weak)."""
    dtype, weak = _d.result_type(*args)
    return (dtype, weak) if return_weak_type_flag else dtype


def scalar_type_of(x: Any) -> type:
    """The Python scalar type (bool, int, float or complex) of a value's dtype."""
    dt = np.dtype(x.dtype if hasattr(x, "dtype") else _d.dtype_and_weak(x)[0])
    if dt == np.bool_:
        return bool
    if _d.is_integer(dt):
        return int
    if _d.is_float(dt):
        return float
    return complex


def _is_key_dtype(dtype: Any) -> bool:
    return str(dtype) == "key<fry>"
