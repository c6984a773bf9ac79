"""`pullback.numpy`: the NumPy API on pullback arrays, with JAX's semantics.

Functions accept Arrays, tracers, NumPy arrays, scalars and nested lists, promote dtypes the
way JAX does (weak Python scalars, the x64 switch), and return Arrays (tracers under a
transformation). Arrays are immutable: update them with `x.at[idx].set(v)`.
"""

from __future__ import annotations

import builtins
from typing import Any

import ml_dtypes
import numpy as _np
from pullback_ir import dtypes as _dtypes

from pullback_api._array_type import Array as ndarray  # (as JAX's: tracers are instances)
from pullback_api.numpy import fft as fft, linalg as linalg
from pullback_api.numpy._index_tricks import *  # noqa: F403
from pullback_api.numpy._index_tricks import __all__ as _index_tricks_all
from pullback_api.numpy._indexing import (
    argwhere as argwhere,
    flatnonzero as flatnonzero,
    nonzero as nonzero,
    take as take,
    take_along_axis as take_along_axis,
)
from pullback_api.numpy._io import *  # noqa: F403
from pullback_api.numpy._io import __all__ as _io_all
from pullback_api.numpy._math import *  # noqa: F403
from pullback_api.numpy._math import __all__ as _math_all
from pullback_api.numpy._misc_api import *  # noqa: F403
from pullback_api.numpy._misc_api import __all__ as _misc_api_all
from pullback_api.numpy._more import *  # noqa: F403
from pullback_api.numpy._more import __all__ as _more_all
from pullback_api.numpy._products import *  # noqa: F403
from pullback_api.numpy._products import __all__ as _products_all
from pullback_api.numpy._reductions import *  # noqa: F403
from pullback_api.numpy._reductions import __all__ as _reductions_all
from pullback_api.numpy._scalar_types import *  # noqa: F403
from pullback_api.numpy._scalar_types import __all__ as _scalar_all
from pullback_api.numpy._setops import *  # noqa: F403
from pullback_api.numpy._setops import __all__ as _setops_all
from pullback_api.numpy._shape import *  # noqa: F403
from pullback_api.numpy._shape import __all__ as _shape_all

dtype = _np.dtype
finfo, iinfo = ml_dtypes.finfo, ml_dtypes.iinfo
pi, e, inf, nan, euler_gamma = _np.pi, _np.e, _np.inf, _np.nan, _np.euler_gamma
newaxis = None
integer, floating, inexact, number = _np.integer, _np.floating, _np.inexact, _np.number
signedinteger, unsignedinteger, complexfloating = (
    _np.signedinteger, _np.unsignedinteger, _np.complexfloating,
)  # fmt: skip


def issubdtype(arg1: Any, arg2: Any) -> builtins.bool:
    """Whether `arg1` is a subtype of `arg2` in NumPy's hierarchy, with JAX's extensions.

    bfloat16 and the float8 types count as `np.floating` (NumPy alone does not know them),
    and typed PRNG key dtypes as `pullback.dtypes.prng_key`.
    """
    if str(arg1) == "key<fry>" or getattr(arg1, "dtype", None) == "key<fry>":
        from pullback_api import dtypes as _pd

        return builtins.bool(isinstance(arg2, type) and issubclass(_pd.prng_key, arg2))
    try:
        dt = _np.dtype(getattr(arg1, "dtype", arg1))
    except TypeError:
        return builtins.bool(_np.issubdtype(arg1, arg2))
    if dt in _ML_FLOATS:
        if isinstance(arg2, type) and issubclass(_np.floating, arg2):
            return True
        try:
            return builtins.bool(dt == _np.dtype(arg2))
        except TypeError:
            return False
    return builtins.bool(_np.issubdtype(dt, arg2))


_ML_FLOATS = frozenset((_dtypes.bfloat16, *_dtypes.FLOAT8_DTYPES))


def result_type(*args: Any) -> _np.dtype[Any]:
    """The dtype JAX's promotion gives these arguments."""
    return _dtypes.result_type(*args)[0]


def promote_types(a: Any, b: Any) -> _np.dtype[Any]:
    """The promotion of two dtypes."""
    return _dtypes.promote_types(a, b)


def can_cast(from_: Any, to: Any, casting: str = "safe") -> builtins.bool:
    """NumPy's cast check."""
    return builtins.bool(_np.can_cast(from_, to, casting))  # type: ignore[arg-type]


def isscalar(element: Any) -> builtins.bool:
    """Whether `element` is a scalar (a Python or NumPy scalar, or a 0-d array)."""
    if isinstance(element, (ndarray,)):
        return builtins.bool(getattr(element, "ndim", 1) == 0)
    return builtins.bool(_np.isscalar(element))


__all__ = sorted(
    {*_math_all, *_more_all, *_products_all, *_reductions_all, *_shape_all, "argwhere",
     *_index_tricks_all, *_misc_api_all, *_setops_all, *_io_all,
     "flatnonzero", "nonzero", "take", "take_along_axis", "fft", "linalg", "ndarray",
     *_scalar_all, "dtype", "finfo", "iinfo", "pi", "e", "inf", "nan", "euler_gamma",
     "newaxis", "result_type", "promote_types", "can_cast", "isscalar", "integer", "floating",
     "inexact", "number", "signedinteger", "unsignedinteger", "complexfloating", "issubdtype"}
)  # fmt: skip

from pullback_api.numpy import _methods  # noqa: E402  # fills the operator and method tables

del _methods
