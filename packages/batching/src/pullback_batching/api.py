"""`vmap`: the vectorizing map."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from pullback_ir.avals import aval_of
from pullback_pytrees import (
    SequenceKey,
    broadcast_prefix,
    keystr,
    tree_flatten,
    tree_flatten_with_path,
    tree_unflatten,
)

from pullback_batching import control_rules as _control_rules, rules as _rules  # rule tables
from pullback_batching.core import AxisData, bdim_at, vmap_flat

__all__ = ["vmap"]

del _rules, _control_rules


def _is_none(x: Any) -> bool:
    return x is None


def _check_axis_spec(spec: Any, what: str) -> None:
    for leaf in tree_flatten(spec, _is_none)[0]:
        if leaf is not None and not isinstance(leaf, int):
            raise TypeError(
                f"vmap {what} must be ints, None, or (nested) containers of them; got {leaf!r}"
            )


def vmap(
    fun: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    axis_name: Any = None,
    axis_size: int | None = None,
    spmd_axis_name: Any = None,
) -> Callable[..., Any]:
    """Vectorize `fun` over a new leading (or `in_axes`-given) axis of its arguments.

    Args:
        fun: the function to vectorize (pytrees of arrays in and out).
        in_axes: the mapped axis of each argument: an int (negative counts from the end), None
            for an argument broadcast to every example, or a tuple/nested container of those
            that is a prefix of the arguments' structure.
        out_axes: where the mapped axis goes in each output (same forms; None for an output
            that is the same for every example — it must then be unmapped).
        axis_name: a name for the mapped axis, for collectives (psum, axis_index, ...).
        axis_size: the mapped size; required only when no argument is mapped.
        spmd_axis_name: accepted and recorded (it names the mesh axis under pmap/sharding).

    Returns:
        The vectorized function.
    """
    if not callable(fun):
        raise TypeError(f"vmap: fun must be callable, got {type(fun).__name__}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)  # JAX reads a top-level list as a tuple
    _check_axis_spec(in_axes, "in_axes")
    _check_axis_spec(out_axes, "out_axes")
    name = getattr(fun, "__name__", type(fun).__name__)

    @functools.wraps(fun)
    def batched(*args: Any, **kwargs: Any) -> Any:
        # Keyword arguments are mapped along axis 0 (as in JAX).
        kw_leaves = tree_flatten(kwargs)[0] if kwargs else []
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(
                f"vmap in_axes must be an int, None, or a tuple of entries corresponding to the "
                f"positional arguments passed to the function, but got len(in_axes)="
                f"{len(in_axes)}, len(args)={len(args)}"
            )
        try:
            axes = broadcast_prefix(
                in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                args, is_leaf=_is_none, what="vmap in_axes",
            )  # fmt: skip
        except ValueError as e:
            raise ValueError(
                f"vmap in_axes specification must be a tree prefix of the corresponding value: {e}"
            ) from None
        paths_leaves, in_tree = tree_flatten_with_path((args, kwargs))
        leaves = [leaf for _, leaf in paths_leaves]
        all_axes = [*axes, *[0] * len(kw_leaves)]
        dims: list[int | None] = []
        sizes: dict[str, int] = {}
        for (path, leaf), ax in zip(paths_leaves, all_axes, strict=True):
            where = ("args" if path[0] == SequenceKey(0) else "kwargs") + keystr(path[1:])
            if ax is None:
                dims.append(None)
                continue
            shape = aval_of(leaf).shape
            if not -len(shape) <= ax < len(shape):
                raise ValueError(
                    f"vmap was requested to map its argument along axis {ax}, which implies "
                    f"that its rank should be at least {max(ax + 1, -ax)}, but is only "
                    f"{len(shape)} (its shape is {shape}): argument {where}"
                )
            d = ax % len(shape)
            dims.append(d)
            sizes[where] = shape[d]
        size = axis_size
        if len(set(sizes.values())) > 1:
            listed = "\n".join(f"  {w}: axis size {n}" for w, n in sizes.items())
            raise ValueError(f"vmap got inconsistent sizes for the mapped axis:\n{listed}")
        if sizes:
            got = next(iter(sizes.values()))
            if size is not None and size != got:
                raise ValueError(
                    f"vmap got axis_size={size} but the mapped arguments have size {got}"
                )
            size = got
        if size is None:
            raise ValueError(
                "vmap must have at least one non-None value in in_axes, or be given axis_size"
            )
        out_tree_store = []

        def flat_fun(*xs: Any) -> list[Any]:
            a, kw = tree_unflatten(in_tree, xs)
            out_leaves, out_tree = tree_flatten(fun(*a, **kw))
            out_tree_store.append(out_tree)
            return out_leaves

        axis = AxisData(axis_name, size, spmd_axis_name)
        vals, out_dims = vmap_flat(flat_fun, axis, leaves, dims)
        out_tree = out_tree_store[0]
        try:
            want = broadcast_prefix(
                out_axes, tree_unflatten(out_tree, vals), is_leaf=_is_none, what="vmap out_axes"
            )
        except ValueError as e:
            raise ValueError(
                f"vmap out_axes specification must be a tree prefix of the corresponding value: {e}"
            ) from None
        final = []
        for i, (v, d, w) in enumerate(zip(vals, out_dims, want, strict=True)):
            if w is None:
                if d is not None:
                    raise ValueError(
                        f"vmap has mapped output (leaf {i} of the output of {name}) but "
                        "out_axes is None"
                    )
                final.append(v)
                continue
            nd = len(aval_of(v).shape) + (1 if d is None else 0)
            if not -nd <= w < nd:
                raise ValueError(
                    f"vmap out_axes {w} is out of range for output leaf {i} of rank {nd - 1}"
                )
            final.append(bdim_at(v, d, size, w % nd))
        return tree_unflatten(out_tree, final)

    return batched
