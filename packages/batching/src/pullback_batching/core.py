"""The batch trace: values carry a batch dimension, primitives dispatch to batching rules.

A `BatchTracer` holds a value with one extra dimension, its batch dimension `bdim` (the
position of the mapped axis in the value). Primitives dispatch to
`batch_rules[primitive](axis, args, dims, **params) -> (outs, out_dims)`, where `dims` are the
arguments' batch dimensions (None for an unbatched argument) and the rule runs with the
trace's parent current. A rule keeps the batch dimension wherever it is cheapest, so chains of
elementwise ops never transpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from pullback_ir import lax
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.errors import MissingRuleError
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitive import Primitive
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import (
    CONTEXT,
    Trace,
    Tracer,
    extend_axis_env,
    leaked_tracer_error,
    set_current_trace,
)

__all__ = [
    "AxisData",
    "BatchTrace",
    "BatchTracer",
    "batch_jaxpr",
    "batch_rules",
    "bdim_at",
    "bdim_at_front",
    "broadcast_batched",
    "move_bdim",
    "take_along",
    "vmap_flat",
]


@dataclass(frozen=True)
class AxisData:
    """The mapped axis: its name (None if anonymous), size and SPMD axis name."""

    name: Any
    size: int
    spmd_name: Any = None


BatchRule = Callable[..., tuple[Sequence[Any], Sequence[int | None]]]
#: `primitive -> rule(axis, args, dims, **params) -> (outs, out_dims)`.
batch_rules: dict[Primitive, BatchRule] = {}


def _drop(shape: tuple[int, ...], d: int) -> tuple[int, ...]:
    return shape[:d] + shape[d + 1 :]


class BatchTracer(Tracer):
    """A batched value: `val` has the mapped axis at position `bdim`."""

    __slots__ = ("bdim", "val")

    def __init__(self, trace: BatchTrace, val: Any, bdim: int) -> None:
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self) -> ShapedArray:
        """The per-example abstract value (the batch dimension removed)."""
        a = aval_of(self.val)
        return ShapedArray(_drop(a.shape, self.bdim), a.dtype, a.weak_type)


class BatchTrace(Trace):
    """Vectorization over one mapped axis."""

    __slots__ = ("axis", "parent")
    kind = "batch"

    def __init__(self, parent: Trace, axis: AxisData) -> None:
        super().__init__()
        self.parent = parent
        self.axis = axis

    def split(self, x: Any) -> tuple[Any, int | None]:
        """The (value, batch dim) of an argument; values of other traces are unbatched."""
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.bdim
        if isinstance(x, Tracer) and not x._trace.valid:
            raise leaked_tracer_error(x)
        return x, None

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Apply the primitive's batching rule."""
        vals, dims = [], []
        for x in args:
            v, d = self.split(x)
            vals.append(v)
            dims.append(d)
        rule = batch_rules.get(primitive)
        if all(d is None for d in dims) and primitive not in READS_AXIS:
            with set_current_trace(self.parent):
                return primitive.bind(*vals, **params)
        if rule is None:
            raise MissingRuleError(primitive.name, "batching")
        with set_current_trace(self.parent):
            outs, out_dims = rule(self.axis, vals, dims, **params)
        return [
            o if d is None else BatchTracer(self, o, d) for o, d in zip(outs, out_dims, strict=True)
        ]


#: Primitives whose batching rule must run even without batched operands (they read the
#: mapped axis itself: axis_index, and collectives over a constant).
READS_AXIS: set[Primitive] = set()


# --- helpers for rules ----------------------------------------------------------------------------


def move_bdim(x: Any, src: int, dst: int) -> Any:
    """`x` with its axis `src` moved to position `dst`."""
    if src == dst:
        return x
    nd = len(aval_of(x).shape)
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return lax.transpose(x, perm)


