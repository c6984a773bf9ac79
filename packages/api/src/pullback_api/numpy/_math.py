"""Elementwise math of `pullback.numpy` with JAX's promotion and broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of
from pullback_ir.ieee import quiet_call
from pullback_ir.operators import add_or_or, mul_or_and
from pullback_ir.trace import CONTEXT, EvalTrace

from pullback_api.numpy._core import asarray_arg, cast, export, promote, promote_inexact, to_dtype

__all__: list[str] = []  # filled below


def _public(name: str, f: Any) -> Any:
    f.__name__ = f.__qualname__ = name
    g = export(f)
    globals()[name] = g
    __all__.append(name)
    return g


# --- unary ----------------------------------------------------------------------------------

# Eager fast path: a host-backed float Array goes straight to NumPy's ufunc, which computes
# what the reference implementation would (same dtype out).
_NP_FAST = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
            "tanh": np.tanh, "sqrt": np.sqrt, "negative": np.negative,
            "absolute": np.absolute, "log1p": np.log1p, "expm1": np.expm1}  # fmt: skip
_FAST_DTYPES = frozenset({np.dtype(np.float32), np.dtype(np.float64)})


def _float_unary(name: str, op: Any, fast: Any = None) -> None:
    def f(x: Any) -> Any:
        if fast is not None and type(x) is Array and type(CONTEXT.trace) is EvalTrace:
            h = x._host
            if h is not None and h.dtype in _FAST_DTYPES:
                return Array._from_host(quiet_call(fast, h), x._aval.weak_type)
        (x,) = promote_inexact(name, x)
        return op(x)

    f.__doc__ = f"Elementwise {name} (integers promote to the default float type)."
    _public(name, f)


for _n, _op in {
    "sin": lax.sin, "cos": lax.cos, "tan": lax.tan, "arcsin": lax.asin, "arccos": lax.acos,
    "arctan": lax.atan, "sinh": lax.sinh, "cosh": lax.cosh, "tanh": lax.tanh,
    "arcsinh": lax.asinh, "arccosh": lax.acosh, "arctanh": lax.atanh, "exp": lax.exp,
    "exp2": lax.exp2, "expm1": lax.expm1, "log": lax.log, "log1p": lax.log1p, "sqrt": lax.sqrt,
    "cbrt": lax.cbrt,
}.items():  # fmt: skip
    _float_unary(_n, _op, _NP_FAST.get(_n))


def _const(value: Any, like: Any) -> Any:
    """A 0-d constant of `like`'s dtype (the primitives broadcast 0-d operands)."""
    return np.asarray(value, aval_of(like).dtype)


def _weak_const(value: Any, like: Any, scalar_only: bool = False) -> Any:
    """A 0-d constant of `like`'s dtype, weakly typed when `like` is (a weak result stays weak).

    With `scalar_only` only a weak 0-d `like` gets a weak constant: JAX's own constants keep
    the weak type of a 0-d operand but not of a larger one in these functions (recorded from
    JAX 0.10.2 in tests/test_weak_types.py).
    """
    a = aval_of(like)
    return cast(value, a.dtype, a.weak_type and not (scalar_only and a.shape))


def _numeric(name: str, *args: Any) -> list[Any]:
    """`promote`, then bools become the default int type (arithmetic has no bool form)."""
    vals = promote(name, *args)
    if aval_of(vals[0]).dtype == np.bool_:
        return [to_dtype(v, dtypes.default_int_dtype()) for v in vals]
    return vals


def _to_bool(x: Any) -> Any:
    # x != 0, which keeps a weak type (a weak number gives a weak bool, as in JAX)
    return x if aval_of(x).dtype == np.bool_ else lax.ne(x, _weak_const(0, x, True))


def _full(value: Any, like: Any, scalar_weak: bool = False) -> Any:
    """`value` in `like`'s shape and dtype (`scalar_weak`: weak for a weak 0-d `like`)."""
    a = aval_of(like)
    c = _weak_const(value, like, True) if scalar_weak else np.asarray(value, a.dtype)
    return lax.broadcast_in_dim(c, a.shape, ()) if a.shape else c


def _log_base(name: str, base: float) -> None:
    def f(x: Any) -> Any:
        (x,) = promote_inexact(name, x)
        return lax.div(lax.log(x), _const(np.log(base), x))

    _public(name, f)


_log_base("log2", 2.0)
_log_base("log10", 10.0)


def _same_type_unary(name: str, op: Any, fast: Any = None) -> None:
    def f(x: Any) -> Any:
        if fast is not None and type(x) is Array and type(CONTEXT.trace) is EvalTrace:
            h = x._host
            if h is not None and h.dtype in _FAST_DTYPES:
                return Array._from_host(fast(h), x._aval.weak_type)
        return op(asarray_arg(x, name))

    _public(name, f)


