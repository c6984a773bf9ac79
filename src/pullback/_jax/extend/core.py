"""`jax.extend.core`: JAX's `Primitive` and jaxpr types, on pullback's own.

A `Primitive` made here is a JAX-style front for a pullback primitive: `def_impl` and
`def_abstract_eval` take JAX's signatures (one result unless `multiple_results`), and the rule
registries of `jax.interpreters.{ad,batching,mlir}` install adapted rules into pullback's rule
tables. The jaxpr classes are pullback's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from pullback_api._transforms import to_arrays
from pullback_ir import primitive as _prim
from pullback_ir.avals import ShapedArray, aval_of
from pullback_ir.jaxpr import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var
from pullback_ir.trace import CONTEXT, Trace

__all__ = [
    "ClosedJaxpr",
    "Effect",
    "Jaxpr",
    "JaxprEqn",
    "Literal",
    "Primitive",
    "Var",
    "find_top_trace",
    "get_opaque_trace_state",
    "jaxpr_as_fn",
    "mapped_aval",
    "unmapped_aval",
]


class Effect:
    """The base class of side effects a primitive may declare."""


_UNIQUE = itertools.count()


class Primitive:
    """A primitive with JAX's interface: `bind`, `def_impl`, `def_abstract_eval`.

    `p.bind(*args, **params)` returns one value, or a list when `p.multiple_results` is set.
    """

    multiple_results = False
    call_primitive = False
    map_primitive = False

    def __init__(self, name: str) -> None:
        self.name = name
        self._impl: Callable[..., Any] | None = None
        self._abstract: Callable[..., Any] | None = None
        self._effectful = False
        unique = name if name not in _prim.REGISTRY else f"{name}_{next(_UNIQUE)}"
        #: The pullback primitive behind this one (what jaxprs and rule tables hold).
        self.core = _prim.Primitive(
            unique, abstract_eval=self._abstract_eval, impl=self._run_impl, higher_order=True
        )
        _FRONTS[self.core] = self

    # -- definitions --
    def def_impl(self, impl: Callable[..., Any]) -> Callable[..., Any]:
        """Set how the primitive computes on concrete values (JAX's signature)."""
        self._impl = impl
        return impl

    def def_abstract_eval(self, abstract_eval: Callable[..., Any]) -> Callable[..., Any]:
        """Set the shape/dtype rule: `(*avals, **params) -> aval` (a list if multiple)."""
        self._abstract = abstract_eval
        return abstract_eval

    def def_effectful_abstract_eval(self, rule: Callable[..., Any]) -> Callable[..., Any]:
        """Set a shape/dtype rule that also returns effects: `-> (avals, effects)`."""
        self._abstract = lambda *a, **p: rule(*a, **p)[0]
        self._effectful = True
        self.core.effectful = True
        return rule

    # -- use --
    def bind(self, *args: Any, **params: Any) -> Any:
        """Apply the primitive under the current transformations."""
        outs = to_arrays(self.core.bind(*args, **params))
        return list(outs) if self.multiple_results else outs[0]

    def impl(self, *args: Any, **params: Any) -> Any:
        """Run the implementation (JAX's signature)."""
        if self._impl is None:
            raise NotImplementedError(f"primitive {self.name!r} has no impl (def_impl)")
        return self._impl(*args, **params)

    def abstract_eval(self, *avals: Any, **params: Any) -> Any:
        """Run the shape/dtype rule (JAX's signature, without effects)."""
        return self._abstract_eval(*avals, **params)

    def _abstract_eval(self, *avals: ShapedArray, **params: Any) -> list[ShapedArray]:
        if self._abstract is None:
            raise NotImplementedError(
                f"primitive {self.name!r} has no abstract evaluation rule (def_abstract_eval)"
            )
        out = self._abstract(*avals, **params)
        outs = list(out) if self.multiple_results else [out]
        return [_as_aval(a) for a in outs]

    def _run_impl(self, *args: Any, **params: Any) -> list[Any]:
        out = self.impl(*args, **params)
        return list(out) if self.multiple_results else [out]

    def __repr__(self) -> str:
        return self.name


#: pullback primitive -> the JAX-style front made here.
_FRONTS: dict[Any, Primitive] = {}


def front(core: Any) -> Primitive | None:
    """The JAX-style `Primitive` behind a pullback primitive, if it was made here."""
    return _FRONTS.get(core)


def core_of(prim: Any, what: str) -> Any:
    """The pullback primitive of `prim` (a Primitive made here, or pullback's own).

    Raises:
        TypeError: for anything else.
    """
    if isinstance(prim, Primitive):
        return prim.core
    if isinstance(prim, _prim.Primitive):
        return prim
    raise TypeError(f"{what}: expected a Primitive, got {prim!r}")


def _as_aval(a: Any) -> ShapedArray:
    if isinstance(a, ShapedArray):
        return a
    if hasattr(a, "shape") and hasattr(a, "dtype"):
        return ShapedArray(tuple(a.shape), a.dtype, bool(getattr(a, "weak_type", False)))
    raise TypeError(f"an abstract evaluation rule returned {a!r}, not a ShapedArray")


def mapped_aval(size: int, axis: int | None, aval: ShapedArray) -> ShapedArray:
    """`aval` without its mapped axis `axis` (of size `size`); unchanged for axis None."""
    if axis is None:
        return aval
    if aval.shape[axis] != size:
        raise ValueError(f"mapped_aval: axis {axis} of {aval.str_short()} is not of size {size}")
    return aval.update(shape=aval.shape[:axis] + aval.shape[axis + 1 :])


def unmapped_aval(size: int, axis: int | None, aval: ShapedArray, *_: Any) -> ShapedArray:
    """`aval` with a mapped axis of size `size` inserted at `axis`; unchanged for axis None."""
    if axis is None:
        return aval
    return aval.update(shape=(*aval.shape[:axis], size, *aval.shape[axis:]))


def find_top_trace(xs: Sequence[Any]) -> Trace:
    """The innermost trace any of `xs` belongs to (the current trace if none is a tracer)."""
    del xs  # unused: pullback's current trace is the innermost one in use
    return CONTEXT.trace


class _TraceState:
    __slots__ = ("trace",)

    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TraceState) and other.trace is self.trace

    def __hash__(self) -> int:
        return id(self.trace)


def get_opaque_trace_state(convention: Any = None) -> Any:
    """An opaque token of the current trace: equal tokens mean the same trace."""
    del convention  # unused
    return _TraceState(CONTEXT.trace)


def jaxpr_as_fn(closed: ClosedJaxpr) -> Callable[..., list[Any]]:
    """A function evaluating the closed jaxpr on its inputs."""
    from pullback_ir.interpreter import eval_closed_jaxpr

    def fn(*args: Any) -> list[Any]:
        return list(to_arrays(eval_closed_jaxpr(closed, *args)))

    return fn


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of an array, scalar or tracer."""
    return aval_of(x)