def broadcast_batched(x: Any, size: int, dst: int = 0) -> Any:
    """An unbatched `x` broadcast along a new batch axis at `dst`."""
    shape = list(aval_of(x).shape)
    dims = [i if i < dst else i + 1 for i in range(len(shape))]
    shape.insert(dst, size)
    return lax.broadcast_in_dim(x, shape, dims)


def bdim_at(x: Any, d: int | None, size: int, dst: int) -> Any:
    """`x` with its batch axis at `dst` (broadcast along a new one if unbatched)."""
    return broadcast_batched(x, size, dst) if d is None else move_bdim(x, d, dst)


def bdim_at_front(x: Any, d: int | None, size: int) -> Any:
    """`x` with its batch axis first (broadcast along a new one if unbatched)."""
    return bdim_at(x, d, size, 0)


def take_along(x: Any, i: int, d: int, keepdims: bool = False) -> Any:
    """Entry `i` of `x` along axis `d` (a static index)."""
    shape = aval_of(x).shape
    start = [0] * len(shape)
    limit = list(shape)
    start[d], limit[d] = i, i + 1
    y = lax.slice(x, start, limit)
    return y if keepdims else lax.squeeze(y, (d,))


def vmap_flat(
    fun: Callable[..., Sequence[Any]],
    axis: AxisData,
    args: Sequence[Any],
    in_dims: Sequence[int | None],
    out_dims: Sequence[int | None] | None = None,
) -> tuple[list[Any], list[int | None]]:
    """Run `fun` (flat in, flat out) batched along `axis`, with arguments batched at `in_dims`.

    Args:
        fun: the function.
        axis: the mapped axis.
        args: the arguments (batched ones carry the mapped axis).
        in_dims: each argument's batch dimension (None: unbatched).
        out_dims: where to put each output's batch axis; None (the default) leaves each output
            where the rules put it (None for an unbatched output). An entry of None in a list
            forces nothing for that output.

    Returns:
        `(outputs, their batch dims)`.
    """
    trace = BatchTrace(CONTEXT.trace, axis)
    ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(args, in_dims, strict=True)]
    env = extend_axis_env(axis.name, axis.size) if axis.name is not None else nullcontext()
    try:
        with env, set_current_trace(trace):
            outs = list(fun(*ins))
        vals, dims = [], []
        for o in outs:
            v, d = trace.split(o)
            vals.append(v)
            dims.append(d)
    finally:
        trace.invalidate()
    if out_dims is not None:
        for i, want in enumerate(out_dims):
            if want is not None:
                vals[i] = bdim_at(vals[i], dims[i], axis.size, want)
                dims[i] = want
    return vals, dims


def batch_jaxpr(
    closed: ClosedJaxpr,
    axis: AxisData,
    in_batched: Sequence[bool],
    force_out: bool | Sequence[bool],
) -> tuple[ClosedJaxpr, list[bool]]:
    """Batch a jaxpr whose batched inputs (flagged) carry the batch axis first.

    Returns:
        The batched jaxpr (batched outputs have the batch axis first) and which outputs are
        batched (those forced by `force_out`, and those that depend on batched inputs).
    """
    n_out = len(closed.out_avals)
    force = [force_out] * n_out if isinstance(force_out, bool) else list(force_out)
    out_batched: list[bool] = []

    def fun(*args: Any) -> list[Any]:
        vals, dims = vmap_flat(
            lambda *xs: eval_jaxpr(closed.jaxpr, closed.consts, *xs),
            axis,
            args,
            [0 if b else None for b in in_batched],
        )
        outs = []
        for v, d, f in zip(vals, dims, force, strict=True):
            if d is not None or f:
                v = bdim_at_front(v, d, axis.size)
            outs.append(v)
            out_batched.append(d is not None or f)
        return outs

    avals = [
        ShapedArray((axis.size, *a.shape), a.dtype, a.weak_type) if b else a
        for a, b in zip(closed.in_avals, in_batched, strict=True)
    ]
    return trace_to_jaxpr(fun, avals), out_batched
