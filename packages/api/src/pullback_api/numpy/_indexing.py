"""NumPy indexing on arrays and tracers, and the functional updates of `x.at[idx]`.

Basic, advanced (integer arrays) and boolean-mask (concrete only) indexing are supported;
`x.at[idx]` has set/add/multiply/min/max/get.

An index is reduced to one gather (or scatter): integer and array indices become collapsed
index dimensions, step-1 slices become windows, other steps and `None` are applied first
(strided slicing, reversal, a reshape), so every NumPy form maps to XLA's Gather/Scatter.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device
from pullback_ir.errors import ConcretizationTypeError, NonConcreteBooleanIndexError
from pullback_ir.primitives.indexing import (
    GatherDimensionNumbers,
    GatherScatterMode,
    ScatterDimensionNumbers,
)
from pullback_ir.trace import Tracer

from pullback_api.numpy._core import asarray_arg, axes_of, eager_host, export, host_view, to_dtype

__all__ = ["AtIndexer", "argwhere", "flatnonzero", "getitem", "nonzero", "take", "take_along_axis"]


def _is_int_scalar(i: Any) -> bool:
    return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _as_index_array(i: Any) -> Any | None:
    """An integer/boolean array index as an array value, else None (not an array index)."""
    if isinstance(i, (Array, Tracer, np.ndarray)):
        return i
    if isinstance(i, (list, tuple)):
        return asarray_arg(i, "index")
    if isinstance(i, (bool, np.bool_)):
        return np.asarray(i)
    return None


class _Plan:
    """An index normalized to: a pre-processed operand, and per-dimension entries."""

    def __init__(self, x: Any, idx: Any) -> None:
        idx = idx if isinstance(idx, tuple) else (idx,)
        # Boolean masks (concrete) become integer arrays, one per masked dimension.
        expanded: list[Any] = []
        for i in idx:
            arr = _as_index_array(i)
            if arr is not None and aval_of(arr).dtype == np.bool_:
                if isinstance(arr, Tracer):
                    raise NonConcreteBooleanIndexError(arr._describe())
                mask = np.asarray(arr)
                if mask.ndim == 0:
                    expanded.append(None if mask else np.zeros(0, np.int32))
                    if not mask:
                        raise NotImplementedError("indexing with a scalar False")
                    continue
                expanded.extend(np.nonzero(mask))
            elif arr is not None and not dtypes.is_integer(aval_of(arr).dtype):
                raise IndexError(
                    f"array indices must be integers or booleans, got {aval_of(arr).dtype}"
                )
            else:
                expanded.append(i)
        shape = aval_of(x).shape
        n_real = builtins.sum(1 for i in expanded if i is not None and i is not Ellipsis)
        if builtins.sum(1 for i in expanded if i is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if Ellipsis in [i for i in expanded if not isinstance(i, (np.ndarray, Array, Tracer))]:
            k = next(j for j, i in enumerate(expanded) if i is Ellipsis)
            expanded = [*expanded[:k], *[slice(None)] * (len(shape) - n_real), *expanded[k + 1 :]]
        if n_real > len(shape):
            raise IndexError(f"too many indices for an array of shape {shape}: {n_real} were given")
        # None inserts unit axes: do it on the operand, index them with full slices.
        if any(i is None for i in expanded):
            new_axes = [j for j, i in enumerate(expanded) if i is None]
            x = lax.expand_dims(x, new_axes) if new_axes else x
            expanded = [slice(None) if i is None else i for i in expanded]
        shape = aval_of(x).shape
        expanded += [slice(None)] * (len(shape) - len(expanded))
        self.x = x
        self.entries = expanded
        self.shape = shape


def _normalize_int(i: Any, n: int, dim: int) -> int:
    """A static integer index with negatives counted from the end (JAX's normalization).

    It may still be out of bounds: gathers clamp it, scatters drop the update (as in JAX).
    """
    j = int(i)
    if n == 0:
        raise IndexError(f"index {j} is out of bounds for axis {dim} with size 0")
    return j + n if j < 0 else j


def _prepare(x: Any, idx: Any) -> tuple[Any, list[Any]]:
    """Apply strided slices and reversals to the operand; leave step-1 slices and arrays."""
    plan = _Plan(x, idx)
    x, entries, shape = plan.x, list(plan.entries), plan.shape
    starts, limits, strides, rev = [], [], [], []
    simple = []
    for d, (e, n) in enumerate(zip(entries, shape, strict=True)):
        if isinstance(e, slice):
            s, stop, st = e.indices(n)
            if st == 1:
                starts.append(0)
                limits.append(n)
                strides.append(1)
                simple.append(slice(s, max(s, stop)))
                continue
            if st > 0:
                starts.append(s)
                limits.append(max(s, stop))
                strides.append(st)
            else:
                # Reverse first, then a positive-step slice.
                rs, rstop = n - 1 - s, n - 1 - stop
                rev.append(d)
                starts.append(rs)
                limits.append(max(rs, rstop))
                strides.append(-st)
            simple.append(slice(0, len(range(s, stop, st))))
        else:
            starts.append(0)
            limits.append(n)
            strides.append(1)
            simple.append(e)
    if rev:
        x = lax.rev(x, rev)
    if any(st != 1 for st in strides) or any(s != 0 for s in starts) or list(limits) != list(shape):
        x = lax.slice(x, starts, limits, strides)
    return x, simple


def _analyze(x: Any, entries: list[Any]) -> tuple[Any, ...]:
    shape = aval_of(x).shape
    adv_dims, adv_arrays, window, slice_dims = [], [], [], []
    for d, (e, n) in enumerate(zip(entries, shape, strict=True)):
        if isinstance(e, slice):
            window.append(e.stop - e.start)
            slice_dims.append((d, e.start))
        elif _is_int_scalar(e):
            adv_dims.append(d)
            adv_arrays.append(np.asarray(_normalize_int(e, n, d), np.int32))
            window.append(1)
        else:
            arr = asarray_arg(e, "index")
            dt = aval_of(arr).dtype
            if not dtypes.is_integer(dt):
                raise IndexError(f"array indices must be integers, got {dt}")
            # Negative indices count from the end.
            if dtypes.is_signed(dt):
                arr = lax.select(lax.lt(arr, np.asarray(0, dt)), lax.add(arr, np.asarray(n, dt)),
                                 arr)  # fmt: skip
            adv_dims.append(d)
            adv_arrays.append(arr)
            window.append(1)
    return shape, adv_dims, adv_arrays, window, slice_dims


def _index_matrix(adv_arrays: list[Any], slice_dims: list[tuple[int, int]],
                  adv_dims: list[int]) -> tuple[Any, tuple[int, ...], list[int]]:  # fmt: skip
    """The (*B, k) start-index array and B, for advanced dims then sliced dims."""
    from pullback_api.numpy._shape import broadcast_arrays

    arrays = [to_dtype(a, np.int32) for a in adv_arrays]
    if arrays:
        arrays = broadcast_arrays(*arrays) if len(arrays) > 1 else arrays
        b = aval_of(arrays[0]).shape
    else:
        b = ()
    cols = [lax.expand_dims(a, (len(b),)) if b else lax.reshape(a, (1,)) for a in arrays]
    for _, start in slice_dims:
        c = np.full((*b, 1), start, np.int32)
        cols.append(c)
    index_map = [*adv_dims, *[d for d, _ in slice_dims]]
    if not cols:
        return np.zeros((*b, 0), np.int32), b, index_map
    mat = lax.concatenate(cols, len(b)) if len(cols) > 1 else cols[0]
    return mat, b, index_map


def _result_order(adv_dims: list[int], nb: int, n_window: int) -> list[int] | None:
    # NumPy puts the broadcast index dims where the advanced indices are when those are
    # adjacent (and first otherwise). The gather puts them first.
    if not adv_dims or nb == 0:
        return None
    adjacent = adv_dims == list(range(adv_dims[0], adv_dims[0] + len(adv_dims)))
    if not adjacent or adv_dims[0] == 0:
        return None
    # Window dims before the first advanced dim come first.
    before = adv_dims[0]
    perm = [*range(nb, nb + before), *range(nb), *range(nb + before, nb + n_window)]
    return perm


_BASIC = (int, slice, type(None), type(Ellipsis))


def getitem(x: Any, idx: Any, mode: Any = None, fill_value: Any = None) -> Any:
    """`x[idx]` with NumPy semantics; out-of-bounds indices clamp, as in JAX.

    `mode="fill"` gives `fill_value` for out-of-bounds indices instead (default NaN for
    inexact dtypes, the most negative value for signed integers, the largest for unsigned
    ones, True for bools).
    """
    # (None is clip for a gather; GatherScatterMode.from_any reads None as fill-or-drop)
    fill = mode is not None and GatherScatterMode.from_any(mode) is GatherScatterMode.FILL_OR_DROP
    host = eager_host(x)
    if host is not None and not fill:
        # Basic indexing of a host value: NumPy's own (a read-only view; same semantics),
        # unless an integer is out of bounds (NumPy raises; JAX clamps).
        parts = idx if type(idx) is tuple else (idx,)
        if all(type(i) in _BASIC for i in parts):
            try:
                return host_view(x, np.asarray(host[idx]))
            except IndexError:
                pass
    x = asarray_arg(x, "getitem")
    if isinstance(idx, (Array, Tracer)) and aval_of(idx).shape == () and \
            dtypes.is_integer(aval_of(idx).dtype) and not isinstance(idx, Tracer):  # fmt: skip
        idx = int(idx)
    y, entries = _prepare(x, idx)
    shape, adv_dims, adv_arrays, window, slice_dims = _analyze(y, entries)
    if (
        not fill
        and not any(not isinstance(a, np.ndarray) or a.ndim for a in adv_arrays)
        and all(isinstance(a, np.ndarray) for a in adv_arrays)
    ):
        # Only ints and slices: a static slice and a squeeze (ints clamped into bounds).
        starts, limits = [], []
        ints = {d: builtins.min(builtins.max(int(a), 0), shape[d] - 1)
                for d, a in zip(adv_dims, adv_arrays, strict=True)}  # fmt: skip
        for d in range(len(shape)):
            if d in ints:
                starts.append(ints[d])
                limits.append(ints[d] + 1)
            else:
                e = entries[d]
                starts.append(e.start)
                limits.append(e.stop)
        out = y
        if starts != [0] * len(shape) or limits != list(shape):
            out = lax.slice(y, starts, limits)
        return lax.squeeze(out, adv_dims) if adv_dims else out
    mat, b, index_map = _index_matrix(adv_arrays, slice_dims, adv_dims)
    offset_dims = tuple(range(len(b), len(b) + len(shape) - len(adv_dims)))
    dn = GatherDimensionNumbers(
        offset_dims=offset_dims, collapsed_slice_dims=tuple(adv_dims),
        start_index_map=tuple(index_map), operand_batching_dims=(),
        start_indices_batching_dims=(),
    )  # fmt: skip
    out = lax.gather(y, mat, dn, tuple(window), mode="fill" if fill else "clip",
                     fill_value=fill_value)  # fmt: skip
    perm = _result_order(adv_dims, len(b), len(offset_dims))
    return lax.transpose(out, perm) if perm else out


def _has_strided_slice(idx: Any) -> bool:
    parts = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, slice) and i.step not in (None, 1) for i in parts)


def _scatter(x: Any, idx: Any, updates: Any, prim: Any, mode: Any) -> Any:
    x = asarray_arg(x, "at")
    mode = GatherScatterMode.from_any(mode)  # (raises ValueError for an unknown mode)
    if _has_strided_slice(idx):
        # Strided and reversed slices: the flat positions the index selects (indexing an
        # iota, which takes every index form), then a scatter into the flattened operand.
        shape = aval_of(x).shape
        positions = getitem(np.arange(math.prod(shape), dtype=np.int32).reshape(shape), idx)
        flat = lax.reshape(x, (math.prod(shape),))
        return lax.reshape(_scatter(flat, positions, updates, prim, mode), shape)
    y, entries = _prepare(x, idx)  # (strided and reversed slices went the way above)
    if y is not x:
        raise NotImplementedError(".at[] updates with None (newaxis) in the index")
    _, adv_dims, adv_arrays, window, slice_dims = _analyze(x, entries)
    mat, b, index_map = _index_matrix(adv_arrays, slice_dims, adv_dims)
    win_shape = [w for d, w in enumerate(window) if d not in adv_dims]
    n_w = len(win_shape)
    perm = _result_order(adv_dims, len(b), n_w)
    # The indexed shape in NumPy order, then back to gather order (index dims first).
    gather_shape = (*b, *win_shape)
    numpy_shape = tuple(gather_shape[p] for p in perm) if perm else gather_shape
    from pullback_api.numpy._shape import broadcast_to

    dt = aval_of(x).dtype
    u = asarray_arg(updates, "at")
    u = to_dtype(u, dt) if aval_of(u).dtype != dt else u
    u = broadcast_to(u, numpy_shape)
    if perm:
        inv = [0] * len(perm)
        for i, p in enumerate(perm):
            inv[p] = i
        u = lax.transpose(u, inv)
    dn = ScatterDimensionNumbers(
        update_window_dims=tuple(range(len(b), len(b) + n_w)),
        inserted_window_dims=tuple(adv_dims), scatter_dims_to_operand_dims=tuple(index_map),
        operand_batching_dims=(), scatter_indices_batching_dims=(),
    )  # fmt: skip
    return prim(x, mat, u, dn, mode=mode)


class _IndexUpdateRef:
    """`x.at[idx]`: functional updates of the indexed elements."""

    __slots__ = ("idx", "x")

    def __init__(self, x: Any, idx: Any) -> None:
        self.x, self.idx = x, idx

    def get(self, *, mode: Any = None, fill_value: Any = None, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Any:  # fmt: skip
        """The indexed elements (like `x[idx]`); `mode="fill"` gives `fill_value` out of bounds."""
        return export(getitem)(self.x, self.idx, mode, fill_value)

    def set(self, values: Any, *, mode: Any = None, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Any:  # fmt: skip
        """`x` with the indexed elements replaced by `values`."""
        return export(_scatter)(self.x, self.idx, values, lax.scatter, mode or "drop")

    def add(self, values: Any, *, mode: Any = None, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Any:  # fmt: skip
        """`x` with `values` added at the index (repeated indices accumulate)."""
        return export(_scatter)(self.x, self.idx, values, lax.scatter_add, mode or "drop")

    def subtract(self, values: Any, **kw: Any) -> Any:
        """`x` with `values` subtracted at the index."""
        return self.add(lax.neg(asarray_arg(values)), **kw)

    def multiply(self, values: Any, *, mode: Any = None, indices_are_sorted: bool = False,
                 unique_indices: bool = False) -> Any:  # fmt: skip
        """`x` multiplied by `values` at the index."""
        return export(_scatter)(self.x, self.idx, values, lax.scatter_mul, mode or "drop")

    mul = multiply

    def divide(self, values: Any, **kw: Any) -> Any:
        """`x` divided by `values` at the index."""
        v = asarray_arg(values)
        return self.multiply(lax.div(np.asarray(1, aval_of(v).dtype), v), **kw)

    def power(self, values: Any, **kw: Any) -> Any:
        """`x` raised to `values` at the index."""
        cur = self.get()
        from pullback_api.numpy._math import power

        return self.set(power(cur, values), **kw)

    def min(self, values: Any, *, mode: Any = None, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Any:  # fmt: skip
        """`x` with the elementwise minimum of it and `values` at the index."""
        return export(_scatter)(self.x, self.idx, values, lax.scatter_min, mode or "drop")

    def max(self, values: Any, *, mode: Any = None, indices_are_sorted: bool = False,
            unique_indices: bool = False) -> Any:  # fmt: skip
        """`x` with the elementwise maximum of it and `values` at the index."""
        return export(_scatter)(self.x, self.idx, values, lax.scatter_max, mode or "drop")

    def apply(self, func: Any, **kw: Any) -> Any:
        """`x` with `func` applied to the indexed elements."""
        return self.set(func(self.get()), **kw)


class AtIndexer:
    """The `.at` property of arrays: `x.at[idx].set(v)`."""

    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x

    def __getitem__(self, idx: Any) -> _IndexUpdateRef:
        return _IndexUpdateRef(self.x, idx)


@export
def take(a: Any, indices: Any, axis: int | None = None, out: None = None, mode: Any = None,
         unique_indices: bool = False, indices_are_sorted: bool = False,
         fill_value: Any = None, *, out_sharding: Any = None) -> Any:  # fmt: skip
    """Elements of `a` at `indices` along `axis` (flattened when None).

    Out-of-bounds indices follow `mode`, as in JAX: "fill" (the default) gives `fill_value`
    (NaN for inexact dtypes), "clip" clamps (negative indices to 0), "wrap" takes them
    modulo the axis size; negative indices count from the end in "fill" mode. `out_sharding`
    may place the result on one device.
    """
    check_one_device(out_sharding, "take: out_sharding")
    a = asarray_arg(a, "take")
    if axis is None:
        from pullback_api.numpy._shape import ravel

        a, axis = ravel(a), 0
    nd = len(aval_of(a).shape)
    ax = axes_of((axis,), nd, "take")[0]
    ind = _take_indices(asarray_arg(indices, "take"), aval_of(a).shape[ax], mode, "take")
    idx = (slice(None),) * ax + (ind,)
    return getitem(a, idx, "fill" if mode in (None, "fill") else None, fill_value)


def _negative_out_of_bounds(idx: Any, mode: Any) -> Any:
    # Negative indices made out of bounds (JAX's wrap_negative_indices=False): past the end
    # for "fill", 0 for "clip"; "wrap" keeps its modular meaning.
    dt = aval_of(idx).dtype
    if not dtypes.is_signed(dt) or mode == "wrap":
        return idx
    zero = lax.broadcast_in_dim(np.asarray(0, dt), aval_of(idx).shape, ())
    if mode == "clip":
        return lax.max(idx, zero)
    past = lax.broadcast_in_dim(np.asarray(np.iinfo(dt).max, dt), aval_of(idx).shape, ())
    return lax.select(lax.lt(idx, zero), past, idx)


def _take_indices(ind: Any, n: int, mode: Any, name: str) -> Any:
    """Integer indices made in-bounds for take's "clip" and "wrap" modes."""
    if mode in (None, "fill"):
        return ind
    dt = aval_of(ind).dtype
    if not dtypes.is_integer(dt):
        raise TypeError(f"{name}: indices must be integers, got {dt}")
    if mode == "clip":
        return lax.clamp(np.asarray(0, dt), ind, np.asarray(builtins.max(n - 1, 0), dt))
    if mode == "wrap":
        from pullback_api.numpy._math import remainder

        return remainder(ind, np.asarray(n, dt))
    if mode == "raise":
        raise NotImplementedError(f"{name}: the 'raise' mode is not supported (as in JAX)")
    raise ValueError(f"{name}: invalid mode {mode!r}: expected 'fill', 'clip' or 'wrap'")


@export
def take_along_axis(arr: Any, indices: Any, axis: int | None, mode: Any = None,
                    fill_value: Any = None, *, wrap_negative_indices: bool = True,
                    out_sharding: Any = None) -> Any:  # fmt: skip
    """Elements picked along `axis` by an index array of the same rank.

    Negative indices count from the end, unless `wrap_negative_indices=False`: then they are
    out of bounds (filled, or clipped to 0 with `mode="clip"`). `out_sharding` may place the
    result on one device.
    """
    check_one_device(out_sharding, "take_along_axis: out_sharding")
    a = asarray_arg(arr, "take_along_axis")
    idx = asarray_arg(indices, "take_along_axis")
    if not wrap_negative_indices:
        idx = _negative_out_of_bounds(idx, mode)
    if axis is None:
        from pullback_api.numpy._shape import ravel

        a, idx, axis = ravel(a), ravel(idx), 0
    s = aval_of(a).shape
    ax = axes_of((axis,), len(s), "take_along_axis")[0]
    ishape = aval_of(idx).shape
    if len(ishape) != len(s):
        raise ValueError("take_along_axis: indices and arr must have the same number of dims")
    if mode != "clip":  # (clip: negative indices count from the end, then clamp; as in JAX)
        idx = _take_indices(idx, s[ax], mode, "take_along_axis")
    full = []
    for d in range(len(s)):
        if d == ax:
            full.append(idx)
        else:
            shp = [1] * len(s)
            shp[d] = builtins.max(s[d], 1) if ishape[d] != 1 else 1
            n = ishape[d] if ishape[d] != 1 else 1
            shp[d] = n
            full.append(np.arange(n, dtype=np.int32).reshape(shp) if n != 1 else
                        np.zeros(shp, np.int32))  # fmt: skip
    return getitem(a, tuple(full), "fill" if mode in (None, "fill") else None, fill_value)


def nonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> tuple[Any, ...]:
    """The indices of the nonzero elements (concrete input, or a static `size`)."""
    a = asarray_arg(a, "nonzero")
    if isinstance(a, Tracer):
        value = a.to_concrete_value()
        if value is None:
            if size is None:
                raise ConcretizationTypeError(
                    "nonzero", "a traced array: the number of nonzero elements must be known; "
                    "pass size=",
                )  # fmt: skip
            return _nonzero_sized(a, size, fill_value)
        a = value
    host = np.asarray(a)
    idx = np.nonzero(host)
    if size is not None:
        fill = 0 if fill_value is None else fill_value
        idx = tuple(np.concatenate([i[:size], np.full(builtins.max(0, size - len(i)), fill)])
                    for i in idx)  # fmt: skip
    return tuple(Array._from_host(i.astype(dtypes.default_int_dtype())) for i in idx)


def _nonzero_sized(a: Any, size: int, fill_value: Any) -> tuple[Any, ...]:
    s = aval_of(a).shape
    flat = lax.reshape(lax.ne(a, np.asarray(0, aval_of(a).dtype)), (int(np.prod(s)),))
    n = int(np.prod(s))
    pos = lax.iota(np.int32, n)
    big = np.asarray(n, np.int32)
    key = lax.select(flat, pos, lax.broadcast_in_dim(big, (n,), ()))
    ordered = lax.sort(key)
    take_n = ordered if n >= size else lax.pad(ordered, big, [(0, size - n, 0)])
    first = lax.slice(take_n, [0], [size])
    valid = lax.lt(first, big)
    coords = []
    rem = first
    for d in reversed(range(len(s))):
        coords.append(lax.rem(rem, np.asarray(s[d], np.int32)))
        rem = lax.div(rem, np.asarray(s[d], np.int32))
    fill = np.asarray(0 if fill_value is None else fill_value, np.int32)
    fillv = lax.broadcast_in_dim(fill, (size,), ())
    return tuple(lax.select(valid, c, fillv) for c in reversed(coords))


def argwhere(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The indices of nonzero elements, one row per element."""
    from pullback_api.numpy._shape import stack

    idx = nonzero(a, size=size, fill_value=fill_value)
    a_nd = len(aval_of(asarray_arg(a)).shape)
    if a_nd == 0:
        return Array._from_host(np.zeros((int(bool(np.asarray(a))), 0), np.int32))
    return stack(idx, axis=1)


def flatnonzero(a: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The indices of the nonzero elements of the flattened array."""
    from pullback_api.numpy._shape import ravel

    return nonzero(ravel(a), size=size, fill_value=fill_value)[0]
