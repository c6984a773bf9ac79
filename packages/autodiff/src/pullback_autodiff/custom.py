"""Custom derivatives: `custom_jvp`, `custom_vjp`, `custom_gradient` and `closure_convert`.

A `custom_jvp` function stages into a `custom_jvp_call` equation that carries the user's JVP
rule; the JVP trace calls that rule instead of differentiating the body. A `custom_vjp`
function stages into a `custom_vjp_call` equation; its JVP runs the user's forward rule and
applies `custom_lin` to the tangents — a linear primitive with no forward evaluation whose
transpose is the user's backward rule. So reverse mode uses the rules, and forward mode
raises a clear error, as JAX does.

Values the function closes over become explicit constant operands. Differentiating with
respect to one of them is an error (the rule cannot know about it): pass it as an argument,
or use `closure_convert`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.control_flow import leaf_avals, trace_callable
from pullback_ir.interpreter import eval_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import control as cf, elementwise as ew
from pullback_ir.trace import CONTEXT, set_current_trace
from pullback_pytrees import (
    PyTreeDef,
    broadcast_prefix,
    register_pytree_node,
    tree_flatten,
    tree_structure,
    tree_unflatten,
)

from pullback_autodiff.api import check_jax012_option
from pullback_autodiff.control_rules import inline_jvp
from pullback_autodiff.core import (
    JVPTrace,
    JVPTracer,
    Zero,
    instantiate,
    jvp_rules,
    tangent_aval,
    zeros_like_aval,
)
from pullback_autodiff.transpose import transpose_rules

__all__ = [
    "CustomVJPPrimal",
    "SymbolicZero",
    "closure_convert",
    "custom_gradient",
    "custom_jvp",
    "custom_lin_p",
    "custom_vjp",
]

#: The symbolic zero tangent or cotangent handed to rules defined with `symbolic_zeros=True`
#: (it has `.aval`, `.shape` and `.dtype`).
SymbolicZero = Zero


class CustomVJPPrimal(NamedTuple):
    """A primal argument leaf as a `symbolic_zeros=True` custom_vjp fwd rule receives it.

    Its value, and whether it is perturbed (has a nonzero tangent).
    """

    value: Any
    perturbed: bool


def _fun_name(fun: Any) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _signature(fun: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(fun)
    except (TypeError, ValueError):
        return None


def _resolve_args(
    sig: inspect.Signature | None, args: tuple[Any, ...], kwargs: dict[str, Any], what: str
) -> tuple[Any, ...]:
    """Positional arguments from a call, with keyword arguments and defaults filled in."""
    if sig is None:
        if kwargs:
            raise TypeError(f"{what}: keyword arguments need a function with a signature")
        return args
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{what}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(
            f"{what}: keyword arguments {sorted(bound.kwargs)} could not be resolved to "
            "positions; custom derivative functions take positional parameters"
        )
    return tuple(bound.args)


def static_positions(nums: int | Sequence[int], n: int, what: str, param: str) -> tuple[int, ...]:
    """Positional-argument numbers (negative ones count from the end), sorted and checked.

    Raises:
        TypeError: for a number that is not an int; ValueError: for one out of range, naming
            `param` (for example "nondiff_argnums") and `what`.
    """
    given = (nums,) if isinstance(nums, int) else tuple(nums)
    out = set()
    for i in given:
        if not isinstance(i, int):
            raise TypeError(f"{what}: {param} must be ints, got {i!r}")
        if not -n <= i < n:
            raise ValueError(
                f"{what}: {param} {nums} is out of range for a call with {n} positional arguments"
            )
        out.add(i % n)
    return tuple(sorted(out))


def split_static(
    args: tuple[Any, ...], static: tuple[int, ...]
) -> tuple[list[Any], tuple[Any, ...]]:
    """`(static values, dynamic arguments)` of a call."""
    return [args[i] for i in static], tuple(a for i, a in enumerate(args) if i not in static)


def merge_static(args: tuple[Any, ...], static: tuple[int, ...], dyn: Sequence[Any]) -> list[Any]:
    """The full argument list: `args` at the static positions, `dyn` elsewhere."""
    it = iter(dyn)
    return [args[i] if i in static else next(it) for i in range(len(args))]


def _check_closure(tangents: Sequence[Any], what: str) -> None:
    if any(not isinstance(t, Zero) for t in tangents):
        raise TypeError(
            f"{what} closes over a value that is being differentiated; its rule cannot account "
            "for it. Pass the value as an argument instead, or use closure_convert to turn "
            "the closed-over values into arguments."
        )


def _check_outs(
    what: str, kind: str, leaves: Sequence[Any], tree: PyTreeDef, want_tree: PyTreeDef,
    want: Sequence[ShapedArray],
) -> None:  # fmt: skip
    if tree != want_tree:
        raise TypeError(
            f"{what}: the {kind} must have the same tree structure as the function's output:\n"
            f"  expected: {want_tree}\n  got:      {tree}"
        )
    for i, (x, a) in enumerate(zip(leaves, want, strict=True)):
        got = aval_of(x)
        if got.shape != a.shape or got.dtype != a.dtype:
            raise TypeError(
                f"{what}: the {kind} must have the shapes and dtypes of the function's output, "
                f"but leaf {i} is {got.str_short()} where {a.str_short()} is expected"
            )


def _primal_pair(
    out: Any, rule: str, pair: str, out_tree: PyTreeDef, out_avals: Sequence[ShapedArray]
) -> tuple[list[Any], Any]:
    """Check a rule's `(primal output, second)` pair.

    Returns:
        The primal output's leaves (checked against the function's output) and the second
        entry as returned.
    """
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise TypeError(f"{rule} must return a pair {pair}, got {type(out).__name__}")
    leaves, tree = tree_flatten(out[0])
    _check_outs(rule, "primal output", leaves, tree, out_tree, out_avals)
    return leaves, out[1]


def _as_tangent(x: Any, primal: ShapedArray, what: str, i: int) -> Any:
    """A rule's tangent or cotangent leaf for a value of type `primal`, checked."""
    want = tangent_aval(primal)
    if x is None or isinstance(x, Zero) or want.dtype == dtypes.float0:
        return Zero(want)
    got = aval_of(x)
    if got.shape != want.shape:
        raise ValueError(
            f"{what}: leaf {i} has shape {got.shape} but the corresponding primal has shape "
            f"{want.shape}"
        )
    if got.dtype != want.dtype:
        if not got.weak_type:
            raise TypeError(
                f"{what}: leaf {i} has dtype {got.dtype} but the corresponding primal has "
                f"dtype {want.dtype}"
            )
        x = ew.convert_element_type_p.bind(x, new_dtype=want.dtype, weak_type=False)[0]
    return x


