"""Structural primitives: broadcast, reshape, transpose, reverse, pad, concatenate, slices, iota."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import INT, check_dtype, standard_primitive


def _same_dtype(x: ShapedArray, *rest: Any, **params: Any) -> np.dtype[Any]:
    del rest, params  # unused
    return x.dtype


def _weak(x: ShapedArray, *rest: Any, **params: Any) -> bool:
    del rest, params  # unused
    return x.weak_type


def _axes(name: str, x: ShapedArray, axes: tuple[int, ...], what: str) -> None:
    if len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ValueError(f"{name}: {what} {axes} must be distinct axes of {x.str_long()}")


def _broadcast_in_dim_shape(
    x: ShapedArray, *, shape: tuple[int, ...], broadcast_dimensions: tuple[int, ...]
) -> tuple[int, ...]:
    if len(broadcast_dimensions) != x.ndim:
        raise ValueError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must have one entry "
            f"per dimension of the operand {x.str_long()}"
        )
    if any(b <= a for a, b in itertools.pairwise(broadcast_dimensions)):
        raise ValueError(
            f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must be increasing"
        )
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape) or x.shape[i] not in (1, shape[d]):
            raise ValueError(
                f"broadcast_in_dim: operand {x.str_long()} cannot be broadcast to shape {shape} "
                f"with broadcast_dimensions {broadcast_dimensions} (dimension {i})"
            )
    return tuple(shape)


def _broadcast_in_dim_impl(
    x: np.ndarray[Any, Any], *, shape: tuple[int, ...], broadcast_dimensions: tuple[int, ...]
) -> Any:
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


broadcast_in_dim_p = standard_primitive(
    "broadcast_in_dim", _broadcast_in_dim_shape, _same_dtype, _broadcast_in_dim_impl, _weak
)


def _reshape_shape(
    x: ShapedArray, *, new_sizes: tuple[int, ...], dimensions: tuple[int, ...] | None
) -> tuple[int, ...]:
    if any(d < 0 for d in new_sizes) or math.prod(new_sizes) != x.size:
        raise TypeError(f"reshape: cannot reshape {x.str_long()} to shape {tuple(new_sizes)}")
    if dimensions is not None and sorted(dimensions) != list(range(x.ndim)):
        raise ValueError(
            f"reshape: dimensions {dimensions} must be a permutation of {x.str_long()}'s axes"
        )
    return tuple(new_sizes)


def _reshape_impl(x: Any, *, new_sizes: tuple[int, ...], dimensions: tuple[int, ...] | None) -> Any:
    if dimensions is not None:
        x = np.transpose(x, dimensions)
    return np.reshape(x, new_sizes)


reshape_p = standard_primitive("reshape", _reshape_shape, _same_dtype, _reshape_impl, _weak)


def _squeeze_shape(x: ShapedArray, *, dimensions: tuple[int, ...]) -> tuple[int, ...]:
    _axes("squeeze", x, dimensions, "dimensions")
    if any(x.shape[d] != 1 for d in dimensions):
        raise ValueError(f"squeeze: dimensions {dimensions} of {x.str_long()} must have size 1")
    return tuple(s for i, s in enumerate(x.shape) if i not in dimensions)


squeeze_p = standard_primitive(
    "squeeze",
    _squeeze_shape,
    _same_dtype,
    lambda x, *, dimensions: np.squeeze(x, dimensions),
    _weak,
)


def _transpose_shape(x: ShapedArray, *, permutation: tuple[int, ...]) -> tuple[int, ...]:
    if sorted(permutation) != list(range(x.ndim)):
        raise ValueError(
            f"transpose: permutation {permutation} is not a permutation of the axes of "
            f"{x.str_long()}"
        )
    return tuple(x.shape[p] for p in permutation)


transpose_p = standard_primitive(
    "transpose",
    _transpose_shape,
    _same_dtype,
    lambda x, *, permutation: np.transpose(x, permutation),
    _weak,
)


def _rev_shape(x: ShapedArray, *, dimensions: tuple[int, ...]) -> tuple[int, ...]:
    _axes("rev", x, dimensions, "dimensions")
    return x.shape


rev_p = standard_primitive(
    "rev",
    _rev_shape,
    _same_dtype,
    lambda x, *, dimensions: np.flip(x, dimensions) if dimensions else x,
    _weak,
)


def _pad_shape(
    x: ShapedArray, padding_value: ShapedArray, *, padding_config: tuple[tuple[int, int, int], ...]
) -> tuple[int, ...]:
    if padding_value.shape or padding_value.dtype != x.dtype:
        raise TypeError(
            f"pad: padding_value must be a scalar of the operand's dtype {x.dtype.name}, got "
            f"{padding_value.str_long()}"
        )
    if len(padding_config) != x.ndim:
        raise ValueError(
            f"pad: padding_config needs {x.ndim} (lo, hi, interior) triples, got "
            f"{len(padding_config)}"
        )
    out = []
    for d, (lo, hi, interior) in zip(x.shape, padding_config, strict=True):
        if interior < 0:
            raise ValueError(f"pad: interior padding must be >= 0, got {padding_config}")
        size = lo + hi + d + max(d - 1, 0) * interior
        if size < 0:
            raise ValueError(
                f"pad: padding_config {padding_config} gives a negative size for {x.str_long()}"
            )
        out.append(size)
    return tuple(out)


def pad_impl(x: Any, value: Any, *, padding_config: tuple[tuple[int, int, int], ...]) -> Any:
    """Pad `x` with `value`: interior padding, then edge padding (negative edges crop)."""
    shape = [d + max(d - 1, 0) * i for d, (_, _, i) in zip(x.shape, padding_config, strict=True)]
    inner = np.full(shape, value, x.dtype)
    inner[tuple(slice(None, None, i + 1) for _, _, i in padding_config)] = x
    widths = [(max(lo, 0), max(hi, 0)) for lo, hi, _ in padding_config]
    out = np.pad(inner, widths, constant_values=value)
    crop = tuple(
        slice(-lo if lo < 0 else 0, out.shape[k] + hi if hi < 0 else None)
        for k, (lo, hi, _) in enumerate(padding_config)
    )
    return out[crop]


pad_p = standard_primitive("pad", _pad_shape, _same_dtype, pad_impl, _weak)


def _concatenate_shape(*xs: ShapedArray, dimension: int) -> tuple[int, ...]:
    if not xs:
        raise TypeError("concatenate: at least one operand is needed")
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise ValueError(f"concatenate: dimension {dimension} is out of range for {x0.str_long()}")
    for x in xs:
        if (
            x.dtype != x0.dtype
            or x.ndim != x0.ndim
            or any(
                a != b
                for i, (a, b) in enumerate(zip(x.shape, x0.shape, strict=True))
                if i != dimension
            )
        ):
            raise TypeError(
                f"concatenate: operands must agree in dtype and in every dimension but "
                f"{dimension}, "
                "got " + ", ".join(a.str_long() for a in xs)
            )
    return tuple(
        sum(x.shape[dimension] for x in xs) if i == dimension else s for i, s in enumerate(x0.shape)
    )


concatenate_p = standard_primitive(
    "concatenate",
    _concatenate_shape,
    _same_dtype,
    lambda *xs, dimension: np.concatenate(xs, axis=dimension),
    lambda *xs, dimension: all(x.weak_type for x in xs),
)


def _slice_shape(
    x: ShapedArray,
    *,
    start_indices: tuple[int, ...],
    limit_indices: tuple[int, ...],
    strides: tuple[int, ...] | None,
) -> tuple[int, ...]:
    strides = strides or (1,) * x.ndim
    if not len(start_indices) == len(limit_indices) == len(strides) == x.ndim:
        raise ValueError(
            f"slice: start_indices, limit_indices and strides need {x.ndim} entries for "
            f"{x.str_long()}"
        )
    for d, s, lim, st in zip(x.shape, start_indices, limit_indices, strides, strict=True):
        if not 0 <= s <= lim <= d or st < 1:
            raise ValueError(
                f"slice: invalid slice start={start_indices} limit={limit_indices} "
                f"strides={strides} "
                f"of {x.str_long()}"
            )
    return tuple(
        max(0, -(-(lim - s) // st))
        for s, lim, st in zip(start_indices, limit_indices, strides, strict=True)
    )


def _slice_impl(x: Any, *, start_indices: Any, limit_indices: Any, strides: Any) -> Any:
    strides = strides or (1,) * x.ndim
    return x[
        tuple(
            slice(s, lim, st)
            for s, lim, st in zip(start_indices, limit_indices, strides, strict=True)
        )
    ]


slice_p = standard_primitive("slice", _slice_shape, _same_dtype, _slice_impl, _weak)


def _check_indices(name: str, x: ShapedArray, idx: tuple[ShapedArray, ...]) -> None:
    if len(idx) != x.ndim:
        raise TypeError(
            f"{name}: needs {x.ndim} scalar start indices for {x.str_long()}, got {len(idx)}"
        )
    for i, a in enumerate(idx):
        if a.shape:
            raise TypeError(f"{name}: start index {i} must be a scalar, got {a.str_long()}")
        check_dtype(name, a, INT, f"start index {i}")


def _clamped_starts(shape: tuple[int, ...], sizes: tuple[int, ...], idx: Any) -> list[int]:
    return [int(min(max(int(i), 0), d - s)) for i, d, s in zip(idx, shape, sizes, strict=True)]


def _dynamic_slice_shape(
    x: ShapedArray, *idx: ShapedArray, slice_sizes: tuple[int, ...]
) -> tuple[int, ...]:
    _check_indices("dynamic_slice", x, idx)
    if len(slice_sizes) != x.ndim or any(
        not 0 <= s <= d for s, d in zip(slice_sizes, x.shape, strict=True)
    ):
        raise ValueError(f"dynamic_slice: slice_sizes {slice_sizes} must fit in {x.str_long()}")
    return tuple(slice_sizes)


def _dynamic_slice_impl(x: Any, *idx: Any, slice_sizes: tuple[int, ...]) -> Any:
    starts = _clamped_starts(x.shape, slice_sizes, idx)
    return x[tuple(slice(s, s + n) for s, n in zip(starts, slice_sizes, strict=True))]


dynamic_slice_p = standard_primitive(
    "dynamic_slice", _dynamic_slice_shape, _same_dtype, _dynamic_slice_impl, _weak
)


def _dynamic_update_slice_shape(
    x: ShapedArray, update: ShapedArray, *idx: ShapedArray
) -> tuple[int, ...]:
    _check_indices("dynamic_update_slice", x, idx)
    if (
        update.dtype != x.dtype
        or update.ndim != x.ndim
        or any(u > d for u, d in zip(update.shape, x.shape, strict=True))
    ):
        raise TypeError(
            f"dynamic_update_slice: update {update.str_long()} must have the operand's dtype and "
            f"fit inside it {x.str_long()}"
        )
    return x.shape


def _dynamic_update_slice_impl(x: Any, update: Any, *idx: Any) -> Any:
    starts = _clamped_starts(x.shape, update.shape, idx)
    out = np.array(x, copy=True)
    out[tuple(slice(s, s + n) for s, n in zip(starts, update.shape, strict=True))] = update
    return out


dynamic_update_slice_p = standard_primitive(
    "dynamic_update_slice",
    _dynamic_update_slice_shape,
    _same_dtype,
    _dynamic_update_slice_impl,
    _weak,
)


def _iota_shape(*, dtype: np.dtype[Any], shape: tuple[int, ...], dimension: int) -> tuple[int, ...]:
    if np.dtype(dtype) not in dtypes.ALL_DTYPES or np.dtype(dtype) == dtypes.bool_:
        raise TypeError(f"iota: unsupported dtype {dtype}")
    if not 0 <= dimension < len(shape):
        raise ValueError(f"iota: dimension {dimension} is out of range for shape {shape}")
    return tuple(shape)


def _iota_impl(*, dtype: np.dtype[Any], shape: tuple[int, ...], dimension: int) -> Any:
    ramp = np.arange(shape[dimension]).astype(dtype)
    expanded = [1] * len(shape)
    expanded[dimension] = shape[dimension]
    return np.broadcast_to(ramp.reshape(expanded), shape)


iota_p = standard_primitive(
    "iota", _iota_shape, lambda *, dtype, shape, dimension: np.dtype(dtype), _iota_impl
)

ALL: list[Primitive] = [
    broadcast_in_dim_p, reshape_p, squeeze_p, transpose_p, rev_p, pad_p, concatenate_p, slice_p,
    dynamic_slice_p, dynamic_update_slice_p, iota_p,
]  # fmt: skip
