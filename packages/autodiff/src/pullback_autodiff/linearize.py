"""Linearization by partial evaluation of the JVP.

The JVP of a function is run with known primals and unknown tangents. A
`PartialEvalTrace` sits below the JVP trace: a primitive with only known inputs is computed
right away (in the parent trace), one with an unknown input is recorded into the linear
jaxpr, and the known values it reads become that jaxpr's constants — the residuals. Calling
the linear function evaluates only the recorded tangent equations, never the primal ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_ir.avals import aval_of
from pullback_ir.config import STATE
from pullback_ir.jaxpr import ClosedJaxpr, check_jaxpr
from pullback_ir.primitive import Primitive
from pullback_ir.staging import StagingTrace, StagingTracer
from pullback_ir.trace import CONTEXT, Trace, set_current_trace

from pullback_autodiff.core import Zero, jvp_flat, tangent_aval

__all__ = ["PartialEvalTrace", "linearize_flat", "pe_rules"]

#: `primitive -> rule(trace, args, params) -> outputs`: how a primitive with some unknown
#: inputs splits into a known part (computed now) and an unknown part (staged). Without a
#: rule, the whole application is staged.
pe_rules: dict[
    Primitive, Callable[[PartialEvalTrace, Sequence[Any], dict[str, Any]], list[Any]]
] = {}


class PartialEvalTrace(Trace):
    """Computes what depends only on known values; stages the rest into `staging`."""

    __slots__ = ("parent", "staging")
    kind = "linearize"

    def __init__(self, parent: Trace, staging: StagingTrace) -> None:
        super().__init__()
        self.parent = parent
        self.staging = staging

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Stage the primitive if it reads an unknown value, else compute it in the parent."""
        staging = self.staging
        for x in args:
            if isinstance(x, StagingTracer) and x._trace is staging:
                rule = pe_rules.get(primitive)
                if rule is not None:
                    return rule(self, args, params)
                return staging.process_primitive(primitive, args, params)
        with set_current_trace(self.parent):
            return primitive.bind(*args, **params)


def linearize_flat(
    fun: Callable[..., Sequence[Any]], primals: Sequence[Any], tangent_mask: Sequence[bool]
) -> tuple[list[Any], ClosedJaxpr, list[bool]]:
    """Linearize `fun` (flat in, flat out) at `primals`.

    Args:
        fun: the function.
        primals: the point (concrete values or tracers of enclosing transformations).
        tangent_mask: which inputs get a tangent (the linear function's inputs).

    Returns:
        `(primal_outs, linear_jaxpr, zero_outs)`: the linear jaxpr takes the tangents of the
        masked inputs and returns the tangents of the outputs not flagged in `zero_outs`
        (those are identically zero); its constants are the residuals.
    """
    staging = StagingTrace()
    pe = PartialEvalTrace(CONTEXT.trace, staging)
    tangents: list[Any] = []
    for p, m in zip(primals, tangent_mask, strict=True):
        aval = tangent_aval(aval_of(p))
        tangents.append(staging.new_arg(aval) if m else Zero(aval))
    try:
        with set_current_trace(pe):
            p_out, t_out = jvp_flat(fun, primals, tangents)
        zero_outs = [isinstance(t, Zero) for t in t_out]
        linear = staging.to_jaxpr([t for t in t_out if not isinstance(t, Zero)])
    finally:
        staging.invalidate()
        pe.invalidate()
    if STATE.checks:
        check_jaxpr(linear)
    return p_out, linear, zero_outs
