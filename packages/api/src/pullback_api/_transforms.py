"""The transformations of the public surface, wired across the packages.

Each is the implementation of its package (`pullback_autodiff`, `pullback_batching`,
`pullback_compile`), wrapped so that eager results come back as `Array`s (the reference
interpreter computes NumPy values) and so that `pmap` also works under other transformations
(there it maps as a named `vmap`, which computes the same thing).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pullback_autodiff as _ad
import pullback_batching as _bt
import pullback_compile as _cp
from pullback_compile import Array
from pullback_ir.control_flow import named_call as _named_call
from pullback_ir.trace import CONTEXT, EvalTrace, Tracer
from pullback_pytrees import tree_flatten, tree_unflatten

__all__ = [
    "checkpoint",
    "closure_convert",
    "custom_gradient",
    "custom_jvp",
    "custom_vjp",
    "fwd_and_bwd",
    "grad",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "linear_transpose",
    "linearize",
    "named_call",
    "pmap",
    "remat",
    "stop_gradient",
    "to_arrays",
    "value_and_grad",
    "vjp",
    "vmap",
]


def to_arrays(tree: Any) -> Any:
    """`tree` with every NumPy array leaf (an eager result) turned into an `Array`."""
    t = type(tree)
    if t is np.ndarray:
        return Array._from_host(tree)
    if t is Array:
        return tree
    leaves, treedef = tree_flatten(tree)
    if not any(type(x) is np.ndarray for x in leaves):
        return tree
    return tree_unflatten(
        treedef, [Array._from_host(x) if type(x) is np.ndarray else x for x in leaves]
    )


def _returning_arrays(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return to_arrays(f(*args, **kwargs))

    return wrapper


def _transform(t: Callable[..., Callable[..., Any]]) -> Callable[..., Callable[..., Any]]:
    # A transformation whose result is a function: that function returns Arrays.
    @functools.wraps(t)
    def api(*args: Any, **kwargs: Any) -> Callable[..., Any]:
        return _returning_arrays(t(*args, **kwargs))

    return api


grad = _transform(_ad.grad)
value_and_grad = _transform(_ad.value_and_grad)
jacfwd = _transform(_ad.jacfwd)
jacrev = _transform(_ad.jacrev)
jacobian = _transform(_ad.jacobian)
hessian = _transform(_ad.hessian)
linear_transpose = _transform(_ad.linear_transpose)
custom_gradient = _transform(_ad.custom_gradient)
checkpoint = _transform(_ad.checkpoint)
remat = checkpoint
vmap = _transform(_bt.vmap)
jvp = _returning_arrays(_ad.jvp)
stop_gradient = _returning_arrays(_ad.stop_gradient)


@functools.wraps(_ad.vjp)
def vjp(fun: Callable[..., Any], *primals: Any, **kwargs: Any) -> Any:
    out = _ad.vjp(fun, *primals, **kwargs)
    return (to_arrays(out[0]), _returning_arrays(out[1]), *(to_arrays(x) for x in out[2:]))


@functools.wraps(_ad.linearize)
def linearize(fun: Callable[..., Any], *primals: Any, **kwargs: Any) -> Any:
    out = _ad.linearize(fun, *primals, **kwargs)
    return (to_arrays(out[0]), _returning_arrays(out[1]), *(to_arrays(x) for x in out[2:]))


@functools.wraps(_ad.fwd_and_bwd)
def fwd_and_bwd(fun: Callable[..., Any], *primals: Any, **kwargs: Any) -> tuple[Any, Any]:
    out, bwd = _ad.fwd_and_bwd(fun, *primals, **kwargs)
    return to_arrays(out), _returning_arrays(bwd)


def closure_convert(fun: Callable[..., Any], *closed_over_vals: Any) -> tuple[Any, list[Any]]:
    """Hoist the values `fun` closes over into explicit arguments (see custom_vjp).

    `closed_over_vals` are example arguments of `fun`; returns `(converted, consts)` where
    `converted(*args, *consts)` computes `fun(*args)`.
    """
    converted, consts = _ad.closure_convert(fun, *closed_over_vals)
    return _returning_arrays(converted), consts


class custom_jvp(_ad.custom_jvp):  # JAX's name
    __doc__ = _ad.custom_jvp.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return to_arrays(super().__call__(*args, **kwargs))


class custom_vjp(_ad.custom_vjp):  # JAX's name
    __doc__ = _ad.custom_vjp.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return to_arrays(super().__call__(*args, **kwargs))


def pmap(
    fun: Callable[..., Any],
    axis_name: Any = None,
    in_axes: Any = 0,
    out_axes: Any = 0,
    static_broadcasted_argnums: int | Sequence[int] = (),
    devices: Sequence[Any] | None = None,
    backend: str | None = None,
    axis_size: int | None = None,
    donate_argnums: int | Sequence[int] = (),
    global_arg_shapes: Any = None,
) -> Callable[..., Any]:
    """Parallel map over devices (see `pullback_compile.pmap` for the parameters).

    At the top level it runs one SPMD program over the devices. Under another transformation
    (`grad`, `vmap`, `jit`, ...) it maps as a `vmap` with the same axis name, which gives the
    same values (collectives included), so `grad(pmap(f))` and `jit(pmap(f))` work.
    """
    compiled = _cp.pmap(fun, axis_name, in_axes, out_axes, static_broadcasted_argnums, devices,
                        backend, axis_size, donate_argnums, global_arg_shapes)  # fmt: skip
    static = (
        (static_broadcasted_argnums,)
        if isinstance(static_broadcasted_argnums, int)
        else tuple(static_broadcasted_argnums)
    )

    @functools.wraps(fun)
    def mapped(*args: Any) -> Any:
        traced = type(CONTEXT.trace) is not EvalTrace or any(
            isinstance(x, Tracer) for x in tree_flatten(args)[0]
        )
        if not traced:
            return compiled(*args)
        n = len(args)
        pos = {i + n if i < 0 else i for i in static}
        dyn_idx = [i for i in range(n) if i not in pos]

        def inner(*dyn: Any) -> Any:
            full = list(args)
            for i, v in zip(dyn_idx, dyn, strict=True):
                full[i] = v
            return fun(*full)

        axes = in_axes
        if isinstance(in_axes, (tuple, list)) and len(in_axes) == n and pos:
            axes = tuple(in_axes[i] for i in dyn_idx)
        return to_arrays(
            _bt.vmap(inner, axes, out_axes, axis_name=axis_name, axis_size=axis_size)(
                *[args[i] for i in dyn_idx]
            )
        )

    return mapped


def named_call(f: Callable[..., Any], *, name: str) -> Callable[..., Any]:
    """Wrap `f` so that each call is staged as one call named `name` (kept in lowered code)."""
    return _returning_arrays(_named_call(f, name=name))
