"""Reverse mode: transposing linear jaxprs.

`backward_pass` walks a jaxpr that is linear in some of its inputs from the outputs back,
applying `transpose_rules[primitive](cts_out, *args, **params) -> cts_in`. In a rule, the
linear arguments are `UndefinedPrimal`s (only their aval is known) and the others are values;
a rule returns one cotangent per argument (None for non-linear ones, `Zero` for none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_ir.avals import ShapedArray
from pullback_ir.errors import MissingRuleError
from pullback_ir.jaxpr import Jaxpr, Literal, Var
from pullback_ir.primitive import Primitive

from pullback_autodiff.core import Zero, add_tangents

__all__ = ["UndefinedPrimal", "backward_pass", "is_undefined", "transpose_rules"]

TransposeRule = Callable[..., Sequence[Any]]
#: `primitive -> rule(cts_out, *args, **params) -> cts_in` (args: values or UndefinedPrimal).
transpose_rules: dict[Primitive, TransposeRule] = {}


class UndefinedPrimal:
    """A linear input of a transposed primitive: its value is unknown, its aval is known."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    def __repr__(self) -> str:
        return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined(x: Any) -> bool:
    """Whether `x` is an `UndefinedPrimal`."""
    return isinstance(x, UndefinedPrimal)


def backward_pass(
    jaxpr: Jaxpr,
    consts: Sequence[Any],
    args: Sequence[Any],
    cts_out: Sequence[Any],
) -> list[Any]:
    """Cotangents of the `UndefinedPrimal` entries of `args`, given the outputs' cotangents.

    Equations that read no linear value are evaluated forward first (they compute values the
    transpose rules need); the linear ones are transposed in reverse order.

    Returns:
        One entry per argument: the cotangent (possibly `Zero`) for undefined ones, None else.
    """
    env: dict[Var, Any] = dict(zip(jaxpr.constvars, consts, strict=True))
    linear: set[Var] = set()
    for v, a in zip(jaxpr.invars, args, strict=True):
        if is_undefined(a):
            linear.add(v)
        else:
            env[v] = a

    def read(x: Var | Literal) -> Any:
        if isinstance(x, Literal):
            return x.val
        return UndefinedPrimal(x.aval) if x in linear else env[x]

    linear_eqns = []
    for eqn in jaxpr.eqns:
        if any(isinstance(x, Var) and x in linear for x in eqn.invars):
            linear.update(eqn.outvars)
            linear_eqns.append(eqn)
        else:
            outs = eqn.primitive.bind(*[read(x) for x in eqn.invars], **eqn.params)
            env.update(zip(eqn.outvars, outs, strict=True))

    ct_env: dict[Var, Any] = {}

    def write_ct(v: Var | Literal, ct: Any) -> None:
        if isinstance(v, Var) and v in linear and ct is not None and not isinstance(ct, Zero):
            ct_env[v] = add_tangents(ct_env[v], ct) if v in ct_env else ct

    for out, ct in zip(jaxpr.outvars, cts_out, strict=True):
        write_ct(out, ct)
    for eqn in reversed(linear_eqns):
        cts = [ct_env.pop(v, None) for v in eqn.outvars]
        if all(ct is None for ct in cts):
            continue
        cts = [Zero(v.aval) if ct is None else ct for ct, v in zip(cts, eqn.outvars, strict=True)]
        rule = transpose_rules.get(eqn.primitive)
        if rule is None:
            raise MissingRuleError(eqn.primitive.name, "transpose")
        cts_in = rule(cts, *[read(x) for x in eqn.invars], **eqn.params)
        for x, ct in zip(eqn.invars, cts_in, strict=True):
            write_ct(x, ct)
    return [
        ct_env.get(v, Zero(a.aval)) if is_undefined(a) else None
        for v, a in zip(jaxpr.invars, args, strict=True)
    ]
