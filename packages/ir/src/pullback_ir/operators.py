"""Python operators on tracers (`x + 1.0`, `x[0]`, `x.T`) with JAX's promotion and broadcasting.

Registered into `Tracer.operators` on import. `pullback.numpy` builds on the same helpers.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of
from pullback_ir.config import STATE
from pullback_ir.trace import Tracer

__all__ = ["add_or_or", "broadcast_arrays", "mul_or_and", "promote_args"]


def _weak_dtype_array(x: Any, dtype: np.dtype[Any], weak: bool) -> Any:
    if type(x) in (bool, int, float, complex):
        # A weak result keeps a Python scalar a Python scalar (of the result's kind), so that it
        # is weakly typed where it lands; otherwise it becomes an array of the result dtype.
        return dtypes.weak_scalar(x, dtype) if weak else np.asarray(x, dtype)
    return lax.convert_element_type(x, dtype, weak) if aval_of(x).dtype != dtype else x


_PY_NUMBERS = (int, float)


def promote_args(name: str, *args: Any) -> list[Any]:
    """Convert `args` to their common dtype (JAX promotion, weak scalars defer) and shape."""
    if len(args) == 2:
        # The common binary cases without the promotion lattice: two arrays of one type, or
        # an array and a Python int/float that defers to it.
        a, b = args
        ta, tb = type(a), type(b)
        a_py, b_py = ta in _PY_NUMBERS, tb in _PY_NUMBERS
        if not a_py and not b_py and ta not in (bool, complex) and tb not in (bool, complex):
            av, bv = aval_of(a), aval_of(b)
            if av.dtype == bv.dtype and av.shape == bv.shape and av.weak_type == bv.weak_type:
                return [a, b]
        elif a_py != b_py:
            arr, scalar = (b, a) if a_py else (a, b)
            if type(arr) not in (bool, complex):
                av = aval_of(arr)
                dt = av.dtype
                if not av.weak_type and (
                    dtypes.is_inexact(dt)
                    or (type(scalar) is int and dt != dtypes.bool_ and dtypes.is_integer(dt))
                ):
                    c = np.asarray(scalar, dt)
                    return [c, arr] if a_py else [arr, c]
    dtype, weak = dtypes.result_type(*args)
    return broadcast_arrays(name, *[_weak_dtype_array(a, dtype, weak) for a in args])


def _rank_promotion(name: str, shapes: list[tuple[int, ...]]) -> None:
    msg = (
        f"{name}: operands could not be broadcast together with shapes "
        f"{' '.join(map(str, shapes))} and with the config option "
        f"jax_numpy_rank_promotion='{STATE.rank_promotion}' (implicit rank promotion)"
    )
    if STATE.rank_promotion == "raise":
        raise ValueError(msg)
    warnings.warn(msg, stacklevel=3)


def broadcast_arrays(name: str, *args: Any) -> list[Any]:
    """Broadcast arrays to their common shape with NumPy's rules (scalars stay scalars)."""
    shapes = [aval_of(a).shape for a in args]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise TypeError(
            f"{name}: incompatible shapes for broadcasting: {', '.join(map(str, shapes))}"
        ) from None
    if STATE.rank_promotion != "allow" and len({len(s) for s in shapes if s}) > 1:
        _rank_promotion(name, shapes)
    out = []
    for a, s in zip(args, shapes, strict=True):
        if s == shape or not s:
            out.append(a)
        else:
            dims = tuple(range(len(shape) - len(s), len(shape)))
            if any(d == 1 and shape[k] != 1 for d, k in zip(s, dims, strict=True)):
                kept = [i for i, d in enumerate(s) if d != 1]
                a = lax.reshape(a, [s[i] for i in kept])
                dims = tuple(dims[i] for i in kept)
            out.append(lax.broadcast_in_dim(a, shape, dims))
    return out


def _binary(prim_fn: Any, name: str) -> Any:
    def op(x: Any, y: Any) -> Any:
        return prim_fn(*promote_args(name, x, y))

    return op


def add_or_or(x: Any, y: Any) -> Any:
    """`lax.add` of two operands of one dtype, or their `or` for bools (JAX's + of bools)."""
    return lax.bitwise_or(x, y) if aval_of(x).dtype == dtypes.bool_ else lax.add(x, y)


def mul_or_and(x: Any, y: Any) -> Any:
    """`lax.mul` of two operands of one dtype, or their `and` for bools (JAX's * of bools)."""
    return lax.bitwise_and(x, y) if aval_of(x).dtype == dtypes.bool_ else lax.mul(x, y)


