"""Dead-code elimination of jaxprs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pullback_ir.jaxpr import DropVar, Jaxpr, JaxprEqn, Var
from pullback_ir.primitive import Primitive

__all__ = ["DceRule", "dce_jaxpr", "dce_rules"]

# A rule for a higher-order primitive: given which outputs are used, return which inputs are
# used and the rewritten equation (None to delete it).
DceRule = Callable[[Sequence[bool], JaxprEqn], tuple[list[bool], JaxprEqn | None]]
dce_rules: dict[Primitive, DceRule] = {}


def _default_rule(
    used_outputs: Sequence[bool], eqn: JaxprEqn
) -> tuple[list[bool], JaxprEqn | None]:
    if not any(used_outputs) and not eqn.primitive.effectful and not eqn.effects:
        return [False] * len(eqn.invars), None
    return [True] * len(eqn.invars), eqn


def dce_jaxpr(
    jaxpr: Jaxpr, used_outputs: Sequence[bool], instantiate: bool | Sequence[bool] = False
) -> tuple[Jaxpr, list[bool]]:
    """Remove equations whose results are not needed for the used outputs.

    Args:
        jaxpr: the jaxpr (its constvars are kept as they are).
        used_outputs: one flag per output; unused outputs are removed.
        instantiate: inputs to keep even when unused (one flag per input, or one for all).

    Returns:
        `(new_jaxpr, used_inputs)`; the new jaxpr takes only the used inputs.
    """
    if isinstance(instantiate, bool):
        instantiate = [instantiate] * len(jaxpr.invars)
    live: set[Var] = {
        v for v, u in zip(jaxpr.outvars, used_outputs, strict=True) if u and isinstance(v, Var)
    }
    new_eqns: list[JaxprEqn] = []
    for eqn in reversed(jaxpr.eqns):
        used = [v in live and not isinstance(v, DropVar) for v in eqn.outvars]
        rule = dce_rules.get(eqn.primitive, _default_rule)
        used_in, new_eqn = rule(used, eqn)
        if new_eqn is None:
            continue
        new_eqns.append(new_eqn)
        live.update(
            x for x, u in zip(new_eqn.invars, used_in, strict=True) if u and isinstance(x, Var)
        )
    used_inputs = [v in live or inst for v, inst in zip(jaxpr.invars, instantiate, strict=True)]
    new_jaxpr = Jaxpr(
        jaxpr.constvars,
        [v for v, u in zip(jaxpr.invars, used_inputs, strict=True) if u],
        [v for v, u in zip(jaxpr.outvars, used_outputs, strict=True) if u],
        new_eqns[::-1],
        frozenset().union(*(e.effects for e in new_eqns)) if new_eqns else frozenset(),
    )
    return new_jaxpr, used_inputs
