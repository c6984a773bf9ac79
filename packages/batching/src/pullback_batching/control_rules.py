"""Batching rules of the higher-order primitives, callbacks and collectives.

Sub-jaxprs are batched with their batched inputs' batch axis first. cond with a batched index
runs every branch and selects; while with a batched predicate keeps iterating while any
example's predicate holds and freezes the finished examples' carries; scan keeps the scanned
axis first, so batched `xs`/`ys` carry the batch axis second. Custom-derivative calls keep
their rules: the rules are vmapped along with the function. A collective over the vmapped
axis name becomes the matching reduction or data movement along the batch axis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import lax
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitives import callbacks as cb, collectives as coll, control as cf
from pullback_ir.staging import trace_to_jaxpr

from pullback_batching.core import (
    READS_AXIS,
    AxisData,
    batch_jaxpr,
    batch_rules,
    bdim_at_front,
    move_bdim,
    take_along,
    vmap_flat,
)

__all__: list[str] = []

Dims = Sequence[int | None]


def _front(args: Sequence[Any], dims: Dims) -> list[Any]:
    return [a if d is None else move_bdim(a, d, 0) for a, d in zip(args, dims, strict=True)]


def _out(outs: Sequence[Any], batched: Sequence[bool]) -> tuple[list[Any], list[int | None]]:
    return list(outs), [0 if b else None for b in batched]


# --- calls -----------------------------------------------------------------------------------


def _call_rule(prim: Any, param: str) -> Callable[..., Any]:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
        batched = [d is not None for d in dims]
        new, out_b = batch_jaxpr(params[param], axis, batched, False)
        return _out(prim.bind(*_front(args, dims), **{**params, param: new}), out_b)

    return rule


batch_rules[cf.closed_call_p] = _call_rule(cf.closed_call_p, "call_jaxpr")
batch_rules[cf.named_call_p] = _call_rule(cf.named_call_p, "call_jaxpr")
batch_rules[cf.pjit_p] = _call_rule(cf.pjit_p, "call_jaxpr")
batch_rules[cf.checkpoint_p] = _call_rule(cf.checkpoint_p, "jaxpr")
batch_rules[cf.name_p] = lambda axis, args, dims, **p: (cf.name_p.bind(*args, **p), [dims[0]])

# --- cond ------------------------------------------------------------------------------------


def _cond_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, branches: Any) -> Any:
    index, *ops = args
    d_index, *d_ops = dims
    ops = _front(ops, d_ops)
    batched = [d is not None for d in d_ops]
    n_out = len(branches[0].out_avals)
    if d_index is None:
        out_b = [False] * n_out
        for br in branches:
            _, ob = batch_jaxpr(br, axis, batched, False)
            out_b = [a or b for a, b in zip(out_b, ob, strict=True)]
        new = tuple(batch_jaxpr(br, axis, batched, out_b)[0] for br in branches)
        return _out(cf.cond_p.bind(index, *ops, branches=new), out_b)
    # A batched index: run every branch on the whole batch and select per example.
    if any(br.effects for br in branches):
        raise ValueError("vmap of cond with a batched predicate: the branches have effects")
    results = [
        eval_jaxpr(b.jaxpr, b.consts, *ops)
        for b in (batch_jaxpr(br, axis, batched, True)[0] for br in branches)
    ]
    idx = lax.clamp(np.int32(0), lax.convert_element_type(index, np.int32),
                    np.int32(len(branches) - 1))  # fmt: skip
    idx = move_bdim(idx, d_index, 0)
    outs = []
    for k in range(n_out):
        cases = [r[k] for r in results]
        shape = aval_of(cases[0]).shape
        which = lax.broadcast_in_dim(idx, shape, (0,))
        if len(cases) == 2:
            which = lax.ne(which, np.int32(0))
        outs.append(lax.select_n(which, *cases))
    return outs, [0] * n_out


batch_rules[cf.cond_p] = _cond_rule

# --- while -----------------------------------------------------------------------------------


def _while_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, cond_jaxpr: ClosedJaxpr,
                body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int) -> Any:  # fmt: skip
    args = _front(args, dims)
    b = [d is not None for d in dims]
    cc_b, bc_b, carry_b = (
        b[:cond_nconsts],
        b[cond_nconsts : cond_nconsts + body_nconsts],
        b[cond_nconsts + body_nconsts :],
    )
    for _ in range(len(carry_b) + 1):
        _, out_b = batch_jaxpr(body_jaxpr, axis, [*bc_b, *carry_b], False)
        new = [x or y for x, y in zip(carry_b, out_b, strict=True)]
        if new == carry_b:
            break
        carry_b = new
    _, (pred_b,) = batch_jaxpr(cond_jaxpr, axis, [*cc_b, *carry_b], False)
    cconsts = args[:cond_nconsts]
    bconsts = args[cond_nconsts : cond_nconsts + body_nconsts]
    carry = args[cond_nconsts + body_nconsts :]
    if not pred_b:
        carry = [
            bdim_at_front(c, None, axis.size) if want and d is None else c
            for c, d, want in zip(carry, dims[cond_nconsts + body_nconsts :], carry_b, strict=True)
        ]
        body, _ = batch_jaxpr(body_jaxpr, axis, [*bc_b, *carry_b], carry_b)
        cond, _ = batch_jaxpr(cond_jaxpr, axis, [*cc_b, *carry_b], False)
        outs = cf.while_p.bind(*cconsts, *bconsts, *carry, cond_jaxpr=cond, body_jaxpr=body,
                               cond_nconsts=cond_nconsts, body_nconsts=body_nconsts)  # fmt: skip
        return _out(outs, carry_b)
    # A batched predicate: iterate while any example continues; finished examples keep their
    # carry (a select against the predicate after each step).
    carry = [
        c if d is not None else bdim_at_front(c, None, axis.size)
        for c, d in zip(carry, dims[cond_nconsts + body_nconsts :], strict=True)
    ]
    all_b = [True] * len(carry)
    cond_b, _ = batch_jaxpr(cond_jaxpr, axis, [*cc_b, *all_b], True)
    body_b, _ = batch_jaxpr(body_jaxpr, axis, [*bc_b, *all_b], True)
    n_cc, n_bc = len(cconsts), len(bconsts)

    def any_cond(*xs: Any) -> list[Any]:
        (pred,) = eval_jaxpr(cond_b.jaxpr, cond_b.consts, *xs)
        return [lax.reduce_or(pred, (0,))]

    def masked_body(*xs: Any) -> list[Any]:
        c_consts, b_consts, cur = xs[:n_cc], xs[n_cc : n_cc + n_bc], xs[n_cc + n_bc :]
        (pred,) = eval_jaxpr(cond_b.jaxpr, cond_b.consts, *c_consts, *cur)
        new = eval_jaxpr(body_b.jaxpr, body_b.consts, *b_consts, *cur)
        return [
            lax.select(lax.broadcast_in_dim(pred, aval_of(n).shape, (0,)), n, c)
            for n, c in zip(new, cur, strict=True)
        ]

    carry_avals = [aval_of(c) for c in carry]
    cc_avals = [aval_of(c) for c in cconsts]
    bc_avals = [aval_of(c) for c in bconsts]
    new_cond = trace_to_jaxpr(any_cond, [*cc_avals, *carry_avals])
    new_body = trace_to_jaxpr(masked_body, [*cc_avals, *bc_avals, *carry_avals])
    outs = cf.while_p.bind(
        *cconsts, *cconsts, *bconsts, *carry, cond_jaxpr=new_cond, body_jaxpr=new_body,
        cond_nconsts=n_cc, body_nconsts=n_cc + n_bc,
    )  # fmt: skip
    return outs, [0] * len(outs)


batch_rules[cf.while_p] = _while_rule

# --- scan ------------------------------------------------------------------------------------


def _scan_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, jaxpr: ClosedJaxpr,
               num_consts: int, num_carry: int, **params: Any) -> Any:  # fmt: skip
    nc, ncar = num_consts, num_carry
    b = [d is not None for d in dims]
    c_b, carry_b, x_b = b[:nc], b[nc : nc + ncar], b[nc + ncar :]
    n_y = len(jaxpr.out_avals) - ncar
    for _ in range(ncar + 1):
        _, out_b = batch_jaxpr(jaxpr, axis, [*c_b, *carry_b, *x_b], False)
        new = [p or q for p, q in zip(carry_b, out_b[:ncar], strict=True)]
        if new == carry_b:
            break
        carry_b = new
    body, out_b = batch_jaxpr(jaxpr, axis, [*c_b, *carry_b, *x_b], [*carry_b, *[False] * n_y])
    consts = _front(args[:nc], dims[:nc])
    carry = [
        bdim_at_front(c, d, axis.size) if want else c
        for c, d, want in zip(args[nc : nc + ncar], dims[nc : nc + ncar], carry_b, strict=True)
    ]
    # The scanned axis stays first: batched xs carry the batch axis second.
    xs = [
        x if d is None else move_bdim(x, d, 1)
        for x, d in zip(args[nc + ncar :], dims[nc + ncar :], strict=True)
    ]
    outs = cf.scan_p.bind(*consts, *carry, *xs, jaxpr=body, num_consts=nc, num_carry=ncar,
                          **params)  # fmt: skip
    out_dims = [0 if p else None for p in carry_b] + [1 if p else None for p in out_b[ncar:]]
    return outs, out_dims


batch_rules[cf.scan_p] = _scan_rule

# --- custom derivatives ----------------------------------------------------------------------


def _is_zero(x: Any) -> bool:
    # Symbolic zeros of the autodiff package (it is not a dependency: duck-type them).
    return type(x).__name__ == "Zero" and hasattr(x, "aval")


def _custom_jvp_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, call_jaxpr: ClosedJaxpr,
                     jvp_jaxpr_fun: Any, num_consts: int, symbolic_zeros: bool) -> Any:  # fmt: skip
    batched = [d is not None for d in dims]
    new, out_b = batch_jaxpr(call_jaxpr, axis, batched, True)
    in_dims = [0 if x else None for x in batched[num_consts:]]
    n_out = len(out_b)
    new_fun = None
    if jvp_jaxpr_fun is not None:

        def new_fun(primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
            tdims = [d if not _is_zero(t) else None for t, d in zip(tangents, in_dims, strict=True)]
            n = len(primals)

            def flat(*xs: Any) -> list[Any]:
                p_out, t_out = jvp_jaxpr_fun(list(xs[:n]), list(xs[n:]))
                return [*p_out, *t_out]

            outs, _ = vmap_flat(
                flat, axis, [*primals, *tangents], [*in_dims, *tdims], [0] * (2 * n_out)
            )
            return outs[:n_out], outs[n_out:]

        new_fun.__name__ = getattr(jvp_jaxpr_fun, "__name__", "jvp")
    outs = cf.custom_jvp_call_p.bind(
        *_front(args, dims), call_jaxpr=new, jvp_jaxpr_fun=new_fun, num_consts=num_consts,
        symbolic_zeros=symbolic_zeros,
    )  # fmt: skip
    return outs, [0] * len(outs)


def _custom_vjp_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, call_jaxpr: ClosedJaxpr,
                     fwd_jaxpr_thunk: Any, bwd: Any, num_consts: int, out_trees: Any,
                     symbolic_zeros: bool) -> Any:  # fmt: skip
    batched = [d is not None for d in dims]
    new, out_b = batch_jaxpr(call_jaxpr, axis, batched, True)
    arg_dims = [0 if x else None for x in batched[num_consts:]]
    n_out = len(out_b)
    new_fwd = new_bwd = None
    if fwd_jaxpr_thunk is not None:
        n_res: list[int] = []

        def new_fwd(*primals: Any, **kw: Any) -> Any:
            # (kw: `perturbed`, the flags a symbolic_zeros fwd rule receives)
            def flat(*xs: Any) -> list[Any]:
                outs, res = fwd_jaxpr_thunk(*xs, **kw)
                n_res.append(len(res))
                return [*outs, *res]

            vals, _ = vmap_flat(flat, axis, primals, arg_dims, None)
            vals = [bdim_at_front(v, d, axis.size) for v, d in zip(vals, _, strict=True)]
            return vals[:n_out], vals[n_out:]

        def new_bwd(res: Sequence[Any], cts: Sequence[Any]) -> Any:
            cdims = [None if _is_zero(c) else 0 for c in cts]
            vals, vdims = vmap_flat(
                lambda *xs: list(bwd(list(xs[: len(res)]), list(xs[len(res) :]))),
                axis, [*res, *cts], [*[0] * len(res), *cdims],
            )  # fmt: skip
            out = []
            for v, d, a in zip(vals, vdims, arg_dims, strict=True):
                if not _is_zero(v):
                    if a is None and d is not None:
                        v = lax.reduce_sum(v, (d,))  # the primal was shared by every example
                    elif a is not None:
                        v = bdim_at_front(v, d, axis.size)
                out.append(v)
            return out

        new_fwd.__name__ = getattr(fwd_jaxpr_thunk, "__name__", "fwd")
        new_bwd.__name__ = getattr(bwd, "__name__", "bwd")
    outs = cf.custom_vjp_call_p.bind(
        *_front(args, dims), call_jaxpr=new, fwd_jaxpr_thunk=new_fwd, bwd=new_bwd,
        num_consts=num_consts, out_trees=out_trees, symbolic_zeros=symbolic_zeros,
    )  # fmt: skip
    return outs, [0] * len(outs)


batch_rules[cf.custom_jvp_call_p] = _custom_jvp_rule
batch_rules[cf.custom_vjp_call_p] = _custom_vjp_rule

# --- callbacks -------------------------------------------------------------------------------


def _batched_avals(avals: Sequence[ShapedArray], size: int) -> tuple[ShapedArray, ...]:
    return tuple(ShapedArray((size, *a.shape), a.dtype, a.weak_type) for a in avals)


def _sequential(prim: Any, axis: AxisData, args: Sequence[Any], dims: Dims,
                params: dict[str, Any]) -> Any:  # fmt: skip
    per_example = []
    for i in range(axis.size):
        xs = [a if d is None else take_along(a, i, d) for a, d in zip(args, dims, strict=True)]
        per_example.append(prim.bind(*xs, **params))
    n = len(params["result_avals"])
    outs = [
        lax.concatenate([lax.expand_dims(r[k], (0,)) for r in per_example], 0) for k in range(n)
    ]
    return outs, [0] * n


def _pure_callback_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    method = params["vmap_method"]
    if method == "sequential" or method is None:
        if method is None:
            raise NotImplementedError(
                "vmap of pure_callback needs vmap_method: 'sequential' (one call per "
                "example), 'expand_dims' (unbatched arguments get a size-1 batch axis) or "
                "'broadcast_all' (every argument gets the full batch axis)"
            )
        return _sequential(cb.pure_callback_p, axis, args, dims, params)
    if method == "expand_dims":
        xs = [
            lax.expand_dims(a, (0,)) if d is None else move_bdim(a, d, 0)
            for a, d in zip(args, dims, strict=True)
        ]
    else:  # broadcast_all
        xs = [bdim_at_front(a, d, axis.size) for a, d in zip(args, dims, strict=True)]
    result_avals = _batched_avals(params["result_avals"], axis.size)
    outs = cb.pure_callback_p.bind(*xs, **{**params, "result_avals": result_avals})
    return outs, [0] * len(outs)


def _io_callback_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    if params["ordered"]:
        raise ValueError("vmap of an ordered io_callback is not supported (its order would change)")
    return _sequential(cb.io_callback_p, axis, args, dims, params)


def _check_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    # The predicate and the message's values gain the batch axis in front: the check holds
    # where it holds for every example.
    xs = [bdim_at_front(a, d, axis.size) for a, d in zip(args, dims, strict=True)]
    return cb.check_p.bind(*xs, **params), []


batch_rules[cb.check_p] = _check_rule
batch_rules[cb.pure_callback_p] = _pure_callback_rule
batch_rules[cb.io_callback_p] = _io_callback_rule

# --- collectives -----------------------------------------------------------------------------


def _no_groups(name: str, groups: Any) -> None:
    if groups is not None:
        raise NotImplementedError(f"{name}: axis_index_groups is not supported under vmap")


def _reduce_collective(prim: Any, local: Callable[[Any, tuple[int, ...]], Any]) -> Any:
    def rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, axes: tuple[Any, ...],
             axis_index_groups: Any) -> Any:  # fmt: skip
        if axis.name not in axes:
            outs = prim.bind(*args, axes=axes, axis_index_groups=axis_index_groups)
            return outs, list(dims)
        _no_groups(prim.name, axis_index_groups)
        rest = tuple(a for a in axes if a != axis.name)
        outs = []
        for x, d in zip(args, dims, strict=True):
            if d is None:  # the same value on every member: psum multiplies by the size
                y = (
                    lax.mul(x, np.asarray(axis.size, aval_of(x).dtype))
                    if prim is coll.psum_p
                    else x
                )
            else:
                y = local(x, (d,))
            outs.append(y)
        if rest:
            outs = prim.bind(*outs, axes=rest, axis_index_groups=None)
        return outs, [None] * len(outs)

    return rule


batch_rules[coll.psum_p] = _reduce_collective(coll.psum_p, lax.reduce_sum)
batch_rules[coll.pmax_p] = _reduce_collective(coll.pmax_p, lax.reduce_max)
batch_rules[coll.pmin_p] = _reduce_collective(coll.pmin_p, lax.reduce_min)


def _axis_index_rule(axis: AxisData, args: Sequence[Any], dims: Dims, *, axis_name: Any) -> Any:
    if axis_name != axis.name:
        return coll.axis_index_p.bind(axis_name=axis_name), [None]
    return [lax.iota(np.int32, axis.size)], [0]


batch_rules[coll.axis_index_p] = _axis_index_rule
READS_AXIS.add(coll.axis_index_p)


def _other_axis(prim: Any, args: Sequence[Any], dims: Dims, params: dict[str, Any],
                shift: Sequence[str]) -> Any:  # fmt: skip
    # A collective over an enclosing axis: the batch axis rides along as an extra dimension.
    (x,), (d,) = args, dims
    if d is None:
        return prim.bind(x, **params), [None]
    x = move_bdim(x, d, 0)
    new = {k: (v + 1 if k in shift else v) for k, v in params.items()}
    return prim.bind(x, **new), [0]


def _all_gather_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    if params["axis_name"] != axis.name:
        return _other_axis(coll.all_gather_p, args, dims, params, ["all_gather_dimension"])
    _no_groups("all_gather", params["axis_index_groups"])
    (x,), (d,) = args, dims
    x = bdim_at_front(x, d, axis.size)
    g = params["all_gather_dimension"]
    y = move_bdim(x, 0, g)
    if params["tiled"]:
        shape = list(aval_of(y).shape)
        shape[g : g + 2] = [shape[g] * shape[g + 1]]
        y = lax.reshape(y, shape)
    return [y], [None]


def _all_to_all_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    if params["axis_name"] != axis.name:
        return _other_axis(coll.all_to_all_p, args, dims, params, ["split_axis", "concat_axis"])
    _no_groups("all_to_all", params["axis_index_groups"])
    (x,), (d,) = args, dims
    n = axis.size
    s, c = params["split_axis"], params["concat_axis"]
    x = bdim_at_front(x, d, n)  # (member m, ...)
    shape = list(aval_of(x).shape)
    # Split the split axis into (chunk j, rest): member j receives chunk j of every member m.
    shape[s + 1 : s + 2] = [n, shape[s + 1] // n]
    x = lax.reshape(x, shape)  # dims: m, ..., j (at s+1), rest (at s+2), ...
    x = move_bdim(x, s + 1, 0)  # j first, m now at 1
    # The concat axis is now at c + 2 (whether before, at or after the split axis): put m just
    # before it and merge the two, m major.
    y = move_bdim(x, 1, c + 1)
    shape = list(aval_of(y).shape)
    shape[c + 1 : c + 3] = [shape[c + 1] * shape[c + 2]]
    return [lax.reshape(y, shape)], [0]


def _ppermute_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    if params["axis_name"] != axis.name:
        (x,), (d,) = args, dims
        return coll.ppermute_p.bind(x, **params), [d]
    (x,), (d,) = args, dims
    x = bdim_at_front(x, d, axis.size)
    src_of = {dst: src for src, dst in params["perm"]}
    rows = [
        take_along(x, src_of[i], 0, keepdims=True)
        if i in src_of
        else lax.broadcast_in_dim(np.zeros((), aval_of(x).dtype), (1, *aval_of(x).shape[1:]), ())
        for i in range(axis.size)
    ]
    return [lax.concatenate(rows, 0)], [0]


def _psum_scatter_rule(axis: AxisData, args: Sequence[Any], dims: Dims, **params: Any) -> Any:
    if params["axis_name"] != axis.name:
        return _other_axis(coll.psum_scatter_p, args, dims, params, ["scatter_dimension"])
    _no_groups("psum_scatter", params["axis_index_groups"])
    (x,), (d,) = args, dims
    n = axis.size
    total = lax.reduce_sum(bdim_at_front(x, d, n), (0,))
    s = params["scatter_dimension"]
    if params["tiled"]:
        shape = list(aval_of(total).shape)
        shape[s : s + 1] = [n, shape[s] // n]
        total = lax.reshape(total, shape)
    return [total], [s]


batch_rules[coll.all_gather_p] = _all_gather_rule
batch_rules[coll.all_to_all_p] = _all_to_all_rule
batch_rules[coll.ppermute_p] = _ppermute_rule
batch_rules[coll.psum_scatter_p] = _psum_scatter_rule
# Collectives run their rule even on unbatched operands (psum of a constant over the vmapped
# axis multiplies it by the axis size).
READS_AXIS.update(coll.ALL)
