"""The scalar types of `pullback.numpy` (`float32`, `int8`, `bfloat16`, ...), as in JAX.

Each is a class standing for its dtype: it compares and hashes like the NumPy scalar type,
`np.dtype(t)` and every dtype argument accept it, `isinstance(x, t)` checks for that NumPy
scalar type, and calling it converts a value to an array of that dtype, which works on
traced values too: `jnp.float32(x)` inside `jit` is `jnp.asarray(x, jnp.float32)`.
"""

from __future__ import annotations

import builtins
from typing import Any

import ml_dtypes
import numpy as np

__all__ = [
    "bfloat16",
    "bool",
    "bool_",
    "cdouble",
    "complex64",
    "complex128",
    "complex_",
    "csingle",
    "double",
    "float8_e3m4",
    "float8_e4m3",
    "float8_e4m3b11fnuz",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float16",
    "float32",
    "float64",
    "float_",
    "int8",
    "int16",
    "int32",
    "int64",
    "int_",
    "single",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
]  # fmt: skip


class _ScalarMeta(type):
    dtype: np.dtype[Any]
    _scalar_type: type

    def __hash__(cls) -> int:
        return hash(cls._scalar_type)

    def __eq__(cls, other: object) -> builtins.bool:
        return other is cls or cls._scalar_type == other

    def __ne__(cls, other: object) -> builtins.bool:
        return not cls == other

    def __instancecheck__(cls, instance: object) -> builtins.bool:
        return isinstance(instance, cls._scalar_type)

    def __call__(cls, x: Any) -> Any:
        from pullback_api.numpy._shape import asarray  # (the functions import this module)

        return asarray(x, dtype=cls.dtype)


def _scalar_type(name: str, t: type) -> _ScalarMeta:
    doc = f"The {np.dtype(t).name} scalar type: calling it converts a value to such an array."
    cls = _ScalarMeta(name, (), {"dtype": np.dtype(t), "_scalar_type": t, "__doc__": doc,
                                 "__module__": "pullback.numpy"})  # fmt: skip
    return cls


bool_ = _scalar_type("bool_", np.bool_)
bool = bool_  # (JAX's name too)
int8, int16 = _scalar_type("int8", np.int8), _scalar_type("int16", np.int16)
int32, int64 = _scalar_type("int32", np.int32), _scalar_type("int64", np.int64)
uint8, uint16 = _scalar_type("uint8", np.uint8), _scalar_type("uint16", np.uint16)
uint32, uint64 = _scalar_type("uint32", np.uint32), _scalar_type("uint64", np.uint64)
float16, float32 = _scalar_type("float16", np.float16), _scalar_type("float32", np.float32)
float64 = _scalar_type("float64", np.float64)
complex64 = _scalar_type("complex64", np.complex64)
complex128 = _scalar_type("complex128", np.complex128)
bfloat16 = _scalar_type("bfloat16", ml_dtypes.bfloat16)
float8_e4m3fn = _scalar_type("float8_e4m3fn", ml_dtypes.float8_e4m3fn)
float8_e5m2 = _scalar_type("float8_e5m2", ml_dtypes.float8_e5m2)
float8_e4m3fnuz = _scalar_type("float8_e4m3fnuz", ml_dtypes.float8_e4m3fnuz)
float8_e5m2fnuz = _scalar_type("float8_e5m2fnuz", ml_dtypes.float8_e5m2fnuz)
float8_e4m3b11fnuz = _scalar_type("float8_e4m3b11fnuz", ml_dtypes.float8_e4m3b11fnuz)
float8_e4m3 = _scalar_type("float8_e4m3", ml_dtypes.float8_e4m3)
float8_e3m4 = _scalar_type("float8_e3m4", ml_dtypes.float8_e3m4)
float8_e8m0fnu = _scalar_type("float8_e8m0fnu", ml_dtypes.float8_e8m0fnu)
# NumPy's aliases (the 64-bit ones, which give 32-bit values while x64 is off)
int_, uint, float_, complex_ = int64, uint64, float64, complex128
single, double, csingle, cdouble = float32, float64, complex64, complex128
