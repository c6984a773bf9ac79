"""Fill the operator table and the array methods of tracers and Arrays.

`pullback_ir` dispatches Python operators on tracers (and `pullback_compile.Array` on its
values) through `Tracer.operators`; the NumPy layer registers the full versions here
(advanced indexing, batched matmul, Python's floor division and modulo), and adds the methods
JAX arrays have (`x.sum()`, `x.at[...]`, `x.real`, ...) to both classes.
"""

from __future__ import annotations

from typing import Any

from pullback_compile import Array
from pullback_ir.trace import Tracer

from pullback_api.numpy import _indexing, _math, _more, _products, _reductions, _shape

Tracer.operators.update(
    getitem=_indexing.getitem,
    matmul=_products.matmul.__wrapped__,  # type: ignore[attr-defined]
    floordiv=_math.floor_divide.__wrapped__,  # type: ignore[attr-defined]
    mod=_math.remainder.__wrapped__,  # type: ignore[attr-defined]
    truediv=_math.true_divide.__wrapped__,  # type: ignore[attr-defined]
    pow=_math.power.__wrapped__,  # type: ignore[attr-defined]
    reshape=lambda x, shape: _shape.reshape.__wrapped__(x, shape),  # type: ignore[attr-defined]
    transpose=lambda x: _shape.transpose.__wrapped__(x),  # type: ignore[attr-defined]
)


def _method(f: Any) -> Any:
    def m(self: Any, *args: Any, **kwargs: Any) -> Any:
        return f(self, *args, **kwargs)

    m.__name__ = getattr(f, "__name__", "method")
    m.__doc__ = getattr(f, "__doc__", None)
    return m


_METHODS = {
    "sum": _reductions.sum, "prod": _reductions.prod, "mean": _reductions.mean,
    "var": _reductions.var, "std": _reductions.std, "max": _reductions.max,
    "min": _reductions.min, "argmax": _reductions.argmax, "argmin": _reductions.argmin,
    "all": _reductions.all, "any": _reductions.any, "cumsum": _reductions.cumsum,
    "cumprod": _reductions.cumprod, "ptp": _reductions.ptp, "clip": _reductions.clip,
    "sort": _reductions.sort, "argsort": _reductions.argsort, "ravel": _shape.ravel,
    "flatten": _shape.ravel, "squeeze": _shape.squeeze, "swapaxes": _shape.swapaxes,
    "repeat": _shape.repeat, "diagonal": _shape.diagonal, "trace": _shape.trace,
    "take": _indexing.take, "nonzero": _indexing.nonzero, "dot": _products.dot,
    "round": _math.round, "conj": _math.conjugate, "conjugate": _math.conjugate,  # type: ignore[attr-defined]
}  # fmt: skip


def _transpose_method(self: Any, *axes: Any) -> Any:
    perm: Any = axes
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        perm = axes[0]
    return _shape.transpose(self, perm or None)


def _reshape_method(self: Any, *shape: Any, order: str = "C") -> Any:
    return _shape.reshape(self, shape[0] if len(shape) == 1 else shape, order)


def _astype_method(self: Any, dtype: Any, copy: bool = False, device: Any = None) -> Any:
    return _shape.astype(self, dtype)


def _setitem(self: Any, idx: Any, value: Any) -> None:
    raise TypeError(
        f"'{type(self).__name__}' object does not support item assignment. JAX arrays are "
        "immutable. Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another .at[] "
        "method: https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html"
    )


def _swapped(f: Any) -> Any:
    def reflected(self: Any, other: Any) -> Any:
        return f(other, self)

    return reflected


# Operators JAX arrays have beyond the ones the operator table serves.
_DUNDERS = {
    "__lshift__": _math.left_shift, "__rlshift__": _swapped(_math.left_shift),
    "__rshift__": _math.right_shift, "__rrshift__": _swapped(_math.right_shift),
    "__divmod__": _more.divmod, "__rdivmod__": _swapped(_more.divmod),
    "__round__": lambda self, ndigits=None: _math.round(self, ndigits or 0),
    "__setitem__": _setitem,
}  # fmt: skip

for _cls in (Tracer, Array):
    for _name, _fn in _DUNDERS.items():
        setattr(_cls, _name, _fn)
    for _name, _fn in _METHODS.items():
        setattr(_cls, _name, _method(_fn))
    setattr(_cls, "transpose", _transpose_method)  # noqa: B010  # (class attributes)
    setattr(_cls, "reshape", _reshape_method)  # noqa: B010
    setattr(_cls, "astype", _astype_method)  # noqa: B010
    setattr(_cls, "at", property(lambda self: _indexing.AtIndexer(self)))  # noqa: B010
    setattr(_cls, "real", property(lambda self: _math.real(self)))  # type: ignore[attr-defined]  # noqa: B010
    setattr(_cls, "imag", property(lambda self: _math.imag(self)))  # type: ignore[attr-defined]  # noqa: B010
    setattr(_cls, "mT", property(lambda self: _shape.swapaxes(self, -1, -2)))  # noqa: B010
