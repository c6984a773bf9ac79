"""Batching rules of the first-order primitives.

Elementwise ops keep the batch axis where it is when they can; reductions and shape ops
renumber their axis parameters; dot_general and conv_general_dilated become one batched
primitive (a batch dimension of the dot, or the batch/feature dimensions of the convolution);
gather and scatter use their operand/indices batching dimensions. None of them loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import lax
from pullback_ir.avals import aval_of
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import (
    bits,
    conv as cv,
    elementwise as ew,
    factorizations as fz,
    fft as fft_mod,
    indexing as ix,
    linalg,
    reductions as red,
    shapes as sh,
    sorting as so,
)
from pullback_ir.primitives.families import broadcast_shapes

from pullback_batching.core import (
    AxisData,
    batch_rules,
    bdim_at_front,
    move_bdim,
    take_along,
)

__all__: list[str] = []

Dims = Sequence[int | None]


def _shape(x: Any) -> tuple[int, ...]:
    return aval_of(x).shape


def _shift(axes: Sequence[int], d: int) -> tuple[int, ...]:
    """Per-example axes renumbered for a value whose batch axis is at `d`."""
    return tuple(a + 1 if a >= d else a for a in axes)


# --- elementwise -----------------------------------------------------------------------------


def _per_example_shape(prim: Primitive, args: Sequence[Any], dims: Dims) -> tuple[int, ...]:
    """The broadcast shape of the operands of one example (batch axes removed)."""
    return broadcast_shapes(
        prim.name,
        *(
            aval_of(x).update(shape=_shape(x)[:d] + _shape(x)[d + 1 :])
            if d is not None
            else aval_of(x)
            for x, d in zip(args, dims, strict=True)
        ),
    )


def _naryop(prim: Primitive) -> Any:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
        ranks = [len(_shape(x)) - (d is not None) for x, d in zip(args, dims, strict=True)]
        mapped = [(x, d) for x, d in zip(args, dims, strict=True) if d is not None]
        d0 = mapped[0][1]
        full = max(ranks)
        # Fast path: every batched operand has the batch axis at the same place and full rank,
        # every unbatched one is a scalar.
        if all(d == d0 for _, d in mapped) and all(
            (r == full) if d is not None else r == 0 for r, d in zip(ranks, dims, strict=True)
        ):
            outs = prim.bind(*args, **params)
            return outs, [d0] * len(outs)
        per_example = _per_example_shape(prim, args, dims)
        out_shape = (axis.size, *per_example)
        new = []
        for x, d, r in zip(args, dims, ranks, strict=True):
            if d is None:
                new.append(x if r == 0 else lax.broadcast_in_dim(x, out_shape, range(1, r + 1)))
            else:
                x = move_bdim(x, d, 0)
                new.append(x if r == len(per_example) else lax.broadcast_in_dim(x, out_shape, (0,)))
        outs = prim.bind(*new, **params)
        return outs, [0] * len(outs)

    return rule


for _p in ew.UNARY:
    batch_rules[_p] = lambda axis, args, dims, _p=_p, **params: ([_p.bind(*args, **params)[0]],
                                                                  [dims[0]])  # fmt: skip
for _p in ew.BINARY:
    batch_rules[_p] = _naryop(_p)


def _full_shape_rule(prim: Primitive, scalar_ok: frozenset[int]) -> Any:
    # select_n and clamp take rank-0 operands only in some positions (select_n's predicate,
    # clamp's bounds), and only when every other operand agrees: every operand takes the full
    # batched shape but those unbatched scalars, which stay scalars.
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
        per_example = _per_example_shape(prim, args, dims)
        out_shape = (axis.size, *per_example)
        n = len(out_shape)

        def trailing(rank: int) -> tuple[int, ...]:  # where a per-example value of `rank` sits
            return tuple(range(n - rank, n))

        new = []
        for i, (x, d) in enumerate(zip(args, dims, strict=True)):
            if d is None:
                keep = i in scalar_ok and not _shape(x)
                new.append(
                    x if keep else lax.broadcast_in_dim(x, out_shape, trailing(len(_shape(x))))
                )
                continue
            x = move_bdim(x, d, 0)
            if _shape(x) != out_shape:
                x = lax.broadcast_in_dim(x, out_shape, (0, *trailing(len(_shape(x)) - 1)))
            new.append(x)
        outs = prim.bind(*new, **params)
        return outs, [0] * len(outs)

    return rule


batch_rules[ew.select_n_p] = _full_shape_rule(ew.select_n_p, frozenset({0}))
batch_rules[ew.clamp_p] = _full_shape_rule(ew.clamp_p, frozenset({0, 2}))
# (threefry2x32 takes both keys scalar or both of the counters' shape: every operand takes
# the full batched shape)
batch_rules[bits.threefry2x32_p] = _full_shape_rule(bits.threefry2x32_p, frozenset())
for _p in (ew.round_p, ew.integer_pow_p, ew.convert_element_type_p, bits.reduce_precision_p):
    batch_rules[_p] = lambda axis, args, dims, _p=_p, **params: (_p.bind(*args, **params),
                                                                  [dims[0]])  # fmt: skip


def _bitcast_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    # A width change adds or removes a trailing axis: keep the batch axis in front.
    (x,), (d,) = args, dims
    return ew.bitcast_convert_type_p.bind(move_bdim(x, d, 0), **params), [0]  # type: ignore[arg-type]


batch_rules[ew.bitcast_convert_type_p] = _bitcast_rule

# --- reductions ------------------------------------------------------------------------------


def _reduce_rule(prim: Primitive) -> Any:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, axes: Sequence[int],
             **params: Any) -> Any:  # fmt: skip
        (x,), (d,) = args, dims
        assert d is not None
        new_axes = _shift(axes, d)
        out_d = d - sum(1 for a in new_axes if a < d)
        return prim.bind(x, axes=new_axes, **params), [out_d]

    return rule


_REDUCTIONS = (
    red.reduce_sum_p, red.reduce_prod_p, red.reduce_max_p, red.reduce_min_p, red.reduce_and_p,
    red.reduce_or_p, red.reduce_xor_p, red.argmax_p, red.argmin_p,
)  # fmt: skip
for _p in _REDUCTIONS:
    batch_rules[_p] = _reduce_rule(_p)


def _cumulative_rule(prim: Primitive) -> Any:
    # (The mapped-axis argument is not called `axis`: that is these primitives' parameter.)
    def rule(mapped: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
        (x,), (d,) = args, dims
        assert d is not None
        a = params["axis"]
        return prim.bind(x, **{**params, "axis": a + 1 if a >= d else a}), [d]

    return rule


for _p in (red.cumsum_p, red.cumprod_p, red.cummax_p, red.cummin_p, red.cumlogsumexp_p):
    batch_rules[_p] = _cumulative_rule(_p)

# --- shapes ----------------------------------------------------------------------------------


def _broadcast_in_dim_rule(
    axis: AxisData, args: Sequence[Any], dims: Dims, *, shape: Sequence[int],
    broadcast_dimensions: Sequence[int],
) -> Any:  # fmt: skip
    x = move_bdim(args[0], dims[0], 0)  # type: ignore[arg-type]
    return sh.broadcast_in_dim_p.bind(
        x, shape=(axis.size, *shape),
        broadcast_dimensions=(0, *(b + 1 for b in broadcast_dimensions)),
    ), [0]  # fmt: skip


def _reshape_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, new_sizes: Sequence[int],
                  dimensions: Sequence[int] | None) -> Any:  # fmt: skip
    x = move_bdim(args[0], dims[0], 0)  # type: ignore[arg-type]
    return sh.reshape_p.bind(
        x, new_sizes=(axis.size, *new_sizes),
        dimensions=None if dimensions is None else (0, *(p + 1 for p in dimensions)),
    ), [0]  # fmt: skip


def _squeeze_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *,
                  dimensions: Sequence[int]) -> Any:  # fmt: skip
    x = move_bdim(args[0], dims[0], 0)  # type: ignore[arg-type]
    return sh.squeeze_p.bind(x, dimensions=tuple(a + 1 for a in dimensions)), [0]


def _transpose_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *,
                    permutation: Sequence[int]) -> Any:  # fmt: skip
    (x,), (d,) = args, dims
    assert d is not None
    # Keep the batch axis in place: per-example axis p lives at p + (p >= d).
    rest = [p + 1 if p >= d else p for p in permutation]
    return sh.transpose_p.bind(x, permutation=(*rest[:d], d, *rest[d:])), [d]


def _rev_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, dimensions: Sequence[int]) -> Any:
    (x,), (d,) = args, dims
    assert d is not None
    return sh.rev_p.bind(x, dimensions=_shift(dimensions, d)), [d]


def _pad_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, padding_config: Any) -> Any:
    (x, v), (dx, dv) = args, dims
    cfg = ((0, 0, 0), *padding_config)
    x = bdim_at_front(x, dx, axis.size)
    if dv is None:
        return sh.pad_p.bind(x, v, padding_config=cfg), [0]
    # A batched padding value: pad with zeros, then select the value where padding went.
    zero = np.zeros((), aval_of(x).dtype)
    (padded,) = sh.pad_p.bind(x, zero, padding_config=cfg)
    inside = lax.broadcast_in_dim(np.ones((), bool), _shape(x), ())
    (mask,) = sh.pad_p.bind(inside, np.zeros((), bool), padding_config=cfg)
    fill = lax.broadcast_in_dim(v, _shape(padded), (0,))
    return [lax.select(mask, padded, fill)], [0]


def _concatenate_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, dimension: int) -> Any:
    xs = [bdim_at_front(x, d, axis.size) for x, d in zip(args, dims, strict=True)]
    return sh.concatenate_p.bind(*xs, dimension=dimension + 1), [0]


def _slice_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, start_indices: Sequence[int],
                limit_indices: Sequence[int], strides: Sequence[int] | None) -> Any:  # fmt: skip
    x = move_bdim(args[0], dims[0], 0)  # type: ignore[arg-type]
    return sh.slice_p.bind(
        x, start_indices=(0, *start_indices), limit_indices=(axis.size, *limit_indices),
        strides=None if strides is None else (1, *strides),
    ), [0]  # fmt: skip


def _index_vector(idx: Sequence[Any], dims: Dims, size: int) -> Any:
    """Batched scalar start indices stacked into a (size, n) int32 index array."""
    cols = [
        lax.convert_element_type(bdim_at_front(i, d, size), np.int32)
        for i, d in zip(idx, dims, strict=True)
    ]
    return lax.concatenate([lax.broadcast_in_dim(c, (size, 1), (0,)) for c in cols], 1)


def _zero_index(idx: Sequence[Any]) -> Any:
    """A zero start index for the batch axis, of the other start indices' dtype."""
    return np.zeros((), aval_of(idx[0]).dtype) if idx else np.int32(0)


