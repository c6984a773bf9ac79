"""Creation, shape manipulation, joining and splitting for `pullback.numpy`."""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import ShapedArray, ShapeDtypeStruct, aval_of, check_one_device
from pullback_ir.trace import Tracer

from pullback_api.numpy._core import (
    asarray_arg,
    axes_of,
    cast,
    eager_host,
    export,
    host_view,
    promote,
    to_dtype,
)

__all__ = [
    "arange",
    "array",
    "array_split",
    "asarray",
    "astype",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_arrays",
    "broadcast_shapes",
    "broadcast_to",
    "column_stack",
    "concatenate",
    "copy",
    "diag",
    "diagonal",
    "dstack",
    "empty",
    "empty_like",
    "expand_dims",
    "eye",
    "flip",
    "fliplr",
    "flipud",
    "full",
    "full_like",
    "hstack",
    "identity",
    "linspace",
    "meshgrid",
    "moveaxis",
    "ndim",
    "ones",
    "ones_like",
    "pad",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "shape",
    "size",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "tile",
    "trace",
    "transpose",
    "tri",
    "tril",
    "triu",
    "vstack",
    "zeros",
    "zeros_like",
]  # fmt: skip


def _dtype_or_default(dtype: Any, value_kind: str = "float") -> np.dtype[Any]:
    if dtype is not None:
        return dtypes.canonicalize_dtype(dtype)
    return dtypes.default_float_dtype() if value_kind == "float" else dtypes.default_int_dtype()


def _shape_arg(shape: Any, name: str) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) or (
        hasattr(shape, "shape") and not isinstance(shape, np.ndarray) and not shape.shape
    ):  # (a 0-d array: int() of a traced one raises TracerIntegerConversionError, as in JAX)
        return (int(shape),)
    try:
        out = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(
            f"{name}: shape must be an int or a sequence of ints, got {shape!r}"
        ) from None
    if any(s < 0 for s in out):
        raise ValueError(f"{name}: negative dimensions are not allowed, got {out}")
    return out


@export
def array(object: Any, dtype: Any = None, copy: bool = True, order: str | None = None,
          ndmin: int = 0, *, device: Any = None, out_sharding: Any = None) -> Any:  # fmt: skip
    """An array holding `object` (Python scalars are weakly typed, as in JAX).

    `device` is accepted as by the other creation functions; `out_sharding` may place the
    result on one device.
    """
    del copy, order, device  # always a fresh immutable value
    check_one_device(out_sharding, "array: out_sharding")
    if isinstance(object, (Tracer, Array)):
        out = object if dtype is None else to_dtype(object, dtype)
    elif isinstance(object, (list, tuple)) and any(isinstance(v, Tracer) for v in _flat(object)):
        out = stack([array(v) for v in object])
        if dtype is not None:
            out = to_dtype(out, dtype)
    else:
        # (Python bools are not weakly typed: bool is the bottom of the promotion lattice)
        weak = type(object) in (int, float, complex) and dtype is None
        host = np.asarray(object.__array__() if isinstance(object, Array) else object)
        if host.dtype == object_dtype:
            raise TypeError(f"array: cannot make an array from {type(object).__qualname__}")
        if dtype is None:
            dtype = dtypes.dtype_and_weak(object)[0] if weak else host.dtype
        dt = dtypes.canonicalize_dtype(dtype)
        return _ndmin(Array._from_host(np.array(host, dtype=dt), weak_type=weak), ndmin)
    return _ndmin(out, ndmin)


object_dtype = np.dtype(object)


def _flat(x: Any) -> list[Any]:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flat(item)]
    return [x]


def _ndmin(x: Any, ndmin: int) -> Any:
    nd = len(aval_of(x).shape)
    if nd >= ndmin:
        return x
    return lax.expand_dims(x, tuple(range(ndmin - nd)))


@export
def asarray(a: Any, dtype: Any = None, order: str | None = None, *, copy: Any = None) -> Any:
    """`a` as an array (no copy when it already is one of the right dtype)."""
    del order, copy
    return array(a, dtype=dtype)


def astype(x: Any, dtype: Any, /, *, copy: bool = False, device: Any = None) -> Any:
    """`x` converted to `dtype`."""
    del copy, device
    return export(to_dtype)(asarray_arg(x, "astype"), dtype)


