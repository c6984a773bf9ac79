"""Shared machinery of `pullback.numpy`: argument conversion, promotion, result wrapping."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of
from pullback_ir.operators import broadcast_arrays, promote_args
from pullback_ir.trace import CONTEXT, EvalTrace, Tracer

__all__ = [
    "asarray_arg",
    "axes_of",
    "cast",
    "export",
    "host_view",
    "promote",
    "promote_inexact",
    "shape_of",
    "to_dtype",
    "wrap",
]


def wrap(x: Any) -> Any:
    """An eager NumPy result as an Array (tracers and Arrays pass through; tuples/lists map)."""
    t = type(x)
    if t is np.ndarray:
        return Array._from_host(x)
    if isinstance(x, np.generic):  # (NumPy operators on 0-d arrays give scalars)
        return Array._from_host(np.asarray(x))
    if t is tuple or t is list:
        return t(wrap(v) for v in x)
    return x


def export(f: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a public function: its eager results come back as Arrays."""

    @functools.wraps(f)
    def fn(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        if type(out) is Array:  # (the common eager result: no wrapping to do)
            return out
        return wrap(out)

    return fn


def eager_host(x: Any) -> np.ndarray[Any, Any] | None:
    """The host value of an Array when NumPy may compute the result directly, else None.

    That is when nothing is being traced and the Array's value is on the host: the reference
    interpreter would run the same NumPy code, so eager fast paths call NumPy themselves.
    """
    if type(x) is Array and type(CONTEXT.trace) is EvalTrace:
        return x._host
    return None


def host_view(a: Array, view: np.ndarray[Any, Any]) -> Array:
    """An Array of `view`, a NumPy view of `a`'s host value (same weak type and device)."""
    return Array._from_host(view, a._aval.weak_type, a._home(), owned=False)


def is_array(x: Any) -> bool:
    """Whether `x` is an array value (Array, tracer, NumPy array or scalar)."""
    return isinstance(x, (Array, Tracer, np.ndarray, np.generic, bool, int, float, complex))


def check_arraylike(name: str, *args: Any) -> None:
    """Raise JAX's TypeError unless every argument is an array or a scalar (not a list).

    Raises:
        TypeError: naming the function and the position of the first list, tuple or other
            non-array argument.
    """
    for i, x in enumerate(args):
        if not (is_array(x) or hasattr(x, "__jax_array__")):
            raise TypeError(
                f"{name} requires ndarray or scalar arguments, got {type(x)} at position {i}."
                + (" Convert it first with jnp.asarray." if isinstance(x, list | tuple) else "")
            )


def asarray_arg(x: Any, name: str = "argument") -> Any:
    """`x` as a value the primitives accept.

    Lists and tuples become NumPy arrays; NumPy values take their canonical dtype (32-bit
    unless x64 is on).
    """
    if isinstance(x, (Array, Tracer, bool, int, float, complex)):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        dt = dtypes.canonicalize_dtype(x.dtype)
        return x if x.dtype == dt else np.asarray(x, dt)
    if isinstance(x, (list, tuple)):
        leaves = [asarray_arg(v, name) for v in x]
        if any(isinstance(v, Tracer) for v in leaves):
            from pullback_api.numpy._shape import stack

            return stack(leaves)
        arr = np.asarray([np.asarray(v) for v in leaves])
        return arr.astype(dtypes.canonicalize_dtype(arr.dtype), copy=False)
    if hasattr(x, "__array__"):
        arr = np.asarray(x)
        return arr.astype(dtypes.canonicalize_dtype(arr.dtype), copy=False)
    raise TypeError(
        f"{name}: expected an array, a scalar or a (nested) list of them, got "
        f"{type(x).__qualname__}"
    )


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array value."""
    return aval_of(x).shape


def to_dtype(x: Any, dtype: Any) -> Any:
    """`x` converted to `dtype` (canonicalized) and strongly typed; unchanged if it already is."""
    return cast(x, dtypes.canonicalize_dtype(dtype), False)


def cast(x: Any, dt: np.dtype[Any], weak: bool) -> Any:
    """`x` as a value of canonical dtype `dt` and weak type `weak`; unchanged if it is one."""
    if isinstance(x, (bool, int, float, complex)):
        return dtypes.weak_scalar(x, dt) if weak else np.asarray(x, dt)
    if isinstance(x, (np.ndarray, np.generic)):
        if weak:
            return lax.convert_element_type(x, dt, True)
        return x if x.dtype == dt else np.asarray(x, dt)
    a = aval_of(x)
    return x if a.dtype == dt and a.weak_type == weak else lax.convert_element_type(x, dt, weak)


def promote(name: str, *args: Any) -> list[Any]:
    """Arguments converted to their common dtype and broadcast (JAX promotion)."""
    return promote_args(name, *[asarray_arg(a, name) for a in args])


def promote_inexact(name: str, *args: Any) -> list[Any]:
    """Like `promote`, then integers and bools become the default float type."""
    # One inexact array is its own promotion (the common case of the unary functions).
    if (len(args) == 1 and isinstance(args[0], (Array, Tracer))
            and dtypes.is_inexact(aval_of(args[0]).dtype)):  # fmt: skip
        return [args[0]]
    vals = [asarray_arg(a, name) for a in args]
    dt, _ = dtypes.result_type(*vals)
    if not dtypes.is_inexact(dt):
        dt = dtypes.default_float_dtype()
        vals = [_to_float(a, dt) for a in vals]
    return promote_args(name, *vals)


def _to_float(a: Any, dt: np.dtype[Any]) -> Any:
    # A weakly typed integer becomes a weakly typed float, as in JAX.
    if isinstance(a, (bool, int, float)):
        return float(a)
    return cast(a, dt, dtypes.dtype_and_weak(a)[1])


def axes_of(axis: Any, ndim: int, name: str) -> tuple[int, ...]:
    """Normalized reduction axes (None: all)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{name}: axis {a} is out of bounds for an array of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis}")
    return tuple(out)


def broadcast_all(name: str, *args: Any) -> list[Any]:
    """Broadcast arrays to a common shape (dtypes unchanged)."""
    return broadcast_arrays(name, *args)


def seq(x: Any) -> Sequence[Any]:
    """A sequence argument as a list."""
    return list(x)