def _dynamic_slice_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *,
                        slice_sizes: Sequence[int]) -> Any:  # fmt: skip
    x, *idx = args
    dx, *di = dims
    if all(d is None for d in di):
        x = move_bdim(x, dx, 0)  # type: ignore[arg-type]
        zero = _zero_index(idx)
        return sh.dynamic_slice_p.bind(x, zero, *idx, slice_sizes=(axis.size, *slice_sizes)), [0]
    # Batched start indices: one gather with a batching dimension (clamped like dynamic_slice).
    x = bdim_at_front(x, dx, axis.size)
    nd = len(slice_sizes)
    dn = ix.GatherDimensionNumbers(
        offset_dims=tuple(range(1, nd + 1)), collapsed_slice_dims=(),
        start_index_map=tuple(range(1, nd + 1)), operand_batching_dims=(0,),
        start_indices_batching_dims=(0,),
    )  # fmt: skip
    return ix.gather_p.bind(
        x, _index_vector(idx, di, axis.size), dimension_numbers=dn,
        slice_sizes=(1, *slice_sizes), mode=ix.GatherScatterMode.CLIP, fill_value=None,
        indices_are_sorted=False, unique_indices=False,
    ), [0]  # fmt: skip


def _dynamic_update_slice_rule(axis: AxisData, args: Sequence[Any], dims: Dims) -> Any:
    x, u, *idx = args
    dx, du, *di = dims
    x = bdim_at_front(x, dx, axis.size)
    u = bdim_at_front(u, du, axis.size)
    if all(d is None for d in di):
        zero = _zero_index(idx)
        return sh.dynamic_update_slice_p.bind(x, u, zero, *idx), [0]
    nd = len(_shape(u)) - 1
    dn = ix.ScatterDimensionNumbers(
        update_window_dims=tuple(range(1, nd + 1)), inserted_window_dims=(),
        scatter_dims_to_operand_dims=tuple(range(1, nd + 1)), operand_batching_dims=(0,),
        scatter_indices_batching_dims=(0,),
    )  # fmt: skip
    # dynamic_update_slice clamps the start so the update fits; so does mode=clip.
    return ix.scatter_p.bind(
        x, _index_vector(idx, di, axis.size), u, dimension_numbers=dn,
        mode=ix.GatherScatterMode.CLIP, indices_are_sorted=True, unique_indices=True,
    ), [0]  # fmt: skip