_same_type_unary("negative", lax.neg, np.negative)
_same_type_unary("absolute", lambda x: x if aval_of(x).dtype == np.bool_ else lax.abs(x),
                 np.absolute)  # fmt: skip
_same_type_unary("sign", lax.sign)
# The conjugate of a real array is the array itself (lax.conj takes only complex values).
_same_type_unary("conjugate", lambda x: lax.conj(x) if dtypes.is_complex(aval_of(x).dtype) else x)
_same_type_unary("real", lambda x: lax.real(x) if dtypes.is_complex(aval_of(x).dtype) else x)
_same_type_unary(
    "imag",
    # The imaginary part of a real array is +0 everywhere (x * 0 would give -0 for negative x,
    # which flips atan2-based results such as angle).
    lambda x: lax.imag(x) if dtypes.is_complex(aval_of(x).dtype) else lax.full_like(x, 0),
)


def positive(x: Any) -> Any:
    """The argument itself."""
    return asarray_arg(x, "positive")


_public("positive", positive)


def _rounding(name: str, op: Any) -> None:
    def f(x: Any) -> Any:
        x = asarray_arg(x, name)
        if not dtypes.is_inexact(aval_of(x).dtype):
            return x
        return op(x)

    _public(name, f)


_rounding("floor", lax.floor)
_rounding("ceil", lax.ceil)


def rint(x: Any) -> Any:
    """Round half to even; integers and bools become the default float type (as in JAX)."""
    x = asarray_arg(x, "rint")
    if not dtypes.is_inexact(aval_of(x).dtype):
        return to_dtype(x, dtypes.default_float_dtype())
    return lax.round(x, 1)


_public("rint", rint)
_rounding("trunc", lambda x: lax.mul(lax.sign(x), lax.floor(lax.abs(x))))


def round(a: Any, decimals: int = 0) -> Any:
    """Round half to even to `decimals` decimal places."""
    a = asarray_arg(a, "round")
    dt = aval_of(a).dtype
    if not dtypes.is_inexact(dt):
        return a
    if decimals == 0:
        return lax.round(a, 1)
    scale = np.asarray(10.0**decimals, dt)
    return lax.div(lax.round(lax.mul(a, scale), 1), scale)


_public("round", round)


def square(x: Any) -> Any:
    """X * x."""
    (x,) = _numeric("square", x)
    return lax.integer_pow(x, 2)


def reciprocal(x: Any) -> Any:
    """1 / x (integers promote to float)."""
    (x,) = promote_inexact("reciprocal", x)
    return lax.integer_pow(x, -1)


def isfinite(x: Any) -> Any:
    """Whether each element is finite."""
    x = asarray_arg(x, "isfinite")
    if not dtypes.is_inexact(aval_of(x).dtype):
        return _full(True, lax.eq(x, x))
    return lax.is_finite(x)


def isnan(x: Any) -> Any:
    """Whether each element is NaN."""
    x = asarray_arg(x, "isnan")
    return lax.ne(x, x)


def isinf(x: Any) -> Any:
    """Whether each element is +-inf."""
    x = asarray_arg(x, "isinf")
    if not dtypes.is_inexact(aval_of(x).dtype):
        return lax.ne(x, x)
    ax = lax.abs(x)
    return lax.eq(ax, _const(np.inf, ax))


def logical_not(x: Any) -> Any:
    """Elementwise logical not (nonzero is true)."""
    x = asarray_arg(x, "logical_not")
    return lax.bitwise_not(_to_bool(x))


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    (x,) = promote_inexact("deg2rad", x)
    return lax.mul(x, _weak_const(np.pi / 180, x, True))


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    (x,) = promote_inexact("rad2deg", x)
    return lax.mul(x, _weak_const(180 / np.pi, x, True))


for _f in (square, reciprocal, isfinite, isnan, isinf, logical_not, deg2rad, rad2deg):
    _public(_f.__name__, _f)


def invert(x: Any) -> Any:
    """Bitwise not (logical not for booleans)."""
    return lax.bitwise_not(asarray_arg(x, "invert"))


_public("invert", invert)

# --- binary ---------------------------------------------------------------------------------

_NP_BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
              "maximum": np.maximum, "minimum": np.minimum}  # fmt: skip