def _fill(shape: Any, value: Any, dtype: np.dtype[Any], name: str) -> Any:
    shp = _shape_arg(shape, name)
    return Array._from_host(np.full(shp, value, dtype=dtype))


def zeros(shape: Any, dtype: Any = None, *, device: Any = None) -> Any:
    """An array of zeros (default float type)."""
    return _fill(shape, 0, _dtype_or_default(dtype), "zeros")


def ones(shape: Any, dtype: Any = None, *, device: Any = None) -> Any:
    """An array of ones (default float type)."""
    return _fill(shape, 1, _dtype_or_default(dtype), "ones")


def empty(shape: Any, dtype: Any = None, *, device: Any = None) -> Any:
    """An array of zeros (XLA has no uninitialized memory)."""
    return zeros(shape, dtype)


@export
def full(shape: Any, fill_value: Any, dtype: Any = None, *, device: Any = None) -> Any:
    """An array of `fill_value`."""
    shp = _shape_arg(shape, "full")
    if isinstance(fill_value, (Array, Tracer)):
        v = fill_value if dtype is None else to_dtype(fill_value, dtype)
        return lax.broadcast_in_dim(
            v, shp, tuple(range(len(shp) - len(aval_of(v).shape), len(shp)))
        )
    dt = (
        dtypes.canonicalize_dtype(dtype)
        if dtype is not None
        else dtypes.dtype_and_weak(fill_value)[0]
    )
    return Array._from_host(np.full(shp, fill_value, dtype=dt))


def _like_aval(a: Any, name: str) -> ShapedArray:
    # The abstract value of `a`: an array, a scalar, or a ShapeDtypeStruct (as in JAX).
    if isinstance(a, ShapeDtypeStruct):
        return ShapedArray(tuple(a.shape), dtypes.canonicalize_dtype(a.dtype))
    return aval_of(asarray_arg(a, name))


def _like(name: str, value: Any) -> Any:
    def f(a: Any, dtype: Any = None, shape: Any = None, *, device: Any = None) -> Any:
        av = _like_aval(a, name)
        dt = av.dtype if dtype is None else dtypes.canonicalize_dtype(dtype)
        shp = av.shape if shape is None else _shape_arg(shape, name)
        return Array._from_host(
            np.full(shp, value, dtype=dt), weak_type=av.weak_type and dtype is None
        )

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"An array of {value} with the shape and dtype of `a`."
    return f


zeros_like = _like("zeros_like", 0)
ones_like = _like("ones_like", 1)
empty_like = _like("empty_like", 0)


@export
def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None, *,
              device: Any = None) -> Any:  # fmt: skip
    """An array of `fill_value` with the shape (and dtype) of `a`."""
    av = _like_aval(a, "full_like")
    out = full(av.shape if shape is None else shape, fill_value,
               av.dtype if dtype is None else dtype)  # fmt: skip
    # (without a dtype the result has `a`'s weak type too, as in JAX)
    return cast(out, av.dtype, True) if dtype is None and av.weak_type else out


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None, *,
           device: Any = None) -> Any:  # fmt: skip
    """Evenly spaced values in [start, stop) (concrete bounds)."""
    for v, n in ((start, "start"), (stop, "stop"), (step, "step")):
        if isinstance(v, Tracer):
            raise TypeError(f"arange: {n} must be concrete (a Python number), got a traced value")
    vals = [np.asarray(v) for v in (start, stop, step) if v is not None]
    host = np.arange(*[v.item() for v in vals])
    if dtype is None:
        dt = dtypes.default_float_dtype() if any(dtypes.is_inexact(v.dtype) for v in vals) \
            else dtypes.default_int_dtype()  # fmt: skip
    else:
        dt = dtypes.canonicalize_dtype(dtype)
    return Array._from_host(host.astype(dt))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype: Any = None, axis: int = 0, *,
             device: Any = None) -> Any:  # fmt: skip
    """`num` evenly spaced values from start to stop."""
    if isinstance(start, (Tracer, Array)) or isinstance(stop, (Tracer, Array)):
        s, e = promote_float(start, stop)
        n = int(num)
        if n < 0:
            raise ValueError(f"linspace: num must be non-negative, got {n}")
        dt = aval_of(s).dtype
        shape = np.broadcast_shapes(aval_of(s).shape, aval_of(e).shape)
        s, e = broadcast_to(s, shape), broadcast_to(e, shape)
        div = (n - 1) if endpoint else n
        delta = lax.div(lax.sub(e, s), np.asarray(max(div, 1), dt))
        out_shape = (n, *shape)
        trailing = tuple(range(1, len(out_shape)))

        def spread(v: Any) -> Any:
            return lax.broadcast_in_dim(v, out_shape, trailing)

        steps = lax.convert_element_type(lax.broadcasted_iota(np.int32, out_shape, 0), dt)
        full = lax.add(spread(s), lax.mul(steps, spread(delta)))
        if endpoint and n > 1:  # the last value is exactly `stop`, as in NumPy
            full = lax.select(lax.eq(steps, np.asarray(n - 1, dt)), spread(e), full)
        out = export(lambda: moveaxis(full, 0, axis))()
        if dtype is not None:
            out = astype(out, dtype)
        return (out, delta) if retstep else out
    dt = _dtype_or_default(dtype)
    host, step = np.linspace(np.asarray(start), np.asarray(stop), int(num), endpoint=endpoint,
                             retstep=True, axis=axis)  # fmt: skip
    out = Array._from_host(np.asarray(host, dt))
    return (out, Array._from_host(np.asarray(step, dt))) if retstep else out


