"""Jaxprs: the typed, first-order IR that tracing produces and every transformation consumes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pullback_ir.avals import ShapedArray
from pullback_ir.dtypes import short_name
from pullback_ir.errors import InvalidJaxprError
from pullback_ir.primitive import Primitive

__all__ = ["ClosedJaxpr", "DropVar", "Jaxpr", "JaxprEqn", "Literal", "Var", "check_jaxpr"]


class Var:
    """A variable of a jaxpr; identity is the variable (names are given when printing)."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


class DropVar(Var):
    """An equation output nothing reads (printed `_`)."""

    __slots__ = ()


class Literal:
    """A scalar constant written inline in an equation."""

    __slots__ = ("aval", "val")

    def __init__(self, val: Any, aval: ShapedArray) -> None:
        self.val = val
        self.aval = aval

    def __repr__(self) -> str:
        return f"Literal({self.val!r})"

    def text(self) -> str:
        """`2.0:f32[]`, as printed in jaxprs."""
        v = self.val.item() if isinstance(self.val, np.ndarray | np.generic) else self.val
        return f"{v}:{short_name(self.aval.dtype)}[]"


Atom = Var | Literal


class JaxprEqn:
    """One equation: `outvars = primitive[params] invars`."""

    __slots__ = ("effects", "invars", "name_stack", "outvars", "params", "primitive")

    def __init__(
        self,
        invars: list[Atom],
        outvars: list[Var],
        primitive: Primitive,
        params: dict[str, Any],
        effects: frozenset[Any] = frozenset(),
        name_stack: tuple[str, ...] = (),
    ) -> None:
        self.invars = invars
        self.outvars = outvars
        self.primitive = primitive
        self.params = params
        self.effects = effects
        self.name_stack = name_stack

    def replace(self, **changes: Any) -> JaxprEqn:
        """A copy with some fields replaced (`invars`, `outvars`, `params`, ...)."""
        fields: dict[str, Any] = {
            "invars": self.invars,
            "outvars": self.outvars,
            "primitive": self.primitive,
            "params": self.params,
            "effects": self.effects,
            "name_stack": self.name_stack,
        }
        fields.update(changes)
        return JaxprEqn(**fields)

    def __repr__(self) -> str:
        return f"JaxprEqn({self.primitive.name})"


class Jaxpr:
    """A function in the IR: constant inputs, inputs, equations and outputs."""

    __slots__ = ("constvars", "effects", "eqns", "invars", "outvars")

    def __init__(
        self,
        constvars: list[Var],
        invars: list[Var],
        outvars: list[Atom],
        eqns: list[JaxprEqn],
        effects: frozenset[Any] = frozenset(),
    ) -> None:
        self.constvars = constvars
        self.invars = invars
        self.outvars = outvars
        self.eqns = eqns
        self.effects = effects

    @property
    def in_avals(self) -> list[ShapedArray]:
        """The avals of the inputs."""
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        """The avals of the outputs."""
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        from pullback_ir.pretty import pp_jaxpr

        return pp_jaxpr(self)

    __repr__ = __str__


