"""`gather` and the `scatter` family, with XLA's dimension numbers and out-of-bounds modes.

The index vector is always the last dimension of `indices` (as in JAX). Dimension numbers are
named tuples, so they are hashable parameters and print readably in jaxprs.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import ANY, INT, NUMERIC, check_dtype, standard_primitive

__all__ = [
    "GatherDimensionNumbers",
    "GatherScatterMode",
    "ScatterDimensionNumbers",
    "gather_p",
    "scatter_add_p",
    "scatter_max_p",
    "scatter_min_p",
    "scatter_mul_p",
    "scatter_p",
]


class GatherScatterMode(enum.Enum):
    """What gather and scatter do with out-of-bounds indices.

    CLIP: clamp start indices so that every window lies in bounds.
    FILL_OR_DROP: a gather window that is partly out of bounds is filled with `fill_value`;
        a scatter window that is partly out of bounds is dropped.
    PROMISE_IN_BOUNDS: the caller promises indices are in bounds (behaves as CLIP for gather and
        as FILL_OR_DROP for scatter here).
    """

    CLIP = 0
    FILL_OR_DROP = 1
    PROMISE_IN_BOUNDS = 2

    @staticmethod
    def from_any(mode: str | GatherScatterMode | None) -> GatherScatterMode:
        """Parse `"clip"`, `"fill"`/`"drop"` or `"promise_in_bounds"` (None: FILL_OR_DROP)."""
        if isinstance(mode, GatherScatterMode):
            return mode
        if mode is None or mode in ("fill", "drop"):
            return GatherScatterMode.FILL_OR_DROP
        if mode == "clip":
            return GatherScatterMode.CLIP
        if mode == "promise_in_bounds":
            return GatherScatterMode.PROMISE_IN_BOUNDS
        raise ValueError(
            f"mode must be 'clip', 'fill', 'drop' or 'promise_in_bounds', got {mode!r}"
        )

    def __repr__(self) -> str:
        return f"GatherScatterMode.{self.name}"


class GatherDimensionNumbers(NamedTuple):
    """How a gather picks windows of the operand.

    Attributes:
        offset_dims: the output dimensions that hold the window dimensions (in order).
        collapsed_slice_dims: operand dimensions whose window size is 1 and that are dropped.
        start_index_map: for each entry of the index vector, the operand dimension it starts.
        operand_batching_dims: operand dimensions paired with `start_indices_batching_dims`.
        start_indices_batching_dims: dimensions of `indices` that index operand batch dims.
    """

    offset_dims: tuple[int, ...]
    collapsed_slice_dims: tuple[int, ...]
    start_index_map: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
    """How a scatter places update windows into the operand.

    Attributes:
        update_window_dims: the dimensions of `updates` that are window dimensions.
        inserted_window_dims: operand dimensions with an implicit window size of 1.
        scatter_dims_to_operand_dims: for each entry of the index vector, its operand dimension.
        operand_batching_dims: operand dimensions paired with `scatter_indices_batching_dims`.
        scatter_indices_batching_dims: dimensions of `indices` that index operand batch dims.
    """

    update_window_dims: tuple[int, ...]
    inserted_window_dims: tuple[int, ...]
    scatter_dims_to_operand_dims: tuple[int, ...]
    operand_batching_dims: tuple[int, ...] = ()
    scatter_indices_batching_dims: tuple[int, ...] = ()


def _check_distinct(name: str, what: str, dims: tuple[int, ...], rank: int) -> None:
    if len(set(dims)) != len(dims) or any(not 0 <= d < rank for d in dims):
        raise ValueError(f"{name}: {what} {dims} must be distinct dimensions in [0, {rank})")


def _check_indices(name: str, indices: ShapedArray, index_map: tuple[int, ...]) -> None:
    check_dtype(name, indices, INT, "indices")
    if indices.ndim == 0 or indices.shape[-1] != len(index_map):
        raise TypeError(
            f"{name}: the last dimension of indices {indices.str_long()} is the index vector and "
            f"must have size {len(index_map)} (one entry per dimension of the index map "
            f"{index_map})"
        )


def _gather_shape(
    operand: ShapedArray,
    indices: ShapedArray,
    *,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: tuple[int, ...],
    **params: Any,
) -> tuple[int, ...]:
    del params  # unused
    dn = dimension_numbers
    check_dtype("gather", operand, ANY, "operand")
    _check_indices("gather", indices, dn.start_index_map)
    r = operand.ndim
    _check_distinct("gather", "collapsed_slice_dims", dn.collapsed_slice_dims, r)
    _check_distinct("gather", "start_index_map", dn.start_index_map, r)
    _check_distinct("gather", "operand_batching_dims", dn.operand_batching_dims, r)
    _check_distinct(
        "gather", "start_indices_batching_dims", dn.start_indices_batching_dims, indices.ndim - 1
    )
    if set(dn.collapsed_slice_dims) & set(dn.operand_batching_dims):
        raise ValueError("gather: collapsed_slice_dims and operand_batching_dims must not overlap")
    if len(dn.operand_batching_dims) != len(dn.start_indices_batching_dims):
        raise ValueError(
            "gather: operand_batching_dims and start_indices_batching_dims must pair up"
        )
    if len(slice_sizes) != r:
        raise ValueError(
            f"gather: slice_sizes {slice_sizes} needs one entry per dimension of "
            f"{operand.str_long()}"
        )
    for d, (s, n) in enumerate(zip(slice_sizes, operand.shape, strict=True)):
        if not 0 <= s <= n:
            raise ValueError(
                f"gather: slice_sizes {slice_sizes} do not fit in the operand {operand.str_long()}"
            )
        if (d in dn.collapsed_slice_dims or d in dn.operand_batching_dims) and s > 1:
            raise ValueError(
                f"gather: collapsed and batching dimension {d} must have slice size <= 1, got "
                f"slice_sizes {slice_sizes}"
            )
    for od, idd in zip(dn.operand_batching_dims, dn.start_indices_batching_dims, strict=True):
        if operand.shape[od] != indices.shape[idd]:
            raise TypeError(
                f"gather: operand batching dimension {od} of {operand.str_long()} and indices "
                f"batching dimension {idd} of {indices.str_long()} must have equal sizes"
            )
    window = [
        s
        for d, s in enumerate(slice_sizes)
        if d not in dn.collapsed_slice_dims and d not in dn.operand_batching_dims
    ]
    batch = list(indices.shape[:-1])
    out_rank = len(window) + len(batch)
    _check_distinct("gather", "offset_dims", dn.offset_dims, out_rank)
    if len(dn.offset_dims) != len(window):
        raise ValueError(
            f"gather: offset_dims {dn.offset_dims} needs one entry per window dimension "
            f"({len(window)})"
        )
    if list(dn.offset_dims) != sorted(dn.offset_dims):
        raise ValueError(f"gather: offset_dims {dn.offset_dims} must be sorted")
    w, b = iter(window), iter(batch)
    return tuple(next(w) if i in dn.offset_dims else next(b) for i in range(out_rank))


def _window_starts(
    operand_shape: tuple[int, ...],
    window_sizes: tuple[int, ...],
    indices: Any,
    index_map: tuple[int, ...],
    operand_batching_dims: tuple[int, ...],
    indices_batching_dims: tuple[int, ...],
) -> tuple[list[Any], Any]:
    """Per operand dim, the (batch-shaped) window starts, and a mask of in-bounds windows."""
    batch_shape = indices.shape[:-1]
    idx = indices.astype(np.int64)
    starts: list[Any] = []
    in_bounds = np.ones(batch_shape, bool)
    for d, (n, w) in enumerate(zip(operand_shape, window_sizes, strict=True)):
        if d in index_map:
            s = idx[..., index_map.index(d)]
            in_bounds &= (s >= 0) & (s <= n - w)
        elif d in operand_batching_dims:
            bd = indices_batching_dims[operand_batching_dims.index(d)]
            shape = [1] * len(batch_shape)
            shape[bd] = batch_shape[bd]
            s = np.broadcast_to(np.arange(batch_shape[bd]).reshape(shape), batch_shape)
        else:
            s = np.zeros(batch_shape, np.int64)
        starts.append(s)
    return starts, in_bounds


def _window_index(
    starts: list[Any], window_sizes: tuple[int, ...], operand_shape: tuple[int, ...], clip: bool
) -> tuple[Any, ...]:
    """Advanced-index arrays of shape batch + window_sizes addressing every window element."""
    r = len(window_sizes)
    out = []
    for d, (s, w) in enumerate(zip(starts, window_sizes, strict=True)):
        if clip:
            s = np.clip(s, 0, operand_shape[d] - w)
        ramp = np.arange(w).reshape([w if k == d else 1 for k in range(r)])
        out.append(s.reshape(s.shape + (1,) * r) + ramp)
    return tuple(out)


def _gather_impl(
    operand: Any,
    indices: Any,
    *,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: tuple[int, ...],
    mode: GatherScatterMode,
    fill_value: Any,
    indices_are_sorted: bool,
    unique_indices: bool,
) -> Any:
    del indices_are_sorted, unique_indices  # hints only
    dn = dimension_numbers
    starts, in_bounds = _window_starts(
        operand.shape,
        slice_sizes,
        indices,
        dn.start_index_map,
        dn.operand_batching_dims,
        dn.start_indices_batching_dims,
    )
    batch_shape = indices.shape[:-1]
    if 0 in slice_sizes or operand.size == 0:
        full = np.zeros(batch_shape + tuple(slice_sizes), operand.dtype)
    else:
        full = operand[_window_index(starts, slice_sizes, operand.shape, clip=True)]
    if mode is GatherScatterMode.FILL_OR_DROP:
        fill = _default_fill(operand.dtype) if fill_value is None else fill_value
        mask = in_bounds.reshape(in_bounds.shape + (1,) * len(slice_sizes))
        full = np.where(mask, full, np.asarray(fill).astype(operand.dtype))
    nb = len(batch_shape)
    dropped = {*dn.collapsed_slice_dims, *dn.operand_batching_dims}
    full = full.reshape(
        batch_shape + tuple(s for d, s in enumerate(slice_sizes) if d not in dropped)
    )
    # Move window dims to offset_dims, batch dims to the remaining positions.
    out_rank = full.ndim
    window_iter = iter(range(nb, out_rank))
    batch_iter = iter(range(nb))
    perm = [next(window_iter) if i in dn.offset_dims else next(batch_iter) for i in range(out_rank)]
    return np.transpose(full, perm)


def _default_fill(dtype: np.dtype[Any]) -> Any:
    # JAX's default fill for out-of-bounds gathers: NaN for inexact types, the minimum value
    # of signed integers, the maximum of unsigned ones, True for booleans.
    if dtypes.is_inexact(dtype):
        return np.nan
    if dtype == dtypes.bool_:
        return True
    info = np.iinfo(dtype)
    return info.min if dtypes.is_signed(dtype) else info.max


gather_p = standard_primitive(
    "gather",
    _gather_shape,
    lambda operand, *rest, **params: operand.dtype,
    _gather_impl,
    lambda operand, *rest, **params: operand.weak_type,
)


def _scatter_shape(
    name: str,
    operand: ShapedArray,
    indices: ShapedArray,
    updates: ShapedArray,
    dn: ScatterDimensionNumbers,
) -> tuple[int, ...]:
    check_dtype(name, operand, ANY if name == "scatter" else NUMERIC, "operand")
    if updates.dtype != operand.dtype:
        raise TypeError(
            f"{name}: updates {updates.str_long()} must have the operand's dtype "
            f"{operand.str_long()}"
        )
    _check_indices(name, indices, dn.scatter_dims_to_operand_dims)
    r = operand.ndim
    _check_distinct(name, "inserted_window_dims", dn.inserted_window_dims, r)
    _check_distinct(name, "scatter_dims_to_operand_dims", dn.scatter_dims_to_operand_dims, r)
    _check_distinct(name, "operand_batching_dims", dn.operand_batching_dims, r)
    _check_distinct(name, "update_window_dims", dn.update_window_dims, updates.ndim)
    if len(dn.operand_batching_dims) != len(dn.scatter_indices_batching_dims):
        raise ValueError(
            f"{name}: operand_batching_dims and scatter_indices_batching_dims must pair up"
        )
    window_dims = [
        d
        for d in range(r)
        if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims
    ]
    if len(window_dims) != len(dn.update_window_dims):
        raise ValueError(
            f"{name}: update_window_dims {dn.update_window_dims} needs one entry per operand "
            f"dimension that is neither inserted nor batching ({len(window_dims)})"
        )
    scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
    batch = indices.shape[:-1]
    if [updates.shape[d] for d in scatter_dims] != list(batch):
        raise TypeError(
            f"{name}: the scatter dimensions of updates {updates.str_long()} must match the batch "
            f"dimensions {batch} of indices {indices.str_long()}"
        )
    for ud, od in zip(dn.update_window_dims, window_dims, strict=True):
        if updates.shape[ud] > operand.shape[od]:
            raise TypeError(
                f"{name}: update window dimension {ud} of {updates.str_long()} is larger than "
                f"operand dimension {od} of {operand.str_long()}"
            )
    return operand.shape


_SCATTER_COMBINE = {
    "scatter": None,
    "scatter-add": np.add,
    "scatter-mul": np.multiply,
    "scatter-min": np.minimum,
    "scatter-max": np.maximum,
}


def _scatter_impl(
    name: str,
    operand: Any,
    indices: Any,
    updates: Any,
    *,
    dimension_numbers: ScatterDimensionNumbers,
    mode: GatherScatterMode,
    indices_are_sorted: bool,
    unique_indices: bool,
) -> Any:
    del indices_are_sorted, unique_indices  # hints only
    dn = dimension_numbers
    r = operand.ndim
    window_dims = [
        d
        for d in range(r)
        if d not in dn.inserted_window_dims and d not in dn.operand_batching_dims
    ]
    scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
    # Updates as batch + full operand-rank window (inserted/batching dims of size 1).
    u = np.transpose(updates, [*scatter_dims, *dn.update_window_dims])
    batch_shape = u.shape[: len(scatter_dims)]
    window_sizes = [1] * r
    for od, ud in zip(window_dims, dn.update_window_dims, strict=True):
        window_sizes[od] = updates.shape[ud]
    u = u.reshape(batch_shape + tuple(window_sizes))
    out = np.array(operand, copy=True)
    if u.size == 0:
        return out
    starts, in_bounds = _window_starts(
        operand.shape,
        tuple(window_sizes),
        indices,
        dn.scatter_dims_to_operand_dims,
        dn.operand_batching_dims,
        dn.scatter_indices_batching_dims,
    )
    clip = mode is GatherScatterMode.CLIP
    index = _window_index(starts, tuple(window_sizes), operand.shape, clip=clip)
    if not clip:
        keep = np.broadcast_to(in_bounds.reshape(in_bounds.shape + (1,) * r), u.shape)
        index = tuple(np.broadcast_to(i, u.shape)[keep] for i in index)
        u = u[keep]
    combine = _SCATTER_COMBINE[name]
    if combine is None:
        out[index] = u
    else:
        with np.errstate(over="ignore"):
            combine.at(out, index, u)
    return out


def _scatter_primitive(name: str) -> Primitive:
    def shape_rule(
        operand: ShapedArray,
        indices: ShapedArray,
        updates: ShapedArray,
        *,
        dimension_numbers: ScatterDimensionNumbers,
        **params: Any,
    ) -> tuple[int, ...]:
        del params  # unused
        return _scatter_shape(name, operand, indices, updates, dimension_numbers)

    def impl(*args: Any, **params: Any) -> Any:
        return _scatter_impl(name, *args, **params)

    return standard_primitive(
        name,
        shape_rule,
        lambda operand, *rest, **params: operand.dtype,
        impl,
        lambda operand, *rest, **params: operand.weak_type,
    )


scatter_p = _scatter_primitive("scatter")
scatter_add_p = _scatter_primitive("scatter-add")
scatter_mul_p = _scatter_primitive("scatter-mul")
scatter_min_p = _scatter_primitive("scatter-min")
scatter_max_p = _scatter_primitive("scatter-max")

ALL: list[Primitive] = [
    gather_p,
    scatter_p,
    scatter_add_p,
    scatter_mul_p,
    scatter_min_p,
    scatter_max_p,
]
