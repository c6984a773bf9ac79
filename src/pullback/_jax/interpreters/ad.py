"""`jax.interpreters.ad`: JVP and transpose rules with JAX's signatures, on pullback's tables.

`primitive_jvps[p] = rule` with `rule(primals, tangents, **params) -> (out, tangent_out)` and
`primitive_transposes[p] = rule` with `rule(ct, *args, **params) -> cts` (linear arguments are
`UndefinedPrimal`s); symbolic zero tangents are `Zero`s, as in JAX.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_autodiff.core import JVPTrace, JVPTracer, Zero, instantiate, jvp_rules
from pullback_autodiff.transpose import UndefinedPrimal, is_undefined, transpose_rules

from pullback._jax._rules import Registry, single

__all__ = ["JVPTrace", "JVPTracer", "UndefinedPrimal", "Zero", "instantiate_zeros",
           "is_undefined_primal", "primitive_jvps", "primitive_transposes"]  # fmt: skip

instantiate_zeros = instantiate
is_undefined_primal = is_undefined


def _adapt_jvp(prim: Any, rule: Callable[..., Any]) -> Callable[..., Any]:
    one = single(prim)

    def jvp(primals: Sequence[Any], tangents: Sequence[Any], **params: Any) -> Any:
        out, t_out = rule(list(primals), list(tangents), **params)
        return ([out], [t_out]) if one else (list(out), list(t_out))

    return jvp


def _adapt_transpose(prim: Any, rule: Callable[..., Any]) -> Callable[..., Any]:
    one = single(prim)

    def transpose(cts: Sequence[Any], *args: Any, **params: Any) -> Sequence[Any]:
        cts_in = rule(cts[0] if one else list(cts), *args, **params)
        return [None if c is None else c for c in cts_in]

    return transpose


primitive_jvps = Registry("primitive_jvps", jvp_rules, _adapt_jvp)
primitive_transposes = Registry("primitive_transposes", transpose_rules, _adapt_transpose)
