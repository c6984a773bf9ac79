"""Higher-order primitives: calls, cond, while, scan, checkpoint and custom-derivative calls.

Each carries its sub-computations as `ClosedJaxpr` parameters without constants: values a
sub-computation closes over are explicit leading operands (`num_consts` and friends), so every
transformation sees them as ordinary inputs. Custom-derivative calls also carry Python
callables (the user's rules), which only the transformations that need them call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitive import Primitive

__all__ = [
    "checkpoint_p",
    "closed_call_p",
    "cond_p",
    "custom_jvp_call_p",
    "custom_vjp_call_p",
    "name_p",
    "named_call_p",
    "pjit_p",
    "scan_p",
    "while_p",
]


def _same_type(a: ShapedArray, b: ShapedArray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def check_args(
    name: str, what: str, avals: Sequence[ShapedArray], expected: Sequence[ShapedArray]
) -> None:
    """Raise a TypeError naming `name` if `avals` do not match `expected` in shape and dtype."""
    if len(avals) != len(expected) or not all(
        _same_type(a, b) for a, b in zip(avals, expected, strict=True)
    ):
        got = ", ".join(a.str_short() for a in avals)
        want = ", ".join(a.str_short() for a in expected)
        raise TypeError(f"{name}: {what} have types ({got}) but the jaxpr expects ({want})")


def _run(closed: ClosedJaxpr, *args: Any) -> list[Any]:
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _sub_effects(*jaxprs: ClosedJaxpr) -> frozenset[Any]:
    return frozenset().union(*(j.effects for j in jaxprs))


# --- calls -----------------------------------------------------------------------------------


def _call_abstract(
    *avals: ShapedArray, call_jaxpr: ClosedJaxpr, **params: Any
) -> list[ShapedArray]:
    check_args(params.get("name") or "closed_call", "the operands", avals, call_jaxpr.in_avals)
    return list(call_jaxpr.out_avals)


def _call_impl(*args: Any, call_jaxpr: ClosedJaxpr, **params: Any) -> list[Any]:
    del params  # unused
    return _run(call_jaxpr, *args)


def _call_effects(*, call_jaxpr: ClosedJaxpr, **params: Any) -> frozenset[Any]:
    del params  # unused
    return call_jaxpr.effects


#: A call of a sub-jaxpr (params: `call_jaxpr`). Transformations may inline it.
closed_call_p = Primitive(
    "closed_call",
    abstract_eval=_call_abstract,
    impl=_call_impl,
    effects_rule=_call_effects,
    higher_order=True,
)

#: A call that keeps a name for debugging and profiling (params: `call_jaxpr`, `name`).
named_call_p = Primitive(
    "named_call",
    abstract_eval=_call_abstract,
    impl=_call_impl,
    effects_rule=_call_effects,
    higher_order=True,
)

#: A compiled call: what `jit` stages under another transformation (params: `call_jaxpr`,
#: `name`). Transformations keep the call (the JVP, the known and unknown parts, the transpose
#: are calls again) so that a runtime can execute it compiled; the reference implementation
#: interprets it.
pjit_p = Primitive(
    "pjit",
    abstract_eval=_call_abstract,
    impl=_call_impl,
    effects_rule=_call_effects,
    higher_order=True,
)

# --- cond ------------------------------------------------------------------------------------


def _cond_abstract(
    index: ShapedArray, *ops: ShapedArray, branches: tuple[ClosedJaxpr, ...]
) -> list[ShapedArray]:
    if index.shape or index.dtype != dtypes.int32:
        raise TypeError(f"cond: the branch index must be an int32 scalar, got {index.str_long()}")
    if not branches:
        raise TypeError("cond: at least one branch is needed")
    for i, br in enumerate(branches):
        check_args(f"cond (branch {i})", "the operands", ops, br.in_avals)
        out0 = branches[0].out_avals
        if len(br.out_avals) != len(out0) or not all(
            _same_type(a, b) for a, b in zip(br.out_avals, out0, strict=True)
        ):
            raise TypeError(
                f"cond: branch {i} returns ({', '.join(a.str_short() for a in br.out_avals)}) "
                f"but branch 0 returns ({', '.join(a.str_short() for a in out0)})"
            )
    # Weak only where every branch's output is weak.
    return [
        ShapedArray(a.shape, a.dtype, all(b.out_avals[k].weak_type for b in branches))
        for k, a in enumerate(branches[0].out_avals)
    ]


def _cond_impl(index: Any, *ops: Any, branches: tuple[ClosedJaxpr, ...]) -> list[Any]:
    i = min(max(int(index), 0), len(branches) - 1)
    return _run(branches[i], *ops)


#: n-way conditional (operands: int32 index, *operands; params: `branches`). The index is
#: clamped into range.
cond_p = Primitive(
    "cond",
    abstract_eval=_cond_abstract,
    impl=_cond_impl,
    effects_rule=lambda *, branches: _sub_effects(*branches),
    higher_order=True,
)

# --- while -----------------------------------------------------------------------------------


def _while_abstract(
    *args: ShapedArray,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[ShapedArray]:
    cconsts = args[:cond_nconsts]
    bconsts = args[cond_nconsts : cond_nconsts + body_nconsts]
    carry = args[cond_nconsts + body_nconsts :]
    check_args("while_loop (cond_fun)", "the constants and carry", [*cconsts, *carry],
               cond_jaxpr.in_avals)  # fmt: skip
    check_args("while_loop (body_fun)", "the constants and carry", [*bconsts, *carry],
               body_jaxpr.in_avals)  # fmt: skip
    (pred,) = cond_jaxpr.out_avals
    if pred.shape or pred.dtype != dtypes.bool_:
        raise TypeError(f"while_loop: cond_fun must return a bool scalar, got {pred.str_long()}")
    check_args("while_loop (body_fun)", "the outputs", body_jaxpr.out_avals, carry)
    return [ShapedArray(a.shape, a.dtype, a.weak_type) for a in carry]


def _while_impl(
    *args: Any,
    cond_jaxpr: ClosedJaxpr,
    body_jaxpr: ClosedJaxpr,
    cond_nconsts: int,
    body_nconsts: int,
) -> list[Any]:
    cconsts = args[:cond_nconsts]
    bconsts = args[cond_nconsts : cond_nconsts + body_nconsts]
    carry = list(args[cond_nconsts + body_nconsts :])
    while bool(_run(cond_jaxpr, *cconsts, *carry)[0]):
        carry = _run(body_jaxpr, *bconsts, *carry)
    return carry


#: While loop (operands: cond consts, body consts, carry; params: `cond_jaxpr`, `body_jaxpr`,
#: `cond_nconsts`, `body_nconsts`).
while_p = Primitive(
    "while",
    abstract_eval=_while_abstract,
    impl=_while_impl,
    effects_rule=lambda **p: _sub_effects(p["cond_jaxpr"], p["body_jaxpr"]),
    higher_order=True,
)

# --- scan ------------------------------------------------------------------------------------


def _scan_abstract(
    *args: ShapedArray,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    linear: tuple[bool, ...],
    unroll: int,
    _split_transpose: bool,
) -> list[ShapedArray]:
    del reverse, _split_transpose  # unused
    if len(linear) != len(args):
        raise ValueError(f"scan: linear has {len(linear)} entries for {len(args)} operands")
    if length < 0 or unroll < 1:
        raise ValueError(f"scan: length must be >= 0 and unroll >= 1, got {length} and {unroll}")
    consts, carry, xs = (
        args[:num_consts],
        args[num_consts : num_consts + num_carry],
        args[num_consts + num_carry :],
    )
    for i, x in enumerate(xs):
        if not x.shape or x.shape[0] != length:
            raise TypeError(
                f"scan: scanned operand {i} has type {x.str_long()} but needs a leading axis of "
                f"the scan length {length}"
            )
    x_slices = [ShapedArray(x.shape[1:], x.dtype, x.weak_type) for x in xs]
    check_args("scan", "the constants, carry and slices", [*consts, *carry, *x_slices],
               jaxpr.in_avals)  # fmt: skip
    outs = jaxpr.out_avals
    check_args("scan", "the carry outputs", outs[:num_carry], carry)
    return [
        *(ShapedArray(a.shape, a.dtype, a.weak_type) for a in carry),
        *(ShapedArray((length, *a.shape), a.dtype, a.weak_type) for a in outs[num_carry:]),
    ]


def _scan_impl(
    *args: Any,
    jaxpr: ClosedJaxpr,
    length: int,
    reverse: bool,
    num_consts: int,
    num_carry: int,
    **params: Any,
) -> list[Any]:
    del params  # unused
    consts = args[:num_consts]
    carry = list(args[num_consts : num_consts + num_carry])
    xs = args[num_consts + num_carry :]
    ys: list[list[Any]] = [[] for _ in jaxpr.out_avals[num_carry:]]
    for t in range(length):
        i = length - 1 - t if reverse else t
        outs = _run(jaxpr, *consts, *carry, *(x[i] for x in xs))
        carry = outs[:num_carry]
        for acc, y in zip(ys, outs[num_carry:], strict=True):
            acc.append(y)
    if reverse:
        for acc in ys:
            acc.reverse()
    stacked = [
        np.stack([np.asarray(v) for v in acc]) if acc else np.zeros((0, *a.shape), a.dtype)
        for acc, a in zip(ys, jaxpr.out_avals[num_carry:], strict=True)
    ]
    return [*carry, *stacked]


#: Scan (operands: consts, carry init, scanned xs; params: `jaxpr`, `length`, `reverse`,
#: `num_consts`, `num_carry`, `linear`, `unroll`, `_split_transpose`).
scan_p = Primitive(
    "scan",
    abstract_eval=_scan_abstract,
    impl=_scan_impl,
    effects_rule=lambda **p: p["jaxpr"].effects,
    higher_order=True,
)

# --- checkpoint ------------------------------------------------------------------------------


def _checkpoint_abstract(
    *avals: ShapedArray, jaxpr: ClosedJaxpr, prevent_cse: bool, differentiated: bool, policy: Any
) -> list[ShapedArray]:
    del prevent_cse, differentiated, policy  # unused
    check_args("checkpoint", "the operands", avals, jaxpr.in_avals)
    return list(jaxpr.out_avals)


def _checkpoint_impl(*args: Any, jaxpr: ClosedJaxpr, **params: Any) -> list[Any]:
    del params  # unused
    return _run(jaxpr, *args)


#: Rematerialization boundary (params: `jaxpr`, `prevent_cse`, `differentiated`, `policy`).
#: Differentiation saves only what `policy` allows and recomputes the rest.
checkpoint_p = Primitive(
    "checkpoint",
    abstract_eval=_checkpoint_abstract,
    impl=_checkpoint_impl,
    effects_rule=lambda **p: p["jaxpr"].effects,
    higher_order=True,
)


def _name_abstract(aval: ShapedArray, *, name: str) -> list[ShapedArray]:
    del name  # unused
    return [aval]


#: The identity that names its operand for checkpoint policies (params: `name`; see
#: `save_only_these_names`).
name_p = Primitive("name", abstract_eval=_name_abstract, impl=lambda x, *, name: [x])

# --- custom derivatives ----------------------------------------------------------------------


def _custom_abstract(
    *avals: ShapedArray, call_jaxpr: ClosedJaxpr, **params: Any
) -> list[ShapedArray]:
    del params  # unused
    check_args("custom derivative call", "the operands", avals, call_jaxpr.in_avals)
    return list(call_jaxpr.out_avals)


#: A function with a custom JVP rule (operands: consts then arguments; params: `call_jaxpr`,
#: `jvp_jaxpr_fun` (a callable `(primals, tangents) -> (primal_outs, tangent_outs)` on flat
#: lists), `num_consts`, `symbolic_zeros`).
custom_jvp_call_p = Primitive(
    "custom_jvp_call",
    abstract_eval=_custom_abstract,
    impl=_call_impl,
    effects_rule=_call_effects,
    higher_order=True,
)

#: A function with a custom VJP rule (operands: consts then arguments; params: `call_jaxpr`,
#: `fwd_jaxpr_thunk` (a callable: primals -> (primal_outs, residuals)), `bwd` (residuals,
#: cotangents -> argument cotangents), `num_consts`, `out_trees`, `symbolic_zeros`).
custom_vjp_call_p = Primitive(
    "custom_vjp_call",
    abstract_eval=_custom_abstract,
    impl=_call_impl,
    effects_rule=_call_effects,
    higher_order=True,
)

ALL: list[Primitive] = [
    closed_call_p,
    named_call_p,
    pjit_p,
    cond_p,
    while_p,
    scan_p,
    checkpoint_p,
    name_p,
    custom_jvp_call_p,
    custom_vjp_call_p,
]
