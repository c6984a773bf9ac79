"""Staging Python functions into jaxprs: `trace_to_jaxpr` and `make_jaxpr`.

Omnistaging: while a staging trace is current, every primitive is recorded, including those
applied only to constants; non-scalar constants become constant inputs (`constvars`) and
scalars are written inline as literals. Tracers of other active traces become constant inputs
too (closures over outer transformations).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_pytrees import PyTreeDef, tree_flatten, tree_unflatten

from pullback_ir.avals import ShapedArray, ShapeDtypeStruct, aval_of
from pullback_ir.config import STATE
from pullback_ir.jaxpr import Atom, ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var, check_jaxpr
from pullback_ir.primitive import Primitive
from pullback_ir.trace import (
    CONTEXT,
    EvalTrace,
    Trace,
    Tracer,
    extend_axis_env,
    leaked_tracer_error,
    set_current_trace,
)

__all__ = ["StagingTrace", "StagingTracer", "make_jaxpr", "trace_to_jaxpr"]


_EVAL = EvalTrace()


class StagingTracer(Tracer):
    """A value of a function being staged: a variable of the jaxpr under construction."""

    __slots__ = ("_aval", "var")

    def __init__(self, trace: StagingTrace, var: Var) -> None:
        self._trace = trace
        self._aval = var.aval
        self.var = var

    @property
    def aval(self) -> ShapedArray:
        """The abstract value."""
        return self._aval


_LITERAL_TYPES = (bool, int, float, complex)
_NO_EFFECTS: frozenset[Any] = frozenset()


class StagingTrace(Trace):
    """Records primitives applied to its tracers as equations of a new jaxpr."""

    __slots__ = ("const_vars", "consts", "eqns", "invars", "originals")
    kind = "staging"

    def __init__(self) -> None:
        super().__init__()
        self.invars: list[Var] = []
        self.eqns: list[JaxprEqn] = []
        self.const_vars: dict[int, Var] = {}
        self.consts: list[Any] = []
        self.originals: list[Any] = []  # NumPy constants converted to their canonical dtype

    def new_arg(self, aval: ShapedArray) -> StagingTracer:
        """A new input of the jaxpr."""
        var = Var(aval)
        self.invars.append(var)
        return StagingTracer(self, var)

    def atom(self, x: Any) -> Atom:
        """The jaxpr atom for an argument: its variable, a literal, or a new constant input."""
        if isinstance(x, StagingTracer) and x._trace is self:
            return x.var
        value = x
        if isinstance(x, Tracer):
            if not x._trace.valid:
                raise leaked_tracer_error(x)
        elif isinstance(x, _LITERAL_TYPES):
            return Literal(x, aval_of(x))
        elif isinstance(x, np.ndarray | np.generic):
            # NumPy values enter with their canonical dtype (float64 -> float32 with x64 off)
            aval = aval_of(x)
            if aval.dtype != x.dtype:
                value = np.asarray(x, aval.dtype)
            if not aval.shape:
                return Literal(value, aval)
        var = self.const_vars.get(id(x))
        if var is None:
            var = self.const_vars[id(x)] = Var(aval_of(value))
            self.consts.append(value)
            if value is not x:
                self.originals.append(x)  # (kept alive: its id is the key of the converted value)
        return var

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Record one equation and return tracers of its outputs.

        Inside `ensure_compile_time_eval`, an operation on constants alone is computed now
        instead (JAX's eager constant folding).
        """
        if (
            CONTEXT.fold_constants
            and not primitive.effectful
            and not any(isinstance(x, Tracer) for x in args)
        ):
            return _EVAL.process_primitive(primitive, args, params)
        invars = [self.atom(x) for x in args]
        out_avals = primitive.abstract_eval_cached([v.aval for v in invars], params)
        outvars = [Var(a) for a in out_avals]
        rule = primitive.effects_rule
        effects = rule(**params) if rule is not None else _NO_EFFECTS
        self.eqns.append(JaxprEqn(invars, outvars, primitive, params, effects, CONTEXT.name_stack))
        return [StagingTracer(self, v) for v in outvars]

    def to_jaxpr(self, outs: Sequence[Any]) -> ClosedJaxpr:
        """The recorded jaxpr with outputs `outs` (tracers of this trace or constants)."""
        outvars = [self.atom(x) for x in outs]
        constvars = list(self.const_vars.values())
        effects = frozenset().union(*(e.effects for e in self.eqns)) if self.eqns else frozenset()
        return ClosedJaxpr(Jaxpr(constvars, self.invars, outvars, self.eqns, effects), self.consts)