def _binary(name: str, op: Any, inexact: bool = False) -> None:
    fast = _NP_BINARY.get(name)

    def f(x: Any, y: Any) -> Any:
        if (fast is not None and type(x) is Array and type(y) is Array
                and type(CONTEXT.trace) is EvalTrace):  # fmt: skip
            hx, hy = x._host, y._host
            if (hx is not None and hy is not None and hx.dtype is hy.dtype
                    and hx.shape == hy.shape and hx.dtype in _FAST_DTYPES):  # fmt: skip
                return Array._from_host(fast(hx, hy), x._aval.weak_type and y._aval.weak_type)
        elif (fast is not None and type(x) is Array and type(y) in (int, float)
                and type(CONTEXT.trace) is EvalTrace):  # fmt: skip
            hx = x._host
            if hx is not None and hx.dtype in _FAST_DTYPES and not x.weak_type:
                return Array._from_host(fast(hx, np.asarray(y, hx.dtype)))
        a, b = (promote_inexact if inexact else promote)(name, x, y)
        return op(a, b)

    _public(name, f)


_binary("add", add_or_or)  # (or for bools, as in JAX)
_binary("subtract", lax.sub)
_binary("multiply", mul_or_and)  # (and for bools)
_binary("maximum", lax.max)
_binary("minimum", lax.min)
_binary("arctan2", lax.atan2, inexact=True)
_binary("nextafter", lax.nextafter, inexact=True)
_binary("bitwise_and", lax.bitwise_and)
_binary("bitwise_or", lax.bitwise_or)
_binary("bitwise_xor", lax.bitwise_xor)


def left_shift(x: Any, y: Any) -> Any:
    """Shift the bits of x left by y (bools count as ints)."""
    return lax.shift_left(*_numeric("left_shift", x, y))


_public("left_shift", left_shift)
_binary("equal", lax.eq)
_binary("not_equal", lax.ne)
_binary("less", lax.lt)
_binary("less_equal", lax.le)
_binary("greater", lax.gt)
_binary("greater_equal", lax.ge)


def right_shift(x: Any, y: Any) -> Any:
    """Shift right: arithmetic for signed integers, logical for unsigned ones."""
    a, b = _numeric("right_shift", x, y)
    if dtypes.is_signed(aval_of(a).dtype):
        return lax.shift_right_arithmetic(a, b)
    return lax.shift_right_logical(a, b)


def _logical(name: str, op: Any) -> None:
    def f(x: Any, y: Any) -> Any:
        a, b = promote(name, _to_bool(asarray_arg(x, name)), _to_bool(asarray_arg(y, name)))
        return op(a, b)

    _public(name, f)


_logical("logical_and", lax.bitwise_and)
_logical("logical_or", lax.bitwise_or)
_logical("logical_xor", lax.bitwise_xor)


def true_divide(x: Any, y: Any) -> Any:
    """X / y; integers promote to the default float type."""
    a, b = promote_inexact("divide", x, y)
    return lax.div(a, b)


def floor_divide(x: Any, y: Any) -> Any:
    """Floor of x / y (Python's //)."""
    a, b = _numeric("floor_divide", x, y)
    dt = aval_of(a).dtype
    if dtypes.is_inexact(dt):
        return lax.floor(lax.div(a, b))
    if not dtypes.is_signed(dt):
        return lax.div(a, b)
    q = lax.div(a, b)  # truncates toward zero
    zero = _weak_const(0, q)
    fix_ = lax.bitwise_and(lax.ne(lax.rem(a, b), zero),
                           lax.ne(lax.lt(a, zero), lax.lt(b, zero)))  # fmt: skip
    return lax.select(fix_, lax.sub(q, _weak_const(1, q)), q)


def remainder(x: Any, y: Any) -> Any:
    """X mod y with the sign of y (Python's %)."""
    a, b = _numeric("remainder", x, y)
    dt = aval_of(a).dtype
    r = lax.rem(a, b)
    if dtypes.is_integer(dt) and not dtypes.is_signed(dt):
        return r
    zero = _weak_const(0, r)
    fix_ = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(b, zero)))
    return lax.select(fix_, lax.add(r, b), r)


def fmod(x: Any, y: Any) -> Any:
    """X mod y with the sign of x (C's fmod)."""
    a, b = _numeric("fmod", x, y)
    return lax.rem(a, b)


def power(x: Any, y: Any) -> Any:
    """X ** y (an integer Python exponent uses repeated multiplication)."""
    if isinstance(y, (int, np.integer)) and not isinstance(y, bool):
        (x,) = _numeric("power", x)
        if dtypes.is_integer(aval_of(x).dtype) and y < 0:
            raise ValueError("power: integers to negative integer powers are not allowed")
        return lax.integer_pow(x, int(y))
    a, b = _numeric("power", x, y)
    dt = aval_of(a).dtype
    if dtypes.is_integer(dt):
        return _int_power(a, b)
    return lax.pow(a, b)


