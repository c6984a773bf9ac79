"""`eval_jaxpr`: run a jaxpr by binding each equation's primitive under the current trace.

Under no transformation this is the reference interpreter (NumPy implementations); inside a
transformation it replays the jaxpr into that transformation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, Literal, Var

__all__ = ["eval_closed_jaxpr", "eval_jaxpr"]


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence[Any], *args: Any) -> list[Any]:
    """Evaluate `jaxpr` on constant values `consts` and inputs `args`.

    Raises:
        TypeError: if the number of consts or args does not match the jaxpr.
    """
    if len(consts) != len(jaxpr.constvars) or len(args) != len(jaxpr.invars):
        raise TypeError(
            f"eval_jaxpr: the jaxpr takes {len(jaxpr.constvars)} consts and "
            f"{len(jaxpr.invars)} args, got {len(consts)} and {len(args)}"
        )
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))

    def read(x: Var | Literal) -> Any:
        return x.val if isinstance(x, Literal) else env[x]

    for eqn in jaxpr.eqns:
        outs = eqn.primitive.bind(*[read(x) for x in eqn.invars], **eqn.params)
        env.update(zip(eqn.outvars, outs, strict=True))
    return [read(x) for x in jaxpr.outvars]


def eval_closed_jaxpr(closed: ClosedJaxpr, *args: Any) -> list[Any]:
    """Evaluate a closed jaxpr on `args`."""
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)