class ClosedJaxpr:
    """A jaxpr together with the values of its constant inputs."""

    __slots__ = ("consts", "jaxpr")

    def __init__(self, jaxpr: Jaxpr, consts: Sequence[Any]) -> None:
        if len(consts) != len(jaxpr.constvars):
            raise ValueError(
                f"ClosedJaxpr: {len(jaxpr.constvars)} constvars but {len(consts)} consts"
            )
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def in_avals(self) -> list[ShapedArray]:
        """The avals of the inputs."""
        return self.jaxpr.in_avals

    @property
    def out_avals(self) -> list[ShapedArray]:
        """The avals of the outputs."""
        return self.jaxpr.out_avals

    @property
    def eqns(self) -> list[JaxprEqn]:
        """The equations."""
        return self.jaxpr.eqns

    @property
    def effects(self) -> frozenset[Any]:
        """The jaxpr's effects."""
        return self.jaxpr.effects

    # JAX 0.12 merged Jaxpr and ClosedJaxpr: a jaxpr's first inputs may carry values (its
    # consts). These accessors give a ClosedJaxpr that reading.

    @property
    def constvars(self) -> list[Var]:
        """The inputs that carry the `consts`."""
        return self.jaxpr.constvars

    @property
    def invars(self) -> list[Var]:
        """The inputs without values (the function's arguments)."""
        return self.jaxpr.invars

    @property
    def outvars(self) -> list[Atom]:
        """The outputs."""
        return self.jaxpr.outvars

    @property
    def all_invars(self) -> list[Var]:
        """The constant inputs, then the arguments (JAX 0.12)."""
        return [*self.jaxpr.constvars, *self.jaxpr.invars]

    @property
    def num_consts(self) -> int:
        """How many inputs carry values (JAX 0.12)."""
        return len(self.consts)

    @property
    def literals(self) -> list[Any]:
        """The `consts` (JAX's older name)."""
        return self.consts

    def with_consts(self, consts: Sequence[Any]) -> ClosedJaxpr:
        """The same program with `consts` as the values of its first `len(consts)` inputs.

        Those inputs become the constant inputs; the rest are the arguments (JAX 0.12).

        Raises:
            ValueError: for more values than the program has inputs.

        Example:
            >>> import numpy as np
            >>> from pullback_ir.staging import make_jaxpr
            >>> closed = make_jaxpr(lambda a, b: a * b)(np.float32(2), np.float32(3))
            >>> bound = closed.with_consts([np.float32(5)])
            >>> bound.num_consts, len(bound.invars), len(bound.all_invars)
            (1, 1, 2)
        """
        consts = list(consts)
        every = self.all_invars
        if len(consts) > len(every):
            raise ValueError(f"with_consts: {len(consts)} values for a jaxpr with "
                             f"{len(every)} inputs")  # fmt: skip
        j = self.jaxpr
        inner = Jaxpr(every[: len(consts)], every[len(consts) :], j.outvars, j.eqns, j.effects)
        return ClosedJaxpr(inner, consts)

    def __str__(self) -> str:
        return str(self.jaxpr)

    __repr__ = __str__


def _typematch(a: ShapedArray, b: ShapedArray) -> bool:
    # Weak types are a promotion hint, not part of the type.
    return a.shape == b.shape and a.dtype == b.dtype


def check_jaxpr(jaxpr: Jaxpr | ClosedJaxpr) -> None:
    """Type-check a jaxpr: every variable defined once before use, every equation well typed.

    Sub-jaxprs found in equation params are checked too.

    Raises:
        InvalidJaxprError: showing the offending equation among its neighbours.
    """
    if isinstance(jaxpr, ClosedJaxpr):
        jaxpr = jaxpr.jaxpr
    defined: set[Var] = set()

    def fail(i: int, msg: str) -> InvalidJaxprError:
        from pullback_ir.pretty import pp_eqn_context

        return InvalidJaxprError(f"{msg}\n{pp_eqn_context(jaxpr, i)}")

    for v in (*jaxpr.constvars, *jaxpr.invars):
        if v in defined:
            raise fail(-1, f"variable {v} is bound twice among the inputs")
        defined.add(v)
    for i, eqn in enumerate(jaxpr.eqns):
        for x in eqn.invars:
            if isinstance(x, Var) and x not in defined:
                raise fail(i, f"equation {i} ({eqn.primitive.name}) reads an undefined variable")
        try:
            out_avals = eqn.primitive.abstract_eval(*[x.aval for x in eqn.invars], **eqn.params)
        except (TypeError, ValueError) as e:
            raise fail(i, f"equation {i} ({eqn.primitive.name}) is ill-typed: {e}") from e
        if len(out_avals) != len(eqn.outvars) or not all(
            _typematch(a, v.aval) for a, v in zip(out_avals, eqn.outvars, strict=False)
        ):
            want = ", ".join(a.str_short() for a in out_avals)
            got = ", ".join(v.aval.str_short() for v in eqn.outvars)
            raise fail(i, f"equation {i} ({eqn.primitive.name}) outputs ({got}), expected ({want})")
        for v in eqn.outvars:
            if v in defined:
                raise fail(i, f"equation {i} ({eqn.primitive.name}) rebinds a variable")
            defined.add(v)
        for p in eqn.params.values():
            for sub in p if isinstance(p, tuple) else (p,):
                if isinstance(sub, Jaxpr | ClosedJaxpr):
                    check_jaxpr(sub)
    for x in jaxpr.outvars:
        if isinstance(x, Var) and x not in defined:
            raise fail(len(jaxpr.eqns), "an output is an undefined variable")