# --- custom_jvp ------------------------------------------------------------------------------


def _split_call(
    sig: inspect.Signature | None, nondiff_argnums: Any, args: tuple[Any, ...],
    kwargs: dict[str, Any], what: str,
) -> tuple[Any, ...]:  # fmt: skip
    """A custom-rule function's call, resolved.

    Returns `(args, static, static_vals, dyn, flat, in_tree)`: the positional arguments, the
    nondiff positions and values, the differentiable arguments, their leaves and structure.
    """
    args = _resolve_args(sig, args, kwargs, what)
    static = static_positions(nondiff_argnums, len(args), what, "nondiff_argnums")
    static_vals, dyn = split_static(args, static)
    flat, in_tree = tree_flatten(dyn)
    return args, static, static_vals, dyn, flat, in_tree


def _differentiated_directly(
    flat: Sequence[Any], what: str
) -> tuple[JVPTrace, list[Any], list[Any]] | None:
    """`(trace, primals, tangents)` when the current trace differentiates the leaves; else None.

    Under forward-mode differentiation (jvp, grad, vjp, linearize) of a call whose arguments
    carry tangents, JAX runs only the custom rule, never the primal function.
    """
    trace = CONTEXT.trace
    if type(trace) is not JVPTrace:
        return None
    if not any(isinstance(x, JVPTracer) and x._trace is trace for x in flat):
        return None
    primals, tangents = [], []
    for x in flat:
        p, t = trace.split(x)
        primals.append(p)
        tangents.append(t)
    leaf_avals(primals, f"{what} arguments")
    return trace, primals, tangents


