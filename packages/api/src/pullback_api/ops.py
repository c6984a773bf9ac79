"""`pullback.ops`: segment reductions (JAX's `jax.ops`).

`segment_sum(data, segment_ids, num_segments)` sums the rows of `data` that share a segment id
into row `id` of the result (shape `(num_segments, *data.shape[1:])`); ids outside
`[0, num_segments)` are dropped. Empty segments hold the reduction's identity (0 for sums,
1 for products, -inf/+inf or the integer extremes for max/min), as in JAX.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import asarray_arg, export

__all__ = ["segment_max", "segment_min", "segment_prod", "segment_sum"]


def _segment(name: str, data: Any, segment_ids: Any, num_segments: int | None,
             identity: str, method: str, mode: Any) -> Any:  # fmt: skip
    from pullback_api import numpy as jnp

    data = asarray_arg(data, name)
    ids = asarray_arg(segment_ids, name)
    if not dtypes.is_integer(aval_of(ids).dtype):
        raise TypeError(f"{name}: segment_ids must be integers, got {aval_of(ids).dtype}")
    shape = aval_of(data).shape
    if aval_of(ids).shape != shape[: len(aval_of(ids).shape)]:
        raise ValueError(
            f"{name}: segment_ids of shape {aval_of(ids).shape} must be a prefix of data's "
            f"shape {shape}"
        )
    if num_segments is None:
        # (a concrete id array is needed, as in JAX, where num_segments=None is not jittable)
        num_segments = int(np.max(np.asarray(ids))) + 1 if aval_of(ids).size else 0
    dt = aval_of(data).dtype
    out_shape = (int(num_segments), *shape[len(aval_of(ids).shape) :])
    if identity == "zero":
        init = jnp.zeros(out_shape, dt)
    elif identity == "one":
        init = jnp.ones(out_shape, dt)
    else:
        lo = identity == "low"
        if dtypes.is_inexact(dt):
            fill = -np.inf if lo else np.inf
        elif dt == np.bool_:
            fill = not lo
        else:
            info = np.iinfo(dt)
            fill = info.min if lo else info.max
        init = jnp.full(out_shape, fill, dt)
    ref = init.at[ids]
    return getattr(ref, method)(data, mode=mode)


@export
def segment_sum(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:  # fmt: skip
    """Sums of the rows of `data` in each segment."""
    return _segment("segment_sum", data, segment_ids, num_segments, "zero", "add", mode)


@export
def segment_prod(data: Any, segment_ids: Any, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode: Any = None) -> Any:  # fmt: skip
    """Products of the rows of `data` in each segment."""
    return _segment("segment_prod", data, segment_ids, num_segments, "one", "multiply", mode)


@export
def segment_max(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:  # fmt: skip
    """Maxima of the rows of `data` in each segment (-inf for an empty float segment)."""
    return _segment("segment_max", data, segment_ids, num_segments, "low", "max", mode)


@export
def segment_min(data: Any, segment_ids: Any, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode: Any = None) -> Any:  # fmt: skip
    """Minima of the rows of `data` in each segment (+inf for an empty float segment)."""
    return _segment("segment_min", data, segment_ids, num_segments, "high", "min", mode)
