"""Dtypes, canonicalization under the x64 switch, and JAX's type promotion lattice.

Promotion follows JAX: a lattice over bool, signed/unsigned ints, floats and complex, with
weak types for Python scalars (`int`, `float`, `complex`) that defer to the other operand's
width. float8 types promote only with weak types and with themselves.
"""

from __future__ import annotations

import functools
from typing import Any

import ml_dtypes
import numpy as np

from pullback_ir.config import STATE
from pullback_ir.errors import TypePromotionError

__all__ = [
    "bfloat16",
    "canonicalize_dtype",
    "canonicalize_ndarray",
    "default_float_dtype",
    "default_int_dtype",
    "dtype_and_weak",
    "float0",
    "is_complex",
    "is_float",
    "is_inexact",
    "is_integer",
    "is_signed",
    "promote_types",
    "result_type",
    "short_name",
    "weak_scalar",
]

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = (np.dtype(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)
bfloat16 = np.dtype(ml_dtypes.bfloat16)
FLOAT8_DTYPES: tuple[np.dtype[Any], ...] = tuple(
    np.dtype(getattr(ml_dtypes, n))
    for n in (
        "float8_e3m4",
        "float8_e4m3",
        "float8_e4m3b11fnuz",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e5m2fnuz",
        "float8_e8m0fnu",
    )
    if hasattr(ml_dtypes, n)
)
#: The dtype of tangents and cotangents of integer and boolean values (no storage).
float0 = np.dtype([("float0", np.void, 0)])

SIGNED = (int8, int16, int32, int64)
UNSIGNED = (uint8, uint16, uint32, uint64)
INTEGER = SIGNED + UNSIGNED
FLOATS = (*FLOAT8_DTYPES, bfloat16, float16, float32, float64)
COMPLEX = (complex64, complex128)
ALL_DTYPES = (bool_, *INTEGER, *FLOATS, *COMPLEX)

_SHORT = {
    bool_: "bool",
    int8: "i8",
    int16: "i16",
    int32: "i32",
    int64: "i64",
    uint8: "u8",
    uint16: "u16",
    uint32: "u32",
    uint64: "u64",
    bfloat16: "bf16",
    float16: "f16",
    float32: "f32",
    float64: "f64",
    complex64: "c64",
    complex128: "c128",
    float0: "float0",
}

_NARROW: dict[np.dtype[Any], np.dtype[Any]] = {
    int64: int32,
    uint64: uint32,
    float64: float32,
    complex128: complex64,
}


def short_name(dtype: np.dtype[Any]) -> str:
    """The short name used in jaxpr printouts: `f32`, `i8`, `bf16`, `bool`."""
    return _SHORT.get(dtype, dtype.name)


def canonicalize_dtype(dtype: Any) -> np.dtype[Any]:
    """The dtype values of `dtype` actually get: 64-bit types narrow to 32-bit unless x64 is on."""
    dt: np.dtype[Any] = np.dtype(dtype)
    if STATE.x64:
        return dt
    return _NARROW.get(dt, dt)


def canonicalize_ndarray(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A NumPy array as a value of its canonical dtype (float64 -> float32 with x64 off).

    JAX canonicalizes NumPy operands wherever they enter a computation: `jnp.ones(2) -
    np.ones(2)` is float32. Arrays already canonical are returned as they are.

    Example:
        >>> canonicalize_ndarray(np.ones(2)).dtype
        dtype('float32')
    """
    narrow = _NARROW.get(x.dtype)
    if narrow is None or STATE.x64:
        return x
    return x.astype(narrow)


def default_int_dtype() -> np.dtype[Any]:
    """int64 with x64 on, else int32."""
    return int64 if STATE.x64 else int32


def default_float_dtype() -> np.dtype[Any]:
    """float64 with x64 on, else float32."""
    return float64 if STATE.x64 else float32


def default_complex_dtype() -> np.dtype[Any]:
    """complex128 with x64 on, else complex64."""
    return complex128 if STATE.x64 else complex64


def weak_scalar(x: bool | int | float | complex, dtype: np.dtype[Any]) -> Any:
    """`x` as a weakly typed value of `dtype` (the dtype of a weak promotion result).

    A weak value of the default int, float or complex dtype is written as a Python scalar of
    that kind, which every operation takes as weakly typed. Any other dtype (weak results of a
    non-default width are rare) gives a NumPy array of `dtype`, which is strong.

    Example:
        >>> import numpy as np
        >>> weak_scalar(2, np.dtype(np.float32)), weak_scalar(2, np.dtype(np.float16))
        (2.0, array(2., dtype=float16))
    """
    v: Any = x
    if dtype == default_float_dtype():
        return float(v.real if type(v) is complex else v)
    if dtype == default_int_dtype() and type(v) is not float and type(v) is not complex:
        return int(v)
    if dtype == default_complex_dtype():
        return complex(x)
    return np.asarray(x, dtype)


def is_float(dtype: np.dtype[Any]) -> bool:
    """Real floating point, bfloat16 and float8 included."""
    return dtype in FLOATS


def is_complex(dtype: np.dtype[Any]) -> bool:
    """complex64 or complex128."""
    return dtype in COMPLEX


def is_inexact(dtype: np.dtype[Any]) -> bool:
    """Floating point or complex."""
    return dtype in FLOATS or dtype in COMPLEX


def is_integer(dtype: np.dtype[Any]) -> bool:
    """Signed or unsigned integer (bool excluded)."""
    return dtype in INTEGER


def is_signed(dtype: np.dtype[Any]) -> bool:
    """Signed integer."""
    return dtype in SIGNED


# ---------------------------------------------------------------------------- promotion

# Weak type nodes of the lattice: the types of Python scalars.
_I, _F, _C = "i*", "f*", "c*"

_LATTICE: dict[Any, tuple[Any, ...]] = {
    bool_: (_I,),
    _I: (uint8, int8),
    uint8: (uint16, int16),
    uint16: (uint32, int32),
    uint32: (uint64, int64),
    uint64: (_F,),
    int8: (int16,),
    int16: (int32,),
    int32: (int64,),
    int64: (_F,),
    _F: (*FLOAT8_DTYPES, bfloat16, float16, _C),
    **{f8: () for f8 in FLOAT8_DTYPES},
    bfloat16: (float32,),
    float16: (float32,),
    float32: (float64, complex64),
    float64: (complex128,),
    _C: (complex64,),
    complex64: (complex128,),
    complex128: (),
}


@functools.cache
def _upper_set(node: Any) -> frozenset[Any]:
    out = {node}
    for up in _LATTICE[node]:
        out |= _upper_set(up)
    return frozenset(out)


@functools.cache
def _join(a: Any, b: Any) -> Any:
    common = _upper_set(a) & _upper_set(b)
    # The least upper bound is the common node every other common node lies above.
    for c in common:
        if all(other in _upper_set(c) for other in common):
            return c
    raise TypePromotionError(
        f"no implicit promotion between {a} and {b}: convert one of them explicitly "
        "(for example with .astype)."
    )


def _node(dtype: np.dtype[Any], weak: bool) -> Any:
    if not weak:
        return dtype
    if dtype == bool_:
        return bool_
    if is_integer(dtype):
        return _I
    if is_float(dtype):
        return _F
    return _C


def _from_node(node: Any) -> tuple[np.dtype[Any], bool]:
    # (`is`, not `==`: a dtype compared with a string parses the string as a dtype, slowly)
    if type(node) is str:
        if node is _I:
            return default_int_dtype(), True
        if node is _F:
            return default_float_dtype(), True
        return default_complex_dtype(), True
    return canonicalize_dtype(node), False


def dtype_and_weak(x: Any) -> tuple[np.dtype[Any], bool]:
    """The (canonical dtype, weak type) of a value, dtype or abstract value.

    Python `int`, `float` and `complex` are weakly typed; `bool` is not.
    """
    if isinstance(x, bool):
        return bool_, False
    if isinstance(x, int):
        return default_int_dtype(), True
    if isinstance(x, float):
        return default_float_dtype(), True
    if isinstance(x, complex):
        return default_complex_dtype(), True
    if isinstance(x, np.dtype | type | str):
        return canonicalize_dtype(x), False
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return canonicalize_dtype(dt), bool(getattr(x, "weak_type", False))
    return canonicalize_dtype(x), False


def result_type(*args: Any) -> tuple[np.dtype[Any], bool]:
    """The promoted (dtype, weak type) of values, dtypes or abstract values, as JAX computes it.

    Example:
        >>> import numpy as np
        >>> result_type(np.float16, 2.0)
        (dtype('float16'), False)
        >>> result_type(np.int8, np.uint8)
        (dtype('int16'), False)
        >>> result_type(1, 2.5)
        (dtype('float32'), True)
    """
    if not args:
        raise ValueError("result_type: at least one argument is needed.")
    if STATE.strict_promotion:
        _check_strict([dtype_and_weak(a) for a in args])
    node = None
    for a in args:
        n = _node(*dtype_and_weak(a))
        node = n if node is None else _join(node, n)
    return _from_node(node)


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "V": 2, "c": 3}


def _check_strict(pairs: list[tuple[np.dtype[Any], bool]]) -> None:
    # Strict promotion (JAX's jax_numpy_dtype_promotion="strict"): arrays of different dtypes
    # do not mix, and a weak value joins a strong dtype only of its own kind or above.
    strong = {dt for dt, weak in pairs if not weak}
    if not strong:
        return
    bad = len(strong) > 1
    if not bad:
        (target,) = strong
        rank = _KIND_RANK.get(target.kind, 2)
        bad = any(weak and _KIND_RANK.get(dt.kind, 2) > rank for dt, weak in pairs)
    if bad:
        names = ", ".join(
            repr(f"<class '{_PY_NAME.get(dt.kind, dt.name)}'>" if weak else dt.name)
            for dt, weak in pairs
        )
        raise TypePromotionError(
            f"Input dtypes ({names}) have no available implicit dtype promotion path when "
            "jax_numpy_dtype_promotion=strict. Try explicitly casting inputs to the desired "
            "output type, or set jax_numpy_dtype_promotion=standard."
        )


_PY_NAME = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}


def promote_types(a: Any, b: Any) -> np.dtype[Any]:
    """The promoted dtype of two (strong) dtypes.

    Example:
        >>> import numpy as np
        >>> promote_types(np.int32, np.float16)
        dtype('float16')
    """
    return result_type(np.dtype(a), np.dtype(b))[0]