def trace_to_jaxpr(
    fun: Callable[..., Sequence[Any]], in_avals: Sequence[ShapedArray]
) -> ClosedJaxpr:
    """Stage `fun` (flat inputs to a flat sequence of outputs) into a closed jaxpr.

    Args:
        fun: a function of `len(in_avals)` arrays returning a list or tuple of arrays.
        in_avals: the abstract values of the inputs.

    Returns:
        The jaxpr; its consts may hold tracers of enclosing transformations.
    """
    trace = StagingTrace()
    args = [trace.new_arg(a) for a in in_avals]
    try:
        with set_current_trace(trace):
            outs = fun(*args)
        closed = trace.to_jaxpr(list(outs))
    finally:
        trace.invalidate()
    if STATE.checks:
        check_jaxpr(closed)
    return closed


def _abstractify(x: Any, where: str) -> ShapedArray:
    if isinstance(x, Tracer) and not x._trace.valid:
        raise leaked_tracer_error(x)
    try:
        return aval_of(x)
    except TypeError as e:
        raise TypeError(f"make_jaxpr: argument {where} is not a valid array: {e}") from None


def make_jaxpr(
    fun: Callable[..., Any],
    static_argnums: int | Sequence[int] = (),
    axis_env: Sequence[tuple[Any, int]] | None = None,
    return_shape: bool = False,
    abstracted_axes: Any = None,
) -> Callable[..., Any]:
    """Make a function that returns the jaxpr of `fun` for given example arguments.

    Args:
        fun: the function to stage; its arguments and results are pytrees of arrays.
        static_argnums: positions of arguments passed to `fun` as they are, not traced.
        axis_env: `(axis_name, size)` pairs naming the axes that collectives may use.
        return_shape: also return a pytree of `ShapeDtypeStruct`s of the outputs.
        abstracted_axes: only None (no symbolic dimensions) is supported for now.

    Returns:
        A function taking `fun`'s arguments (arrays, scalars or shape-dtype objects) and
        returning the `ClosedJaxpr` (and the output shapes if `return_shape`).

    Raises:
        NotImplementedError: if `abstracted_axes` is not None.

    Example:
        >>> import numpy as np
        >>> from pullback_ir import lax
        >>> print(make_jaxpr(lambda x: lax.sin(x) * 2.0)(np.ones(3, np.float32)))
        { lambda ; a:f32[3]. let
            b:f32[3] = sin a
            c:f32[3] = mul b 2.0:f32[]
          in (c,) }
    """
    static_argnums_t = (
        (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    )
    if abstracted_axes is not None:
        raise NotImplementedError(
            "make_jaxpr: abstracted_axes (symbolic shapes) is not supported yet"
        )
    env = [(name, int(size)) for name, size in (axis_env or ())]

    @functools.wraps(fun)
    def jaxpr_maker(*args: Any, **kwargs: Any) -> Any:
        n = len(args)
        static = tuple(i + n if i < 0 else i for i in static_argnums_t)
        dyn_args = [a for i, a in enumerate(args) if i not in static]
        flat, in_tree = tree_flatten((dyn_args, kwargs))
        in_avals = [_abstractify(x, f"at flat position {i}") for i, x in enumerate(flat)]
        out_tree: list[PyTreeDef] = []

        def flat_fun(*flat_args: Any) -> list[Any]:
            dyn, kw = tree_unflatten(in_tree, flat_args)
            it = iter(dyn)
            full = [a if i in static else next(it) for i, a in enumerate(args)]
            outs, tree = tree_flatten(fun(*full, **kw))
            out_tree.append(tree)
            return outs

        with contextlib.ExitStack() as stack:
            for name, size in env:
                stack.enter_context(extend_axis_env(name, size))
            closed = trace_to_jaxpr(flat_fun, in_avals)
        if not return_shape:
            return closed
        shapes = [
            ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in closed.out_avals
        ]
        return closed, tree_unflatten(out_tree[0], shapes)

    return jaxpr_maker
