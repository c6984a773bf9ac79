"""Elementwise functions of JAX 0.12's `lax` built from pullback's primitives.

JAX 0.12 added them as primitives of their own; here each is a short composition of existing
primitives, so that every transformation (jvp, transpose, vmap, jit) applies unchanged. Where
the composition would lose precision that JAX's primitive keeps, the composition is arranged
so that it does not: `sinpi` and friends reduce their argument exactly before multiplying by
pi, and `one_minus_square` has its own derivative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pullback_ir.lax as _lax
from pullback_ir import dtypes
from pullback_ir.avals import aval_of

from pullback_api._transforms import custom_jvp, to_arrays

__all__ = [
    "acospi", "asinpi", "atan2pi", "atanpi", "cospi", "exp2m1", "fmuladd", "log2", "log2p1",
    "one_minus_square", "polynomial", "sinpi", "tanpi",
]  # fmt: skip

_LN2 = math.log(2.0)
_INV_LN2 = 1.0 / _LN2


def _operand(name: str, x: Any, *, complex_ok: bool = False) -> Any:
    # A floating (or, where allowed, complex) operand; Python numbers take the default float.
    if type(x) in (int, float):
        x = _lax.convert_element_type(x, dtypes.default_float_dtype())
    dt = aval_of(x).dtype
    kinds = "fc" if complex_ok else "f"
    if dt.kind not in kinds:
        what = "floating-point or complex" if complex_ok else "floating-point"
        raise TypeError(f"lax.{name}: x must be a {what} array, got dtype {dt}")
    return x


def refuse_accuracy(name: str, accuracy: Any) -> None:
    """Raise NotImplementedError for JAX 0.12's `accuracy=` other than None."""
    if accuracy is not None:
        raise NotImplementedError(
            f"lax.{name}: accuracy={accuracy!r} is not supported: pullback lowers to XLA's "
            "default implementation (pass accuracy=None)"
        )


def _scale(x: Any, c: float) -> Any:
    # x * c for a real constant c, on the real and imaginary parts of a complex x.
    if aval_of(x).dtype.kind == "c":
        return _lax.complex(_lax.mul(_lax.real(x), c), _lax.mul(_lax.imag(x), c))
    return _lax.mul(x, c)


def log2(x: Any, *, accuracy: Any = None) -> Any:
    """Elementwise base-2 logarithm, `log(x) / log(2)`.

    Args:
        x: a floating-point or complex array.
        accuracy: must be None (pullback uses XLA's default implementation).

    Returns:
        An array of `x`'s shape and dtype.

    Raises:
        TypeError: for an integer or boolean `x`.
        NotImplementedError: for an `accuracy` other than None.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.log2(np.float32([1.0, 8.0, 0.5]))).tolist()
        [0.0, 3.0, -1.0]
    """
    refuse_accuracy("log2", accuracy)
    return to_arrays(_scale(_lax.log(_operand("log2", x, complex_ok=True)), _INV_LN2))


def log2p1(x: Any) -> Any:
    """Elementwise `log2(1 + x)`, accurate for small `x` (through `log1p`).

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.log2p1(np.float32([0.0, 1.0, 3.0]))).tolist()
        [0.0, 1.0, 2.0]
    """
    return to_arrays(_scale(_lax.log1p(_operand("log2p1", x, complex_ok=True)), _INV_LN2))


def exp2m1(x: Any) -> Any:
    """Elementwise `2**x - 1`, accurate for small `x` (through `expm1`).

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.exp2m1(np.float32([0.0, 1.0, 3.0]))).tolist()
        [0.0, 1.0, 7.0]
    """
    return to_arrays(_lax.expm1(_scale(_operand("exp2m1", x, complex_ok=True), _LN2)))