def promote_float(*xs: Any) -> list[Any]:
    out = promote("linspace", *xs)
    dt = aval_of(out[0]).dtype
    if not dtypes.is_inexact(dt):
        out = [to_dtype(o, dtypes.default_float_dtype()) for o in out]
    return out


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None, *,
        device: Any = None) -> Any:  # fmt: skip
    """A 2-D array with ones on the k-th diagonal."""
    return Array._from_host(np.eye(int(N), None if M is None else int(M), int(k),
                                   dtype=_dtype_or_default(dtype)))  # fmt: skip


def identity(n: int, dtype: Any = None) -> Any:
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Any:
    """Ones at and below the k-th diagonal."""
    return Array._from_host(np.tri(int(N), None if M is None else int(M), int(k),
                                   dtype=_dtype_or_default(dtype)))  # fmt: skip


# --- shape ----------------------------------------------------------------------------------


def shape(a: Any) -> tuple[int, ...]:
    """The shape of `a`."""
    return aval_of(asarray_arg(a, "shape")).shape


def ndim(a: Any) -> int:
    """The number of dimensions of `a`."""
    return len(shape(a))


def size(a: Any, axis: int | None = None) -> int:
    """The number of elements of `a` (along `axis`)."""
    s = shape(a)
    return math.prod(s) if axis is None else s[axis]


