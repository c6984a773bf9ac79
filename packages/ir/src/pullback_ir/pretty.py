"""The jaxpr printout: `{ lambda consts ; args. let eqns in (outs) }`, as JAX prints it."""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir.jaxpr import ClosedJaxpr, DropVar, Jaxpr, JaxprEqn, Literal, Var

__all__ = ["pp_eqn_context", "pp_jaxpr"]


class _Names:
    def __init__(self) -> None:
        self.names: dict[Var, str] = {}

    def __call__(self, v: Var | Literal) -> str:
        if isinstance(v, Literal):
            return v.text()
        if isinstance(v, DropVar):
            return "_"
        name = self.names.get(v)
        if name is None:
            name = self.names[v] = _letters(len(self.names))
        return name

    def binder(self, v: Var) -> str:
        return f"{self(v)}:{v.aval.str_short()}"


def _letters(n: int) -> str:
    s = ""
    while True:
        s = chr(ord("a") + n % 26) + s
        n = n // 26
        if n == 0:
            return s
        n -= 1


def _param(v: Any, names: _Names, indent: int) -> str:
    if isinstance(v, Jaxpr | ClosedJaxpr):
        return _pp(v.jaxpr if isinstance(v, ClosedJaxpr) else v, names, indent + 4)
    if isinstance(v, tuple) and any(isinstance(x, Jaxpr | ClosedJaxpr) for x in v):
        inner = "".join(" " * (indent + 4) + _param(x, names, indent) + "\n" for x in v)
        return "(\n" + inner + " " * (indent + 2) + ")"
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    if callable(v) and hasattr(v, "__name__"):
        return str(v.__name__)
    return repr(v)


def _pp_eqn(eqn: JaxprEqn, names: _Names, indent: int) -> str:
    lhs = " ".join(names.binder(v) for v in eqn.outvars)
    params = ""
    if eqn.params:
        items = [f"{k}={_param(v, names, indent)}" for k, v in sorted(eqn.params.items())]
        has_jaxpr = any(
            isinstance(v, Jaxpr | ClosedJaxpr)
            or (isinstance(v, tuple) and any(isinstance(x, Jaxpr | ClosedJaxpr) for x in v))
            for v in eqn.params.values()
        )
        params = (
            "[" + " ".join(items) + "]"
            if len(items) < 2 and not has_jaxpr
            else "[\n"
            + "".join(" " * (indent + 2) + it + "\n" for it in items)
            + " " * indent
            + "]"
        )
    args = " ".join(names(x) for x in eqn.invars)
    return f"{lhs} = {eqn.primitive.name}{params} {args}".rstrip()


def _pp(jaxpr: Jaxpr, names: _Names, indent: int) -> str:
    consts = " ".join(names.binder(v) for v in jaxpr.constvars)
    args = " ".join(names.binder(v) for v in jaxpr.invars)
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{_pp_eqn(e, names, indent + 4)}\n" for e in jaxpr.eqns)
    outs = ", ".join(names(v) for v in jaxpr.outvars)
    if len(jaxpr.outvars) == 1:
        outs += ","
    head = f"{{ lambda {consts}; {args}. let" if consts else f"{{ lambda ; {args}. let"
    return f"{head}\n{body}{' ' * (indent + 2)}in ({outs}) }}"


def pp_jaxpr(jaxpr: Jaxpr) -> str:
    """The printout of a jaxpr."""
    return _pp(jaxpr, _Names(), 0)


def pp_eqn_context(jaxpr: Jaxpr, index: int, radius: int = 2) -> str:
    """Equations `index - radius .. index + radius`, the one at `index` marked `>>`."""
    names = _Names()
    for v in (*jaxpr.constvars, *jaxpr.invars):
        names(v)
    lines = []
    for i, e in enumerate(jaxpr.eqns):
        text = _pp_eqn(e, names, 4)
        if abs(i - index) <= radius:
            lines.append(("  >> " if i == index else "     ") + text)
    return "\n".join(lines)