def _wrap_outputs(trace: JVPTrace, primals: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    return [
        p if isinstance(t, Zero) else JVPTracer(trace, p, t)
        for p, t in zip(primals, tangents, strict=True)
    ]


def _stage_primal(
    fun: Callable[..., Any], args: tuple[Any, ...], static: tuple[int, ...], flat: Sequence[Any],
    in_tree: PyTreeDef, what: str,
) -> tuple[Any, ...]:  # fmt: skip
    """Trace a custom-rule function's primal computation: `(avals, closed, consts, out_tree)`."""
    avals = leaf_avals(flat, f"{what} arguments")
    closed, consts, out_tree = trace_callable(
        lambda *d: fun(*merge_static(args, static, d)), in_tree, avals, what
    )
    return avals, closed, consts, out_tree


class custom_jvp:
    """A function with a custom JVP rule, set with `defjvp` or `defjvps`.

    Example:
        >>> import numpy as np
        >>> from pullback_autodiff import jvp
        >>> f = custom_jvp(lambda x: x * x * x)
        >>> rule = f.defjvp(lambda p, t: (f(*p), 3 * p[0] * p[0] * t[0]))
        >>> jvp(f, (np.float32(2.0),), (np.float32(1.0),))[1]
        np.float32(12.0)
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable[..., Any] | None = None
        self.symbolic_zeros = False
        self._sig = _signature(fun)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """Bind as a method: `instance` becomes the first argument."""
        return self if instance is None else functools.partial(self, instance)

    def defjvp(self, jvp: Callable[..., Any], symbolic_zeros: bool = False) -> Callable[..., Any]:
        """Set the JVP rule `jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`.

        `primals` and `tangents` are tuples of the differentiable arguments. With
        `symbolic_zeros`, zero tangents arrive as `SymbolicZero` and the rule may return them.
        Returns `jvp`, so this works as a decorator.
        """
        self.jvp = jvp
        self.symbolic_zeros = symbolic_zeros
        return jvp

    def defjvps(self, *jvps: Callable[..., Any] | None) -> None:
        """Set the JVP rule from one function per argument, `jvps[i](g_i, primal_out, *primals)`.

        Each gives argument i's contribution to the output tangent (None: no contribution);
        the contributions are summed.
        """
        if self.nondiff_argnums:
            raise TypeError("defjvps cannot be used together with nondiff_argnums; use defjvp")

        def jvp(primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> Any:
            if len(jvps) != len(primals):
                raise TypeError(
                    f"defjvps of {_fun_name(self.fun)}: got {len(jvps)} rules for "
                    f"{len(primals)} arguments"
                )
            out = self(*primals)
            out_leaves, out_tree = tree_flatten(out)
            total: list[Any] = [None] * len(out_leaves)
            for rule, t in zip(jvps, tangents, strict=True):
                if rule is None:
                    continue
                contrib = tree_flatten(rule(t, out, *primals))[0]
                if len(contrib) != len(out_leaves):
                    raise TypeError(
                        f"defjvps of {_fun_name(self.fun)}: a rule returned {len(contrib)} "
                        f"leaves for an output with {len(out_leaves)}"
                    )
                total = [c if s is None else s + c for s, c in zip(total, contrib, strict=True)]
            return out, tree_unflatten(
                out_tree,
                [
                    zeros_like_aval(tangent_aval(aval_of(o))) if s is None else s
                    for s, o in zip(total, out_leaves, strict=True)
                ],
            )

        self.defjvp(jvp)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function (staged as a `custom_jvp_call` that carries the rule)."""
        name = _fun_name(self.fun)
        what = f"custom_jvp function {name}"
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
        user_jvp = self.jvp
        args, static, static_vals, _, flat, in_tree = _split_call(
            self._sig, self.nondiff_argnums, args, kwargs, what
        )
        direct = _differentiated_directly(flat, what)
        if direct is not None:
            # Differentiated: only the rule runs (the primal function is not called).
            trace, primals, tangents = direct
            if not self.symbolic_zeros:
                tangents = [instantiate(t) for t in tangents]
            found: list[PyTreeDef] = []
            with set_current_trace(trace.parent):
                p_out, t_out = self._jvp_fun(user_jvp, static_vals, in_tree, None, None, what,
                                             found)(primals, tangents)  # fmt: skip
            return tree_unflatten(found[0], _wrap_outputs(trace, p_out, t_out))
        _, closed, consts, out_tree = _stage_primal(self.fun, args, static, flat, in_tree, what)
        jvp_fun = self._jvp_fun(user_jvp, static_vals, in_tree, out_tree, closed.out_avals, what)
        jvp_fun.__qualname__ = jvp_fun.__name__ = f"jvp of {name}"
        outs = cf.custom_jvp_call_p.bind(
            *consts, *flat, call_jaxpr=closed, jvp_jaxpr_fun=jvp_fun, num_consts=len(consts),
            symbolic_zeros=self.symbolic_zeros,
        )  # fmt: skip
        return tree_unflatten(out_tree, outs)

    @staticmethod
    def _jvp_fun(user_jvp: Callable[..., Any], static_vals: list[Any], in_tree: PyTreeDef,
                 out_tree: PyTreeDef | None, out_avals: Sequence[ShapedArray] | None, what: str,
                 found: list[PyTreeDef] | None = None) -> Callable[..., Any]:  # fmt: skip
        """The rule on flat (primals, tangents).

        Its outputs are checked against the primal function's output where that is known
        (`out_tree`, `out_avals`), else against the rule's own primal output, whose tree goes
        in `found`.
        """

        def jvp_fun(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[list[Any], list[Any]]:
            p_args = tree_unflatten(in_tree, primals)
            t_args = tree_unflatten(in_tree, tangents)
            res = user_jvp(*static_vals, p_args, t_args)
            o_tree, o_avals = out_tree, out_avals
            if o_tree is None:
                if not isinstance(res, tuple | list) or len(res) != 2:
                    raise TypeError(
                        f"the JVP rule of {what} must return a pair (primal_out, tangent_out), "
                        f"got {type(res).__name__}"
                    )
                leaves, o_tree = tree_flatten(res[0])
                o_avals = [aval_of(x) for x in leaves]
                if found is not None:
                    found.append(o_tree)
            assert o_avals is not None
            p_leaves, t_out = _primal_pair(
                res, f"the JVP rule of {what}", "(primal_out, tangent_out)", o_tree, o_avals
            )
            t_leaves, t_tree = tree_flatten(t_out, is_leaf=lambda x: isinstance(x, Zero))
            if t_tree != o_tree:
                raise TypeError(
                    f"the JVP rule of {what} must return primal and tangent outputs with the "
                    f"same tree structure:\n  primal:  {o_tree}\n  tangent: {t_tree}"
                )
            t_out = [
                _as_tangent(t, a, f"the tangent output of the JVP rule of {what}", i)
                for i, (t, a) in enumerate(zip(t_leaves, o_avals, strict=True))
            ]
            return p_leaves, t_out

        return jvp_fun


def _custom_jvp_call_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, call_jaxpr: ClosedJaxpr,
    jvp_jaxpr_fun: Any, num_consts: int, symbolic_zeros: bool,
) -> Any:  # fmt: skip
    if jvp_jaxpr_fun is None:
        return inline_jvp("call_jaxpr")(primals, tangents, call_jaxpr=call_jaxpr)
    _check_closure(tangents[:num_consts], f"the function of {jvp_jaxpr_fun.__name__}")
    ts = list(tangents[num_consts:])
    if not symbolic_zeros:
        ts = [instantiate(t) for t in ts]
    outs, touts = jvp_jaxpr_fun(list(primals[num_consts:]), ts)
    return list(outs), list(touts)


jvp_rules[cf.custom_jvp_call_p] = _custom_jvp_call_jvp

# --- custom_vjp ------------------------------------------------------------------------------


def _custom_lin_abstract(*avals: ShapedArray, out_avals: Any, **params: Any) -> list[ShapedArray]:
    del avals, params  # unused
    return [tangent_aval(a) for a in out_avals]


def _custom_lin_impl(*args: Any, **params: Any) -> list[Any]:
    raise TypeError(
        "can't apply forward-mode autodiff (jvp) to a custom_vjp function: it only has a "
        "reverse-mode rule. Use vjp/grad, or define the function with custom_jvp."
    )


#: The tangent map of a custom_vjp function: operands `(*residuals, *nonzero arg tangents)`;
#: params `num_res`, `bwd` (residuals, cotangents -> argument cotangents), `out_avals`,
#: `nonzeros` (which arguments have tangents), `symbolic_zeros`. It is only ever transposed.
custom_lin_p = Primitive("custom_lin", abstract_eval=_custom_lin_abstract, impl=_custom_lin_impl)


def _custom_lin_t(cts: Sequence[Any], *args: Any, num_res: int, bwd: Any, out_avals: Any,
                  nonzeros: Any, symbolic_zeros: bool) -> list[Any]:  # fmt: skip
    del out_avals  # unused
    cts = [c if symbolic_zeros else instantiate(c) for c in cts]
    cts_in = bwd(list(args[:num_res]), cts)
    return [None] * num_res + [ct for ct, nz in zip(cts_in, nonzeros, strict=True) if nz]


transpose_rules[custom_lin_p] = _custom_lin_t


class custom_vjp:
    """A function with a custom VJP, set with `defvjp(fwd, bwd)`.

    `fwd(*args) -> (output, residuals)` runs on the forward pass (residuals: any pytree of
    arrays); `bwd(*nondiff_args, residuals, output_cotangent) -> argument cotangents` runs on
    the backward pass and returns a tuple with one entry per differentiable argument (None,
    or a None leaf, for a zero cotangent).
    """

    def __init__(self, fun: Callable[..., Any], nondiff_argnums: Sequence[int] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable[..., Any] | None = None
        self.bwd: Callable[..., Any] | None = None
        self.symbolic_zeros = False
        self._sig = _signature(fun)

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        """Bind as a method: `instance` becomes the first argument."""
        return self if instance is None else functools.partial(self, instance)

    def defvjp(
        self,
        fwd: Callable[..., Any],
        bwd: Callable[..., Any],
        symbolic_zeros: bool = False,
        optimize_remat: bool = False,
    ) -> None:
        """Set the forward and backward rules.

        With `symbolic_zeros`, `bwd` receives `SymbolicZero` for output cotangents that are
        zero. `optimize_remat` is accepted for compatibility (it changes nothing here).
        """
        del optimize_remat  # unused
        self.fwd = fwd
        self.bwd = bwd
        self.symbolic_zeros = symbolic_zeros

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function (staged as a `custom_vjp_call` that carries the rules)."""
        name = _fun_name(self.fun)
        what = f"custom_vjp function {name}"
        if self.fwd is None or self.bwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        args, static, static_vals, dyn, flat, in_tree = _split_call(
            self._sig, self.nondiff_argnums, args, kwargs, what
        )
        direct = _differentiated_directly(flat, what)
        if direct is not None:
            # Differentiated: fwd runs now and bwd later (the primal function is not called).
            trace, primals, tangents = direct
            info: list[Any] = []
            avals = [aval_of(p) for p in primals]
            fwd, bwd = self._rules(args, static, static_vals, dyn, in_tree, avals, None, None,
                                   what, info)  # fmt: skip
            with set_current_trace(trace.parent):
                outs, t_out = _fwd_and_lin(fwd, bwd, primals, tangents, None, self.symbolic_zeros)
            return tree_unflatten(info[0], _wrap_outputs(trace, outs, t_out))
        avals, closed, consts, out_tree = _stage_primal(self.fun, args, static, flat, in_tree,
                                                        what)  # fmt: skip
        fwd, bwd = self._rules(args, static, static_vals, dyn, in_tree, avals, out_tree,
                               closed.out_avals, what)  # fmt: skip
        fwd.__qualname__ = fwd.__name__ = f"fwd of {name}"
        bwd.__qualname__ = bwd.__name__ = f"bwd of {name}"
        outs = cf.custom_vjp_call_p.bind(
            *consts, *flat, call_jaxpr=closed, fwd_jaxpr_thunk=fwd, bwd=bwd,
            num_consts=len(consts), out_trees=(out_tree,), symbolic_zeros=self.symbolic_zeros,
        )  # fmt: skip
        return tree_unflatten(out_tree, outs)

    def _rules(self, args: tuple[Any, ...], static: tuple[int, ...], static_vals: list[Any],
               dyn: tuple[Any, ...], in_tree: PyTreeDef, avals: Sequence[ShapedArray],
               out_tree: PyTreeDef | None, out_avals: Sequence[ShapedArray] | None, what: str,
               info: list[Any] | None = None,
               ) -> tuple[Callable[..., Any], Callable[..., Any]]:  # fmt: skip
        """The flat fwd and bwd rules.

        Without the primal function's `out_tree`/`out_avals`, the fwd rule's own primal output
        fixes them (its tree goes in `info`).
        """
        user_fwd, user_bwd = self.fwd, self.bwd
        assert user_fwd is not None
        assert user_bwd is not None
        res_trees: list[PyTreeDef] = []
        known: list[Any] = [out_tree, out_avals]

        def fwd(
            *primals: Any, perturbed: Sequence[bool] | None = None
        ) -> tuple[list[Any], list[Any]]:
            if perturbed is not None:
                primals = tuple(
                    CustomVJPPrimal(p, bool(z)) for p, z in zip(primals, perturbed, strict=True)
                )
            out = user_fwd(*merge_static(args, static, tree_unflatten(in_tree, primals)))
            if known[0] is None:
                if not isinstance(out, tuple | list) or len(out) != 2:
                    raise TypeError(
                        f"the fwd rule of {what} must return a pair (output, residuals), got "
                        f"{type(out).__name__}"
                    )
                leaves, tree = tree_flatten(out[0])
                known[0], known[1] = tree, [aval_of(x) for x in leaves]
                if info is not None:
                    info.append(tree)
            p_leaves, res = _primal_pair(
                out, f"the fwd rule of {what}", "(output, residuals)", known[0], known[1]
            )
            res_leaves, res_tree = tree_flatten(res)
            leaf_avals(res_leaves, f"the residuals of the fwd rule of {what}")
            res_trees.append(res_tree)
            return p_leaves, res_leaves

        def bwd(res: Sequence[Any], cts: Sequence[Any]) -> list[Any]:
            ct_tree = tree_unflatten(known[0], cts)
            out = user_bwd(*static_vals, tree_unflatten(res_trees[-1], res), ct_tree)
            if not isinstance(out, tuple | list) or len(out) != len(dyn):
                got = f"a {type(out).__name__}" + (
                    f" of length {len(out)}" if isinstance(out, tuple | list) else ""
                )
                raise TypeError(
                    f"the bwd rule of {what} must return a tuple with one cotangent per "
                    f"differentiable argument ({len(dyn)}), got {got}"
                )
            try:
                leaves = broadcast_prefix(
                    tuple(out), dyn, is_leaf=lambda x: x is None or isinstance(x, Zero)
                )
            except ValueError:
                raise TypeError(
                    f"the bwd rule of {what} must return cotangents with the tree structure "
                    f"of the arguments (None marks a zero cotangent):\n  arguments: {in_tree}\n"
                    f"  got:       {tree_structure(tuple(out))}"
                ) from None
            return [
                _as_tangent(ct, a, f"the output of the bwd rule of {what}", i)
                for i, (ct, a) in enumerate(zip(leaves, avals, strict=True))
            ]

        return fwd, bwd


def _custom_vjp_call_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, call_jaxpr: ClosedJaxpr,
    fwd_jaxpr_thunk: Any, bwd: Any, num_consts: int, out_trees: Any, symbolic_zeros: bool,
) -> Any:  # fmt: skip
    del out_trees  # unused
    if fwd_jaxpr_thunk is None:
        return inline_jvp("call_jaxpr")(primals, tangents, call_jaxpr=call_jaxpr)
    _check_closure(tangents[:num_consts], f"the function of {fwd_jaxpr_thunk.__name__}")
    return _fwd_and_lin(fwd_jaxpr_thunk, bwd, primals[num_consts:], tangents[num_consts:],
                        tuple(call_jaxpr.out_avals), symbolic_zeros)  # fmt: skip


def _fwd_and_lin(fwd: Any, bwd: Any, primals: Sequence[Any], tangents: Sequence[Any],
                 out_avals: tuple[ShapedArray, ...] | None,
                 symbolic_zeros: bool) -> tuple[list[Any], list[Any]]:  # fmt: skip
    """A custom_vjp function's JVP: its fwd rule now, and a tangent map to `bwd`.

    The tangent map (`custom_lin`) is only ever transposed. Without `out_avals`, fwd's
    outputs give them.
    """
    nonzeros = tuple(not isinstance(t, Zero) for t in tangents)
    outs, res = fwd(*primals, perturbed=nonzeros) if symbolic_zeros else fwd(*primals)
    if out_avals is None:
        out_avals = tuple(aval_of(o) for o in outs)
    t_out = custom_lin_p.bind(
        *res, *(t for t in tangents if not isinstance(t, Zero)), num_res=len(res), bwd=bwd,
        out_avals=out_avals, nonzeros=nonzeros, symbolic_zeros=symbolic_zeros,
    )  # fmt: skip
    return list(outs), [
        Zero(tangent_aval(a)) if not dtypes.is_inexact(a.dtype) else t
        for t, a in zip(t_out, out_avals, strict=True)
    ]


jvp_rules[cf.custom_vjp_call_p] = _custom_vjp_call_jvp

# --- custom_gradient -------------------------------------------------------------------------


class _GradRule:
    """The residuals of `custom_gradient`: a traced gradient function and its constants."""

    __slots__ = ("consts", "jaxpr", "out_tree")

    def __init__(self, jaxpr: ClosedJaxpr, out_tree: PyTreeDef, consts: Sequence[Any]) -> None:
        self.jaxpr = jaxpr
        self.out_tree = out_tree
        self.consts = list(consts)


register_pytree_node(
    _GradRule,
    lambda r: (r.consts, (r.jaxpr, r.out_tree)),
    lambda aux, consts: _GradRule(aux[0], aux[1], list(consts)),
)


def custom_gradient(fun: Callable[..., Any] | None = None, *, with_logs: bool = False,
                    remat: bool = False, with_accums: Any = None) -> Any:  # fmt: skip
    """Give `fun` a custom gradient.

    `fun(*args)` returns `(output, grad_fn)` where `grad_fn(output_cotangent)` returns the
    cotangents of the arguments (a tuple, or a single value for a one-argument function). The
    decorated function returns `output` only. Without `fun` (JAX 0.12), this returns the
    decorator: `@custom_gradient()`.

    Raises:
        NotImplementedError: for JAX 0.12's `with_logs`, `remat` or `with_accums` away from
            their defaults.
    """
    check_jax012_option("custom_gradient: with_logs", with_logs, False)
    check_jax012_option("custom_gradient: remat", remat, False)
    check_jax012_option("custom_gradient: with_accums", with_accums, None)
    if fun is None:
        return custom_gradient

    @functools.wraps(fun)
    def primal(*args: Any) -> Any:
        return fun(*args)[0]

    def fwd(*args: Any) -> tuple[Any, _GradRule]:
        out = fun(*args)
        if not isinstance(out, tuple | list) or len(out) != 2 or not callable(out[1]):
            raise TypeError(
                f"custom_gradient function {_fun_name(fun)} must return a pair (output, "
                f"grad_fn), got {type(out).__name__}"
            )
        ans, grad_fn = out
        ct_avals = [tangent_aval(aval_of(x)) for x in tree_flatten(ans)[0]]
        closed, consts, rule_tree = trace_callable(
            grad_fn, tree_structure((ans,)), ct_avals, f"the grad_fn of {_fun_name(fun)}"
        )
        return ans, _GradRule(closed, rule_tree, consts)

    def bwd(res: _GradRule, ct: Any) -> tuple[Any, ...]:
        outs = eval_jaxpr(res.jaxpr.jaxpr, [], *res.consts, *tree_flatten(ct)[0])
        cts = tree_unflatten(res.out_tree, outs)
        return cts if isinstance(cts, tuple) else (cts,)

    wrapped = custom_vjp(primal)
    wrapped.defvjp(fwd, bwd)
    return wrapped


# --- closure_convert -------------------------------------------------------------------------


def closure_convert(
    fun: Callable[..., Any], *example_args: Any
) -> tuple[Callable[..., Any], list[Any]]:
    """Turn the floating-point values `fun` closes over into explicit arguments.

    `fun` is traced on arrays like `example_args`. Returns `(converted, consts)`:
    `converted(*args, *consts)` computes `fun(*args)`, and `consts` are the hoisted closed-over
    values (for example tracers of an enclosing differentiation), so a `custom_vjp` rule can
    receive them as arguments. Integer-valued closed-over values stay closed over.
    """
    flat, in_tree = tree_flatten(example_args)
    avals = leaf_avals(flat, "closure_convert example arguments")
    closed, consts, out_tree = trace_callable(fun, in_tree, avals, "closure_convert")
    hoisted = [dtypes.is_inexact(aval_of(c).dtype) for c in consts]
    kept = [c for c, h in zip(consts, hoisted, strict=True) if not h]
    n_args = len(example_args)

    def converted(*args: Any) -> Any:
        if len(args) != n_args + sum(hoisted):
            raise TypeError(
                f"closure_convert of {_fun_name(fun)}: expected {n_args} arguments and "
                f"{sum(hoisted)} hoisted constants, got {len(args)} values"
            )
        leaves, args_tree = tree_flatten(args[:n_args])
        if args_tree != in_tree:
            raise TypeError(
                f"closure_convert of {_fun_name(fun)}: the arguments must have the structure of "
                f"the example arguments:\n  expected: {in_tree}\n  got:      {args_tree}"
            )
        it_h, it_k = iter(args[n_args:]), iter(kept)
        cs = [next(it_h) if h else next(it_k) for h in hoisted]
        return tree_unflatten(out_tree, eval_jaxpr(closed.jaxpr, [], *cs, *leaves))

    return converted, [c for c, h in zip(consts, hoisted, strict=True) if h]
