"""Forward mode: symbolic zero tangents, the JVP trace and the JVP rule table.

A `JVPTrace` carries a tangent alongside each primal. Primitives dispatch to
`jvp_rules[primitive](primals, tangents, **params) -> (primal_outs, tangent_outs)`; a rule
runs with the trace's parent current, so the primal and tangent computations it binds go to
whatever transformation sits below (evaluation, staging, partial evaluation, another JVP).
Tangents of values that do not depend on the inputs are the symbolic `Zero`, never
materialized unless needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.errors import MissingRuleError
from pullback_ir.primitive import Primitive
from pullback_ir.primitives import elementwise as ew, shapes as sh
from pullback_ir.trace import Trace, Tracer, leaked_tracer_error, set_current_trace

__all__ = [
    "JVPTrace",
    "JVPTracer",
    "Zero",
    "add_tangents",
    "instantiate",
    "jvp_flat",
    "jvp_rules",
    "tangent_aval",
    "zeros_like_aval",
]

JVPRule = Callable[..., tuple[Sequence[Any], Sequence[Any]]]
#: `primitive -> rule(primals, tangents, **params) -> (primal_outs, tangent_outs)`.
jvp_rules: dict[Primitive, JVPRule] = {}


def tangent_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The tangent dtype of a primal dtype: itself if inexact, float0 otherwise."""
    return dtype if dtypes.is_inexact(dtype) else dtypes.float0


def tangent_aval(aval: ShapedArray) -> ShapedArray:
    """The abstract value of a tangent of `aval`."""
    return ShapedArray(aval.shape, tangent_dtype(aval.dtype))


class Zero:
    """A symbolic zero tangent of abstract value `aval`."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the zero."""
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of the zero."""
        return self.aval.dtype

    def __repr__(self) -> str:
        return f"Zero({self.aval.str_short()})"


def zeros_like_aval(aval: ShapedArray) -> Any:
    """A zero array of `aval` (float0 zeros for integer avals), bound under the current trace."""
    if aval.dtype == dtypes.float0:
        return np.zeros(aval.shape, dtypes.float0)
    zero = np.zeros((), aval.dtype)
    if not aval.shape:
        return zero
    return sh.broadcast_in_dim_p.bind(zero, shape=aval.shape, broadcast_dimensions=())[0]


def instantiate(t: Any) -> Any:
    """A concrete (or traced) tangent: `Zero`s become zero arrays."""
    return zeros_like_aval(t.aval) if isinstance(t, Zero) else t


def add_tangents(a: Any, b: Any) -> Any:
    """The sum of two tangents, keeping symbolic zeros symbolic."""
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    return ew.add_p.bind(a, b)[0]


class JVPTracer(Tracer):
    """A primal value with its tangent."""

    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any) -> None:
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        """The primal's abstract value."""
        return aval_of(self.primal)

    def to_concrete_value(self) -> Any:
        """The primal's concrete value, if it has one."""
        p = self.primal
        if isinstance(p, Tracer):
            return p.to_concrete_value()
        return np.asarray(p)


class JVPTrace(Trace):
    """Forward-mode differentiation: pushes tangents through each primitive's JVP rule."""

    __slots__ = ("parent",)
    kind = "jvp"

    def __init__(self, parent: Trace) -> None:
        super().__init__()
        self.parent = parent

    def split(self, x: Any) -> tuple[Any, Any]:
        """The (primal, tangent) of an argument; values of other traces have zero tangent."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer) and not x._trace.valid:
            raise leaked_tracer_error(x)
        return x, Zero(tangent_aval(aval_of(x)))

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Apply the primitive's JVP rule."""
        primals, tangents = [], []
        for x in args:
            p, t = self.split(x)
            primals.append(p)
            tangents.append(t)
        if all(isinstance(t, Zero) for t in tangents):
            with set_current_trace(self.parent):
                return primitive.bind(*primals, **params)
        rule = jvp_rules.get(primitive)
        if rule is None:
            raise MissingRuleError(primitive.name, "jvp")
        with set_current_trace(self.parent):
            p_out, t_out = rule(primals, tangents, **params)
        return [
            p if isinstance(t, Zero) else JVPTracer(self, p, t)
            for p, t in zip(p_out, t_out, strict=True)
        ]


def jvp_flat(
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any], tangents: Sequence[Any]
) -> tuple[list[Any], list[Any]]:
    """Push `tangents` (arrays or `Zero`) through `fun` (flat in, flat out) at `primals`.

    Returns:
        `(primal_outs, tangent_outs)`; tangent outputs may be `Zero`.
    """
    from pullback_ir.trace import CONTEXT

    trace = JVPTrace(CONTEXT.trace)
    ins = [
        p if isinstance(t, Zero) else JVPTracer(trace, p, t)
        for p, t in zip(primals, tangents, strict=True)
    ]
    try:
        with set_current_trace(trace):
            outs = list(fun(*ins))
        p_out, t_out = [], []
        for o in outs:
            p, t = trace.split(o)
            p_out.append(p)
            t_out.append(t)
    finally:
        trace.invalidate()
    return p_out, t_out