def _half_turn(x: Any) -> Any:
    # x reduced exactly to [-1, 1] modulo 2: x - 2 * floor(x / 2) is exact in floating point
    # (it is a multiple of x's spacing smaller than x), and so is the shift by 2.
    r = _lax.sub(x, _lax.mul(_lax.floor(_lax.mul(x, 0.5)), 2.0))
    return _lax.select(_lax.gt(r, 1.0), _lax.sub(r, 2.0), r)


def _sinpi_reduced(r: Any) -> Any:
    # sin(pi * r) for r in [-1, 1]: folded to [-1/2, 1/2] by sin(pi r) = sin(pi (sign r - r)),
    # exact at the integers (sinpi(1) is 0, not sin(float(pi))).
    folded = _lax.select(_lax.gt(_lax.abs(r), 0.5), _lax.sub(_lax.sign(r), r), r)
    return _lax.sin(_lax.mul(folded, math.pi))


def sinpi(x: Any) -> Any:
    """Elementwise `sin(pi * x)`, exact at the integers and accurate for large `x`.

    Args:
        x: a floating-point array.

    Returns:
        An array of `x`'s shape and dtype.

    Raises:
        TypeError: for a non-floating `x`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.sinpi(np.float32([0.5, 1.0, 1e6 + 0.5]))).tolist()
        [1.0, 0.0, 1.0]
    """
    return to_arrays(_sinpi_reduced(_half_turn(_operand("sinpi", x))))


def _cospi(x: Any) -> Any:
    # cos(pi r) = sin(pi (1/2 - |r|)), and 1/2 - |r| lies in [-1/2, 1/2].
    return _sinpi_reduced(_lax.sub(0.5, _lax.abs(_half_turn(x))))


def cospi(x: Any) -> Any:
    """Elementwise `cos(pi * x)`, exact at the half-integers and accurate for large `x`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.cospi(np.float32([0.0, 0.5, 1.0]))).tolist()
        [1.0, 0.0, -1.0]
    """
    return to_arrays(_cospi(_operand("cospi", x)))


def tanpi(x: Any) -> Any:
    """Elementwise `tan(pi * x)`, as `sinpi(x) / cospi(x)`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.tanpi(np.float32([0.0, 0.25, -0.25]))).tolist()
        [0.0, 1.0, -1.0]
    """
    x = _operand("tanpi", x)
    return to_arrays(_lax.div(_sinpi_reduced(_half_turn(x)), _cospi(x)))


def asinpi(x: Any) -> Any:
    """Elementwise `asin(x) / pi`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.asinpi(np.float32([0.0, 1.0, -1.0]))).tolist()
        [0.0, 0.5, -0.5]
    """
    return to_arrays(_lax.div(_lax.asin(_operand("asinpi", x)), math.pi))


def acospi(x: Any) -> Any:
    """Elementwise `acos(x) / pi`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.acospi(np.float32([1.0, -1.0]))).tolist()
        [0.0, 1.0]
    """
    return to_arrays(_lax.div(_lax.acos(_operand("acospi", x)), math.pi))


def atanpi(x: Any) -> Any:
    """Elementwise `atan(x) / pi`.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.atanpi(np.float32([0.0, 1.0, -1.0]))).tolist()
        [0.0, 0.25, -0.25]
    """
    return to_arrays(_lax.div(_lax.atan(_operand("atanpi", x)), math.pi))


def atan2pi(x: Any, y: Any) -> Any:
    """Elementwise `atan2(x, y) / pi`, the angle of the point `(y, x)` in half turns.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.atan2pi(np.float32([1.0, 1.0]), np.float32([1.0, -1.0]))).tolist()
        [0.25, 0.75]
    """
    x, y = _operand("atan2pi", x), _operand("atan2pi", y)
    return to_arrays(_lax.div(_lax.atan2(x, y), math.pi))


