"""Bit-level primitives: `reduce_precision` and the counter-based `threefry2x32` generator.

`threefry2x32` is the block cipher behind the random-bits functions (Salmon et al., "Parallel
random numbers: as easy as 1, 2, 3", 2011): 20 rounds of Threefry-2x32 keyed by two 32-bit
words, applied elementwise to two 32-bit counter words.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import FLOAT, broadcast_shapes, check_dtype, standard_primitive

__all__ = ["reduce_precision_p", "threefry2x32_p"]

_FLOAT_LAYOUT = {  # dtype -> (exponent bits, mantissa bits)
    np.dtype(np.float64): (11, 52),
    np.dtype(np.float32): (8, 23),
}


def _reduce_precision_shape(x: ShapedArray, *, exponent_bits: int, mantissa_bits: int) -> Any:
    check_dtype("reduce_precision", x, FLOAT, "operand")
    if exponent_bits < 1 or mantissa_bits < 0:
        raise ValueError(
            f"reduce_precision: exponent_bits must be >= 1 and mantissa_bits >= 0, got "
            f"{exponent_bits} and {mantissa_bits}"
        )
    return x.shape


def _reduce_precision_impl(x: Any, *, exponent_bits: int, mantissa_bits: int) -> Any:
    # Round to nearest even in the narrower format, overflow to inf, flush values below its
    # smallest normal to signed zero, keep NaNs; computed on the bits of float32 (or float64).
    src = np.dtype(np.float64) if x.dtype == np.float64 else np.dtype(np.float32)
    ebits, mbits = _FLOAT_LAYOUT[src]
    utype = np.uint64 if src == np.float64 else np.uint32
    nbits = src.itemsize * 8
    xf = x.astype(src)
    bits = xf.view(utype).copy()
    one = utype(1)
    if mantissa_bits < mbits:
        shift = utype(mbits - mantissa_bits)
        last_bit_mask = one << shift
        base_bias = (last_bit_mask >> one) - one
        last_bit = (bits & last_bit_mask) >> shift
        truncation_mask = ~(last_bit_mask - one)
        bits = (bits + last_bit + base_bias) & truncation_mask
    if exponent_bits < ebits:
        sign_mask = one << utype(nbits - 1)
        exp_mask = ((one << utype(ebits)) - one) << utype(mbits)
        bias = (1 << (ebits - 1)) - 1
        reduced_bias = (1 << (exponent_bits - 1)) - 1
        max_exp = utype(bias + reduced_bias) << utype(mbits)
        min_exp = utype(bias - reduced_bias) << utype(mbits)
        exponent = bits & exp_mask
        signed_zero = bits & sign_mask
        signed_inf = signed_zero | exp_mask
        bits = np.where(
            exponent > max_exp, signed_inf, np.where(exponent <= min_exp, signed_zero, bits)
        )
    out = np.asarray(bits).view(src)
    out = np.where(np.isnan(xf), xf, out)
    return out.astype(x.dtype)


reduce_precision_p = standard_primitive(
    "reduce_precision",
    _reduce_precision_shape,
    lambda x, **params: x.dtype,
    _reduce_precision_impl,
    lambda x, **params: x.weak_type,
)

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry_abstract(*args: ShapedArray) -> list[ShapedArray]:
    if len(args) != 4:
        raise TypeError(f"threefry2x32: expected 4 operands (key1, key2, x1, x2), got {len(args)}")
    for a, name in zip(args, ("key1", "key2", "x1", "x2"), strict=True):
        if a.dtype != dtypes.uint32:
            raise TypeError(f"threefry2x32: {name} must be uint32, got {a.str_long()}")
    if (args[0].shape or args[1].shape) and (
        args[0].shape != args[2].shape or args[1].shape != args[2].shape
    ):
        raise TypeError(
            "threefry2x32: keys must be scalars or have the counters' shape, got "
            + ", ".join(a.str_long() for a in args)
        )
    if args[2].shape != args[3].shape:
        raise TypeError(
            f"threefry2x32: x1 {args[2].str_long()} and x2 {args[3].str_long()} must have the "
            "same shape"
        )
    shape = broadcast_shapes("threefry2x32", *args)
    return [ShapedArray(shape, dtypes.uint32), ShapedArray(shape, dtypes.uint32)]


def _threefry_impl(key1: Any, key2: Any, x1: Any, x2: Any) -> list[Any]:
    u32 = np.uint32
    k0, k1 = np.asarray(key1, u32), np.asarray(key2, u32)
    k2 = k0 ^ k1 ^ u32(0x1BD11BDA)
    ks = (k0, k1, k2)
    a = np.asarray(x1, u32) + k0
    b = np.asarray(x2, u32) + k1
    with np.errstate(over="ignore"):
        for block in range(5):
            for r in _ROTATIONS[block % 2]:
                a = a + b
                b = ((b << u32(r)) | (b >> u32(32 - r))) ^ a
            a = a + ks[(block + 1) % 3]
            b = b + ks[(block + 2) % 3] + u32(block + 1)
    shape = np.broadcast_shapes(np.shape(key1), np.shape(x1))
    return [np.broadcast_to(a, shape).astype(u32), np.broadcast_to(b, shape).astype(u32)]


threefry2x32_p = Primitive("threefry2x32", abstract_eval=_threefry_abstract, impl=_threefry_impl)

ALL: list[Primitive] = [reduce_precision_p, threefry2x32_p]