def _truediv(x: Any, y: Any) -> Any:
    dtype, weak = dtypes.result_type(x, y)
    if not dtypes.is_inexact(dtype):
        dtype = dtypes.default_float_dtype()
    x, y = broadcast_arrays(
        "true_divide", _weak_dtype_array(x, dtype, weak), _weak_dtype_array(y, dtype, weak)
    )
    return lax.div(x, y)


def _pow(x: Any, y: Any) -> Any:
    if type(y) is int and not isinstance(x, bool):
        return lax.integer_pow(x, y)
    return lax.pow(*promote_args("power", x, y))


def _getitem(x: Any, idx: Any) -> Any:
    # Basic indexing: integers, slices, None and Ellipsis. Advanced indexing lives in numpy.
    idx = idx if isinstance(idx, tuple) else (idx,)
    shape = aval_of(x).shape
    if builtins.any(i is Ellipsis for i in idx):
        k = idx.index(Ellipsis)
        n_real = builtins.sum(1 for i in idx if i is not None and i is not Ellipsis)
        idx = (*idx[:k], *(builtins.slice(None),) * (len(shape) - n_real), *idx[k + 1 :])
    starts, limits, strides, squeeze, new_axes = [], [], [], [], []
    dim = 0
    out_pos = 0
    for i in idx:
        if i is None:
            new_axes.append(out_pos)
            out_pos += 1
            continue
        if dim >= len(shape):
            raise IndexError(f"too many indices for an array of shape {shape}")
        n = shape[dim]
        if isinstance(i, builtins.slice):
            s, e, st = i.indices(n)
            if st < 0:
                raise IndexError("negative slice steps are not supported on traced arrays yet")
            starts.append(s)
            limits.append(max(s, e))
            strides.append(st)
            out_pos += 1
        elif isinstance(i, int | np.integer):
            j = int(i) + n if i < 0 else int(i)
            if not 0 <= j < n:
                raise IndexError(f"index {i} is out of bounds for axis {dim} with size {n}")
            starts.append(j)
            limits.append(j + 1)
            strides.append(1)
            squeeze.append(dim)
        else:
            raise TypeError(
                f"unsupported index {i!r} on a traced array: basic indexing (ints, slices, None, "
                "...) only; use pullback.numpy for advanced indexing"
            )
        dim += 1
    for d in range(dim, len(shape)):
        starts.append(0)
        limits.append(shape[d])
        strides.append(1)
    out = lax.slice(x, starts, limits, strides)
    if squeeze:
        out = lax.squeeze(out, squeeze)
    if new_axes:
        out = lax.expand_dims(out, new_axes)
    return out


def _sum(x: Any, axis: Any, keepdims: bool) -> Any:
    nd = len(aval_of(x).shape)
    axes = tuple(range(nd)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    out = lax.reduce_sum(x, axes)
    if keepdims:
        out = lax.expand_dims(out, sorted(a % nd for a in axes))
    return out


def _matmul(x: Any, y: Any) -> Any:
    dtype, weak = dtypes.result_type(x, y)
    x, y = _weak_dtype_array(x, dtype, weak), _weak_dtype_array(y, dtype, weak)
    xs, ys = aval_of(x).shape, aval_of(y).shape
    if len(xs) <= 2 and len(ys) <= 2:
        return lax.dot(x, y)
    raise TypeError("matmul of batched operands: use pullback.numpy.matmul")


def _reshape(x: Any, shape: Any) -> Any:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    size = aval_of(x).size
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1]))
        shape = tuple(size // known if s == -1 else s for s in shape)
    return lax.reshape(x, shape)


Tracer.operators.update(
    add=_binary(add_or_or, "add"),
    sub=_binary(lax.sub, "subtract"),
    mul=_binary(mul_or_and, "multiply"),
    truediv=_truediv,
    mod=_binary(lax.rem, "remainder"),
    pow=_pow,
    matmul=_matmul,
    neg=lax.neg,
    abs=lax.abs,
    invert=lax.bitwise_not,
    lt=_binary(lax.lt, "less"),
    le=_binary(lax.le, "less_equal"),
    gt=_binary(lax.gt, "greater"),
    ge=_binary(lax.ge, "greater_equal"),
    eq=_binary(lax.eq, "equal"),
    ne=_binary(lax.ne, "not_equal"),
    getitem=_getitem,
    transpose=lambda x: lax.transpose(x, tuple(reversed(range(len(aval_of(x).shape))))),
    astype=lambda x, dt: lax.convert_element_type(x, dt),
    reshape=_reshape,
    sum=_sum,
    **{"and": _binary(lax.bitwise_and, "bitwise_and")},
    **{"or": _binary(lax.bitwise_or, "bitwise_or")},
    **{"xor": _binary(lax.bitwise_xor, "bitwise_xor")},
)