batch_rules[sh.broadcast_in_dim_p] = _broadcast_in_dim_rule
batch_rules[sh.reshape_p] = _reshape_rule
batch_rules[sh.squeeze_p] = _squeeze_rule
batch_rules[sh.transpose_p] = _transpose_rule
batch_rules[sh.rev_p] = _rev_rule
batch_rules[sh.pad_p] = _pad_rule
batch_rules[sh.concatenate_p] = _concatenate_rule
batch_rules[sh.slice_p] = _slice_rule
batch_rules[sh.dynamic_slice_p] = _dynamic_slice_rule
batch_rules[sh.dynamic_update_slice_p] = _dynamic_update_slice_rule
# iota has no operands: it is never batched (the trace binds it in the parent).
batch_rules[sh.iota_p] = lambda axis, args, dims, **params: (sh.iota_p.bind(**params), [None])

# --- dot_general -----------------------------------------------------------------------------


def _dot_general_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *,
                      dimension_numbers: Any, **params: Any) -> Any:  # fmt: skip
    (lhs, rhs), (dl, dr) = args, dims
    (lc, rc), (lb, rb) = dimension_numbers
    if dl is not None and dr is not None:
        # Both batched: the mapped axis becomes a leading batch dimension of the dot.
        lhs, rhs = move_bdim(lhs, dl, 0), move_bdim(rhs, dr, 0)
        dn = ((_shift(lc, 0), _shift(rc, 0)), ((0, *_shift(lb, 0)), (0, *_shift(rb, 0))))
        return linalg.dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params), [0]
    if dl is not None:
        # Only lhs: the mapped axis is one more free lhs dimension (first among them).
        lhs = move_bdim(lhs, dl, 0)
        dn = ((_shift(lc, 0), rc), (_shift(lb, 0), rb))
        return linalg.dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params), [len(lb)]
    assert dr is not None
    rhs = move_bdim(rhs, dr, 0)
    n_lhs_free = len(_shape(lhs)) - len(lc) - len(lb)
    dn = ((lc, _shift(rc, 0)), (lb, _shift(rb, 0)))
    out = linalg.dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params)
    return out, [len(lb) + n_lhs_free]


