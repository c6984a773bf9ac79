"""JVP, partial-evaluation and transpose rules of the higher-order primitives and collectives.

cond and scan are differentiated into a cond/scan over primals and tangents. For reverse mode
a scan is split by partial evaluation into a known scan (the primal loop, which also emits
per-iteration residuals) and an unknown scan (the tangent loop over those residuals), so the
tangent loop can be transposed into a reverse-order scan. while loops have forward-mode rules
only. Calls are inlined when differentiated (checkpoint has its own rules in
`checkpoint.py`, custom derivatives in `custom.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_ir import lax
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.config import STATE
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, Var
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import callbacks as cb, collectives as coll, control as cf
from pullback_ir.staging import StagingTrace, StagingTracer, trace_to_jaxpr
from pullback_ir.trace import CONTEXT, set_current_trace

from pullback_autodiff.core import (
    Zero,
    instantiate,
    jvp_flat,
    jvp_rules,
    tangent_aval,
    zeros_like_aval,
)
from pullback_autodiff.linearize import PartialEvalTrace, pe_rules
from pullback_autodiff.rules import deflinear
from pullback_autodiff.transpose import (
    UndefinedPrimal,
    backward_pass,
    is_undefined,
    transpose_rules,
)

__all__ = ["jvp_jaxpr", "partial_eval_jaxpr"]


_DERIVED: dict[Any, tuple[ClosedJaxpr, Any]] = {}


def _memo(kind: str, closed: ClosedJaxpr, flags: Any, make: Callable[[], Any]) -> Any:
    """A derived jaxpr of `closed`, made once per (jaxpr, flags, x64, axis env).

    Keyed by the jaxpr's identity (the entry keeps it alive, so the id cannot be reused);
    a stable jitted call then derives its JVP, known/unknown split and transpose once.
    """
    key = (kind, id(closed), flags, STATE.x64, CONTEXT.axis_env)
    hit = _DERIVED.get(key)
    if hit is not None and hit[0] is closed:
        return hit[1]
    value = make()
    if len(_DERIVED) >= 1024:
        _DERIVED.clear()
    _DERIVED[key] = (closed, value)
    return value


def jvp_jaxpr(
    closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate_out: bool | Sequence[bool]
) -> tuple[ClosedJaxpr, list[bool]]:
    """The JVP of a jaxpr.

    Its inputs are `(*primals, *nonzero tangents)`, its outputs `(*primal outs, *nonzero
    tangent outs)`.

    Returns:
        The jaxpr and which output tangents it returns (nonzero or instantiated).
    """
    n_out = len(closed.out_avals)
    inst = [instantiate_out] * n_out if isinstance(instantiate_out, bool) else list(instantiate_out)
    in_avals = closed.in_avals
    out_nz: list[list[bool]] = []

    def fun(*args: Any) -> list[Any]:
        primals = args[: len(in_avals)]
        it = iter(args[len(in_avals) :])
        tangents = [
            next(it) if nz else Zero(tangent_aval(a))
            for a, nz in zip(in_avals, nonzeros, strict=True)
        ]
        p_out, t_out = jvp_flat(
            lambda *xs: eval_jaxpr(closed.jaxpr, closed.consts, *xs), primals, tangents
        )
        nz = [not isinstance(t, Zero) or i for t, i in zip(t_out, inst, strict=True)]
        out_nz.append(nz)
        return [*p_out, *(instantiate(t) for t, k in zip(t_out, nz, strict=True) if k)]

    avals = [*in_avals, *(tangent_aval(a) for a, nz in zip(in_avals, nonzeros, strict=True) if nz)]

    def make() -> tuple[ClosedJaxpr, list[bool]]:
        out_nz.clear()
        return trace_to_jaxpr(fun, avals), out_nz[0]

    flags = (tuple(nonzeros), tuple(inst))
    jaxpr, nz = _memo("jvp", closed, flags, make)
    return jaxpr, list(nz)


def _permute_invars(closed: ClosedJaxpr, order: Sequence[int]) -> ClosedJaxpr:
    j = closed.jaxpr
    return ClosedJaxpr(
        Jaxpr(j.constvars, [j.invars[i] for i in order], j.outvars, j.eqns, j.effects),
        closed.consts,
    )


def _permute_outvars(closed: ClosedJaxpr, order: Sequence[int]) -> ClosedJaxpr:
    j = closed.jaxpr
    return ClosedJaxpr(
        Jaxpr(j.constvars, j.invars, [j.outvars[i] for i in order], j.eqns, j.effects),
        closed.consts,
    )


def _split(xs: Sequence[Any], *sizes: int) -> list[list[Any]]:
    out, start = [], 0
    for s in sizes:
        out.append(list(xs[start : start + s]))
        start += s
    out.append(list(xs[start:]))
    return out


# --- calls: inlined ---------------------------------------------------------------------------


def inline_jvp(param: str) -> Callable[..., Any]:
    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        closed = params[param]
        return jvp_flat(lambda *xs: eval_jaxpr(closed.jaxpr, closed.consts, *xs), primals, tangents)

    return rule


jvp_rules[cf.closed_call_p] = inline_jvp("call_jaxpr")
jvp_rules[cf.named_call_p] = inline_jvp("call_jaxpr")


def _callback_jvp(name: str) -> Callable[..., Any]:
    def rule(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        raise TypeError(
            f"{name} cannot be differentiated: the host function is opaque. Wrap the call in "
            "a function with custom_jvp or custom_vjp that gives its derivative."
        )

    return rule


jvp_rules[cb.pure_callback_p] = _callback_jvp("pure_callback")
_io_callback_with_results_jvp = _callback_jvp("io_callback")


def _io_callback_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    # A callback without results (`debug.callback`, `debug.print`) has nothing to
    # differentiate: it runs once, on the primal values.
    if params["result_avals"]:
        return _io_callback_with_results_jvp(primals, tangents, **params)
    return cb.io_callback_p.bind(*primals, **params), []


jvp_rules[cb.io_callback_p] = _io_callback_jvp


def _check_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    # A check has no outputs: it runs once, on the primal values.
    del tangents  # unused
    return cb.check_p.bind(*primals, **params), []


jvp_rules[cb.check_p] = _check_jvp

# --- cond -------------------------------------------------------------------------------------


def _cond_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, branches: Any) -> Any:
    index, *ops = primals
    t_ops = tangents[1:]
    nz = [not isinstance(t, Zero) for t in t_ops]
    n_out = len(branches[0].out_avals)
    out_nz = [False] * n_out
    for br in branches:
        _, onz = jvp_jaxpr(br, nz, False)
        out_nz = [a or b for a, b in zip(out_nz, onz, strict=True)]
    new = tuple(jvp_jaxpr(br, nz, out_nz)[0] for br in branches)
    outs = cf.cond_p.bind(
        index, *ops, *(t for t, k in zip(t_ops, nz, strict=True) if k), branches=new
    )
    p_out, t_rest = outs[:n_out], iter(outs[n_out:])
    t_out = [
        next(t_rest) if k else Zero(tangent_aval(aval_of(p)))
        for p, k in zip(p_out, out_nz, strict=True)
    ]
    return p_out, t_out


def transpose_jaxpr(closed: ClosedJaxpr, linear: Sequence[bool]) -> ClosedJaxpr:
    """The transpose of a jaxpr linear in the inputs flagged `linear`.

    Its inputs are `(*non-linear inputs, *output cotangents)`, its outputs the cotangents of
    the linear inputs.
    """
    in_avals = closed.in_avals
    res_avals = [a for a, lin in zip(in_avals, linear, strict=True) if not lin]
    ct_avals = [tangent_aval(a) for a in closed.out_avals]

    def fun(*args: Any) -> list[Any]:
        res, cts = args[: len(res_avals)], args[len(res_avals) :]
        it = iter(res)
        full = [
            UndefinedPrimal(a) if lin else next(it) for a, lin in zip(in_avals, linear, strict=True)
        ]
        cts_in = backward_pass(closed.jaxpr, closed.consts, full, list(cts))
        return [instantiate(c) for c, lin in zip(cts_in, linear, strict=True) if lin]

    return _memo("transpose", closed, tuple(linear),  # type: ignore[no-any-return]
                 lambda: trace_to_jaxpr(fun, [*res_avals, *ct_avals]))  # fmt: skip


def _cond_t(cts: Sequence[Any], index: Any, *ops: Any, branches: Any) -> Sequence[Any]:
    if is_undefined(index):
        raise TypeError("transpose of cond: the branch index cannot be linear")
    linear = [is_undefined(x) for x in ops]
    res = [x for x in ops if not is_undefined(x)]
    cts_i = [instantiate(c) for c in cts]
    new = tuple(transpose_jaxpr(br, linear) for br in branches)
    outs = iter(cf.cond_p.bind(index, *res, *cts_i, branches=new))
    return [None, *(next(outs) if lin else None for lin in linear)]


jvp_rules[cf.cond_p] = _cond_jvp
transpose_rules[cf.cond_p] = _cond_t

# --- while (forward mode) ---------------------------------------------------------------------


def _while_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, cond_jaxpr: ClosedJaxpr,
               body_jaxpr: ClosedJaxpr, cond_nconsts: int, body_nconsts: int) -> Any:  # fmt: skip
    cconsts, bconsts, carry = _split(primals, cond_nconsts, body_nconsts)
    _, t_bconsts, t_carry = _split(tangents, cond_nconsts, body_nconsts)
    bc_nz = [not isinstance(t, Zero) for t in t_bconsts]
    carry_nz = [not isinstance(t, Zero) for t in t_carry]
    for _ in range(len(carry) + 1):
        _, out_nz = jvp_jaxpr(body_jaxpr, [*bc_nz, *carry_nz], False)
        new = [a or b for a, b in zip(carry_nz, out_nz, strict=True)]
        if new == carry_nz:
            break
        carry_nz = new
    body_jvp, _ = jvp_jaxpr(body_jaxpr, [*bc_nz, *carry_nz], carry_nz)
    n_bc, n_c = len(bconsts), len(carry)
    n_tbc, n_tc = sum(bc_nz), sum(carry_nz)
    # body_jvp inputs: (bconsts, carry, t_bconsts, t_carry) -> consts first: (bconsts,
    # t_bconsts, carry, t_carry); outputs (carry, t_carry) already in carry order.
    t0 = n_bc + n_c
    order = [*range(n_bc), *range(t0, t0 + n_tbc), *range(n_bc, t0),
             *range(t0 + n_tbc, t0 + n_tbc + n_tc)]  # fmt: skip
    body_jvp = _permute_invars(body_jvp, order)
    # cond ignores the carry tangents.
    cj = cond_jaxpr.jaxpr
    extra = [
        Var(tangent_aval(a))
        for a, k in zip(cond_jaxpr.in_avals[cond_nconsts:], carry_nz, strict=True)
        if k
    ]
    cond_ext = ClosedJaxpr(
        Jaxpr(cj.constvars, [*cj.invars, *extra], cj.outvars, cj.eqns, cj.effects),
        cond_jaxpr.consts,
    )
    t_bc = [t for t, k in zip(t_bconsts, bc_nz, strict=True) if k]
    t_c = [instantiate(t) for t, k in zip(t_carry, carry_nz, strict=True) if k]
    outs = cf.while_p.bind(
        *cconsts, *bconsts, *t_bc, *carry, *t_c,
        cond_jaxpr=cond_ext, body_jaxpr=body_jvp, cond_nconsts=cond_nconsts,
        body_nconsts=n_bc + n_tbc,
    )  # fmt: skip
    p_out, rest = outs[:n_c], iter(outs[n_c:])
    t_out = [
        next(rest) if k else Zero(tangent_aval(aval_of(p)))
        for p, k in zip(p_out, carry_nz, strict=True)
    ]
    return p_out, t_out


def _while_t(cts: Sequence[Any], *args: Any, **params: Any) -> Sequence[Any]:
    raise TypeError(
        "Reverse-mode differentiation does not work for lax.while_loop with a dynamic trip "
        "count. Use lax.scan, or lax.fori_loop with concrete (Python int) bounds, instead."
    )


jvp_rules[cf.while_p] = _while_jvp
transpose_rules[cf.while_p] = _while_t

# --- scan -------------------------------------------------------------------------------------


def _scan_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, jaxpr: ClosedJaxpr, length: int,
              reverse: bool, num_consts: int, num_carry: int, linear: Any, unroll: int,
              _split_transpose: bool) -> Any:  # fmt: skip
    consts, carry, xs = _split(primals, num_consts, num_carry)
    t_consts, t_carry, t_xs = _split(tangents, num_consts, num_carry)
    c_nz = [not isinstance(t, Zero) for t in t_consts]
    x_nz = [not isinstance(t, Zero) for t in t_xs]
    carry_nz = [not isinstance(t, Zero) for t in t_carry]
    # Fixpoint: a carry whose tangent becomes nonzero in the body is nonzero from the start.
    while True:
        _, out_nz = jvp_jaxpr(jaxpr, [*c_nz, *carry_nz, *x_nz], False)
        new = [a or b for a, b in zip(carry_nz, out_nz[:num_carry], strict=True)]
        if new == carry_nz:
            break
        carry_nz = new
    n_y = len(jaxpr.out_avals) - num_carry
    y_nz = out_nz[num_carry:]
    body, _ = jvp_jaxpr(jaxpr, [*c_nz, *carry_nz, *x_nz], [*carry_nz, *y_nz])
    nc, ncar, nx = num_consts, num_carry, len(xs)
    ntc, ntcar, ntx = sum(c_nz), sum(carry_nz), sum(x_nz)
    base = nc + ncar + nx
    order = [
        *range(nc), *range(base, base + ntc),
        *range(nc, nc + ncar), *range(base + ntc, base + ntc + ntcar),
        *range(nc + ncar, base), *range(base + ntc + ntcar, base + ntc + ntcar + ntx),
    ]  # fmt: skip
    body = _permute_invars(body, order)
    ny, nty = n_y, sum(y_nz)
    out_order = [*range(ncar), *range(ncar + ny, ncar + ny + ntcar), *range(ncar, ncar + ny),
                 *range(ncar + ny + ntcar, ncar + ny + ntcar + nty)]  # fmt: skip
    body = _permute_outvars(body, out_order)
    t_c = [t for t, k in zip(t_consts, c_nz, strict=True) if k]
    t_car = [instantiate(t) for t, k in zip(t_carry, carry_nz, strict=True) if k]
    t_x = [t for t, k in zip(t_xs, x_nz, strict=True) if k]
    args = [*consts, *t_c, *carry, *t_car, *xs, *t_x]
    outs = cf.scan_p.bind(
        *args, jaxpr=body, length=length, reverse=reverse, num_consts=nc + ntc,
        num_carry=ncar + ntcar, linear=(False,) * len(args), unroll=unroll,
        _split_transpose=_split_transpose,
    )  # fmt: skip
    carry_out, t_carry_out, ys, t_ys = _split(outs, ncar, ntcar, ny)
    it_c, it_y = iter(t_carry_out), iter(t_ys)
    t_out = [
        next(it_c) if k else Zero(tangent_aval(aval_of(p)))
        for p, k in zip(carry_out, carry_nz, strict=True)
    ] + [next(it_y) if k else Zero(tangent_aval(aval_of(p))) for p, k in zip(ys, y_nz, strict=True)]
    return [*carry_out, *ys], t_out


jvp_rules[cf.scan_p] = _scan_jvp


def partial_eval_jaxpr(
    closed: ClosedJaxpr, unknowns: Sequence[bool], instantiate_out: Sequence[bool]
) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    """Split a jaxpr into what can be computed from the known inputs and the rest.

    Returns:
        `(known, unknown, out_unknowns, num_res)`: `known` maps the known inputs to the known
        outputs followed by `num_res` residuals; `unknown` maps `(*unknown inputs, *residuals)`
        to the unknown outputs. Outputs flagged in `instantiate_out` are always unknown.
    """
    known, unknown, out_uk, n_res = _memo(
        "partial_eval", closed, (tuple(unknowns), tuple(instantiate_out)),
        lambda: _partial_eval_jaxpr(closed, unknowns, instantiate_out),
    )  # fmt: skip
    return known, unknown, list(out_uk), n_res


def _partial_eval_jaxpr(
    closed: ClosedJaxpr, unknowns: Sequence[bool], instantiate_out: Sequence[bool]
) -> tuple[ClosedJaxpr, ClosedJaxpr, list[bool], int]:
    known_tr, unknown_tr = StagingTrace(), StagingTrace()
    pe = PartialEvalTrace(known_tr, unknown_tr)
    ins = [
        unknown_tr.new_arg(a) if u else known_tr.new_arg(a)
        for a, u in zip(closed.in_avals, unknowns, strict=True)
    ]
    try:
        with set_current_trace(pe):
            outs = eval_jaxpr(closed.jaxpr, closed.consts, *ins)
        out_uk = [
            (isinstance(o, StagingTracer) and o._trace is unknown_tr) or bool(i)
            for o, i in zip(outs, instantiate_out, strict=True)
        ]
        unknown_closed = unknown_tr.to_jaxpr([o for o, u in zip(outs, out_uk, strict=True) if u])
        # Constants of the unknown jaxpr that are known-trace values are the residuals.
        j = unknown_closed.jaxpr
        res_vars, res_vals, other_vars, other_vals = [], [], [], []
        for v, c in zip(j.constvars, unknown_closed.consts, strict=True):
            if isinstance(c, StagingTracer) and c._trace is known_tr:
                res_vars.append(v)
                res_vals.append(c)
            else:
                other_vars.append(v)
                other_vals.append(c)
        unknown = ClosedJaxpr(
            Jaxpr(other_vars, [*j.invars, *res_vars], j.outvars, j.eqns, j.effects), other_vals
        )
        known = known_tr.to_jaxpr(
            [*(o for o, u in zip(outs, out_uk, strict=True) if not u), *res_vals]
        )
    finally:
        known_tr.invalidate()
        unknown_tr.invalidate()
        pe.invalidate()
    return known, unknown, out_uk, len(res_vals)


def _scan_partial_eval(
    trace: PartialEvalTrace, args: Sequence[Any], params: dict[str, Any]
) -> list[Any]:
    staging = trace.staging
    jaxpr: ClosedJaxpr = params["jaxpr"]
    nc, ncar = params["num_consts"], params["num_carry"]
    unknown = [isinstance(x, StagingTracer) and x._trace is staging for x in args]
    c_uk, carry_uk, x_uk = _split(unknown, nc, ncar)
    n_y = len(jaxpr.out_avals) - ncar
    for _ in range(ncar + 1):
        _, _, out_uk, _ = partial_eval_jaxpr(
            jaxpr, [*c_uk, *carry_uk, *x_uk], [*carry_uk, *[False] * n_y]
        )
        new = [a or b for a, b in zip(carry_uk, out_uk[:ncar], strict=True)]
        if new == carry_uk:
            break
        carry_uk = new
    known_j, unknown_j, out_uk, n_res = partial_eval_jaxpr(
        jaxpr, [*c_uk, *carry_uk, *x_uk], [*carry_uk, *[False] * n_y]
    )
    consts, carry, xs = _split(args, nc, ncar)
    k_consts = [x for x, u in zip(consts, c_uk, strict=True) if not u]
    k_carry = [x for x, u in zip(carry, carry_uk, strict=True) if not u]
    k_xs = [x for x, u in zip(xs, x_uk, strict=True) if not u]
    with set_current_trace(trace.parent):
        k_outs = cf.scan_p.bind(
            *k_consts, *k_carry, *k_xs, jaxpr=known_j, length=params["length"],
            reverse=params["reverse"], num_consts=len(k_consts), num_carry=len(k_carry),
            linear=(False,) * (len(k_consts) + len(k_carry) + len(k_xs)),
            unroll=params["unroll"], _split_transpose=params["_split_transpose"],
        )  # fmt: skip
    n_known_out = len(k_outs) - n_res
    known_outs, residuals = k_outs[:n_known_out], k_outs[n_known_out:]
    u_consts = [x for x, u in zip(consts, c_uk, strict=True) if u]
    u_carry = [x for x, u in zip(carry, carry_uk, strict=True) if u]
    u_xs = [x for x, u in zip(xs, x_uk, strict=True) if u]
    nuc, nucar, nux = len(u_consts), len(u_carry), len(u_xs)
    # unknown_j inputs: (u_consts, u_carry, u_xs, residuals) -> (u_consts, u_carry, res, u_xs)
    base = nuc + nucar
    order = [*range(base), *range(base + nux, base + nux + n_res), *range(base, base + nux)]
    unknown_j = _permute_invars(unknown_j, order)
    u_args = [*u_consts, *u_carry, *residuals, *u_xs]
    u_outs = staging.process_primitive(
        cf.scan_p, u_args,
        {**params, "jaxpr": unknown_j, "num_consts": nuc, "num_carry": nucar,
         "linear": (False,) * len(u_args)},
    )  # fmt: skip
    k_it, u_it = iter(known_outs), iter(u_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


pe_rules[cf.scan_p] = _scan_partial_eval


def _scan_t(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, length: int, reverse: bool,
            num_consts: int, num_carry: int, linear: Any, unroll: int,
            _split_transpose: bool) -> Sequence[Any]:  # fmt: skip
    consts, carry, xs = _split(args, num_consts, num_carry)
    # A carry init that is a known constant (an instantiated zero tangent) is still linear in
    # the body; its cotangent is dropped.
    c_lin = [is_undefined(c) for c in consts]
    x_lin = [is_undefined(x) for x in xs]
    res_consts = [c for c in consts if not is_undefined(c)]
    res_xs = [x for x in xs if not is_undefined(x)]
    ct_carry = [instantiate(c) for c in cts[:num_carry]]
    ct_ys = [instantiate(c) for c in cts[num_carry:]]
    lin_c_avals = [c.aval for c in consts if is_undefined(c)]
    acc0 = [zeros_like_aval(a) for a in lin_c_avals]
    in_avals = jaxpr.in_avals
    c_avals, carry_avals, x_avals = _split(in_avals, num_consts, num_carry)
    n_rc, n_acc, n_car = len(res_consts), len(acc0), len(carry)

    def body(*a: Any) -> list[Any]:
        rc, acc, ctc, rx, cty = _split(a, n_rc, n_acc, n_car, len(res_xs))
        it_rc, it_rx = iter(rc), iter(rx)
        full = [
            *(
                UndefinedPrimal(av) if lin else next(it_rc)
                for av, lin in zip(c_avals, c_lin, strict=True)
            ),
            *(UndefinedPrimal(av) for av in carry_avals),
            *(
                UndefinedPrimal(av) if lin else next(it_rx)
                for av, lin in zip(x_avals, x_lin, strict=True)
            ),
        ]
        cts_in = backward_pass(jaxpr.jaxpr, jaxpr.consts, full, [*ctc, *cty])
        ct_c, ct_car, ct_x = _split(cts_in, num_consts, num_carry)
        new_acc = [
            lax.add(s, instantiate(c))
            for s, c in zip(
                acc, [c for c, lin in zip(ct_c, c_lin, strict=True) if lin], strict=True
            )
        ]
        return [
            *new_acc,
            *(instantiate(c) for c in ct_car),
            *(instantiate(c) for c, lin in zip(ct_x, x_lin, strict=True) if lin),
        ]

    ct_y_slices = [ShapedArray(aval_of(c).shape[1:], aval_of(c).dtype) for c in ct_ys]
    res_x_slices = [ShapedArray(aval_of(x).shape[1:], aval_of(x).dtype) for x in res_xs]
    body_avals = [
        *(aval_of(c) for c in res_consts), *lin_c_avals, *(tangent_aval(a) for a in carry_avals),
        *res_x_slices, *ct_y_slices,
    ]  # fmt: skip
    body_j = trace_to_jaxpr(body, body_avals)
    scan_args = [*res_consts, *acc0, *ct_carry, *res_xs, *ct_ys]
    outs = cf.scan_p.bind(
        *scan_args, jaxpr=body_j, length=length, reverse=not reverse, num_consts=n_rc,
        num_carry=n_acc + n_car, linear=(False,) * len(scan_args), unroll=unroll,
        _split_transpose=_split_transpose,
    )  # fmt: skip
    ct_consts, ct_init, ct_xs = _split(outs, n_acc, n_car)
    it_c, it_x = iter(ct_consts), iter(ct_xs)
    return [
        *(next(it_c) if lin else None for lin in c_lin),
        *(ct if is_undefined(c) else None for ct, c in zip(ct_init, carry, strict=True)),
        *(next(it_x) if lin else None for lin in x_lin),
    ]


transpose_rules[cf.scan_p] = _scan_t

# --- collectives ------------------------------------------------------------------------------


def _psum_t(cts: Sequence[Any], *xs: Any, **params: Any) -> Sequence[Any]:
    cts_i = [instantiate(c) for c in cts]
    return coll.psum_p.bind(*cts_i, **params)


def _all_gather_t(
    cts: Sequence[Any], x: Any, *, axis_name: Any, all_gather_dimension: int, axis_size: int,
    axis_index_groups: Any, tiled: bool,
) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    return coll.psum_scatter_p.bind(
        instantiate(ct), axis_name=axis_name, scatter_dimension=all_gather_dimension,
        axis_size=axis_size, axis_index_groups=axis_index_groups, tiled=tiled,
    )  # fmt: skip


def _psum_scatter_t(
    cts: Sequence[Any], x: Any, *, axis_name: Any, scatter_dimension: int, axis_size: int,
    axis_index_groups: Any, tiled: bool,
) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    return coll.all_gather_p.bind(
        instantiate(ct), axis_name=axis_name, all_gather_dimension=scatter_dimension,
        axis_size=axis_size, axis_index_groups=axis_index_groups, tiled=tiled,
    )  # fmt: skip


def _ppermute_t(cts: Sequence[Any], x: Any, *, axis_name: Any, perm: Any) -> Sequence[Any]:
    (ct,) = cts
    inverse = tuple((d, s) for s, d in perm)
    return coll.ppermute_p.bind(instantiate(ct), axis_name=axis_name, perm=inverse)


def _all_to_all_t(cts: Sequence[Any], x: Any, *, split_axis: int, concat_axis: int,
                  **params: Any) -> Sequence[Any]:  # fmt: skip
    (ct,) = cts
    return coll.all_to_all_p.bind(
        instantiate(ct), split_axis=concat_axis, concat_axis=split_axis, **params
    )


deflinear(coll.psum_p, _psum_t)
deflinear(coll.all_gather_p, _all_gather_t)
deflinear(coll.psum_scatter_p, _psum_scatter_t)
deflinear(coll.ppermute_p, _ppermute_t)
deflinear(coll.all_to_all_p, _all_to_all_t)


def _axis_index_jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
    outs = coll.axis_index_p.bind(**params)
    return outs, [Zero(tangent_aval(aval_of(o))) for o in outs]


jvp_rules[coll.axis_index_p] = _axis_index_jvp


def _pminmax_jvp(prim: Primitive) -> None:
    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        outs = prim.bind(*primals, **params)
        touts: list[Any] = []
        for x, t, o in zip(primals, tangents, outs, strict=True):
            if isinstance(t, Zero):
                touts.append(t)
                continue
            # The tangent of the members that attain the extreme, averaged over ties.
            hit = lax.convert_element_type(lax.eq(x, o), aval_of(t).dtype)
            num, den = coll.psum_p.bind(lax.mul(t, hit), hit, **params)
            touts.append(lax.div(num, den))
        return outs, touts

    jvp_rules[prim] = jvp


_pminmax_jvp(coll.pmax_p)
_pminmax_jvp(coll.pmin_p)


def _cond_partial_eval(
    trace: PartialEvalTrace, args: Sequence[Any], params: dict[str, Any]
) -> list[Any]:
    staging = trace.staging
    index, *ops = args
    branches = params["branches"]
    if isinstance(index, StagingTracer) and index._trace is staging:
        return staging.process_primitive(cf.cond_p, args, params)
    uk = [isinstance(x, StagingTracer) and x._trace is staging for x in ops]
    n_out = len(branches[0].out_avals)
    out_uk = [False] * n_out
    for br in branches:
        _, _, o, _ = partial_eval_jaxpr(br, uk, [False] * n_out)
        out_uk = [a or b for a, b in zip(out_uk, o, strict=True)]
    splits = [partial_eval_jaxpr(br, uk, out_uk) for br in branches]
    n_known = n_out - sum(out_uk)
    res_avals = [s[0].out_avals[n_known:] for s in splits]
    all_res = [a for r in res_avals for a in r]
    known_ops = [x for x, u in zip(ops, uk, strict=True) if not u]
    known_avals = [aval_of(x) for x in known_ops]
    known_branches = []
    offset = 0
    for (known, _, _, n_res), _r in zip(splits, res_avals, strict=True):
        before, after = all_res[:offset], all_res[offset + n_res :]

        def fun(
            *k: Any, known: ClosedJaxpr = known, before: Any = before, after: Any = after
        ) -> list[Any]:
            outs = eval_jaxpr(known.jaxpr, known.consts, *k)
            return [
                *outs[:n_known],
                *map(zeros_like_aval, before),
                *outs[n_known:],
                *map(zeros_like_aval, after),
            ]

        known_branches.append(trace_to_jaxpr(fun, known_avals))
        offset += n_res
    with set_current_trace(trace.parent):
        k_outs = cf.cond_p.bind(index, *known_ops, branches=tuple(known_branches))
    known_outs, residuals = k_outs[:n_known], k_outs[n_known:]
    unknown_branches = []
    offset = 0
    for _, unknown, _, n_res in splits:
        j = unknown.jaxpr
        n_u = len(j.invars) - n_res
        invars = [
            *j.invars[:n_u],
            *(Var(a) for a in all_res[:offset]),
            *j.invars[n_u:],
            *(Var(a) for a in all_res[offset + n_res :]),
        ]
        unknown_branches.append(
            ClosedJaxpr(Jaxpr(j.constvars, invars, j.outvars, j.eqns, j.effects), unknown.consts)
        )
        offset += n_res
    unknown_ops = [x for x, u in zip(ops, uk, strict=True) if u]
    u_outs = staging.process_primitive(
        cf.cond_p, [index, *unknown_ops, *residuals], {"branches": tuple(unknown_branches)}
    )
    k_it, u_it = iter(known_outs), iter(u_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


pe_rules[cf.cond_p] = _cond_partial_eval


def _while_partial_eval(
    trace: PartialEvalTrace, args: Sequence[Any], params: dict[str, Any]
) -> list[Any]:
    # The known carry is computed by a while over zeros in place of the unknown inputs; the
    # whole loop is also staged for the unknown outputs (so linearizing a while_loop replays its
    # primal part in the linear function; it has no reverse mode anyway).
    staging = trace.staging
    nc, nb = params["cond_nconsts"], params["body_nconsts"]
    uk = [isinstance(x, StagingTracer) and x._trace is staging for x in args]
    if any(uk[:nc]):
        return staging.process_primitive(cf.while_p, args, params)
    body: ClosedJaxpr = params["body_jaxpr"]
    carry_uk = uk[nc + nb :]
    for _ in range(len(carry_uk) + 1):
        _, _, o, _ = partial_eval_jaxpr(body, [*uk[nc : nc + nb], *carry_uk], carry_uk)
        new = [a or b for a, b in zip(carry_uk, o, strict=True)]
        if new == carry_uk:
            break
        carry_uk = new
    filled = [zeros_like_aval(aval_of(x)) if u else x for x, u in zip(args, uk, strict=True)]
    with set_current_trace(trace.parent):
        known = cf.while_p.bind(*filled, **params)
    staged = staging.process_primitive(cf.while_p, args, params)
    return [s if u else k for k, s, u in zip(known, staged, carry_uk, strict=True)]


pe_rules[cf.while_p] = _while_partial_eval


# --- compiled calls (pjit): every derived computation stays one call -------------------------


def _pjit_jvp(primals: Sequence[Any], tangents: Sequence[Any], *, call_jaxpr: ClosedJaxpr,
              name: str) -> Any:  # fmt: skip
    nonzeros = [not isinstance(t, Zero) for t in tangents]
    jvp_j, out_nz = jvp_jaxpr(call_jaxpr, nonzeros, False)
    nz_tangents = [t for t in tangents if not isinstance(t, Zero)]
    outs = cf.pjit_p.bind(*primals, *nz_tangents, call_jaxpr=jvp_j, name=f"jvp({name})")
    n = len(call_jaxpr.out_avals)
    p_out, t_it = outs[:n], iter(outs[n:])
    t_out = [
        next(t_it) if nz else Zero(tangent_aval(a))
        for a, nz in zip(call_jaxpr.out_avals, out_nz, strict=True)
    ]
    return p_out, t_out


def _pjit_partial_eval(
    trace: PartialEvalTrace, args: Sequence[Any], params: dict[str, Any]
) -> list[Any]:
    staging = trace.staging
    closed: ClosedJaxpr = params["call_jaxpr"]
    name = params["name"]
    unknown = [isinstance(x, StagingTracer) and x._trace is staging for x in args]
    known_j, unknown_j, out_uk, n_res = partial_eval_jaxpr(
        closed, unknown, [False] * len(closed.out_avals)
    )
    with set_current_trace(trace.parent):
        k_outs = cf.pjit_p.bind(*(x for x, u in zip(args, unknown, strict=True) if not u),
                                call_jaxpr=known_j, name=name)  # fmt: skip
    n_known = len(k_outs) - n_res
    known_outs, residuals = k_outs[:n_known], k_outs[n_known:]
    u_args = [*(x for x, u in zip(args, unknown, strict=True) if u), *residuals]
    u_outs = staging.process_primitive(cf.pjit_p, u_args, {"call_jaxpr": unknown_j, "name": name})
    k_it, u_it = iter(known_outs), iter(u_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


def _pjit_t(cts: Sequence[Any], *args: Any, call_jaxpr: ClosedJaxpr, name: str) -> Sequence[Any]:
    linear = [is_undefined(x) for x in args]
    res = [x for x in args if not is_undefined(x)]
    t_j = transpose_jaxpr(call_jaxpr, linear)
    outs = iter(cf.pjit_p.bind(*res, *(instantiate(c) for c in cts), call_jaxpr=t_j,
                               name=f"transpose({name})"))  # fmt: skip
    return [next(outs) if lin else None for lin in linear]


jvp_rules[cf.pjit_p] = _pjit_jvp
pe_rules[cf.pjit_p] = _pjit_partial_eval
transpose_rules[cf.pjit_p] = _pjit_t
