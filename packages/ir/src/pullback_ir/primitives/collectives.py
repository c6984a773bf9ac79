"""Named-axis collectives.

psum, pmax, pmin, all_gather, all_to_all, ppermute, axis_index and psum_scatter
(`reduce_scatter`).

A collective only has a meaning inside a function mapped over a named axis (vmap, pmap), so
its per-device `impl` raises. The reference semantics is `STACKED_IMPLS[prim]`: the collective
applied to every member of the axis at once, on arrays whose leading dimension is the named
axis. vmap uses it as its batching rule; the tests check it against a loop over members.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import NUMERIC, REAL_NUMERIC, check_dtype

__all__ = [
    "STACKED_IMPLS",
    "all_gather_p",
    "all_to_all_p",
    "axis_index_p",
    "pmax_p",
    "pmin_p",
    "ppermute_p",
    "psum_p",
    "psum_scatter_p",
]

AxisGroups = tuple[tuple[int, ...], ...] | None


def _unbound(name: str) -> Callable[..., list[Any]]:
    def impl(*args: Any, **params: Any) -> list[Any]:
        del args  # unused
        axes = params.get("axes", params.get("axis_name"))
        raise NameError(
            f"{name}: unbound axis name {axes!r}: collectives run only inside a function mapped "
            "over that axis (vmap or pmap with a matching axis_name)."
        )

    return impl


def _reduce_abstract(name: str, allowed: Any) -> Callable[..., list[ShapedArray]]:
    def abstract(*avals: ShapedArray, axes: tuple[Any, ...], axis_index_groups: AxisGroups) -> Any:
        del axes, axis_index_groups  # unused
        for i, a in enumerate(avals):
            check_dtype(name, a, allowed, f"operand {i}")
        return [ShapedArray(a.shape, a.dtype, a.weak_type) for a in avals]

    return abstract


psum_p = Primitive("psum", abstract_eval=_reduce_abstract("psum", NUMERIC), impl=_unbound("psum"))
pmax_p = Primitive(
    "pmax", abstract_eval=_reduce_abstract("pmax", REAL_NUMERIC), impl=_unbound("pmax")
)
pmin_p = Primitive(
    "pmin", abstract_eval=_reduce_abstract("pmin", REAL_NUMERIC), impl=_unbound("pmin")
)


def _axis_index_abstract(*, axis_name: Any) -> list[ShapedArray]:
    del axis_name  # unused
    return [ShapedArray((), dtypes.int32)]


axis_index_p = Primitive(
    "axis_index", abstract_eval=_axis_index_abstract, impl=_unbound("axis_index")
)


def _all_gather_abstract(
    x: ShapedArray,
    *,
    axis_name: Any,
    all_gather_dimension: int,
    axis_size: int,
    axis_index_groups: AxisGroups,
    tiled: bool,
) -> list[ShapedArray]:
    del axis_name  # unused
    n = axis_size if axis_index_groups is None else len(axis_index_groups[0])
    d = all_gather_dimension
    if not 0 <= d <= x.ndim - (1 if tiled else 0):
        raise ValueError(f"all_gather: all_gather_dimension {d} is out of range for {x.str_long()}")
    if tiled:
        shape = (*x.shape[:d], x.shape[d] * n, *x.shape[d + 1 :])
    else:
        shape = (*x.shape[:d], n, *x.shape[d:])
    return [ShapedArray(shape, x.dtype, x.weak_type)]


all_gather_p = Primitive(
    "all_gather", abstract_eval=_all_gather_abstract, impl=_unbound("all_gather")
)


def _all_to_all_abstract(
    x: ShapedArray,
    *,
    axis_name: Any,
    split_axis: int,
    concat_axis: int,
    axis_size: int,
    axis_index_groups: AxisGroups,
) -> list[ShapedArray]:
    del axis_name  # unused
    n = axis_size if axis_index_groups is None else len(axis_index_groups[0])
    if not (0 <= split_axis < x.ndim and 0 <= concat_axis < x.ndim):
        raise ValueError(
            f"all_to_all: split_axis {split_axis} and concat_axis {concat_axis} must be axes of "
            f"{x.str_long()}"
        )
    if x.shape[split_axis] % n:
        raise TypeError(
            f"all_to_all: the split axis {split_axis} of {x.str_long()} must be divisible by the "
            f"axis size {n}"
        )
    shape = list(x.shape)
    shape[split_axis] //= n
    shape[concat_axis] *= n
    return [ShapedArray(tuple(shape), x.dtype, x.weak_type)]


#: Splits `split_axis` into axis-size chunks, sends chunk j to member j and concatenates the
#: received chunks along `concat_axis` (the tiled form; lax.all_to_all adds the untiled one).
all_to_all_p = Primitive(
    "all_to_all", abstract_eval=_all_to_all_abstract, impl=_unbound("all_to_all")
)


def _ppermute_abstract(
    x: ShapedArray, *, axis_name: Any, perm: tuple[tuple[int, int], ...]
) -> list[ShapedArray]:
    del axis_name  # unused
    srcs, dsts = [s for s, _ in perm], [d for _, d in perm]
    if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
        raise ValueError(f"ppermute: perm {perm} must not repeat a source or a destination")
    return [ShapedArray(x.shape, x.dtype, x.weak_type)]


ppermute_p = Primitive("ppermute", abstract_eval=_ppermute_abstract, impl=_unbound("ppermute"))


def _psum_scatter_abstract(
    x: ShapedArray,
    *,
    axis_name: Any,
    scatter_dimension: int,
    axis_size: int,
    axis_index_groups: AxisGroups,
    tiled: bool,
) -> list[ShapedArray]:
    del axis_name  # unused
    check_dtype("psum_scatter", x, NUMERIC, "x")
    n = axis_size if axis_index_groups is None else len(axis_index_groups[0])
    d = scatter_dimension
    if not 0 <= d < x.ndim:
        raise ValueError(f"psum_scatter: scatter_dimension {d} is out of range for {x.str_long()}")
    if tiled:
        if x.shape[d] % n:
            raise TypeError(
                f"psum_scatter: dimension {d} of {x.str_long()} must be divisible by the axis "
                f"size {n}"
            )
        shape = (*x.shape[:d], x.shape[d] // n, *x.shape[d + 1 :])
    else:
        if x.shape[d] != n:
            raise TypeError(
                f"psum_scatter: dimension {d} of {x.str_long()} must equal the axis size {n} "
                "(or pass tiled=True)"
            )
        shape = (*x.shape[:d], *x.shape[d + 1 :])
    return [ShapedArray(shape, x.dtype, x.weak_type)]


psum_scatter_p = Primitive(
    "reduce_scatter", abstract_eval=_psum_scatter_abstract, impl=_unbound("psum_scatter")
)

# --- the stacked reference semantics -----------------------------------------------------------


def _groups(size: int, axis_index_groups: AxisGroups) -> list[list[int]]:
    if axis_index_groups is None:
        return [list(range(size))]
    flat = sorted(i for g in axis_index_groups for i in g)
    if flat != list(range(size)) or len({len(g) for g in axis_index_groups}) != 1:
        raise ValueError(
            f"axis_index_groups {axis_index_groups} must partition range({size}) into groups of "
            "equal size"
        )
    return [list(g) for g in axis_index_groups]


def _stacked_reduce(fn: Callable[..., Any]) -> Callable[..., list[Any]]:
    def impl(*xs: Any, axis_size: int, axis_index_groups: AxisGroups, **params: Any) -> list[Any]:
        del params  # unused
        outs = []
        for x in xs:
            out = np.empty_like(x)
            for g in _groups(axis_size, axis_index_groups):
                with np.errstate(over="ignore"):
                    red = fn(x[g], axis=0)
                out[g] = red.astype(x.dtype)
            outs.append(out)
        return outs

    return impl


def _stacked_axis_index(*, axis_size: int, **params: Any) -> list[Any]:
    del params  # unused
    return [np.arange(axis_size, dtype=np.int32)]


def _stacked_all_gather(
    x: Any,
    *,
    axis_size: int,
    all_gather_dimension: int,
    axis_index_groups: AxisGroups,
    tiled: bool,
    **params: Any,
) -> list[Any]:
    del params  # unused
    d = all_gather_dimension
    outs: list[Any] = [None] * axis_size
    for g in _groups(axis_size, axis_index_groups):
        members = [x[i] for i in g]
        gathered = np.concatenate(members, axis=d) if tiled else np.stack(members, axis=d)
        for i in g:
            outs[i] = gathered
    return [np.stack(outs)]


def _stacked_all_to_all(
    x: Any,
    *,
    axis_size: int,
    split_axis: int,
    concat_axis: int,
    axis_index_groups: AxisGroups,
    **params: Any,
) -> list[Any]:
    del params  # unused
    outs: list[Any] = [None] * axis_size
    for g in _groups(axis_size, axis_index_groups):
        chunks = {i: np.split(x[i], len(g), axis=split_axis) for i in g}
        for j, dst in enumerate(g):
            outs[dst] = np.concatenate([chunks[src][j] for src in g], axis=concat_axis)
    return [np.stack(outs)]


def _stacked_ppermute(
    x: Any, *, axis_size: int, perm: tuple[tuple[int, int], ...], **params: Any
) -> list[Any]:
    del params  # unused
    out = np.zeros_like(x)
    for src, dst in perm:
        if not (0 <= src < axis_size and 0 <= dst < axis_size):
            raise ValueError(f"ppermute: perm {perm} has indices outside range({axis_size})")
        out[dst] = x[src]
    return [out]


def _stacked_psum_scatter(
    x: Any,
    *,
    axis_size: int,
    scatter_dimension: int,
    axis_index_groups: AxisGroups,
    tiled: bool,
    **params: Any,
) -> list[Any]:
    del params  # unused
    d = scatter_dimension
    outs: list[Any] = [None] * axis_size
    for g in _groups(axis_size, axis_index_groups):
        with np.errstate(over="ignore"):
            total = np.sum(x[g], axis=0).astype(x.dtype)
        parts = np.split(total, len(g), axis=d)
        for j, i in enumerate(g):
            outs[i] = parts[j] if tiled else np.squeeze(parts[j], d)
    return [np.stack(outs)]


#: `prim -> fn(*stacked_args, axis_size, **params) -> stacked outputs`: the collective run by
#: every member of the named axis at once (leading dimension of every array = the axis).
STACKED_IMPLS: dict[Primitive, Callable[..., list[Any]]] = {
    psum_p: _stacked_reduce(np.sum),
    pmax_p: _stacked_reduce(np.max),
    pmin_p: _stacked_reduce(np.min),
    axis_index_p: _stacked_axis_index,
    all_gather_p: _stacked_all_gather,
    all_to_all_p: _stacked_all_to_all,
    ppermute_p: _stacked_ppermute,
    psum_scatter_p: _stacked_psum_scatter,
}

ALL: list[Primitive] = list(STACKED_IMPLS)