batch_rules[linalg.dot_general_p] = _dot_general_rule

# --- gather / scatter ------------------------------------------------------------------------


def _gather_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, dimension_numbers: Any,
                 slice_sizes: Sequence[int], **params: Any) -> Any:  # fmt: skip
    (x, idx), (dx, di) = args, dims
    dn = dimension_numbers
    idx = bdim_at_front(idx, di, axis.size)
    if dx is None:
        # Only the indices: the mapped axis is one more batch dimension of the indices, and it
        # comes first in the output because the offset dims shift by one.
        new = dn._replace(
            offset_dims=_shift(dn.offset_dims, 0),
            start_indices_batching_dims=_shift(dn.start_indices_batching_dims, 0),
        )
        return ix.gather_p.bind(
            x, idx, dimension_numbers=new, slice_sizes=tuple(slice_sizes), **params
        ), [0]  # fmt: skip
    x = move_bdim(x, dx, 0)
    new = ix.GatherDimensionNumbers(
        offset_dims=_shift(dn.offset_dims, 0),
        collapsed_slice_dims=_shift(dn.collapsed_slice_dims, 0),
        start_index_map=_shift(dn.start_index_map, 0),
        operand_batching_dims=(0, *_shift(dn.operand_batching_dims, 0)),
        start_indices_batching_dims=(0, *_shift(dn.start_indices_batching_dims, 0)),
    )
    return ix.gather_p.bind(
        x, idx, dimension_numbers=new, slice_sizes=(1, *slice_sizes), **params
    ), [0]  # fmt: skip


def _scatter_rule(prim: Primitive) -> Any:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, dimension_numbers: Any,
             **params: Any) -> Any:  # fmt: skip
        x, idx, u = (bdim_at_front(a, d, axis.size) for a, d in zip(args, dims, strict=True))
        dn = dimension_numbers
        new = ix.ScatterDimensionNumbers(
            update_window_dims=_shift(dn.update_window_dims, 0),
            inserted_window_dims=_shift(dn.inserted_window_dims, 0),
            scatter_dims_to_operand_dims=_shift(dn.scatter_dims_to_operand_dims, 0),
            operand_batching_dims=(0, *_shift(dn.operand_batching_dims, 0)),
            scatter_indices_batching_dims=(0, *_shift(dn.scatter_indices_batching_dims, 0)),
        )
        return prim.bind(x, idx, u, dimension_numbers=new, **params), [0]

    return rule


batch_rules[ix.gather_p] = _gather_rule
for _p in (ix.scatter_p, ix.scatter_add_p, ix.scatter_mul_p, ix.scatter_min_p, ix.scatter_max_p):
    batch_rules[_p] = _scatter_rule(_p)

# --- sorting ---------------------------------------------------------------------------------


