"""`jax.interpreters.mlir`: lowering rules, for rules made with `lower_fun`.

`register_lowering(p, lower_fun(f, multiple_results))` lowers `p` by tracing `f` (written with
`jax.numpy`/`lax`) into a jaxpr and lowering that inline, which is how libraries lower their
primitives. Rules that build MLIR operations directly are not supported: pullback lowers to
StableHLO text, not through JAX's MLIR builders, and such a primitive raises a clear error when
compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_compile.lowering import lowering_rules
from pullback_ir.staging import trace_to_jaxpr

from pullback._jax.extend.core import core_of, front

__all__ = ["emit_python_callback", "lower_fun", "register_lowering"]


class _LowerFun:
    """A lowering given as a function of arrays (from `lower_fun`)."""

    def __init__(self, fun: Callable[..., Any], multiple_results: bool) -> None:
        self.fun, self.multiple_results = fun, multiple_results

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "a lower_fun rule is applied by pullback's lowering, not called with JAX's MLIR context"
        )


def lower_fun(fun: Callable[..., Any], multiple_results: bool = True) -> Any:
    """A lowering rule that lowers `fun`, a function of arrays computing the primitive."""
    return _LowerFun(fun, multiple_results)


def register_lowering(prim: Any, rule: Any, platform: str | None = None, **_: Any) -> None:
    """Lower `prim` with `rule` (made by `lower_fun`).

    `platform` is accepted: one rule serves every platform.
    """
    del platform  # unused
    core = core_of(prim, "register_lowering")
    name = getattr(front(core), "name", core.name)
    if not isinstance(rule, _LowerFun):

        def refused(ctx: Any, args: Sequence[str], in_avals: Any, out_avals: Any,
                    **params: Any) -> list[str]:  # fmt: skip
            raise NotImplementedError(
                f"primitive {name!r} has a lowering rule that builds JAX MLIR operations; "
                "pullback lowers only rules made with mlir.lower_fun"
            )

        lowering_rules[core] = refused
        return
    fun, many = rule.fun, rule.multiple_results

    def lowering(ctx: Any, args: Sequence[str], in_avals: Any, out_avals: Any,
                 **params: Any) -> list[str]:  # fmt: skip
        def flat(*xs: Any) -> list[Any]:
            out = fun(*xs, **params)
            return list(out) if many else [out]

        return list(ctx.jaxpr(trace_to_jaxpr(flat, list(in_avals)), list(args)))

    lowering_rules[core] = lowering


def emit_python_callback(*args: Any, **kwargs: Any) -> Any:
    """Not supported: use `jax.pure_callback` or `jax.debug.callback`.

    Raises:
        NotImplementedError: always.
    """
    raise NotImplementedError(
        "mlir.emit_python_callback builds JAX MLIR operations; pullback lowers callbacks "
        "through pure_callback / io_callback"
    )
