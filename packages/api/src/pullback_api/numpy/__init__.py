"""`pullback.numpy`: the NumPy API on pullback arrays, with JAX's semantics.

Functions accept Arrays, tracers, NumPy arrays, scalars and nested lists, promote dtypes the
way JAX does (weak Python scalars, the x64 switch), and return Arrays (tracers under a
transformation). Arrays are immutable: update them with `x.at[idx].set(v)`.
"""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as _np
from pullback_compile import Array as ndarray  # what isinstance checks use
from pullback_ir import dtypes as _dtypes

from pullback_api.numpy import fft as fft, linalg as linalg
from pullback_api.numpy._indexing import (
    argwhere as argwhere,
    flatnonzero as flatnonzero,
    nonzero as nonzero,
    take as take,
    take_along_axis as take_along_axis,
)
from pullback_api.numpy._math import *  # noqa: F403
from pullback_api.numpy._math import __all__ as _math_all
from pullback_api.numpy._more import *  # noqa: F403
from pullback_api.numpy._more import __all__ as _more_all
from pullback_api.numpy._products import *  # noqa: F403
from pullback_api.numpy._products import __all__ as _products_all
from pullback_api.numpy._reductions import *  # noqa: F403
from pullback_api.numpy._reductions import __all__ as _reductions_all
from pullback_api.numpy._shape import *  # noqa: F403
from pullback_api.numpy._shape import __all__ as _shape_all

bool_ = _np.bool_
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
float16, float32, float64 = _np.float16, _np.float32, _np.float64
complex64, complex128 = _np.complex64, _np.complex128
bfloat16 = ml_dtypes.bfloat16
float8_e4m3fn, float8_e5m2 = ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2
dtype = _np.dtype
finfo, iinfo = ml_dtypes.finfo, ml_dtypes.iinfo
pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None
integer, floating, inexact, number = _np.integer, _np.floating, _np.inexact, _np.number
signedinteger, unsignedinteger, complexfloating = (
    _np.signedinteger, _np.unsignedinteger, _np.complexfloating,
)  # fmt: skip
issubdtype = _np.issubdtype


def result_type(*args: Any) -> _np.dtype[Any]:
    """The dtype JAX's promotion gives these arguments."""
    return _dtypes.result_type(*args)[0]


def promote_types(a: Any, b: Any) -> _np.dtype[Any]:
    """The promotion of two dtypes."""
    return _dtypes.promote_types(a, b)


def can_cast(from_: Any, to: Any, casting: str = "safe") -> bool:
    """NumPy's cast check."""
    return bool(_np.can_cast(from_, to, casting))  # type: ignore[arg-type]


def isscalar(element: Any) -> bool:
    """Whether `element` is a scalar (a Python or NumPy scalar, or a 0-d array)."""
    if isinstance(element, (ndarray,)):
        return element.ndim == 0
    return bool(_np.isscalar(element))


__all__ = sorted(
    {*_math_all, *_more_all, *_products_all, *_reductions_all, *_shape_all, "argwhere",
     "flatnonzero", "nonzero", "take", "take_along_axis", "fft", "linalg", "ndarray", "bool_",
     "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
     "float32", "float64", "complex64", "complex128", "bfloat16", "float8_e4m3fn",
     "float8_e5m2", "dtype", "finfo", "iinfo", "pi", "e", "inf", "nan", "euler_gamma",
     "newaxis", "result_type", "promote_types", "can_cast", "isscalar", "integer", "floating",
     "inexact", "number", "signedinteger", "unsignedinteger", "complexfloating", "issubdtype"}
)  # fmt: skip

from pullback_api.numpy import _methods  # noqa: E402  # fills the operator and method tables

del _methods