def _int_power(a: Any, b: Any) -> Any:
    # Square and multiply over the bits of a non-negative integer exponent.
    from pullback_ir.control_flow import fori_loop

    dt = aval_of(a).dtype
    one, zero = _weak_const(1, a, True), _weak_const(0, a, True)
    bits = dt.itemsize * 8

    def body(i: Any, c: Any) -> Any:
        acc, base, e = c
        odd = lax.ne(lax.bitwise_and(e, one), zero)
        acc = lax.select(odd, lax.mul(acc, base), acc)
        return acc, lax.mul(base, base), lax.shift_right_logical(e, one)

    acc0 = lax.add(lax.mul(a, zero), one)
    return fori_loop(0, bits, body, (acc0, a, b))[0]


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x**2 + y**2) without overflow in the squares."""
    a, b = promote_inexact("hypot", x, y)
    a, b = lax.abs(a), lax.abs(b)
    hi, lo = lax.max(a, b), lax.min(a, b)
    safe = lax.select(lax.eq(hi, _const(0, hi)), _full(1, hi, True), hi)
    r = lax.div(lo, safe)
    return lax.mul(hi, lax.sqrt(lax.add(_weak_const(1, r, True), lax.mul(r, r))))


def logaddexp(x: Any, y: Any) -> Any:
    """log(exp(x) + exp(y)), computed stably."""
    a, b = promote_inexact("logaddexp", x, y)
    m = lax.max(a, b)
    out = lax.add(m, lax.log1p(lax.exp(lax.neg(lax.abs(lax.sub(a, b))))))
    # Equal arguments (both infinite included): a + log 2, with no inf - inf, written as
    # a/2 + b/2 + log 2 (the same value) so that each argument gets half the gradient, as in
    # JAX (d/da log(e^a + e^b) = e^a / (e^a + e^b) = 1/2 at a tie).
    half = _weak_const(0.5, a)
    tie = lax.add(lax.add(lax.mul(a, half), lax.mul(b, half)), _weak_const(np.log(2.0), a))
    return lax.select(lax.eq(a, b), tie, out)


def _broadcast_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """`a` and `b` broadcast to their common shape (a scalar included)."""
    sa, sb = aval_of(a).shape, aval_of(b).shape
    shape = tuple(np.broadcast_shapes(sa, sb))

    def to(v: Any, vs: tuple[int, ...]) -> Any:
        if vs == shape:
            return v
        return lax.broadcast_in_dim(v, shape, tuple(range(len(shape) - len(vs), len(shape))))

    return to(a, sa), to(b, sb)


def copysign(x: Any, y: Any) -> Any:
    """|x| with the sign of y (the sign bit: -0.0 counts as negative)."""
    a, b = _broadcast_pair(*promote_inexact("copysign", x, y))
    dt = aval_of(b).dtype
    ut = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
    bits = lax.bitcast_convert_type(b, ut)
    neg = lax.ne(lax.shift_right_logical(bits, np.asarray(dt.itemsize * 8 - 1, ut)),
                 np.asarray(0, ut))  # fmt: skip
    return lax.select(neg, lax.neg(lax.abs(a)), lax.abs(a))


for _g in (right_shift, true_divide, floor_divide, remainder, fmod, power, hypot, logaddexp,
           copysign):  # fmt: skip
    _public(_g.__name__, _g)


def logaddexp2(x: Any, y: Any) -> Any:
    """log2(2**x + 2**y), computed stably."""
    a, b = promote_inexact("logaddexp2", x, y)
    ln2 = _weak_const(np.log(2.0), a, True)
    return lax.div(logaddexp(lax.mul(a, ln2), lax.mul(b, ln2)), ln2)


_public("logaddexp2", logaddexp2)


def sinc(x: Any) -> Any:
    """sin(pi x) / (pi x), 1 at 0."""
    (x,) = promote_inexact("sinc", x)
    zero = lax.eq(x, _const(0, x))
    pix = lax.mul(lax.select(zero, _full(1, x, True), x), _weak_const(np.pi, x, True))
    return lax.select(zero, _full(1, x, True), lax.div(lax.sin(pix), pix))


_public("sinc", sinc)

_ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
            "acosh": "arccosh", "atanh": "arctanh", "abs": "absolute", "conj": "conjugate",
            "fix": "trunc", "around": "round", "radians": "deg2rad", "degrees": "rad2deg",
            "bitwise_not": "invert", "bitwise_invert": "invert", "atan2": "arctan2",
            "divide": "true_divide", "mod": "remainder", "pow": "power",
            "bitwise_left_shift": "left_shift", "bitwise_right_shift": "right_shift"}  # fmt: skip
for _alias, _target in _ALIASES.items():
    globals()[_alias] = globals()[_target]
    __all__.append(_alias)