def fmuladd(a: Any, b: Any, c: Any) -> Any:
    """Elementwise `a * b + c`, fused or not (JAX leaves the choice to the implementation).

    pullback computes the product and the sum each rounded in the operands' dtype; JAX on
    the CPU fuses them for float32 and float64, so the last bit can differ from JAX's.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.fmuladd(np.float32(2.0), np.float32(3.0), np.float32(1.0))).tolist()
        7.0
    """
    return to_arrays(_lax.add(_lax.mul(a, b), c))


@custom_jvp
def _one_minus_square(x: Any) -> Any:
    return _lax.mul(_lax.add(1.0, x), _lax.sub(1.0, x))


@_one_minus_square.defjvp
def _one_minus_square_jvp(primals: Any, tangents: Any) -> Any:
    (x,), (t,) = primals, tangents
    # -2 x t directly: differentiating (1 + x)(1 - x) would cancel catastrophically near 0.
    return _one_minus_square(x), _lax.mul(_lax.mul(x, -2.0), t)


def one_minus_square(x: Any) -> Any:
    """Elementwise `1 - x**2`, as `(1 + x) * (1 - x)`, accurate where `|x|` is near 1.

    Its derivative is `-2 x`, computed as such (no cancellation near 0).

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.one_minus_square(np.float32([0.0, 0.5, 1.0]))).tolist()
        [1.0, 0.75, 0.0]
    """
    return to_arrays(_one_minus_square(_operand("one_minus_square", x, complex_ok=True)))


def polynomial(x: Any, coeffs: Sequence[Any], *, unroll: int | None = None) -> Any:
    """The polynomial `coeffs[0] + coeffs[1] x + ... + coeffs[n] x**n`, by Horner's rule.

    Args:
        x: the points, an array.
        coeffs: the coefficients from the constant term up, scalars or arrays of `x`'s dtype
            that broadcast against it.
        unroll: accepted for JAX's signature (a positive int or None); pullback always unrolls
            the recurrence, which gives the same values.

    Returns:
        An array of the broadcast shape of `x` and the coefficients, in `x`'s dtype.

    Raises:
        ValueError: for an empty `coeffs` or a bad `unroll`.
        TypeError: for coefficients whose dtype differs from `x`'s.

    Example:
        >>> from pullback import lax
        >>> import numpy as np
        >>> np.asarray(lax.polynomial(np.float32(3.0), [1.0, 5.0, 2.0])).tolist()
        34.0
    """
    if unroll is not None and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"lax.polynomial: unroll must be a positive int or None, got {unroll!r}")
    terms = list(coeffs)
    if not terms:
        raise ValueError("lax.polynomial: coeffs must hold at least one coefficient")
    if type(x) in (int, float):
        x = _lax.convert_element_type(x, dtypes.default_float_dtype())
    dt = aval_of(x).dtype
    arrays = []
    for i, c in enumerate(terms):
        if isinstance(c, int | float | complex):
            c = _lax.convert_element_type(c, dt)
        elif aval_of(c).dtype != dt:
            raise TypeError(f"lax.polynomial: coeffs[{i}] has dtype {aval_of(c).dtype}, but x "
                            f"has {dt}")  # fmt: skip
        arrays.append(c)
    shape = np.broadcast_shapes(aval_of(x).shape, *(aval_of(c).shape for c in arrays))

    def full(v: Any) -> Any:
        s = aval_of(v).shape
        if s == shape:
            return v
        if len(s) != len(shape) and s != ():
            raise ValueError(f"lax.polynomial: a coefficient of shape {s} must have x's rank "
                             f"{len(shape)} or be a scalar")  # fmt: skip
        if s == ():
            return _lax.broadcast_in_dim(v, shape, ())
        return _lax.broadcast_in_dim(_lax.reshape(v, tuple(d for d in s if d != 1)), shape,
                                     tuple(i for i, d in enumerate(s) if d != 1))  # fmt: skip

    xb = full(x)
    acc = full(arrays[-1])
    for c in reversed(arrays[:-1]):
        acc = _lax.add(_lax.mul(acc, xb), full(c))
    return to_arrays(acc)