@export
def reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None) -> Any:
    """`a` with a new shape (one entry may be -1)."""
    if order != "C":
        raise NotImplementedError("reshape: only order='C'")
    shp = newshape if shape is None else shape
    a = asarray_arg(a, "reshape")
    shp = (shp,) if isinstance(shp, (int, np.integer)) else tuple(int(s) for s in shp)
    n = aval_of(a).size
    if shp.count(-1) > 1:
        raise ValueError("reshape: only one dimension may be -1")
    if -1 in shp:
        known = math.prod(s for s in shp if s != -1)
        if known == 0 or n % known:
            raise ValueError(f"reshape: cannot reshape an array of size {n} into shape {shp}")
        shp = tuple(n // known if s == -1 else s for s in shp)
    if math.prod(shp) != n:
        raise ValueError(
            f"reshape: cannot reshape an array of shape {aval_of(a).shape} (size {n}) into "
            f"shape {shp}"
        )
    host = eager_host(a)
    if host is not None:  # (NumPy's view: what the reference reshape computes)
        return host_view(a, host.reshape(shp))
    return lax.reshape(a, shp)


@export
def ravel(a: Any, order: str = "C") -> Any:
    """`a` flattened to one dimension."""
    return reshape(a, (-1,), order)


@export
def transpose(a: Any, axes: Sequence[int] | None = None) -> Any:
    """`a` with its axes permuted (reversed by default)."""
    a = asarray_arg(a, "transpose")
    nd = len(aval_of(a).shape)
    perm = tuple(range(nd))[::-1] if axes is None else axes_of(axes, nd, "transpose")
    if sorted(perm) != list(range(nd)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of {nd} dimensions")
    host = eager_host(a)
    if host is not None:  # (NumPy's view: what the reference transpose computes)
        return host_view(a, host.transpose(perm))
    return lax.transpose(a, perm)


@export
def swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    """`a` with two axes exchanged."""
    a = asarray_arg(a, "swapaxes")
    nd = len(aval_of(a).shape)
    i, j = axes_of((axis1,), nd, "swapaxes")[0], axes_of((axis2,), nd, "swapaxes")[0]
    perm = list(range(nd))
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, perm)


@export
def moveaxis(a: Any, source: Any, destination: Any) -> Any:
    """`a` with axes moved to new positions."""
    a = asarray_arg(a, "moveaxis")
    nd = len(aval_of(a).shape)
    src = axes_of(source, nd, "moveaxis")
    dst = axes_of(destination, nd, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of axes")
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return lax.transpose(a, order)


@export
def expand_dims(a: Any, axis: Any) -> Any:
    """`a` with new unit axes at `axis`."""
    a = asarray_arg(a, "expand_dims")
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    nd = len(aval_of(a).shape) + len(axes)
    return lax.expand_dims(a, sorted(ax % nd for ax in axes))


@export
def squeeze(a: Any, axis: Any = None) -> Any:
    """`a` without its unit axes (or only those in `axis`, which must have size 1)."""
    a = asarray_arg(a, "squeeze")
    s = aval_of(a).shape
    if axis is None:
        axes = tuple(i for i, d in enumerate(s) if d == 1)
    else:
        axes = axes_of(axis, len(s), "squeeze")
        for ax in axes:
            if s[ax] != 1:
                raise ValueError(f"squeeze: axis {ax} has size {s[ax]}, not 1")
    return lax.squeeze(a, axes) if axes else a


@export
def broadcast_to(array: Any, shape: Any) -> Any:
    """`array` broadcast to `shape` with NumPy's rules."""
    a = asarray_arg(array, "broadcast_to")
    s = aval_of(a).shape
    target = _shape_arg(shape, "broadcast_to")
    if len(target) < len(s) or any(
        d != 1 and d != t for d, t in zip(s, target[len(target) - len(s) :], strict=True)
    ):
        raise ValueError(f"broadcast_to: cannot broadcast shape {s} to {target}")
    if s == target:
        return a
    lead = len(target) - len(s)
    keep = [i for i, d in enumerate(s) if d == target[lead + i]]
    if len(keep) != len(s):
        a = lax.reshape(a, tuple(s[i] for i in keep))
    return lax.broadcast_in_dim(a, target, tuple(lead + i for i in keep))


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The broadcast of several shapes."""
    return tuple(np.broadcast_shapes(*shapes))


@export
def broadcast_arrays(*args: Any) -> list[Any]:
    """The arguments broadcast to their common shape."""
    arrs = [asarray_arg(a, "broadcast_arrays") for a in args]
    target = np.broadcast_shapes(*[aval_of(a).shape for a in arrs])
    return [broadcast_to(a, target) for a in arrs]


@export
def concatenate(arrays: Sequence[Any], axis: int | None = 0, dtype: Any = None) -> Any:
    """Arrays joined along an existing axis (None: flattened first)."""
    arrs = [asarray_arg(a, "concatenate") for a in arrays]
    if not arrs:
        raise ValueError("concatenate: need at least one array")
    if axis is None:
        arrs = [ravel(a) for a in arrs]
        axis = 0
    arrs = _unbroadcast_promote(arrs) if len(arrs) > 1 else arrs
    if dtype is not None:
        arrs = [to_dtype(a, dtype) for a in arrs]
    nd = len(aval_of(arrs[0]).shape)
    if nd == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    ax = axes_of((axis,), nd, "concatenate")[0]
    return lax.concatenate(arrs, ax) if len(arrs) > 1 else arrs[0]


def _unbroadcast_promote(arrs: list[Any]) -> list[Any]:
    # Promote dtypes without broadcasting shapes.
    dt, weak = dtypes.result_type(*arrs)
    return [cast(a, dt, weak) for a in arrs]


@export
def stack(arrays: Sequence[Any], axis: int = 0, dtype: Any = None) -> Any:
    """Arrays of one shape joined along a new axis."""
    arrs = [asarray_arg(a, "stack") for a in arrays]
    if not arrs:
        raise ValueError("stack: need at least one array")
    shapes = {aval_of(a).shape for a in arrs}
    if len(shapes) > 1:
        raise ValueError(f"stack: all input arrays must have the same shape, got {sorted(shapes)}")
    arrs = _unbroadcast_promote(arrs)
    if dtype is not None:
        arrs = [to_dtype(a, dtype) for a in arrs]
    nd = len(aval_of(arrs[0]).shape) + 1
    ax = axes_of((axis,), nd, "stack")[0]
    expanded = [lax.expand_dims(a, (ax,)) for a in arrs]
    return lax.concatenate(expanded, ax) if len(expanded) > 1 else expanded[0]


@export
def vstack(tup: Sequence[Any], dtype: Any = None) -> Any:
    """Arrays stacked row-wise (1-D arrays become rows)."""
    return concatenate([atleast_2d(a) for a in tup], 0, dtype)


@export
def hstack(tup: Sequence[Any], dtype: Any = None) -> Any:
    """Arrays stacked column-wise (along axis 1, or 0 for 1-D arrays)."""
    arrs = [atleast_1d(a) for a in tup]
    return concatenate(arrs, 0 if len(aval_of(arrs[0]).shape) == 1 else 1, dtype)


@export
def dstack(tup: Sequence[Any], dtype: Any = None) -> Any:
    """Arrays stacked along the third axis."""
    return concatenate([atleast_3d(a) for a in tup], 2, dtype)


@export
def column_stack(tup: Sequence[Any]) -> Any:
    """1-D arrays as columns of a 2-D array."""
    arrs = [asarray_arg(a, "column_stack") for a in tup]
    arrs = [lax.expand_dims(a, (1,)) if len(aval_of(a).shape) < 2 else a for a in arrs]
    return concatenate(arrs, 1)


@export
def atleast_1d(*arys: Any) -> Any:
    """Arrays with at least one dimension."""
    out = [_ndmin(asarray_arg(a, "atleast_1d"), 1) for a in arys]
    return out[0] if len(out) == 1 else out


@export
def atleast_2d(*arys: Any) -> Any:
    """Arrays with at least two dimensions."""
    out = [_ndmin(asarray_arg(a, "atleast_2d"), 2) for a in arys]
    return out[0] if len(out) == 1 else out


@export
def atleast_3d(*arys: Any) -> Any:
    """Arrays with at least three dimensions (1-D arrays become (1, n, 1))."""
    out = []
    for a in arys:
        a = asarray_arg(a, "atleast_3d")
        nd = len(aval_of(a).shape)
        if nd == 0:
            a = lax.reshape(a, (1, 1, 1))
        elif nd == 1:
            a = lax.expand_dims(a, (0, 2))
        elif nd == 2:
            a = lax.expand_dims(a, (2,))
        out.append(a)
    return out[0] if len(out) == 1 else out


@export
def split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """`ary` split into equal sections, or at the given indices, along `axis`."""
    return _split(ary, indices_or_sections, axis, equal=True)


@export
def array_split(ary: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Like `split`, but sections may differ in size by one."""
    return _split(ary, indices_or_sections, axis, equal=False)


def _split(ary: Any, ios: Any, axis: int, equal: bool) -> list[Any]:
    a = asarray_arg(ary, "split")
    s = aval_of(a).shape
    ax = axes_of((axis,), len(s), "split")[0]
    n = s[ax]
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise ValueError("split: the number of sections must be positive")
        if equal and n % k:
            raise ValueError(f"split: an axis of size {n} cannot be split into {k} equal parts")
        q, r = divmod(n, k)
        bounds = [0]
        for i in range(k):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = [0, *[min(max(int(i), 0), n) for i in ios], n]
    out = []
    for lo, hi in itertools_pairwise(bounds):
        start = [0] * len(s)
        limit = list(s)
        start[ax], limit[ax] = lo, builtins.max(lo, hi)
        out.append(lax.slice(a, start, limit))
    return out


def itertools_pairwise(xs: Sequence[int]) -> list[tuple[int, int]]:
    return list(itertools.pairwise(xs))


@export
def tile(A: Any, reps: Any) -> Any:
    """`A` repeated `reps` times along each axis."""
    a = asarray_arg(A, "tile")
    reps_t = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    s = aval_of(a).shape
    nd = builtins.max(len(s), len(reps_t))
    s = (1,) * (nd - len(s)) + s
    reps_t = (1,) * (nd - len(reps_t)) + reps_t
    a = lax.reshape(a, s)
    # Broadcast into (r0, s0, r1, s1, ...) then merge pairs.
    inter = tuple(v for r, d in zip(reps_t, s, strict=True) for v in (r, d))
    b = lax.broadcast_in_dim(a, inter, tuple(range(1, 2 * nd, 2)))
    return lax.reshape(b, tuple(r * d for r, d in zip(reps_t, s, strict=True)))


@export
def repeat(a: Any, repeats: Any, axis: int | None = None, *,
           total_repeat_length: int | None = None) -> Any:  # fmt: skip
    """Each element repeated `repeats` times (a scalar or one count per element)."""
    a = asarray_arg(a, "repeat")
    if axis is None:
        a = ravel(a)
        axis = 0
    s = aval_of(a).shape
    ax = axes_of((axis,), len(s), "repeat")[0]
    if isinstance(repeats, (int, np.integer)):
        r = int(repeats)
        wide = (*s[: ax + 1], r, *s[ax + 1 :])
        dims = tuple([*range(ax + 1), *range(ax + 2, len(s) + 1)])
        b = lax.broadcast_in_dim(a, wide, dims)
        return lax.reshape(b, (*s[:ax], s[ax] * r, *s[ax + 1 :]))
    if isinstance(repeats, Tracer):
        raise TypeError("repeat: repeats must be concrete")
    counts = np.asarray(repeats)
    idx = np.repeat(np.arange(s[ax]), counts)
    from pullback_api.numpy._indexing import take

    return take(a, idx, axis=ax)


@export
def flip(m: Any, axis: Any = None) -> Any:
    """`m` with the order of elements reversed along `axis` (all axes by default)."""
    m = asarray_arg(m, "flip")
    nd = len(aval_of(m).shape)
    return lax.rev(m, axes_of(axis, nd, "flip"))


@export
def fliplr(m: Any) -> Any:
    """Reversed along axis 1."""
    return flip(m, 1)


@export
def flipud(m: Any) -> Any:
    """Reversed along axis 0."""
    return flip(m, 0)


@export
def roll(a: Any, shift: Any, axis: Any = None) -> Any:
    """Elements rolled by `shift` along `axis` (flattened when None)."""
    a = asarray_arg(a, "roll")
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), aval_of(a).shape)
    shifts = (shift,) if isinstance(shift, (int, np.integer)) else tuple(shift)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    s = aval_of(a).shape
    for sh, ax in zip(shifts, axes, strict=True):
        ax = axes_of((ax,), len(s), "roll")[0]
        n = s[ax]
        if n == 0:
            continue
        k = int(sh) % n
        if k:
            lo, hi = split(a, [n - k], ax)
            a = lax.concatenate([hi, lo], ax)
    return a


