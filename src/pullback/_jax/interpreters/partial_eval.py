"""`jax.interpreters.partial_eval`: known/unknown partial evaluation.

As flax's `lazy_init` and `nn.scan` (broadcast variables) use it, on pullback's own partial
evaluator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pullback_api._transforms import to_arrays
from pullback_autodiff.control_rules import partial_eval_jaxpr
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.interpreter import eval_closed_jaxpr
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.staging import trace_to_jaxpr

__all__ = ["PartialVal", "trace_to_jaxpr_nounits"]


class PartialVal(tuple[Any, Any]):
    """`(aval, None)` for an unknown value, `(None, value)` for a known one."""

    @classmethod
    def known(cls, const: Any) -> PartialVal:
        """A known value."""
        return cls((None, const))

    @classmethod
    def unknown(cls, aval: ShapedArray) -> PartialVal:
        """An unknown value of abstract value `aval`."""
        return cls((aval, None))

    def is_known(self) -> bool:
        """Whether the value is known."""
        return self[0] is None

    def get_known(self) -> Any:
        """The known value, or None."""
        return self[1] if self[0] is None else None

    def get_aval(self) -> ShapedArray:
        """The abstract value."""
        return aval_of(self[1]) if self[0] is None else self[0]


def trace_to_jaxpr_nounits(
    fun: Any, pvals: Sequence[PartialVal], instantiate: bool | Sequence[bool] = False
) -> tuple[ClosedJaxpr, list[PartialVal], list[Any]]:
    """Run what `fun` computes from the known inputs; stage the rest.

    Returns:
        `(jaxpr, out_pvals, residuals)`: `jaxpr` maps `(*residuals, *unknown inputs)` to the
        unknown outputs; `out_pvals` gives each output, known (with its value) or unknown.
    """
    pvals = [PartialVal(p) for p in pvals]
    avals = [p.get_aval() for p in pvals]
    closed = trace_to_jaxpr(lambda *xs: list(fun.call_wrapped(*xs)), avals)
    n_out = len(closed.out_avals)
    inst = [instantiate] * n_out if isinstance(instantiate, bool) else list(instantiate)
    unknowns = [not p.is_known() for p in pvals]
    known, unknown, out_uk, n_res = partial_eval_jaxpr(closed, unknowns, inst)
    known_outs = eval_closed_jaxpr(known, *[p.get_known() for p in pvals if p.is_known()])
    n_known = len(known_outs) - n_res
    values, residuals = list(to_arrays(known_outs[:n_known])), known_outs[n_known:]
    out_pvals, vals = [], iter(values)
    for aval, uk in zip(closed.out_avals, out_uk, strict=True):
        out_pvals.append(PartialVal.unknown(aval) if uk else PartialVal.known(next(vals)))
    return unknown, out_pvals, list(residuals)
