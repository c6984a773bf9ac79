"""Rematerialization: `checkpoint` (alias `remat`), `checkpoint_name` and their rules.

`checkpoint(fun)` stages `fun` into a `checkpoint` equation. Differentiating it keeps the
boundary: its JVP is a checkpoint of the JVP jaxpr, and partial evaluation (linearize, vjp,
grad) splits that into a known part, computed now, and a staged part for the backward pass.
The known part hands over as residuals only the checkpoint's inputs and the intermediates the
policy saves; every other value the backward pass needs is recomputed inside the staged part
from those residuals.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir.avals import ShapedArray
from pullback_ir.control_flow import hoist_consts, leaf_avals
from pullback_ir.dce import dce_jaxpr
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import control as cf
from pullback_ir.staging import StagingTrace, StagingTracer, trace_to_jaxpr
from pullback_ir.trace import EvalTrace, Tracer, set_current_trace
from pullback_pytrees import tree_flatten, tree_map, tree_unflatten

from pullback_autodiff.control_rules import jvp_jaxpr, partial_eval_jaxpr, transpose_jaxpr
from pullback_autodiff.core import Zero, instantiate, jvp_rules, tangent_aval
from pullback_autodiff.custom import merge_static, split_static, static_positions
from pullback_autodiff.linearize import PartialEvalTrace, pe_rules
from pullback_autodiff.rules import deflinear
from pullback_autodiff.transpose import is_undefined, transpose_rules

__all__ = ["checkpoint", "checkpoint_name", "remat"]


def checkpoint_name(x: Any, name: str) -> Any:
    """Name the arrays of pytree `x` for checkpoint policies such as `save_only_these_names`.

    It is the identity on values and derivatives.
    """
    if not isinstance(name, str):
        raise TypeError(f"checkpoint_name: name must be a str, got {type(name).__name__}")
    return tree_map(lambda leaf: cf.name_p.bind(leaf, name=name)[0], x)


deflinear(cf.name_p, lambda cts, x, **params: [instantiate(cts[0])])


# --- staging with known values (concrete=True) ------------------------------------------------


class _KnownTracer(StagingTracer):
    """A staged value whose concrete value is also known (Python control flow may read it)."""

    __slots__ = ("known",)

    def __init__(self, trace: StagingTrace, var: Var, known: Any) -> None:
        super().__init__(trace, var)
        self.known = known

    def to_concrete_value(self) -> Any:
        """The value computed alongside staging, or None."""
        return self.known


def _known_value(x: Any) -> Any:
    if isinstance(x, _KnownTracer):
        return x.known
    if isinstance(x, Tracer):
        return x.to_concrete_value()
    return np.asarray(x)


class _KnownStagingTrace(StagingTrace):
    """Stages a function while also computing its values when the inputs are known."""

    __slots__ = ()

    def new_known_arg(self, aval: ShapedArray, known: Any) -> _KnownTracer:
        t = self.new_arg(aval)
        return _KnownTracer(self, t.var, known)

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        outs = super().process_primitive(primitive, args, params)
        vals = [
            _known_value(x) if not isinstance(x, StagingTracer) or x._trace is self else None
            for x in args
        ]
        known: list[Any] = [None] * len(outs)
        if all(v is not None for v in vals):
            with set_current_trace(EvalTrace()):
                known = primitive.bind(*vals, **params)
        return [_KnownTracer(self, o.var, k) for o, k in zip(outs, known, strict=True)]


def _trace_known(fun: Callable[..., Sequence[Any]], args: Sequence[Any]) -> ClosedJaxpr:
    trace = _KnownStagingTrace()
    ins = [
        trace.new_known_arg(a, _known_value(x))
        for x, a in zip(args, leaf_avals(args, "checkpoint arguments"), strict=True)
    ]
    try:
        with set_current_trace(trace):
            outs = fun(*ins)
        return trace.to_jaxpr(list(outs))
    finally:
        trace.invalidate()


# --- the API -----------------------------------------------------------------------------------


def checkpoint(
    fun: Callable[..., Any],
    *,
    concrete: bool = False,
    policy: Callable[..., bool] | None = None,
    prevent_cse: bool = True,
    static_argnums: int | Sequence[int] = (),
) -> Callable[..., Any]:
    """Make `fun` recompute its intermediates in the backward pass instead of storing them.

    Args:
        fun: the function; its arguments and outputs are pytrees of arrays (except the static
            arguments).
        concrete: let `fun` use Python control flow on its argument values (they must then be
            known when it is called, as under `grad` but not under `jit`).
        policy: which intermediates to save (see `checkpoint_policies`); None saves only the
            inputs.
        prevent_cse: keep the compiler from merging the recomputation with the forward pass.
        static_argnums: positional arguments that are Python values, not arrays.

    Returns:
        A function with `fun`'s signature and values.
    """
    if not callable(fun):
        raise TypeError(f"checkpoint: fun must be callable, got {type(fun).__name__}")

    @functools.wraps(fun)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        static = static_positions(static_argnums, len(args), "checkpoint", "static_argnums")
        _, dyn = split_static(args, static)
        flat, in_tree = tree_flatten((dyn, kwargs))
        out_trees = []

        def flat_fun(*leaves: Any) -> list[Any]:
            d, kw = tree_unflatten(in_tree, leaves)
            out_leaves, out_tree = tree_flatten(fun(*merge_static(args, static, d), **kw))
            out_trees.append(out_tree)
            return out_leaves

        if concrete:
            closed = _trace_known(flat_fun, flat)
        else:
            closed = trace_to_jaxpr(flat_fun, leaf_avals(flat, "checkpoint arguments"))
        closed, consts = hoist_consts(closed)
        outs = cf.checkpoint_p.bind(
            *consts, *flat, jaxpr=closed, prevent_cse=prevent_cse, differentiated=False,
            policy=policy,
        )  # fmt: skip
        return tree_unflatten(out_trees[0], outs)

    return wrapper


#: An alias of `checkpoint`.
remat = checkpoint

# --- rules -----------------------------------------------------------------------------------


def _checkpoint_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, jaxpr: ClosedJaxpr, **params: Any
) -> Any:
    nz = [not isinstance(t, Zero) for t in tangents]
    jj, out_nz = jvp_jaxpr(jaxpr, nz, False)
    outs = cf.checkpoint_p.bind(
        *primals, *(t for t in tangents if not isinstance(t, Zero)), jaxpr=jj, **params
    )
    n = len(jaxpr.out_avals)
    rest = iter(outs[n:])
    t_out = [
        next(rest) if k else Zero(tangent_aval(a))
        for a, k in zip(jaxpr.out_avals, out_nz, strict=True)
    ]
    return outs[:n], t_out


def _saveable(eqn: JaxprEqn, policy: Callable[..., bool] | None) -> bool:
    if policy is None:
        return False
    return bool(policy(eqn.primitive, *(v.aval for v in eqn.invars), **eqn.params))


def apply_policy(
    known: ClosedJaxpr, unknown: ClosedJaxpr, num_res: int, policy: Callable[..., bool] | None
) -> tuple[ClosedJaxpr, ClosedJaxpr, int]:
    """Rewrite a partial-evaluation split so that only policy-saved values are residuals.

    `known` maps known inputs to `(*known outputs, *residuals)` and `unknown` maps
    `(*unknown inputs, *residuals)` to the unknown outputs. A residual that is neither a known
    input nor the output of an equation the policy saves is recomputed: the equations that
    produce it move (as copies) into `unknown`, reading residuals of their own.
    """
    kj, uj = known.jaxpr, unknown.jaxpr
    n_kout = len(kj.outvars) - num_res
    producer: dict[Var, JaxprEqn] = {}
    for eqn in kj.eqns:
        for v in eqn.outvars:
            producer[v] = eqn
    inputs = set(kj.invars) | set(kj.constvars)

    def kept(x: Var | Literal) -> bool:
        if isinstance(x, Literal) or x in inputs:
            return True
        return _saveable(producer[x], policy)

    res_out = kj.outvars[n_kout:]
    if all(kept(x) for x in res_out):
        return known, unknown, num_res
    new_res: dict[Var | Literal, None] = {}
    recompute: set[int] = set()
    stack = list(res_out)
    while stack:
        x = stack.pop()
        if kept(x):
            new_res[x] = None
            continue
        eqn = producer[x]  # type: ignore[index]
        if id(eqn) in recompute:
            continue
        recompute.add(id(eqn))
        stack.extend(eqn.invars)
    new_res_list = [x for x in new_res if not isinstance(x, Literal)]
    # The unknown jaxpr's residual inputs are renamed to the known jaxpr's variables.
    n_uin = len(uj.invars) - num_res
    rename: dict[Var, Any] = dict(zip(uj.invars[n_uin:], res_out, strict=True))

    def sub(x: Any) -> Any:
        return rename.get(x, x) if isinstance(x, Var) else x

    eqns = [e for e in kj.eqns if id(e) in recompute]
    eqns += [e.replace(invars=[sub(x) for x in e.invars]) for e in uj.eqns]
    new_unknown = ClosedJaxpr(
        Jaxpr(uj.constvars, [*uj.invars[:n_uin], *new_res_list], [sub(x) for x in uj.outvars],
              eqns, uj.effects),
        unknown.consts,
    )  # fmt: skip
    # The known side no longer computes the residuals that are now recomputed.
    pruned, _ = dce_jaxpr(
        Jaxpr(kj.constvars, kj.invars, [*kj.outvars[:n_kout], *new_res_list], kj.eqns,
              kj.effects),
        [True] * (n_kout + len(new_res_list)), instantiate=True,
    )  # fmt: skip
    new_known = ClosedJaxpr(pruned, known.consts)
    return new_known, new_unknown, len(new_res_list)


def _checkpoint_partial_eval(
    trace: PartialEvalTrace, args: Sequence[Any], params: dict[str, Any]
) -> list[Any]:
    staging = trace.staging
    jaxpr: ClosedJaxpr = params["jaxpr"]
    uk = [isinstance(x, StagingTracer) and x._trace is staging for x in args]
    known, unknown, out_uk, n_res = partial_eval_jaxpr(jaxpr, uk, [False] * len(jaxpr.out_avals))
    known, unknown, n_res = apply_policy(known, unknown, n_res, params["policy"])
    with set_current_trace(trace.parent):
        k_outs = eval_jaxpr(
            known.jaxpr, known.consts, *(x for x, u in zip(args, uk, strict=True) if not u)
        )
    n_k = len(k_outs) - n_res
    residuals = k_outs[n_k:]
    u_outs = staging.process_primitive(
        cf.checkpoint_p,
        [*(x for x, u in zip(args, uk, strict=True) if u), *residuals],
        {**params, "jaxpr": unknown, "differentiated": True},
    )
    k_it, u_it = iter(k_outs[:n_k]), iter(u_outs)
    return [next(u_it) if u else next(k_it) for u in out_uk]


def _checkpoint_t(cts: Sequence[Any], *args: Any, jaxpr: ClosedJaxpr, **params: Any) -> Any:
    linear = [is_undefined(x) for x in args]
    res = [x for x in args if not is_undefined(x)]
    t = transpose_jaxpr(jaxpr, linear)
    outs = iter(
        cf.checkpoint_p.bind(
            *res, *(instantiate(c) for c in cts), jaxpr=t, **{**params, "differentiated": True}
        )
    )
    return [next(outs) if lin else None for lin in linear]


jvp_rules[cf.checkpoint_p] = _checkpoint_jvp
pe_rules[cf.checkpoint_p] = _checkpoint_partial_eval
transpose_rules[cf.checkpoint_p] = _checkpoint_t