@export
def pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    """`array` padded (mode "constant" with `constant_values`, "edge" or "reflect")."""
    a = asarray_arg(array, "pad")
    nd = len(aval_of(a).shape)
    pw = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (nd, 2))
    if mode == "constant":
        cv = kwargs.get("constant_values", 0)
        value = to_dtype(np.asarray(cv), aval_of(a).dtype)
        return lax.pad(a, value, [(int(lo), int(hi), 0) for lo, hi in pw])
    if mode in ("edge", "reflect", "symmetric", "wrap"):
        from pullback_api.numpy._indexing import take

        for ax in range(nd):
            lo, hi = int(pw[ax][0]), int(pw[ax][1])
            if not lo and not hi:
                continue
            n = aval_of(a).shape[ax]
            pos = np.arange(-lo, n + hi)
            if mode == "edge":
                idx = np.clip(pos, 0, n - 1)
            elif mode == "wrap":
                idx = pos % n
            else:
                period = 2 * n - (2 if mode == "reflect" else 0)
                m = pos % period
                idx = np.where(m < n, m, period - m - (0 if mode == "reflect" else 1))
            a = take(a, idx, axis=ax)
        return a
    raise NotImplementedError(f"pad: mode {mode!r}")


@export
def copy(a: Any, order: str | None = None) -> Any:
    """A copy of `a` (arrays are immutable: the same value)."""
    return asarray_arg(a, "copy")


