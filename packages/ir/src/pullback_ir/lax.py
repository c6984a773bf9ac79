"""The `lax` layer: thin functions that bind primitives with canonicalized parameters.

Elementwise binary functions accept a Python scalar for one operand and give it the other
operand's dtype; otherwise operands must already agree in dtype (`pullback.numpy` promotes).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import aval_of, check_one_device, check_reduction_order
from pullback_ir.control_flow import (
    cond as cond,
    fori_loop as fori_loop,
    io_callback as io_callback,
    map as map,
    named_call as named_call,
    pure_callback as pure_callback,
    scan as scan,
    switch as switch,
    while_loop as while_loop,
)
from pullback_ir.primitives import (
    bits as _bits,
    collectives as _coll,
    conv as _conv,
    elementwise as _ew,
    fft as _fft,
    indexing as _ix,
    linalg as _la,
    reductions as _red,
    shapes as _sh,
    sorting as _sort,
)
from pullback_ir.primitives.conv import ConvDimensionNumbers
from pullback_ir.primitives.indexing import (
    GatherDimensionNumbers,
    GatherScatterMode,
    ScatterDimensionNumbers,
)
from pullback_ir.trace import Tracer as _Tracer, axis_size as _axis_size, named_scope as named_scope

ArrayLike = Any  # arrays, NumPy scalars, Python scalars and tracers
Array = Any  # what primitives return: NumPy arrays eagerly, tracers under a transformation


def _is_python_scalar(x: Any) -> bool:
    return type(x) in (bool, int, float, complex)


_PY_SCALARS = (bool, int, float, complex)


def _coerce(*args: ArrayLike) -> Sequence[Any]:
    """Give Python-scalar operands the dtype of the first array operand."""
    if len(args) == 2 and type(args[0]) not in _PY_SCALARS and type(args[1]) not in _PY_SCALARS:
        return args  # the common case: no Python scalars
    ref = next((a for a in args if not _is_python_scalar(a)), None)
    if ref is None:
        return list(args)
    ra = aval_of(ref)
    dt = ra.dtype
    # (next to a weakly typed array a Python scalar stays weak, so the result is weak too)
    conv = dtypes.weak_scalar if ra.weak_type else np.asarray
    return [conv(a, dt) if _is_python_scalar(a) else a for a in args]


def neg(x: ArrayLike) -> Array:
    """Elementwise negation."""
    return _ew.neg_p.bind(x)[0]


def sign(x: ArrayLike) -> Array:
    """Elementwise `sign`."""
    return _ew.sign_p.bind(x)[0]


def abs(x: ArrayLike) -> Array:
    """Elementwise absolute value (the modulus for complex)."""
    return _ew.abs_p.bind(x)[0]


def floor(x: ArrayLike) -> Array:
    """Elementwise `floor`."""
    return _ew.floor_p.bind(x)[0]


def ceil(x: ArrayLike) -> Array:
    """Elementwise `ceil`."""
    return _ew.ceil_p.bind(x)[0]


def is_finite(x: ArrayLike) -> Array:
    """Elementwise test for finite values."""
    return _ew.is_finite_p.bind(x)[0]


def exp(x: ArrayLike) -> Array:
    """Elementwise `exp`."""
    return _ew.exp_p.bind(x)[0]


def exp2(x: ArrayLike) -> Array:
    """Elementwise `exp2`."""
    return _ew.exp2_p.bind(x)[0]


def log(x: ArrayLike) -> Array:
    """Elementwise `log`."""
    return _ew.log_p.bind(x)[0]


def expm1(x: ArrayLike) -> Array:
    """Elementwise `expm1`."""
    return _ew.expm1_p.bind(x)[0]


def log1p(x: ArrayLike) -> Array:
    """Elementwise `log1p`."""
    return _ew.log1p_p.bind(x)[0]


def sin(x: ArrayLike) -> Array:
    """Elementwise `sin`."""
    return _ew.sin_p.bind(x)[0]


def cos(x: ArrayLike) -> Array:
    """Elementwise `cos`."""
    return _ew.cos_p.bind(x)[0]


def tan(x: ArrayLike) -> Array:
    """Elementwise `tan`."""
    return _ew.tan_p.bind(x)[0]


def asin(x: ArrayLike) -> Array:
    """Elementwise `asin`."""
    return _ew.asin_p.bind(x)[0]


def acos(x: ArrayLike) -> Array:
    """Elementwise `acos`."""
    return _ew.acos_p.bind(x)[0]


def atan(x: ArrayLike) -> Array:
    """Elementwise `atan`."""
    return _ew.atan_p.bind(x)[0]


def sinh(x: ArrayLike) -> Array:
    """Elementwise `sinh`."""
    return _ew.sinh_p.bind(x)[0]


def cosh(x: ArrayLike) -> Array:
    """Elementwise `cosh`."""
    return _ew.cosh_p.bind(x)[0]


def tanh(x: ArrayLike) -> Array:
    """Elementwise `tanh`."""
    return _ew.tanh_p.bind(x)[0]


def asinh(x: ArrayLike) -> Array:
    """Elementwise `asinh`."""
    return _ew.asinh_p.bind(x)[0]


def acosh(x: ArrayLike) -> Array:
    """Elementwise `acosh`."""
    return _ew.acosh_p.bind(x)[0]


def atanh(x: ArrayLike) -> Array:
    """Elementwise `atanh`."""
    return _ew.atanh_p.bind(x)[0]


def sqrt(x: ArrayLike) -> Array:
    """Elementwise `sqrt`."""
    return _ew.sqrt_p.bind(x)[0]


def rsqrt(x: ArrayLike) -> Array:
    """Elementwise reciprocal square root."""
    return _ew.rsqrt_p.bind(x)[0]


def cbrt(x: ArrayLike) -> Array:
    """Elementwise `cbrt`."""
    return _ew.cbrt_p.bind(x)[0]


def logistic(x: ArrayLike) -> Array:
    """Elementwise logistic sigmoid 1 / (1 + exp(-x))."""
    return _ew.logistic_p.bind(x)[0]


def erf(x: ArrayLike) -> Array:
    """Elementwise `erf`."""
    return _ew.erf_p.bind(x)[0]


def erfc(x: ArrayLike) -> Array:
    """Elementwise `erfc`."""
    return _ew.erfc_p.bind(x)[0]


def erf_inv(x: ArrayLike) -> Array:
    """Elementwise inverse error function."""
    return _ew.erf_inv_p.bind(x)[0]


def lgamma(x: ArrayLike) -> Array:
    """Elementwise `lgamma`."""
    return _ew.lgamma_p.bind(x)[0]


def digamma(x: ArrayLike) -> Array:
    """Elementwise `digamma`."""
    return _ew.digamma_p.bind(x)[0]


def population_count(x: ArrayLike) -> Array:
    """Elementwise count of set bits."""
    return _ew.population_count_p.bind(x)[0]


def clz(x: ArrayLike) -> Array:
    """Elementwise count of leading zero bits."""
    return _ew.clz_p.bind(x)[0]


def real(x: ArrayLike) -> Array:
    """Elementwise real part."""
    return _ew.real_p.bind(x)[0]


def imag(x: ArrayLike) -> Array:
    """Elementwise imaginary part."""
    return _ew.imag_p.bind(x)[0]


def conj(x: ArrayLike) -> Array:
    """Elementwise complex conjugate."""
    return _ew.conj_p.bind(x)[0]


def add(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `add` of two operands."""
    return _ew.add_p.bind(*_coerce(x, y))[0]


