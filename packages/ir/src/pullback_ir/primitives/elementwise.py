"""Elementwise primitives: arithmetic, comparisons, logic, shifts, transcendentals, conversion.

Also rounding, complex parts and selection (`select_n`, `clamp`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import quiet as _quiet, silent
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import special
from pullback_ir.primitives.families import (
    ANY,
    BOOL_INT,
    FLOAT,
    INEXACT,
    INT,
    NOT_COMPLEX,
    NUMERIC,
    REAL_NUMERIC,
    check_dtype,
    naryop,
    standard_primitive,
    unop,
)


def _real_dtype(d: np.dtype[Any]) -> np.dtype[Any]:
    return {dtypes.complex64: dtypes.float32, dtypes.complex128: dtypes.float64}.get(d, d)


def _complex_dtype(d: np.dtype[Any]) -> np.dtype[Any]:
    return dtypes.complex128 if d == dtypes.float64 else dtypes.complex64


def _to_bool(d: np.dtype[Any]) -> np.dtype[Any]:
    del d  # unused
    return dtypes.bool_


# ---------------------------------------------------------------------------- unary

neg_p = unop("neg", NUMERIC, _quiet(np.negative))
sign_p = unop(
    "sign",
    NUMERIC,
    _quiet(lambda x: np.sign(x) if not np.iscomplexobj(x) else np.where(x == 0, 0, x / np.abs(x))),
)
abs_p = unop("abs", NUMERIC, _quiet(np.abs), result_dtype=_real_dtype)
floor_p = unop("floor", FLOAT, np.floor)
ceil_p = unop("ceil", FLOAT, np.ceil)
is_finite_p = unop("is_finite", FLOAT, np.isfinite, result_dtype=_to_bool)
exp_p = unop("exp", INEXACT, _quiet(np.exp))
exp2_p = unop("exp2", INEXACT, _quiet(np.exp2))
log_p = unop("log", INEXACT, _quiet(np.log))
expm1_p = unop("expm1", INEXACT, _quiet(np.expm1))
log1p_p = unop("log1p", INEXACT, _quiet(np.log1p))
sin_p = unop("sin", INEXACT, _quiet(np.sin))
cos_p = unop("cos", INEXACT, _quiet(np.cos))
tan_p = unop("tan", INEXACT, _quiet(np.tan))
asin_p = unop("asin", INEXACT, _quiet(np.arcsin))
acos_p = unop("acos", INEXACT, _quiet(np.arccos))
atan_p = unop("atan", INEXACT, _quiet(np.arctan))
sinh_p = unop("sinh", INEXACT, _quiet(np.sinh))
cosh_p = unop("cosh", INEXACT, _quiet(np.cosh))
tanh_p = unop("tanh", INEXACT, _quiet(np.tanh))
asinh_p = unop("asinh", INEXACT, _quiet(np.arcsinh))
acosh_p = unop("acosh", INEXACT, _quiet(np.arccosh))
atanh_p = unop("atanh", INEXACT, _quiet(np.arctanh))
sqrt_p = unop("sqrt", INEXACT, _quiet(np.sqrt))
rsqrt_p = unop("rsqrt", INEXACT, _quiet(lambda x: 1 / np.sqrt(x)))
cbrt_p = unop("cbrt", FLOAT, _quiet(np.cbrt))
logistic_p = unop("logistic", INEXACT, _quiet(lambda x: 1 / (1 + np.exp(-x))))
erf_p = unop("erf", FLOAT, special.erf)
erfc_p = unop("erfc", FLOAT, special.erfc)
erf_inv_p = unop("erf_inv", FLOAT, special.erf_inv)
lgamma_p = unop("lgamma", FLOAT, special.lgamma)
digamma_p = unop("digamma", FLOAT, special.digamma)
not_p = unop("not", BOOL_INT, np.invert)
population_count_p = unop(
    "population_count",
    INT,
    # Count the two's-complement bits (np.bitwise_count counts those of |x| for signed ints).
    lambda x: np.bitwise_count(x.view(np.dtype(f"u{x.dtype.itemsize}"))).astype(x.dtype),
)
real_p = unop("real", (dtypes.is_complex, "complex"), np.real, result_dtype=_real_dtype)
imag_p = unop("imag", (dtypes.is_complex, "complex"), np.imag, result_dtype=_real_dtype)
conj_p = unop("conj", (dtypes.is_complex, "complex"), np.conj)


def _clz(x: np.ndarray[Any, Any]) -> Any:
    bits = x.dtype.itemsize * 8
    u = x.view(np.dtype(f"u{x.dtype.itemsize}")).astype(np.uint64)
    out = np.full(x.shape, bits, np.int64)
    for b in range(bits):
        out = np.where((u >> np.uint64(b)) & np.uint64(1), bits - 1 - b, out)
    return out.astype(x.dtype)


clz_p = unop("clz", INT, _clz)


def _round_impl(x: np.ndarray[Any, Any], *, rounding_method: int) -> Any:
    if rounding_method == 1:
        return np.round(x)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


round_p = unop("round", FLOAT, _round_impl)

# ---------------------------------------------------------------------------- binary


def _div(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> Any:
    if dtypes.is_integer(x.dtype):
        # C semantics: the quotient rounds toward zero.
        q = np.abs(x) // np.where(y == 0, 1, np.abs(y))
        return np.where(y == 0, -1, np.where((x < 0) != (y < 0), -q, q)).astype(x.dtype)
    return np.true_divide(x, y)


def _rem(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> Any:
    if dtypes.is_integer(x.dtype):
        return np.where(y == 0, x, np.fmod(x, np.where(y == 0, 1, y))).astype(x.dtype)
    return np.fmod(x, y)


def _shift(kind: str) -> Any:
    def impl(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> Any:
        bits = x.dtype.itemsize * 8
        udt = np.dtype(f"u{x.dtype.itemsize}")
        too_big = (y < 0) | (y >= bits)
        ys = np.where(too_big, 0, y).astype(udt)
        if kind in ("left", "logical"):
            # Same-width casts between signed and unsigned wrap in two's complement.
            u = x.astype(udt)
            out = (u << ys) if kind == "left" else (u >> ys)
            return np.where(too_big, 0, out.astype(x.dtype)).astype(x.dtype)
        out = x >> np.where(too_big, bits - 1, y).astype(x.dtype)
        return out.astype(x.dtype)

    return impl


add_p = naryop("add", 2, NUMERIC, _quiet(np.add))
sub_p = naryop("sub", 2, NUMERIC, _quiet(np.subtract))
mul_p = naryop("mul", 2, NUMERIC, _quiet(np.multiply))
div_p = naryop("div", 2, NUMERIC, _quiet(_div))
rem_p = naryop("rem", 2, REAL_NUMERIC, _quiet(_rem))
pow_p = naryop("pow", 2, INEXACT, _quiet(np.power))
max_p = naryop("max", 2, NOT_COMPLEX, np.maximum)
min_p = naryop("min", 2, NOT_COMPLEX, np.minimum)
atan2_p = naryop("atan2", 2, FLOAT, _quiet(np.arctan2))


def _nextafter(x: Any, y: Any) -> Any:
    with np.errstate(all="ignore"):  # (stepping past the largest value gives inf, as in XLA)
        return np.nextafter(x, y)


# (the next value of float16, bfloat16 or float8 is its own: never computed in float32)
_nextafter.native_low_precision = True  # type: ignore[attr-defined]
nextafter_p = naryop("nextafter", 2, FLOAT, _nextafter)
and_p = naryop("and", 2, BOOL_INT, np.bitwise_and)
or_p = naryop("or", 2, BOOL_INT, np.bitwise_or)
xor_p = naryop("xor", 2, BOOL_INT, np.bitwise_xor)
shift_left_p = naryop("shift_left", 2, INT, _shift("left"))
shift_right_arithmetic_p = naryop("shift_right_arithmetic", 2, INT, _shift("arithmetic"))
shift_right_logical_p = naryop("shift_right_logical", 2, INT, _shift("logical"))
eq_p = naryop("eq", 2, ANY, np.equal, result_dtype=_to_bool)
ne_p = naryop("ne", 2, ANY, np.not_equal, result_dtype=_to_bool)
lt_p = naryop("lt", 2, NOT_COMPLEX, np.less, result_dtype=_to_bool)
le_p = naryop("le", 2, NOT_COMPLEX, np.less_equal, result_dtype=_to_bool)
gt_p = naryop("gt", 2, NOT_COMPLEX, np.greater, result_dtype=_to_bool)
ge_p = naryop("ge", 2, NOT_COMPLEX, np.greater_equal, result_dtype=_to_bool)
complex_p = naryop(
    "complex",
    2,
    ({dtypes.float32, dtypes.float64}.__contains__, "float32 or float64"),
    lambda x, y: x + 1j * y,
    result_dtype=_complex_dtype,
)


def _integer_pow_shape(x: ShapedArray, *, y: int) -> tuple[int, ...]:
    check_dtype("integer_pow", x, NUMERIC, "x")
    if not isinstance(y, int):
        raise TypeError(f"integer_pow: the exponent y must be a Python int, got {y!r}")
    if y < 0 and dtypes.is_integer(x.dtype):
        raise TypeError(
            f"integer_pow: a negative exponent ({y}) needs a floating-point x, got {x.str_long()}"
        )
    return x.shape


integer_pow_p = standard_primitive(
    "integer_pow",
    _integer_pow_shape,
    lambda x, *, y: x.dtype,
    _quiet(
        lambda x, *, y: (
            np.power(x, y, dtype=x.dtype) if y >= 0 else np.power(x, float(y)).astype(x.dtype)
        )
    ),
    lambda x, *, y: x.weak_type,
)

# ---------------------------------------------------------------------------- selection


def _select_n_shape(which: ShapedArray, *cases: ShapedArray) -> tuple[int, ...]:
    if not cases:
        raise TypeError("select_n: at least one case is needed")
    if which.dtype != dtypes.bool_ and which.dtype != dtypes.int32:
        raise TypeError(f"select_n: which must be bool or int32, got {which.str_long()}")
    if which.dtype == dtypes.bool_ and len(cases) > 2:
        raise TypeError(f"select_n: a bool which selects between 2 cases, got {len(cases)}")
    if len({c.dtype for c in cases}) > 1 or len({c.shape for c in cases}) > 1:
        raise TypeError(
            "select_n: cases must have the same shape and dtype, got "
            + ", ".join(c.str_long() for c in cases)
        )
    if which.shape and which.shape != cases[0].shape:
        raise TypeError(
            f"select_n: which must be a scalar or have the cases' shape {cases[0].str_long()}, "
            f"got {which.str_long()}"
        )
    return cases[0].shape


def _select_n_impl(which: np.ndarray[Any, Any], *cases: np.ndarray[Any, Any]) -> Any:
    idx = which.astype(np.int32)
    return np.choose(np.broadcast_to(idx, cases[0].shape), cases, mode="clip")


select_n_p = standard_primitive(
    "select_n",
    _select_n_shape,
    lambda which, *cases: cases[0].dtype,
    _select_n_impl,
    lambda which, *cases: all(c.weak_type for c in cases),
)


def _clamp_shape(lo: ShapedArray, x: ShapedArray, hi: ShapedArray) -> tuple[int, ...]:
    check_dtype("clamp", x, NOT_COMPLEX, "x")
    for a, name in ((lo, "min"), (hi, "max")):
        if a.dtype != x.dtype:
            raise TypeError(f"clamp: {name} has type {a.str_long()} but x has {x.str_long()}")
        if a.shape and a.shape != x.shape:
            raise TypeError(
                f"clamp: {name} must be a scalar or shaped like x {x.str_long()}, got "
                f"{a.str_long()}"
            )
    return x.shape


clamp_p = standard_primitive(
    "clamp",
    _clamp_shape,
    lambda lo, x, hi: x.dtype,
    lambda lo, x, hi: np.minimum(np.maximum(x, lo), hi),
)

# ---------------------------------------------------------------------------- conversion


def _convert_shape(x: ShapedArray, *, new_dtype: np.dtype[Any], weak_type: bool) -> tuple[int, ...]:
    del weak_type  # unused
    check_dtype("convert_element_type", x, ANY, "x")
    if np.dtype(new_dtype) not in dtypes.ALL_DTYPES:
        raise TypeError(f"convert_element_type: unsupported new_dtype {new_dtype}")
    return x.shape


def _convert_impl(x: np.ndarray[Any, Any], *, new_dtype: np.dtype[Any], weak_type: bool) -> Any:
    del weak_type  # unused
    with silent():
        if dtypes.is_complex(x.dtype) and not dtypes.is_complex(new_dtype):
            x = np.real(x)
        if (dtypes.is_float(x.dtype) or dtypes.is_complex(x.dtype)) and (
            dtypes.is_integer(new_dtype) or new_dtype == dtypes.bool_
        ):
            if new_dtype == dtypes.bool_:
                return x != 0
            # Float to int conversion saturates (NaN to 0), as XLA does.
            info = np.iinfo(new_dtype)
            xf = np.nan_to_num(x.astype(np.float64), nan=0.0)
            return np.clip(np.trunc(xf), info.min, info.max).astype(new_dtype)
        return x.astype(new_dtype)


convert_element_type_p = standard_primitive(
    "convert_element_type",
    _convert_shape,
    lambda x, *, new_dtype, weak_type: np.dtype(new_dtype),
    _convert_impl,
    lambda x, *, new_dtype, weak_type: weak_type,
)


def _bitcast_shape(x: ShapedArray, *, new_dtype: np.dtype[Any]) -> tuple[int, ...]:
    old, new = x.dtype.itemsize, np.dtype(new_dtype).itemsize
    if old == new:
        return x.shape
    if old > new:
        if old % new:
            raise TypeError(
                f"bitcast_convert_type: cannot bitcast {x.str_long()} to {np.dtype(new_dtype).name}"
            )
        return (*x.shape, old // new)
    if not x.shape or x.shape[-1] != new // old:
        raise TypeError(
            f"bitcast_convert_type: converting {x.str_long()} to the wider "
            f"{np.dtype(new_dtype).name} "
            f"needs a last dimension of {new // old}"
        )
    return x.shape[:-1]


def _bitcast_impl(x: np.ndarray[Any, Any], *, new_dtype: np.dtype[Any]) -> Any:
    new = np.dtype(new_dtype)
    out = np.ascontiguousarray(x).view(new)
    if x.dtype.itemsize > new.itemsize:
        return out.reshape((*x.shape, x.dtype.itemsize // new.itemsize))
    # (ascontiguousarray makes a 0-d array 1-d: the shape is restored in every case)
    return out.reshape(x.shape[:-1] if x.dtype.itemsize < new.itemsize else x.shape)


bitcast_convert_type_p = standard_primitive(
    "bitcast_convert_type",
    _bitcast_shape,
    lambda x, *, new_dtype: np.dtype(new_dtype),
    _bitcast_impl,
)

#: The identity whose derivative is zero (what `stop_gradient` binds).
stop_gradient_p = unop("stop_gradient", ANY, lambda x: x)

UNARY = [
    neg_p, sign_p, abs_p, floor_p, ceil_p, is_finite_p, exp_p, exp2_p, log_p, expm1_p, log1p_p,
    sin_p, cos_p, tan_p, asin_p, acos_p, atan_p, sinh_p, cosh_p, tanh_p, asinh_p, acosh_p,
    atanh_p, sqrt_p, rsqrt_p, cbrt_p, logistic_p, erf_p, erfc_p, erf_inv_p, lgamma_p,
    digamma_p, not_p, population_count_p, clz_p, real_p, imag_p, conj_p, stop_gradient_p,
]  # fmt: skip
BINARY = [
    add_p, sub_p, mul_p, div_p, rem_p, pow_p, max_p, min_p, atan2_p, nextafter_p, and_p, or_p,
    xor_p, shift_left_p, shift_right_arithmetic_p, shift_right_logical_p, eq_p, ne_p, lt_p,
    le_p, gt_p, ge_p, complex_p,
]  # fmt: skip
ALL: list[Primitive] = [
    *UNARY, *BINARY, round_p, integer_pow_p, select_n_p, clamp_p, convert_element_type_p,
    bitcast_convert_type_p,
]  # fmt: skip