@export
def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Any:
    """The `offset` diagonal of the 2-D slices over `axis1`, `axis2` (moved last)."""
    from pullback_api.numpy._indexing import take_along_axis

    a = asarray_arg(a, "diagonal")
    nd = len(aval_of(a).shape)
    a1, a2 = axes_of((axis1,), nd, "diagonal")[0], axes_of((axis2,), nd, "diagonal")[0]
    a = moveaxis(a, (a1, a2), (-2, -1))
    s = aval_of(a).shape
    n, m = s[-2], s[-1]
    rows = np.arange(builtins.max(0, -offset), builtins.min(n, m - offset))
    if rows.size == 0:
        return zeros((*s[:-2], 0), aval_of(a).dtype)
    cols = rows + offset
    sub = take_along_axis_rows(a, rows)
    idx = np.broadcast_to(cols.reshape(*([1] * (len(s) - 2)), -1, 1), (*s[:-2], rows.size, 1))
    return squeeze(take_along_axis(sub, idx, axis=-1), -1)


def take_along_axis_rows(a: Any, rows: np.ndarray[Any, Any]) -> Any:
    from pullback_api.numpy._indexing import take

    return take(a, rows, axis=-2)


@export
def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Any:
    """The sum of the `offset` diagonal."""
    from pullback_api.numpy._reductions import sum as sum_

    d = diagonal(a, offset, axis1, axis2)
    return sum_(d, axis=-1, dtype=dtype)  # (as sum: strongly typed, bools counted as ints)