def _sort_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, dimension: int,
               **params: Any) -> Any:  # fmt: skip
    xs = [bdim_at_front(x, d, axis.size) for x, d in zip(args, dims, strict=True)]
    outs = so.sort_p.bind(*xs, dimension=dimension + 1, **params)
    return outs, [0] * len(outs)


def _top_k_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    (x,), (d,) = args, dims
    return so.top_k_p.bind(move_bdim(x, d, 0), **params), [0, 0]  # type: ignore[arg-type]


batch_rules[so.sort_p] = _sort_rule
batch_rules[so.top_k_p] = _top_k_rule

# --- convolution -----------------------------------------------------------------------------


def _split_dim(x: Any, d: int, sizes: Sequence[int]) -> Any:
    shape = list(_shape(x))
    shape[d : d + 1] = list(sizes)
    return lax.reshape(x, shape)


def _merge_dims(x: Any, d: int, n: int) -> Any:
    """Merge axes d..d+n-1 into one."""
    shape = list(_shape(x))
    merged = int(np.prod(shape[d : d + n]))
    shape[d : d + n] = [merged]
    return lax.reshape(x, shape)


def _conv_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    (lhs, rhs), (dl, dr) = args, dims
    lspec, rspec, ospec = params["dimension_numbers"]
    fg, bg = params["feature_group_count"], params["batch_group_count"]
    b = axis.size
    if dl is not None and dr is None and bg == 1:
        # Batched input only: fold the mapped axis into the convolution's batch dimension.
        lhs = move_bdim(lhs, dl, lspec[0])
        lhs = _merge_dims(lhs, lspec[0], 2)
        (out,) = cv.conv_general_dilated_p.bind(lhs, rhs, **params)
        return [_split_dim(out, ospec[0], (b, _shape(out)[ospec[0]] // b))], [ospec[0]]
    if dl is None and dr is not None and bg == 1:
        # Batched kernel only: fold the mapped axis into each feature group's output features.
        o = _shape(rhs)[rspec[0] + (1 if dr <= rspec[0] else 0)]
        rhs = move_bdim(rhs, dr, 0)
        od = rspec[0] + 1
        rhs = _split_dim(rhs, od, (fg, o // fg))  # (B, ..., G, O/G, ...)
        rhs = move_bdim(rhs, 0, od)  # (..., G, B, O/G, ...)
        rhs = _merge_dims(rhs, rspec[0], 3)
        (out,) = cv.conv_general_dilated_p.bind(lhs, rhs, **params)
        out = _split_dim(out, ospec[1], (fg, b, o // fg))
        out = _merge_dims(move_bdim(out, ospec[1] + 1, ospec[1]), ospec[1] + 1, 2)
        return [out], [ospec[1]]
    if bg == 1:
        # Both batched: the mapped axis becomes extra feature groups.
        lhs = bdim_at_front(lhs, dl, b)
        rhs = bdim_at_front(rhs, dr, b)
        o = _shape(rhs)[rspec[0] + 1]
        lhs = _merge_dims(move_bdim(lhs, 0, lspec[1]), lspec[1], 2)  # features (B, C)
        rhs = _merge_dims(move_bdim(rhs, 0, rspec[0]), rspec[0], 2)  # out features (B, G, O/G)
        (out,) = cv.conv_general_dilated_p.bind(
            lhs, rhs, **{**params, "feature_group_count": fg * b}
        )
        return [_split_dim(out, ospec[1], (b, o))], [ospec[1]]
    # Batch groups: unbatched, one convolution per example stacked together (rare; the
    # batch-group form only appears in transposes of feature-grouped convolutions).
    lhs = bdim_at_front(lhs, dl, b)
    rhs = bdim_at_front(rhs, dr, b)
    outs = [
        cv.conv_general_dilated_p.bind(
            take_along(lhs, i, 0),
            take_along(rhs, i, 0),
            **params,
        )[0]
        for i in range(b)
    ]
    return [lax.concatenate([lax.expand_dims(o, (0,)) for o in outs], 0)], [0]


batch_rules[cv.conv_general_dilated_p] = _conv_rule

# --- factorizations and fft ------------------------------------------------------------------
# They map over leading batch axes themselves: the mapped axis goes first.


def _matrix_rule(prim: Primitive) -> Any:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
        xs = [bdim_at_front(x, d, axis.size) for x, d in zip(args, dims, strict=True)]
        outs = prim.bind(*xs, **params)
        return outs, [0] * len(outs)

    return rule


for _p in (*fz.ALL, fft_mod.fft_p):  # fft acts on trailing axes too
    batch_rules[_p] = _matrix_rule(_p)