def sub(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `sub` of two operands."""
    return _ew.sub_p.bind(*_coerce(x, y))[0]


def mul(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `mul` of two operands."""
    return _ew.mul_p.bind(*_coerce(x, y))[0]


def div(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise division (integers round toward zero)."""
    return _ew.div_p.bind(*_coerce(x, y))[0]


def rem(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise remainder with the sign of the dividend."""
    return _ew.rem_p.bind(*_coerce(x, y))[0]


def pow(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `pow` of two operands."""
    return _ew.pow_p.bind(*_coerce(x, y))[0]


def max(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `max` of two operands."""
    return _ew.max_p.bind(*_coerce(x, y))[0]


def min(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `min` of two operands."""
    return _ew.min_p.bind(*_coerce(x, y))[0]


def atan2(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `atan2` of two operands."""
    return _ew.atan2_p.bind(*_coerce(x, y))[0]


def nextafter(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `nextafter` of two operands."""
    return _ew.nextafter_p.bind(*_coerce(x, y))[0]


def bitwise_and(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `and` of two operands."""
    return _ew.and_p.bind(*_coerce(x, y))[0]


def bitwise_or(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `or` of two operands."""
    return _ew.or_p.bind(*_coerce(x, y))[0]


def bitwise_xor(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `xor` of two operands."""
    return _ew.xor_p.bind(*_coerce(x, y))[0]


def shift_left(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `shift_left` of two operands."""
    return _ew.shift_left_p.bind(*_coerce(x, y))[0]


def shift_right_arithmetic(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `shift_right_arithmetic` of two operands."""
    return _ew.shift_right_arithmetic_p.bind(*_coerce(x, y))[0]


def shift_right_logical(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `shift_right_logical` of two operands."""
    return _ew.shift_right_logical_p.bind(*_coerce(x, y))[0]


def eq(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `eq` of two operands."""
    return _ew.eq_p.bind(*_coerce(x, y))[0]


def ne(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `ne` of two operands."""
    return _ew.ne_p.bind(*_coerce(x, y))[0]


def lt(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `lt` of two operands."""
    return _ew.lt_p.bind(*_coerce(x, y))[0]


def le(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `le` of two operands."""
    return _ew.le_p.bind(*_coerce(x, y))[0]


def gt(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `gt` of two operands."""
    return _ew.gt_p.bind(*_coerce(x, y))[0]


def ge(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise `ge` of two operands."""
    return _ew.ge_p.bind(*_coerce(x, y))[0]


def complex(x: ArrayLike, y: ArrayLike) -> Array:
    """Elementwise complex number x + i*y."""
    return _ew.complex_p.bind(*_coerce(x, y))[0]


def bitwise_not(x: ArrayLike) -> Array:
    """Elementwise bitwise (or logical, for bool) negation."""
    return _ew.not_p.bind(x)[0]


def round(x: ArrayLike, rounding_method: int = 0) -> Array:
    """Elementwise rounding: 0 rounds half away from zero, 1 half to even."""
    return _ew.round_p.bind(x, rounding_method=int(rounding_method))[0]


def integer_pow(x: ArrayLike, y: int) -> Array:
    """Elementwise `x ** y` for a static integer exponent."""
    return _ew.integer_pow_p.bind(x, y=int(y))[0]


def select_n(which: ArrayLike, *cases: ArrayLike) -> Array:
    """Elementwise choice: `cases[which]` (which is bool for two cases, else int32)."""
    return _ew.select_n_p.bind(which, *cases)[0]


def select(pred: ArrayLike, on_true: ArrayLike, on_false: ArrayLike) -> Array:
    """Elementwise `on_true if pred else on_false`."""
    return _ew.select_n_p.bind(pred, on_false, on_true)[0]


def clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike) -> Array:
    """Elementwise `min(max(x, min), max)`."""
    x, lo, hi = _coerce(x, min, max)
    return _ew.clamp_p.bind(lo, x, hi)[0]


def convert_element_type(operand: ArrayLike, new_dtype: Any, weak_type: bool = False) -> Array:
    """Convert to `new_dtype` (canonicalized under the x64 switch), strongly typed unless told.

    `weak_type=True` is for promotion: a weak operand converted to a weak result dtype.
    """
    dt = dtypes.canonicalize_dtype(new_dtype)
    if isinstance(operand, np.ndarray) and operand.dtype == dt and not weak_type:
        return operand
    return _ew.convert_element_type_p.bind(operand, new_dtype=dt, weak_type=bool(weak_type))[0]


def bitcast_convert_type(operand: ArrayLike, new_dtype: Any) -> Array:
    """Reinterpret the bits of `operand` as `new_dtype`."""
    return _ew.bitcast_convert_type_p.bind(operand, new_dtype=np.dtype(new_dtype))[0]


def broadcast_in_dim(
    operand: ArrayLike, shape: Sequence[int], broadcast_dimensions: Sequence[int]
) -> Array:
    """Broadcast `operand` to `shape`, its dimension i going to `broadcast_dimensions[i]`."""
    return _sh.broadcast_in_dim_p.bind(
        operand,
        shape=tuple(int(s) for s in shape),
        broadcast_dimensions=tuple(int(d) for d in broadcast_dimensions),
    )[0]


def broadcast(operand: ArrayLike, sizes: Sequence[int]) -> Array:
    """Add leading dimensions of `sizes` to `operand`."""
    operand_shape = aval_of(operand).shape
    n = len(sizes)
    return broadcast_in_dim(
        operand, (*sizes, *operand_shape), tuple(range(n, n + len(operand_shape)))
    )


def reshape(
    operand: ArrayLike, new_sizes: Sequence[int], dimensions: Sequence[int] | None = None
) -> Array:
    """Reshape (after transposing by `dimensions` when given)."""
    return _sh.reshape_p.bind(
        operand,
        new_sizes=tuple(int(s) for s in new_sizes),
        dimensions=None if dimensions is None else tuple(int(d) for d in dimensions),
    )[0]


def squeeze(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Remove the size-1 `dimensions`."""
    nd = len(aval_of(array).shape)
    return _sh.squeeze_p.bind(array, dimensions=tuple(sorted(int(d) % nd for d in dimensions)))[0]


def expand_dims(array: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Insert size-1 dimensions at the positions `dimensions` of the result."""
    shape = list(aval_of(array).shape)
    ndim_out = len(shape) + len(dimensions)
    dims = sorted(int(d) % ndim_out for d in dimensions)
    for d in dims:
        shape.insert(d, 1)
    kept = [i for i in range(ndim_out) if i not in dims]
    return broadcast_in_dim(array, shape, kept)


def transpose(operand: ArrayLike, permutation: Sequence[int]) -> Array:
    """Permute the dimensions."""
    return _sh.transpose_p.bind(operand, permutation=tuple(int(p) for p in permutation))[0]


def rev(operand: ArrayLike, dimensions: Sequence[int]) -> Array:
    """Reverse the order of elements along `dimensions`."""
    return _sh.rev_p.bind(operand, dimensions=tuple(int(d) for d in dimensions))[0]


def pad(
    operand: ArrayLike, padding_value: ArrayLike, padding_config: Sequence[tuple[int, int, int]]
) -> Array:
    """Pad with `(low, high, interior)` per dimension; negative edge padding crops."""
    operand, padding_value = _coerce(operand, padding_value)
    cfg = tuple((int(lo), int(hi), int(i)) for lo, hi, i in padding_config)
    return _sh.pad_p.bind(operand, padding_value, padding_config=cfg)[0]


def concatenate(operands: Sequence[ArrayLike], dimension: int) -> Array:
    """Join arrays along `dimension`."""
    return _sh.concatenate_p.bind(*operands, dimension=int(dimension))[0]


def slice(
    operand: ArrayLike,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],
    strides: Sequence[int] | None = None,
) -> Array:
    """The static slice `operand[start:limit:stride, ...]`."""
    return _sh.slice_p.bind(
        operand,
        start_indices=tuple(int(i) for i in start_indices),
        limit_indices=tuple(int(i) for i in limit_indices),
        strides=None if strides is None else tuple(int(s) for s in strides),
    )[0]


def dynamic_slice(
    operand: ArrayLike, start_indices: Sequence[ArrayLike], slice_sizes: Sequence[int]
) -> Array:
    """A slice of static size at traced start indices (clamped to stay in bounds)."""
    idx = [
        np.asarray(i, dtypes.default_int_dtype()) if _is_python_scalar(i) else i
        for i in start_indices
    ]
    return _sh.dynamic_slice_p.bind(operand, *idx, slice_sizes=tuple(int(s) for s in slice_sizes))[
        0
    ]


def dynamic_update_slice(
    operand: ArrayLike, update: ArrayLike, start_indices: Sequence[ArrayLike]
) -> Array:
    """`operand` with `update` written at traced start indices (clamped to stay in bounds)."""
    idx = [
        np.asarray(i, dtypes.default_int_dtype()) if _is_python_scalar(i) else i
        for i in start_indices
    ]
    return _sh.dynamic_update_slice_p.bind(operand, update, *idx)[0]


def _axis(axis: int, ndim: int, name: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an operand of rank {ndim}")
    return int(axis) % ndim


def slice_in_dim(
    operand: ArrayLike,
    start_index: int | None,
    limit_index: int | None,
    stride: int = 1,
    axis: int = 0,
) -> Array:
    """The static slice `start_index:limit_index:stride` along `axis`.

    Negative indices count from the end and None means the whole extent, as in Python slicing.
    """
    # (`slice`, `max` and `min` are the lax functions in this module: builtins are spelled out.)
    shape = aval_of(operand).shape
    axis = _axis(axis, len(shape), "slice_in_dim")
    start, limit, _ = builtins.slice(start_index, limit_index).indices(shape[axis])
    starts = [0] * len(shape)
    limits = list(shape)
    strides = [1] * len(shape)
    starts[axis], limits[axis], strides[axis] = start, builtins.max(start, limit), int(stride)
    return slice(operand, starts, limits, strides)


def index_in_dim(operand: ArrayLike, index: int, axis: int = 0, keepdims: bool = True) -> Array:
    """The static index `index` along `axis` (kept with size 1 when `keepdims`)."""
    shape = aval_of(operand).shape
    axis = _axis(axis, len(shape), "index_in_dim")
    if not -shape[axis] <= index < shape[axis]:
        raise IndexError(
            f"index_in_dim: index {index} is out of bounds for axis {axis} of size {shape[axis]}"
        )
    index = int(index) % shape[axis]
    out = slice_in_dim(operand, index, index + 1, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_slice_in_dim(
    operand: ArrayLike, start_index: ArrayLike, slice_size: int, axis: int = 0
) -> Array:
    """`slice_size` elements along `axis` from a traced `start_index` (clamped in bounds)."""
    shape = aval_of(operand).shape
    axis = _axis(axis, len(shape), "dynamic_slice_in_dim")
    starts: list[ArrayLike] = [0] * len(shape)
    starts[axis] = start_index
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, starts, sizes)


def dynamic_index_in_dim(
    operand: ArrayLike, index: ArrayLike, axis: int = 0, keepdims: bool = True
) -> Array:
    """The element at a traced `index` along `axis` (clamped in bounds)."""
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    if keepdims:
        return out
    return squeeze(out, (_axis(axis, len(aval_of(operand).shape), "dynamic_index_in_dim"),))


def dynamic_update_slice_in_dim(
    operand: ArrayLike, update: ArrayLike, start_index: ArrayLike, axis: int
) -> Array:
    """`operand` with `update` written from a traced `start_index` along `axis`."""
    ndim = len(aval_of(operand).shape)
    axis = _axis(axis, ndim, "dynamic_update_slice_in_dim")
    starts: list[ArrayLike] = [0] * ndim
    starts[axis] = start_index
    return dynamic_update_slice(operand, update, starts)


def dynamic_update_index_in_dim(
    operand: ArrayLike, update: ArrayLike, index: ArrayLike, axis: int
) -> Array:
    """`operand` with `update` written at a traced `index` along `axis`.

    `update` may have the size-1 `axis` or lack it.
    """
    ndim = len(aval_of(operand).shape)
    axis = _axis(axis, ndim, "dynamic_update_index_in_dim")
    if len(aval_of(update).shape) == ndim - 1:
        update = expand_dims(update, (axis,))
    return dynamic_update_slice_in_dim(operand, update, index, axis)


def full(shape: Sequence[int], fill_value: ArrayLike, dtype: Any = None) -> Array:
    """An array of `shape` filled with the scalar `fill_value` (of `dtype` when given)."""
    fill_shape = aval_of(fill_value).shape
    if fill_shape:
        raise TypeError(f"full: fill_value must be a scalar, got an array of shape {fill_shape}")
    # A Python scalar without `dtype` stays weakly typed, as in JAX.
    value = fill_value if dtype is None else convert_element_type(fill_value, dtype)
    return broadcast_in_dim(value, shape, ())


def full_like(x: ArrayLike, fill_value: ArrayLike, dtype: Any = None,
              shape: Sequence[int] | None = None) -> Array:  # fmt: skip
    """An array like `x` (its shape and dtype unless given) filled with `fill_value`.

    Without `dtype` the result has `x`'s weak type too, as in JAX.
    """
    aval = aval_of(x)
    out = full(aval.shape if shape is None else shape, fill_value,
               aval.dtype if dtype is None else dtype)  # fmt: skip
    if dtype is None and aval.weak_type:
        return convert_element_type(out, aval.dtype, True)
    return out


def square(x: ArrayLike) -> Array:
    """Elementwise `x * x`."""
    return integer_pow(x, 2)


def iota(dtype: Any, size: int) -> Array:
    """`[0, 1, ..., size - 1]` of `dtype`."""
    return broadcasted_iota(dtype, (size,), 0)


def broadcasted_iota(dtype: Any, shape: Sequence[int], dimension: int) -> Array:
    """An array of `shape` counting along `dimension`."""
    return _sh.iota_p.bind(
        dtype=dtypes.canonicalize_dtype(dtype),
        shape=tuple(int(s) for s in shape),
        dimension=int(dimension),
    )[0]


def _axes(axes: Sequence[int], operand: ArrayLike) -> tuple[int, ...]:
    nd = len(aval_of(operand).shape)
    return tuple(int(a) % nd if nd else int(a) for a in axes)


def reduce_sum(operand: ArrayLike, axes: Sequence[int], *, out_sharding: Any = None,
               reduction_order: Any = None) -> Array:  # fmt: skip
    """Sum over `axes` (`out_sharding`: one device or None; `reduction_order`: None)."""
    check_one_device(out_sharding, "reduce_sum: out_sharding")
    check_reduction_order(reduction_order, "reduce_sum: reduction_order")
    return _red.reduce_sum_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_prod(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Product over `axes`."""
    return _red.reduce_prod_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_max(operand: ArrayLike, axes: Sequence[int], *, out_sharding: Any = None,
               reduction_order: Any = None) -> Array:  # fmt: skip
    """Maximum over `axes` (`out_sharding`: one device or None; `reduction_order`: None)."""
    check_one_device(out_sharding, "reduce_max: out_sharding")
    check_reduction_order(reduction_order, "reduce_max: reduction_order")
    return _red.reduce_max_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_min(operand: ArrayLike, axes: Sequence[int], *, out_sharding: Any = None) -> Array:
    """Minimum over `axes` (`out_sharding`: one device or None)."""
    check_one_device(out_sharding, "reduce_min: out_sharding")
    return _red.reduce_min_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_and(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Bitwise/logical and over `axes`."""
    return _red.reduce_and_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_or(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Bitwise/logical or over `axes`."""
    return _red.reduce_or_p.bind(operand, axes=_axes(axes, operand))[0]


def reduce_xor(operand: ArrayLike, axes: Sequence[int]) -> Array:
    """Bitwise/logical xor over `axes`."""
    return _red.reduce_xor_p.bind(operand, axes=_axes(axes, operand))[0]


def argmax(operand: ArrayLike, axis: int, index_dtype: Any) -> Array:
    """Index of the maximum along `axis` (the first one on ties; NaN counts as largest)."""
    return _red.argmax_p.bind(
        operand, axes=_axes((axis,), operand), index_dtype=dtypes.canonicalize_dtype(index_dtype)
    )[0]


def argmin(operand: ArrayLike, axis: int, index_dtype: Any) -> Array:
    """Index of the minimum along `axis` (the first one on ties)."""
    return _red.argmin_p.bind(
        operand, axes=_axes((axis,), operand), index_dtype=dtypes.canonicalize_dtype(index_dtype)
    )[0]


def cumsum(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running sum along `axis`."""
    return _red.cumsum_p.bind(operand, axis=_axes((axis,), operand)[0], reverse=bool(reverse))[0]


def cumprod(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running product along `axis`."""
    return _red.cumprod_p.bind(operand, axis=_axes((axis,), operand)[0], reverse=bool(reverse))[0]


def cummax(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running maximum along `axis`."""
    return _red.cummax_p.bind(operand, axis=_axes((axis,), operand)[0], reverse=bool(reverse))[0]


def cummin(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running minimum along `axis`."""
    return _red.cummin_p.bind(operand, axis=_axes((axis,), operand)[0], reverse=bool(reverse))[0]


def cumlogsumexp(operand: ArrayLike, axis: int = 0, reverse: bool = False) -> Array:
    """Running log-sum-exp along `axis`."""
    return _red.cumlogsumexp_p.bind(
        operand, axis=_axes((axis,), operand)[0], reverse=bool(reverse)
    )[0]


def dot_general(
    lhs: ArrayLike,
    rhs: ArrayLike,
    dimension_numbers: Any,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
    reduction_order: Any = None,
) -> Array:
    """Contract `lhs` and `rhs` over the given dimensions.

    `dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))`; the result
    has the batch, then lhs free, then rhs free dimensions. `out_sharding` may place the
    result on one device; `reduction_order` (JAX 0.12) must be None.
    """
    check_one_device(out_sharding, "dot_general: out_sharding")
    check_reduction_order(reduction_order, "dot_general: reduction_order")
    (lc, rc), (lb, rb) = dimension_numbers
    dn = (
        (tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
        (tuple(int(d) for d in lb), tuple(int(d) for d in rb)),
    )
    pet = (
        None
        if preferred_element_type is None
        else dtypes.canonicalize_dtype(preferred_element_type)
    )
    return _la.dot_general_p.bind(
        lhs, rhs, dimension_numbers=dn, precision=precision, preferred_element_type=pet
    )[0]


def dot(
    lhs: ArrayLike,
    rhs: ArrayLike,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
    *,
    dimension_numbers: Any = None,
    reduction_order: Any = None,
) -> Array:
    """Vector/matrix products: contracts the last axis of `lhs` with the first of `rhs`.

    With `dimension_numbers` (JAX 0.12), it is `dot_general` with them.
    """
    check_one_device(out_sharding, "dot: out_sharding")
    if dimension_numbers is None:
        nl = len(aval_of(lhs).shape)
        dimension_numbers = (((nl - 1,), (0,)), ((), ()))
    return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type,
                       reduction_order=reduction_order)  # fmt: skip


def _tuple(x: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(v) for v in x)


def gather(
    operand: ArrayLike,
    start_indices: ArrayLike,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: Sequence[int],
    *,
    unique_indices: bool = False,
    indices_are_sorted: bool = False,
    mode: str | GatherScatterMode | None = None,
    fill_value: Any = None,
    out_sharding: Any = None,
) -> Array:
    """Windows of `operand` starting at `start_indices` (XLA's Gather).

    The last dimension of `start_indices` is the index vector. `mode` is `"clip"`, `"fill"`
    (default: out-of-bounds windows take `fill_value`, NaN for inexact dtypes) or
    `"promise_in_bounds"`. `out_sharding` may place the result on one device.
    """
    check_one_device(out_sharding, "gather: out_sharding")
    dn = GatherDimensionNumbers(*(_tuple(d) for d in dimension_numbers))
    return _ix.gather_p.bind(
        operand,
        start_indices,
        dimension_numbers=dn,
        slice_sizes=_tuple(slice_sizes),
        indices_are_sorted=bool(indices_are_sorted),
        unique_indices=bool(unique_indices),
        mode=GatherScatterMode.from_any(mode),
        fill_value=fill_value,
    )[0]


def _scatter_function(name: str, prim: Any, doc: str, negate: bool = False) -> Any:
    # One public scatter function per combiner, all with JAX's signature.
    def fn(
        operand: ArrayLike,
        scatter_indices: ArrayLike,
        updates: ArrayLike,
        dimension_numbers: ScatterDimensionNumbers,
        *,
        indices_are_sorted: bool = False,
        unique_indices: bool = False,
        mode: str | GatherScatterMode | None = None,
        out_sharding: Any = None,
    ) -> Array:
        check_one_device(out_sharding, f"{name}: out_sharding")
        operand, updates = _coerce(operand, updates)
        if negate:
            updates = neg(updates)
        dn = ScatterDimensionNumbers(*(_tuple(d) for d in dimension_numbers))
        return prim.bind(
            operand,
            scatter_indices,
            updates,
            dimension_numbers=dn,
            indices_are_sorted=bool(indices_are_sorted),
            unique_indices=bool(unique_indices),
            mode=GatherScatterMode.from_any(mode),
        )[0]

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + (
        "\n\n    XLA's Scatter: `dimension_numbers` place the windows of `updates` at "
        "`scatter_indices`;\n    `mode` handles out-of-bounds windows; `out_sharding` may "
        "place the result on one device.\n    "
    )
    return fn


scatter = _scatter_function(
    "scatter", _ix.scatter_p, "`operand` with windows overwritten by `updates` (duplicates: "
    "one wins)."
)  # fmt: skip
scatter_add = _scatter_function(
    "scatter_add", _ix.scatter_add_p, "`operand` with `updates` added into windows (duplicates "
    "accumulate)."
)  # fmt: skip
scatter_sub = _scatter_function(
    "scatter_sub", _ix.scatter_add_p, "`operand` with `updates` subtracted from windows "
    "(duplicates accumulate).", negate=True
)  # fmt: skip
scatter_mul = _scatter_function(
    "scatter_mul", _ix.scatter_mul_p, "`operand` with windows multiplied by `updates`."
)
scatter_min = _scatter_function(
    "scatter_min", _ix.scatter_min_p, "`operand` with windows replaced by their minimum with "
    "`updates`."
)  # fmt: skip
scatter_max = _scatter_function(
    "scatter_max", _ix.scatter_max_p, "`operand` with windows replaced by their maximum with "
    "`updates`."
)  # fmt: skip


def conv_dimension_numbers(
    lhs_shape: Sequence[int], rhs_shape: Sequence[int], dimension_numbers: Any
) -> ConvDimensionNumbers:
    """Canonical `ConvDimensionNumbers` from None, layout strings or index tuples.

    Layout strings look like `("NHWC", "HWIO", "NHWC")`; None means `NC...`, `OI...`, `NC...`.
    """
    nd = len(lhs_shape)
    if len(rhs_shape) != nd:
        raise TypeError(
            f"conv: lhs shape {tuple(lhs_shape)} and rhs shape {tuple(rhs_shape)} must have the "
            "same rank"
        )
    if dimension_numbers is None:
        ident = tuple(range(nd))
        return ConvDimensionNumbers(ident, ident, ident)
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    lhs, rhs, out = dimension_numbers
    if isinstance(lhs, str):
        if not len(lhs) == len(rhs) == len(out) == nd:
            raise TypeError(
                f"conv: dimension_numbers {dimension_numbers} must have {nd} letters each"
            )
        spatial = [c for c in rhs if c not in "OI"]

        def spec(s: str, batch: str, feat: str) -> tuple[int, ...]:
            return (s.index(batch), s.index(feat), *(s.index(c) for c in spatial))

        return ConvDimensionNumbers(spec(lhs, "N", "C"), spec(rhs, "O", "I"), spec(out, "N", "C"))
    return ConvDimensionNumbers(_tuple(lhs), _tuple(rhs), _tuple(out))


def _dilated(sizes: Sequence[int], dilation: Sequence[int]) -> list[int]:
    """The extents of `sizes` with `dilation - 1` holes between elements (0 stays 0)."""
    return [0 if n == 0 else (n - 1) * d + 1 for n, d in zip(sizes, dilation, strict=True)]


def padtype_to_pads(
    in_shape: Sequence[int], window_shape: Sequence[int], window_strides: Sequence[int],
    padding: str,
) -> list[tuple[int, int]]:  # fmt: skip
    """Explicit `(low, high)` pads for `"VALID"`, `"SAME"` or `"SAME_LOWER"` padding."""
    mode = padding.upper()
    if mode == "VALID":
        return [(0, 0)] * len(in_shape)
    if mode not in ("SAME", "SAME_LOWER"):
        raise ValueError(f"padding must be 'VALID', 'SAME', 'SAME_LOWER' or pairs, got {padding!r}")
    pads = []
    for n, k, s in zip(in_shape, window_shape, window_strides, strict=True):
        out = -(-n // s)
        total = builtins.max((out - 1) * s + k - n, 0)  # (`max` here is lax.max)
        lo, hi = total // 2, total - total // 2
        pads.append((hi, lo) if mode == "SAME_LOWER" else (lo, hi))
    return pads


def conv_general_dilated(
    lhs: ArrayLike,
    rhs: ArrayLike,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    precision: Any = None,
    preferred_element_type: Any = None,
    out_sharding: Any = None,
) -> Array:
    """General N-d convolution (XLA's ConvGeneralDilated)."""
    check_one_device(out_sharding, "conv_general_dilated: out_sharding")
    lshape, rshape = aval_of(lhs).shape, aval_of(rhs).shape
    dn = conv_dimension_numbers(lshape, rshape, dimension_numbers)
    nsp = len(lshape) - 2
    lhs_dilation = _tuple(lhs_dilation) if lhs_dilation is not None else (1,) * nsp
    rhs_dilation = _tuple(rhs_dilation) if rhs_dilation is not None else (1,) * nsp
    if isinstance(padding, str):
        in_sp = _dilated([lshape[d] for d in dn.lhs_spec[2:]], lhs_dilation)
        k_sp = _dilated([rshape[d] for d in dn.rhs_spec[2:]], rhs_dilation)
        pads = padtype_to_pads(in_sp, k_sp, window_strides, padding)
    else:
        pads = [(int(lo), int(hi)) for lo, hi in padding]
    pet = (
        None
        if preferred_element_type is None
        else dtypes.canonicalize_dtype(preferred_element_type)
    )
    return _conv.conv_general_dilated_p.bind(
        lhs,
        rhs,
        window_strides=_tuple(window_strides),
        padding=tuple(pads),
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        dimension_numbers=dn,
        feature_group_count=int(feature_group_count),
        batch_group_count=int(batch_group_count),
        precision=precision,
        preferred_element_type=pet,
    )[0]


# --- windows and convolution shortcuts -----------------------------------------------------


def _monoid(computation: Any, dtype: Any) -> Any:
    """The lax function (add, mul, max, min) that `computation` is, or None.

    Found by tracing `computation` on two scalars: one equation of one of these primitives
    applied to the two inputs (in either order) is that monoid, whatever wrapper it came in.
    """
    from pullback_ir.staging import make_jaxpr

    monoids = {_ew.add_p: add, _ew.mul_p: mul, _ew.max_p: max, _ew.min_p: min}
    scalar = np.zeros((), dtype)
    try:
        closed = make_jaxpr(computation)(scalar, scalar)
    except Exception:  # not traceable on scalars: use it as given
        return None
    jaxpr = closed.jaxpr
    if len(jaxpr.eqns) != 1 or len(jaxpr.outvars) != 1:
        return None
    (eqn,) = jaxpr.eqns
    if eqn.primitive not in monoids or eqn.outvars[0] is not jaxpr.outvars[0]:
        return None
    if sorted(builtins.map(id, eqn.invars)) != sorted(builtins.map(id, jaxpr.invars)):
        return None
    return monoids[eqn.primitive]


def _is_identity(op: Any, init: Any, dtype: Any) -> bool:
    """Whether `init` is a concrete scalar that leaves `op` unchanged (0 for add, ...)."""
    if isinstance(init, _Tracer):
        return False
    value = np.asarray(init)
    if value.shape:
        return False
    dt = np.dtype(dtype)
    if dt.kind in "fc" or dt == np.bool_:
        low, high = -np.inf, np.inf
    else:
        low, high = np.iinfo(dt).min, np.iinfo(dt).max
    if dt == np.bool_:
        low, high = False, True
    identity = {add: 0, mul: 1, max: low, min: high}[op]
    return bool(value == identity)


def _window_pads(shape: Sequence[int], window: Sequence[int], strides: Sequence[int],
                 padding: Any, base_dilation: Sequence[int],
                 window_dilation: Sequence[int]) -> list[tuple[int, int]]:  # fmt: skip
    if isinstance(padding, str):
        return padtype_to_pads(_dilated(shape, base_dilation), _dilated(window, window_dilation),
                               strides, padding)  # fmt: skip
    pads = [(int(lo), int(hi)) for lo, hi in padding]
    if len(pads) != len(shape):
        raise ValueError(f"reduce_window: padding has {len(pads)} pairs for an operand of rank "
                         f"{len(shape)}")  # fmt: skip
    return pads


def _window_slices(x: Any, dims: Sequence[int], offsets: Sequence[int],
                   strides: Sequence[int], out: Sequence[int]) -> Any:  # fmt: skip
    shape = aval_of(x).shape
    starts = [0] * len(shape)
    limits = list(shape)
    steps = [1] * len(shape)
    for d, o, st, n in zip(dims, offsets, strides, out, strict=True):
        starts[d] = o
        limits[d] = o + (n - 1) * st + 1 if n > 0 else o
        steps[d] = st
    return slice(x, starts, limits, steps)


def reduce_window(
    operand: Any,
    init_value: Any,
    computation: Any,
    window_dimensions: Sequence[int],
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    base_dilation: Sequence[int] | None = None,
    window_dilation: Sequence[int] | None = None,
) -> Any:
    """Reduce each window of `operand` with `computation`, starting from `init_value`.

    XLA's ReduceWindow: windows of `window_dimensions` placed every `window_strides`, with
    `padding` (pairs, or "SAME"/"VALID") and the padding and `base_dilation` holes filled with
    `init_value`; `window_dilation` spaces the window's elements. `operand` and `init_value`
    may be matching tuples, `computation` then taking and returning tuples.

    It is built from pad, strided slices and `computation` itself, so every transformation
    applies. Add, multiply, max and min (recognized by tracing `computation`) are reduced one
    dimension at a time, so a k x k window costs 2k slices, not k * k.
    """
    multi = isinstance(operand, (tuple, list))
    operands = list(operand) if multi else [operand]
    inits = list(init_value) if multi else [init_value]
    if len(inits) != len(operands):
        raise TypeError(f"reduce_window: {len(operands)} operands but {len(inits)} init values")
    shape = aval_of(operands[0]).shape
    for o in operands[1:]:
        if aval_of(o).shape != shape:
            raise TypeError(f"reduce_window: operands must share a shape, got {shape} and "
                            f"{aval_of(o).shape}")  # fmt: skip
    nd = len(shape)
    window = _tuple(window_dimensions)
    strides = _tuple(window_strides)
    base = _tuple(base_dilation) if base_dilation is not None else (1,) * nd
    wdil = _tuple(window_dilation) if window_dilation is not None else (1,) * nd
    for what, v in (("window_dimensions", window), ("window_strides", strides),
                    ("base_dilation", base), ("window_dilation", wdil)):  # fmt: skip
        if len(v) != nd or any(i < 1 for i in v):
            raise ValueError(f"reduce_window: {what} must be {nd} positive integers, got {v}")
    pads = _window_pads(shape, window, strides, padding, base, wdil)
    padded = [pad(o, i, [(lo, hi, b - 1) for (lo, hi), b in zip(pads, base, strict=True)])
              for o, i in zip(operands, inits, strict=True)]  # fmt: skip
    pshape = aval_of(padded[0]).shape
    eff = _dilated(window, wdil)
    out = [builtins.max(0, (n - e) // st + 1) if n >= e else 0
           for n, e, st in zip(pshape, eff, strides, strict=True)]  # fmt: skip
    op = None if multi else _monoid(computation, aval_of(padded[0]).dtype)
    if op is not None:
        # One dimension at a time; init_value joins each window once, at the end.
        x = padded[0]
        for d in range(nd):
            if window[d] == 1 and strides[d] == 1:
                continue
            acc = None
            for j in range(window[d]):
                part = _window_slices(x, (d,), (j * wdil[d],), (strides[d],), (out[d],))
                acc = part if acc is None else op(acc, part)
            x = acc
        if _is_identity(op, inits[0], aval_of(x).dtype):
            return x
        return op(broadcast_in_dim(inits[0], aval_of(x).shape, ()), x)
    # Any other computation: fold every window element into the init value.
    accs = [broadcast_in_dim(i, out, ()) for i in inits]
    for offsets in np.ndindex(*window):
        parts = [_window_slices(x, range(nd), [o * d for o, d in zip(offsets, wdil, strict=True)],
                                strides, out) for x in padded]  # fmt: skip
        if multi:
            accs = list(computation(tuple(accs), tuple(parts)))
        else:
            accs = [computation(accs[0], parts[0])]
    return tuple(accs) if multi else accs[0]


def conv_general_dilated_patches(
    lhs: ArrayLike,
    filter_shape: Sequence[int],
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    precision: Any = None,
    preferred_element_type: Any = None,
) -> Array:
    """The patches a convolution with a `filter_shape` window sees, flattened into features.

    The result has the layout of the convolution's output; its feature dimension holds each
    patch flattened in the order (input feature, then the window's spatial dimensions in the
    order of the kernel layout), so it has `lhs`'s feature count times `prod(filter_shape)`
    entries. Computed as a grouped convolution with one-hot kernels, as JAX does.

    Args:
        lhs: the input, of rank `len(filter_shape) + 2`.
        filter_shape: the window's spatial extents, in the kernel layout's spatial order.
        window_strides: the strides between windows.
        padding: "VALID", "SAME", "SAME_LOWER" or `(low, high)` pairs.
        lhs_dilation: the input dilation (None: 1).
        rhs_dilation: the window dilation (None: 1).
        dimension_numbers: the layouts, as for `conv_general_dilated`.
        precision: as for `conv_general_dilated`.
        preferred_element_type: as for `conv_general_dilated`.

    Returns:
        The patches.

    Raises:
        TypeError: if `filter_shape` does not have one extent per spatial dimension.

    Example:
        >>> import numpy as np
        >>> x = np.arange(9.0, dtype=np.float32).reshape(1, 1, 3, 3)
        >>> p = conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID")
        >>> np.asarray(p)[0, :, 0, 0].tolist()
        [0.0, 1.0, 3.0, 4.0]
    """
    lshape = aval_of(lhs).shape
    fshape = tuple(int(k) for k in filter_shape)
    if len(fshape) != len(lshape) - 2:
        raise TypeError(
            f"conv_general_dilated_patches: filter_shape {fshape} needs one extent for each of "
            f"the {len(lshape) - 2} spatial dimensions of lhs of shape {tuple(lshape)}"
        )
    dn = conv_dimension_numbers(lshape, (1, 1, *fshape), dimension_numbers)
    size = int(np.prod(fshape, dtype=np.int64))
    channels = lshape[dn.lhs_spec[1]]
    # Output feature c * size + k reads input feature c at window position k: one one-hot
    # kernel per window position, repeated for each input feature group.
    eye = np.eye(size, dtype=aval_of(lhs).dtype)
    kernel = np.broadcast_to(eye, (channels, size, size)).reshape(channels * size, 1, *fshape)
    kernel = np.moveaxis(kernel, (0, 1), (dn.rhs_spec[0], dn.rhs_spec[1]))
    return conv_general_dilated(
        lhs, np.ascontiguousarray(kernel), window_strides, padding, lhs_dilation, rhs_dilation,
        dn, feature_group_count=channels, precision=precision,
        preferred_element_type=preferred_element_type,
    )  # fmt: skip


def conv_general_dilated_local(
    lhs: ArrayLike,
    rhs: ArrayLike,
    window_strides: Sequence[int],
    padding: str | Sequence[tuple[int, int]],
    filter_shape: Sequence[int],
    lhs_dilation: Sequence[int] | None = None,
    rhs_dilation: Sequence[int] | None = None,
    dimension_numbers: Any = None,
    precision: Any = None,
) -> Array:
    """An unshared convolution: a separate kernel at every output position.

    `rhs`'s spatial dimensions index output positions; its input-feature dimension holds the
    flattened patches (input feature, then window position, as `conv_general_dilated_patches`
    gives them). Computed as patches contracted with `rhs`, position by position.

    Args:
        lhs: the input, of rank `len(filter_shape) + 2`.
        rhs: the kernels: (out features, patch size, *output spatial extents) in the kernel
            layout.
        window_strides: the strides between windows.
        padding: "VALID", "SAME", "SAME_LOWER" or `(low, high)` pairs.
        filter_shape: the window's spatial extents, in the kernel layout's spatial order.
        lhs_dilation: the input dilation (None: 1).
        rhs_dilation: the window dilation (None: 1).
        dimension_numbers: the layouts, as for `conv_general_dilated`.
        precision: None, a precision, or a pair (for the patches, for the contraction).

    Returns:
        The result, in the output layout.

    Raises:
        ValueError: for a precision that is neither one nor a pair.
    """
    if isinstance(precision, tuple | list):
        if len(precision) != 2:
            raise ValueError(
                f"conv_general_dilated_local: precision must be one value or a pair, got "
                f"{precision!r}"
            )
        patch_precision = precision[0]
    else:
        patch_precision = precision
    patches = conv_general_dilated_patches(
        lhs, filter_shape, window_strides, padding, lhs_dilation, rhs_dilation,
        dimension_numbers, patch_precision,
    )  # fmt: skip
    fshape = (1, 1, *(int(k) for k in filter_shape))
    dn = conv_dimension_numbers(aval_of(lhs).shape, fshape, dimension_numbers)
    out_spatial, rhs_spatial = dn.out_spec[2:], dn.rhs_spec[2:]
    # The output positions are batch dimensions of the contraction, in the patches' order.
    order = sorted(range(len(out_spatial)), key=lambda k: out_spatial[k])
    batch = ([out_spatial[k] for k in order], [rhs_spatial[k] for k in order])
    out = dot_general(patches, rhs, (([dn.out_spec[1]], [dn.rhs_spec[1]]), batch),
                      precision=precision)  # fmt: skip
    # (batch..., N, O) -> the output layout
    nd = len(aval_of(out).shape)
    perm: list[int] = list(range(nd - 2))
    for dest, src in sorted(zip((dn.out_spec[0], dn.out_spec[1]), (nd - 2, nd - 1), strict=True)):
        perm.insert(dest, src)
    return transpose(out, perm)


def conv(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
         padding: str | Sequence[tuple[int, int]], precision: Any = None,
         preferred_element_type: Any = None) -> Array:  # fmt: skip
    """`conv_general_dilated` with the NC... / OI... layouts and no dilation."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


def conv_with_general_padding(lhs: ArrayLike, rhs: ArrayLike, window_strides: Sequence[int],
                              padding: str | Sequence[tuple[int, int]],
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None) -> Array:  # fmt: skip
    """`conv_general_dilated` with the NC... / OI... layouts."""
    return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


def _conv_transpose_pads(k: int, s: int, padding: str) -> tuple[int, int]:
    # The padding of the stride-dilated input that makes conv_transpose the shape-inverse of a
    # strided convolution: "SAME" gives in * s outputs, "VALID" in * s + max(k - s, 0).
    mode = padding.upper()
    if mode == "SAME":
        total = k + s - 2
        low = k - 1 if s > k - 1 else -(-total // 2)
    elif mode == "VALID":
        total = k + s - 2 + builtins.max(k - s, 0)
        low = k - 1
    else:
        raise ValueError(f"conv_transpose: padding must be 'SAME', 'VALID' or pairs, got "
                         f"{padding!r}")  # fmt: skip
    return low, total - low


def conv_transpose(lhs: ArrayLike, rhs: ArrayLike, strides: Sequence[int],
                   padding: str | Sequence[tuple[int, int]],
                   rhs_dilation: Sequence[int] | None = None, dimension_numbers: Any = None,
                   transpose_kernel: bool = False, precision: Any = None,
                   preferred_element_type: Any = None) -> Array:  # fmt: skip
    """The transposed ("fractionally strided") convolution.

    The input is dilated by `strides`, padded, and convolved with `rhs` at stride 1.

    With `transpose_kernel=True` the kernel's spatial axes are flipped and its input/output
    feature axes swapped, which makes this the gradient of `conv_general_dilated` with respect
    to its input.
    """
    lshape, rshape = aval_of(lhs).shape, aval_of(rhs).shape
    dn = conv_dimension_numbers(lshape, rshape, dimension_numbers)
    nsp = len(lshape) - 2
    strides = _tuple(strides)
    if len(strides) != nsp:
        raise ValueError(f"conv_transpose: strides must have {nsp} entries, got {strides}")
    rhs_dilation = _tuple(rhs_dilation) if rhs_dilation is not None else (1,) * nsp
    k_sp = [rshape[d] for d in dn.rhs_spec[2:]]
    eff = _dilated(k_sp, rhs_dilation)
    if isinstance(padding, str):
        pads = [_conv_transpose_pads(k, s, padding) for k, s in zip(eff, strides, strict=True)]
    else:
        pads = [(int(lo), int(hi)) for lo, hi in padding]
    if transpose_kernel:
        rhs = rev(rhs, dn.rhs_spec[2:])
        perm = list(range(len(rshape)))
        perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = perm[dn.rhs_spec[1]], perm[dn.rhs_spec[0]]
        rhs = transpose(rhs, perm)
    return conv_general_dilated(lhs, rhs, (1,) * nsp, pads, lhs_dilation=strides,
                                rhs_dilation=rhs_dilation, dimension_numbers=dn,
                                precision=precision,
                                preferred_element_type=preferred_element_type)  # fmt: skip


def fft(x: ArrayLike, fft_type: str, fft_lengths: Sequence[int]) -> Array:
    """XLA's Fft over the trailing `len(fft_lengths)` axes ("FFT", "IFFT", "RFFT", "IRFFT")."""
    kind = getattr(fft_type, "name", fft_type)
    return _fft.fft_p.bind(x, fft_type=str(kind).upper(), fft_lengths=_tuple(fft_lengths))[0]


def associative_scan(fn: Any, elems: Any, reverse: bool = False, axis: int = 0) -> Any:
    """All prefix combinations of `elems` along `axis` under the associative `fn`.

    out[i] = fn(... fn(fn(x[0], x[1]), x[2]) ..., x[i]) (suffixes if `reverse`), computed in
    O(log n) rounds of elementwise work: adjacent pairs are combined, the half-length
    sequence is scanned recursively, and the remaining positions are filled in. `elems` may
    be a pytree of arrays sharing the axis length; `fn` takes and returns such trees, applied
    to whole slices at once.
    """
    from pullback_pytrees import tree_flatten, tree_unflatten

    leaves, tree = tree_flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: elems has no arrays")
    nd = len(aval_of(leaves[0]).shape)
    if not -nd <= axis < builtins.max(nd, 1):
        raise ValueError(f"associative_scan: axis {axis} is out of bounds for rank {nd}")
    axis %= nd
    n = aval_of(leaves[0]).shape[axis]
    for x in leaves:
        if aval_of(x).shape[axis] != n:
            raise ValueError(
                f"associative_scan: every array needs length {n} along axis {axis}, got shapes "
                f"{[aval_of(v).shape for v in leaves]}"
            )
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]

    def combine(a: list[Any], b: list[Any]) -> list[Any]:
        out, out_tree = tree_flatten(fn(tree_unflatten(tree, a), tree_unflatten(tree, b)))
        if out_tree != tree:
            raise TypeError(
                f"associative_scan: fn must return the structure of its inputs ({tree}), got "
                f"{out_tree}"
            )
        return out

    def take(xs: list[Any], start: int, stop: int, step: int = 1) -> list[Any]:
        return [slice_in_dim(x, start, stop, step, axis) for x in xs]

    def interleave(even: Any, odd: Any) -> Any:
        # even holds positions 0, 2, 4, ..., odd 1, 3, ...: stack them side by side, flatten.
        ne, no = aval_of(even).shape[axis], aval_of(odd).shape[axis]
        if no < ne:  # an odd count: pad odd by one and drop that slot at the end
            cfg = [(0, 0, 0)] * nd
            cfg[axis] = (0, 1, 0)
            odd = pad(odd, np.asarray(0, aval_of(odd).dtype), cfg)
        pair = concatenate([expand_dims(even, (axis + 1,)), expand_dims(odd, (axis + 1,))],
                           axis + 1)  # fmt: skip
        shape = list(aval_of(even).shape)
        shape[axis] = 2 * ne
        flat = reshape(pair, shape)
        return slice_in_dim(flat, 0, ne + no, 1, axis)

    def scan(xs: list[Any]) -> list[Any]:
        m = aval_of(xs[0]).shape[axis]
        if m < 2:
            return xs
        pairs = combine(take(xs, 0, m - 1, 2), take(xs, 1, m, 2))  # (x0x1, x2x3, ...)
        odd = scan(pairs)  # prefixes ending at 1, 3, 5, ...
        rest = take(xs, 2, m, 2)  # x2, x4, ...
        head = odd if m % 2 else take(odd, 0, len_of(odd) - 1)
        even = combine(head, rest) if aval_of(rest[0]).shape[axis] else rest
        even = [concatenate([slice_in_dim(x, 0, 1, 1, axis), e], axis)
                for x, e in zip(xs, even, strict=True)]  # fmt: skip
        return [interleave(e, o) for e, o in zip(even, odd, strict=True)]

    def len_of(xs: list[Any]) -> int:
        return int(aval_of(xs[0]).shape[axis])

    out = scan(leaves)
    if reverse:
        out = [rev(x, (axis,)) for x in out]
    return tree_unflatten(tree, out)


def sort(
    operand: ArrayLike | Sequence[ArrayLike],
    dimension: int = -1,
    is_stable: bool = True,
    num_keys: int = 1,
) -> Any:
    """Sort one array, or several arrays by the first `num_keys` of them (lexicographically).

    Returns an array for one operand, a tuple of arrays for a sequence of operands.
    """
    single = not isinstance(operand, tuple | list)
    operands = [operand] if single else list(operand)
    axis = _axes((dimension,), operands[0])[0]
    outs = _sort.sort_p.bind(
        *operands, dimension=axis, is_stable=bool(is_stable), num_keys=int(num_keys)
    )
    return outs[0] if single else tuple(outs)


def sort_key_val(
    keys: ArrayLike, values: ArrayLike, dimension: int = -1, is_stable: bool = True
) -> tuple[Array, Array]:
    """Sort `keys` along `dimension` and reorder `values` the same way."""
    k, v = sort((keys, values), dimension, is_stable, 1)
    return k, v


def top_k(operand: ArrayLike, k: int, *, axis: int = -1,
          is_stable: bool = True) -> tuple[Array, Array]:  # fmt: skip
    """The `k` largest entries along `axis`, in descending order, and their int32 indices.

    Args:
        operand: a real or integer array.
        k: how many entries to keep, at most the size of `axis`.
        axis: the axis to search (the last by default).
        is_stable: equal entries keep their order (the lower index first). pullback's top_k
            is always stable, which also meets `is_stable=False` (order unspecified).

    Returns:
        `(values, indices)`, each of `operand`'s shape with `axis` of size `k`.

    Raises:
        ValueError: for a negative `k` or an axis out of range.

    Example:
        >>> import numpy as np
        >>> v, i = top_k(np.float32([[1, 5], [4, 2]]), 1, axis=0)
        >>> np.asarray(v).tolist(), np.asarray(i).tolist()
        ([[4.0, 5.0]], [[1, 0]])
    """
    del is_stable  # always stable
    k = int(k)
    if k < 0:
        raise ValueError(f"top_k: k must be nonnegative, got {k}")
    ndim = len(aval_of(operand).shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"top_k: axis {axis} is out of range for an operand of rank {ndim}")
    axis %= ndim
    if axis == ndim - 1:
        values, indices = _sort.top_k_p.bind(operand, k=k)
        return values, indices
    perm = [*range(axis), *range(axis + 1, ndim), axis]
    back = [*range(axis), ndim - 1, *range(axis, ndim - 1)]
    values, indices = _sort.top_k_p.bind(transpose(operand, perm), k=k)
    return transpose(values, back), transpose(indices, back)


def reduce_precision(operand: ArrayLike, exponent_bits: int, mantissa_bits: int) -> Array:
    """Round to a float format with the given exponent and mantissa bits (kept in the dtype)."""
    return _bits.reduce_precision_p.bind(
        operand, exponent_bits=int(exponent_bits), mantissa_bits=int(mantissa_bits)
    )[0]


def threefry2x32(
    key1: ArrayLike, key2: ArrayLike, x1: ArrayLike, x2: ArrayLike
) -> tuple[Array, Array]:
    """The Threefry-2x32 block cipher (20 rounds) on uint32 counters `(x1, x2)`."""
    a, b = _bits.threefry2x32_p.bind(key1, key2, x1, x2)
    return a, b


# --- named-axis collectives -------------------------------------------------------------------

AxisName = Any


def _axis_names(axis_name: AxisName, what: str) -> tuple[Any, ...]:
    names = tuple(axis_name) if isinstance(axis_name, tuple | list) else (axis_name,)
    for n in names:
        _axis_size(n, what)  # raises NameError for an unbound name
    return names


def _single_axis(axis_name: AxisName, what: str) -> tuple[Any, int]:
    names = _axis_names(axis_name, what)
    if len(names) != 1:
        raise NotImplementedError(f"{what}: exactly one axis name is supported, got {axis_name!r}")
    return names[0], _axis_size(names[0], what)


def _groups(groups: Any) -> tuple[tuple[int, ...], ...] | None:
    return None if groups is None else tuple(tuple(int(i) for i in g) for g in groups)


def _tree_collective(bind: Any, x: Any) -> Any:
    from pullback_pytrees import tree_flatten, tree_unflatten

    leaves, tree = tree_flatten(x)
    return tree_unflatten(tree, bind(leaves))


def psum(x: Any, axis_name: AxisName, *, axis_index_groups: Any = None) -> Any:
    """Sum a pytree of arrays over the members of the named axis (or axes)."""
    axes = _axis_names(axis_name, "psum")
    groups = _groups(axis_index_groups)
    return _tree_collective(
        lambda leaves: (
            _coll.psum_p.bind(*leaves, axes=axes, axis_index_groups=groups) if leaves else []
        ),
        x,
    )


def pmax(x: Any, axis_name: AxisName, *, axis_index_groups: Any = None) -> Any:
    """Maximum of a pytree of arrays over the members of the named axis."""
    axes = _axis_names(axis_name, "pmax")
    groups = _groups(axis_index_groups)
    return _tree_collective(
        lambda leaves: (
            _coll.pmax_p.bind(*leaves, axes=axes, axis_index_groups=groups) if leaves else []
        ),
        x,
    )


def pmin(x: Any, axis_name: AxisName, *, axis_index_groups: Any = None) -> Any:
    """Minimum of a pytree of arrays over the members of the named axis."""
    axes = _axis_names(axis_name, "pmin")
    groups = _groups(axis_index_groups)
    return _tree_collective(
        lambda leaves: (
            _coll.pmin_p.bind(*leaves, axes=axes, axis_index_groups=groups) if leaves else []
        ),
        x,
    )


def pmean(x: Any, axis_name: AxisName, *, axis_index_groups: Any = None) -> Any:
    """Mean of a pytree of arrays over the members of the named axis (or axes)."""
    from pullback_pytrees import tree_map

    names = _axis_names(axis_name, "pmean")
    groups = _groups(axis_index_groups)
    n = len(groups[0]) if groups else int(np.prod([_axis_size(a) for a in names]))
    total = psum(x, axis_name, axis_index_groups=axis_index_groups)
    return tree_map(lambda t: div(t, np.asarray(n, aval_of(t).dtype)), total)


def axis_index(axis_name: AxisName) -> Array:
    """This member's int32 position along the named axis."""
    name, _ = _single_axis(axis_name, "axis_index")
    return _coll.axis_index_p.bind(axis_name=name)[0]


def all_gather(
    x: Any,
    axis_name: AxisName,
    *,
    axis_index_groups: Any = None,
    axis: int = 0,
    tiled: bool = False,
) -> Any:
    """Every member's `x`, stacked along a new axis `axis` (concatenated if `tiled`)."""
    name, size = _single_axis(axis_name, "all_gather")

    def one(leaves: list[Any]) -> list[Any]:
        outs = []
        for leaf in leaves:
            nd = len(aval_of(leaf).shape)
            ax = int(axis) % (nd + (0 if tiled else 1)) if nd or not tiled else int(axis)
            outs.append(
                _coll.all_gather_p.bind(
                    leaf,
                    axis_name=name,
                    all_gather_dimension=ax,
                    axis_size=size,
                    axis_index_groups=_groups(axis_index_groups),
                    tiled=bool(tiled),
                )[0]
            )
        return outs

    return _tree_collective(one, x)


def all_to_all(
    x: Any,
    axis_name: AxisName,
    split_axis: int,
    concat_axis: int,
    *,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """Split `split_axis` across the members and gather the pieces along `concat_axis`.

    Untiled, `split_axis` must have the axis size and is removed, and a new axis of that size
    is inserted at `concat_axis`; tiled, the two axes are resized in place.
    """
    name, size = _single_axis(axis_name, "all_to_all")
    groups = _groups(axis_index_groups)

    def one(leaves: list[Any]) -> list[Any]:
        outs = []
        for leaf in leaves:
            nd = len(aval_of(leaf).shape)
            sa, ca = int(split_axis) % nd, int(concat_axis) % nd
            if tiled:
                y = _coll.all_to_all_p.bind(
                    leaf, axis_name=name, split_axis=sa, concat_axis=ca, axis_size=size,
                    axis_index_groups=groups,
                )[0]  # fmt: skip
            else:
                n = size if groups is None else len(groups[0])
                if aval_of(leaf).shape[sa] != n:
                    raise TypeError(
                        f"all_to_all: split_axis {sa} of {aval_of(leaf).str_long()} must have "
                        f"the axis size {n} (or pass tiled=True)"
                    )
                # Exchange unit chunks along the split axis (which then indexes the source
                # member), and move that axis to concat_axis.
                y = _coll.all_to_all_p.bind(
                    leaf, axis_name=name, split_axis=sa, concat_axis=sa, axis_size=size,
                    axis_index_groups=groups,
                )[0]  # fmt: skip
                perm = [d for d in range(nd) if d != sa]
                perm.insert(ca, sa)
                y = transpose(y, perm)
            outs.append(y)
        return outs

    return _tree_collective(one, x)


def pswapaxes(x: Any, axis_name: AxisName, axis: int, *, axis_index_groups: Any = None) -> Any:
    """Swap the mapped axis `axis_name` with the positional axis `axis` (of the axis size).

    Member i's slice j along `axis` goes to member j, at position i: `all_to_all` with
    `split_axis = concat_axis = axis`.
    """
    return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


def ppermute(x: Any, axis_name: AxisName, perm: Sequence[tuple[int, int]]) -> Any:
    """Send each member's `x` to another member.

    `perm` lists `(source, destination)` pairs; members that receive nothing get zeros.
    """
    name, size = _single_axis(axis_name, "ppermute")
    pairs = tuple((int(s), int(d)) for s, d in perm)
    for s, d in pairs:
        if not (0 <= s < size and 0 <= d < size):
            raise ValueError(f"ppermute: perm {pairs} has indices outside range({size})")
    return _tree_collective(
        lambda leaves: [_coll.ppermute_p.bind(v, axis_name=name, perm=pairs)[0] for v in leaves], x
    )


def psum_scatter(
    x: Any,
    axis_name: AxisName,
    *,
    scatter_dimension: int = 0,
    axis_index_groups: Any = None,
    tiled: bool = False,
) -> Any:
    """psum, then give member i the i-th piece of `scatter_dimension`."""
    name, size = _single_axis(axis_name, "psum_scatter")
    return _tree_collective(
        lambda leaves: [
            _coll.psum_scatter_p.bind(
                v,
                axis_name=name,
                scatter_dimension=int(scatter_dimension) % len(aval_of(v).shape),
                axis_size=size,
                axis_index_groups=_groups(axis_index_groups),
                tiled=bool(tiled),
            )[0]
            for v in leaves
        ],
        x,
    )


def stop_gradient(x: Any) -> Any:
    """`x` itself, with a zero derivative (applied to every leaf of a pytree).

    Integer and boolean leaves are returned as they are.
    """
    from pullback_pytrees import tree_map

    def one(v: Any) -> Any:
        dt = aval_of(v).dtype
        if not dtypes.is_inexact(dt):
            return v
        return _ew.stop_gradient_p.bind(v)[0]

    return tree_map(one, x)


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape NumPy broadcasting gives arrays of `shapes`.

    Raises:
        ValueError: if the shapes do not broadcast together.
    """
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def with_sharding_constraint(x: Any, shardings: Any) -> Any:
    """`x` constrained to `shardings`: the identity for shardings over one device.

    Raises:
        NotImplementedError: for a sharding over several devices (issue 18's partitioning).
    """
    from pullback_pytrees import tree_leaves

    for s in tree_leaves(shardings, is_leaf=lambda v: v is None or hasattr(v, "num_devices")):
        check_one_device(s, "with_sharding_constraint: shardings")
    return x