@export
def diag(v: Any, k: int = 0) -> Any:
    """The k-th diagonal of a 2-D array, or a 2-D array with `v` on its k-th diagonal."""
    v = asarray_arg(v, "diag")
    s = aval_of(v).shape
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("diag: input must be 1-D or 2-D")
    n = s[0] + builtins.abs(k)
    eye_mask = np.eye(n, k=k, dtype=bool)
    from pullback_api.numpy._indexing import take

    # Along the diagonal, column j holds v[j - k] (k >= 0) or v[j] (k < 0).
    col = take(v, np.clip(np.arange(n) - builtins.max(0, k), 0, s[0] - 1), axis=0)
    full_ = lax.broadcast_in_dim(col, (n, n), (1,))
    zero = lax.broadcast_in_dim(np.asarray(0, aval_of(v).dtype), (n, n), ())
    return lax.select(eye_mask, full_, zero)


def _tri_mask(s: tuple[int, ...], k: int, lower: bool) -> np.ndarray[Any, Any]:
    n, m = s[-2], s[-1]
    mask = np.tri(n, m, k, dtype=bool)
    return np.broadcast_to(mask if lower else ~np.tri(n, m, k - 1, dtype=bool), s)


def _tri(m: Any, k: int, lower: bool, name: str) -> Any:
    m = asarray_arg(m, name)
    s = aval_of(m).shape
    zero = lax.full_like(m, 0)  # (of m's weak type: a weak m gives a weak result, as in JAX)
    return lax.select(np.ascontiguousarray(_tri_mask(s, k, lower)), m, zero)


@export
def tril(m: Any, k: int = 0) -> Any:
    """Zeros above the k-th diagonal."""
    return _tri(m, k, True, "tril")


@export
def triu(m: Any, k: int = 0) -> Any:
    """Zeros below the k-th diagonal."""
    return _tri(m, k, False, "triu")


@export
def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> list[Any]:
    """Coordinate matrices from coordinate vectors."""
    arrs = [ravel(asarray_arg(x, "meshgrid")) for x in xi]
    n = len(arrs)
    shp = [aval_of(a).shape[0] for a in arrs]
    if indexing == "xy" and n >= 2:
        shp[0], shp[1] = shp[1], shp[0]
    out = []
    for i, a in enumerate(arrs):
        d = i
        if indexing == "xy" and n >= 2 and i < 2:
            d = 1 - i
        if sparse:
            sh = [1] * n
            sh[d] = shp[d]
            out.append(lax.reshape(a, tuple(sh)))
        else:
            out.append(lax.broadcast_in_dim(a, tuple(shp), (d,)))
    return out
