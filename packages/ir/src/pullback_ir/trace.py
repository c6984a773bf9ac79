"""Traces and tracers: the single mechanism behind every transformation.

A `Trace` interprets `Primitive.bind`; the current trace is held in a thread-local context and
changed with `set_current_trace`. A tracer belongs to exactly one trace object. A trace meets
three kinds of arguments: its own tracers (unwrapped), tracers of other, still active traces
(constants from its point of view: this is how closures over outer tracers work and why
nested transformations of the same kind cannot confuse their perturbations), and tracers of
finished traces, which have leaked (`UnexpectedTracerError`).

Evaluation (`EvalTrace`, the base of every context) runs each primitive's NumPy reference
implementation on concrete arrays.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from pullback_ir.avals import ArrayAttributes, ShapedArray
from pullback_ir.dtypes import canonicalize_ndarray, dtype_and_weak
from pullback_ir.errors import (
    ConcretizationTypeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
)

if TYPE_CHECKING:
    from pullback_ir.primitive import Primitive

__all__ = [
    "EvalTrace",
    "Trace",
    "Tracer",
    "axis_size",
    "current_trace",
    "extend_axis_env",
    "named_scope",
    "set_current_trace",
    "to_ndarray",
]


class Trace:
    """An interpretation of primitives. Subclasses implement `process_primitive`."""

    __slots__ = ("__weakref__", "valid")

    #: A short name used in error messages ("jvp", "vmap", "jit", ...).
    kind: ClassVar[str] = "trace"

    def __init__(self) -> None:
        self.valid = True

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Apply `primitive` to `args` (tracers of this trace, or other values)."""
        raise NotImplementedError

    def invalidate(self) -> None:
        """Mark the trace finished: its tracers are leaked from now on."""
        self.valid = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def leaked_tracer_error(tracer: Tracer) -> UnexpectedTracerError:
    """The error for using a tracer whose transformation has finished."""
    return UnexpectedTracerError(
        f"a tracer ({tracer.aval.str_long()}, from a {tracer._trace.kind} transformation that "
        "has already finished) was used outside of it: the value escaped through a side "
        "effect (a global, a list, an attribute). Return it from the transformed function "
        "instead."
    )


def to_ndarray(x: Any) -> np.ndarray[Any, Any]:
    """A concrete argument as a NumPy array of its canonical dtype (no copy when possible)."""
    if type(x) is np.ndarray:
        return x
    if isinstance(x, Tracer):
        raise leaked_tracer_error(x)
    aval = getattr(x, "aval", None)
    if type(aval) is ShapedArray:  # an array type of a higher layer: its aval is canonical
        v = np.asarray(x)
        return v if v.dtype == aval.dtype else v.astype(aval.dtype)
    dtype, _ = dtype_and_weak(x)
    return np.asarray(x, dtype=dtype)


#: Array types of a runtime layer that eager evaluation reads directly: their instances have
#: `_aval` (a ShapedArray) and `_host` (the value as a NumPy array, or None when it is only on
#: a device, in which case `np.asarray` fetches it). `pullback_compile` registers its `Array`.
HOST_ARRAY_TYPES: set[type] = set()

#: An eager executor a runtime layer may install (`pullback_compile` does, for values that
#: live on an accelerator): `hook(primitive, args, params)` returns the outputs, or None to let
#: the reference implementation run.
EAGER_HOOK: list[Callable[[Primitive, Sequence[Any], dict[str, Any]], list[Any] | None] | None] = [
    None
]


class EvalTrace(Trace):
    """Evaluates primitives eagerly with their NumPy reference implementations."""

    __slots__ = ()
    kind = "eval"

    def process_primitive(
        self, primitive: Primitive, args: Sequence[Any], params: dict[str, Any]
    ) -> list[Any]:
        """Run the primitive's reference implementation on concrete NumPy arrays."""
        override = primitive.eager_override
        if override is not None:
            return override(args, params)
        hook = EAGER_HOOK[0]
        if hook is not None:
            done = hook(primitive, args, params)
            if done is not None:
                return done
        # The signature of the call: operands' avals (an Array's own, whose hash is cached) or
        # (shape, dtype) of plain NumPy operands, which are strongly typed.
        vals = []
        sig: list[Any] = []
        for x in args:
            t = type(x)
            if t is np.ndarray:
                x = canonicalize_ndarray(x)  # (float64 -> float32 with x64 off, as in JAX)
                vals.append(x)
                sig.append((x.shape, x.dtype))
            elif t in HOST_ARRAY_TYPES:  # a runtime layer's array: its host value, if it has one
                h = x._host
                vals.append(to_ndarray(x) if h is None else h)
                sig.append(x._aval)
            else:
                v = to_ndarray(x)
                vals.append(v)
                sig.append(ShapedArray(v.shape, v.dtype, dtype_and_weak(x)[1]))
        # Abstract evaluation validates the arguments and fixes the output dtypes and weak
        # types (JAX's rules, as when staged); it is cached per signature, so an eager op pays
        # for it once.
        key = (*sig, *params.items()) if params else tuple(sig)
        cache = primitive._eager_cache
        try:
            out_avals, weak_out = cache[key]
        except KeyError:
            out_avals = primitive.abstract_eval(*_avals(sig), **params)
            weak_out = any(a.weak_type for a in out_avals)
            cache[key] = out_avals, weak_out
        except TypeError:  # unhashable params: no caching
            out_avals = primitive.abstract_eval(*_avals(sig), **params)
            weak_out = any(a.weak_type for a in out_avals)
        outs = primitive.impl(*vals, **params)
        res = [
            o
            if type(o) is np.ndarray and o.dtype == a.dtype
            else np.asarray(o, dtype=a.dtype).reshape(a.shape)
            for o, a in zip(outs, out_avals, strict=True)
        ]
        wrap_weak = EAGER_WEAK[0]
        if weak_out and wrap_weak is not None:
            res = [wrap_weak(o) if a.weak_type else o for o, a in zip(res, out_avals, strict=True)]
        return res


def _avals(sig: list[Any]) -> list[ShapedArray]:
    return [a if type(a) is ShapedArray else ShapedArray(*a) for a in sig]


#: How a runtime layer returns a weakly typed eager result (`pullback_compile` installs its
#: Array constructor): `wrap(ndarray)`. Without one, weak results are plain NumPy arrays.
EAGER_WEAK: list[Callable[[np.ndarray[Any, Any]], Any] | None] = [None]


class _Context(threading.local):
    def __init__(self) -> None:
        self.trace: Trace = EvalTrace()
        # Named axes bound by enclosing vmap/pmap/make_jaxpr(axis_env=...), innermost last.
        self.axis_env: tuple[tuple[Any, int], ...] = ()
        # The named_scope / named_call names enclosing the code being traced, outermost first.
        self.name_stack: tuple[str, ...] = ()
        # Inside `ensure_compile_time_eval`: staging evaluates operations on constants now.
        self.fold_constants = False


CONTEXT = _Context()


def current_trace() -> Trace:
    """The trace that `bind` uses now."""
    return CONTEXT.trace


@contextlib.contextmanager
def set_current_trace(trace: Trace) -> Iterator[None]:
    """Make `trace` current inside the block."""
    prev = CONTEXT.trace
    CONTEXT.trace = trace
    try:
        yield
    finally:
        CONTEXT.trace = prev


@contextlib.contextmanager
def extend_axis_env(name: Any, size: int) -> Iterator[None]:
    """Bind the named axis `name` of `size` inside the block (for collectives)."""
    prev = CONTEXT.axis_env
    CONTEXT.axis_env = (*prev, (name, int(size)))
    try:
        yield
    finally:
        CONTEXT.axis_env = prev


def axis_size(name: Any, where: str = "") -> int:
    """The size of the innermost bound axis called `name`.

    Raises:
        NameError: if no enclosing vmap/pmap (or make_jaxpr axis_env) binds `name`.
    """
    for bound, size in reversed(CONTEXT.axis_env):
        if bound == name:
            return int(size)
    bound_names = [n for n, _ in CONTEXT.axis_env]
    raise NameError(
        f"{where + ': ' if where else ''}unbound axis name: {name!r}. Collectives need an "
        f"enclosing vmap or pmap with axis_name={name!r} (axis names bound here: {bound_names})."
    )


@contextlib.contextmanager
def named_scope(name: str) -> Iterator[None]:
    """Attach `name` to the operations traced inside the block (shown in lowered code).

    Raises:
        TypeError: if `name` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"named_scope: name must be a str, got {type(name).__name__}")
    prev = CONTEXT.name_stack
    CONTEXT.name_stack = (*prev, name)
    try:
        yield
    finally:
        CONTEXT.name_stack = prev


class OperatorMethods:
    """Array methods dispatched through the operator table by `_op`.

    Shared by tracers and by the concrete array types of higher layers.
    """

    __slots__ = ()

    def _op(self, name: str, *args: Any) -> Any:
        raise NotImplementedError

    def __getitem__(self, idx: Any) -> Any:
        return self._op("getitem", self, idx)

    def __neg__(self) -> Any:
        return self._op("neg", self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return self._op("abs", self)

    def __invert__(self) -> Any:
        return self._op("invert", self)

    @property
    def T(self) -> Any:
        """The transpose (reversed axes)."""
        return self._op("transpose", self)

    def astype(self, dtype: Any) -> Any:
        """The value converted to `dtype`."""
        return self._op("astype", self, dtype)

    def reshape(self, *shape: Any) -> Any:
        """The value with a new shape."""
        return self._op("reshape", self, shape[0] if len(shape) == 1 else shape)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        """The sum over `axis`."""
        return self._op("sum", self, axis, keepdims)


class Tracer(ArrayAttributes, OperatorMethods):
    """A value being traced: it belongs to one trace and knows its abstract value.

    Python operators dispatch through `Tracer.operators`, a table the NumPy-like layer fills
    (`__add__` calls `operators["add"]`), so that tracers behave like arrays.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    #: Operator implementations keyed by name ("add", "mul", "getitem", ...).
    operators: ClassVar[dict[str, Any]] = {}

    _trace: Trace

    def to_concrete_value(self) -> np.ndarray[Any, Any] | None:
        """The concrete value if this trace knows it (a JVP tracer over a concrete primal)."""
        return None

    def __len__(self) -> int:
        if not self.aval.shape:
            raise TypeError("len() of a 0-d (scalar) traced array")
        return self.aval.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.aval.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.aval.shape[0]))

    def _describe(self) -> str:
        return f"{type(self).__name__} with aval {self.aval.str_long()}"

    def _concrete(self, error: type[ConcretizationTypeError], what: str) -> np.ndarray[Any, Any]:
        value = self.to_concrete_value()
        if value is None:
            raise error(what, self._describe())
        return value

    def __bool__(self) -> bool:
        return bool(self._concrete(TracerBoolConversionError, "bool() of a traced array"))

    def __int__(self) -> int:
        return int(self._concrete(TracerIntegerConversionError, "int() of a traced array"))

    def __index__(self) -> int:
        return int(self._concrete(TracerIntegerConversionError, "using a traced array as an index"))

    def __float__(self) -> float:
        return float(self._concrete(ConcretizationTypeError, "float() of a traced array"))

    def __complex__(self) -> complex:
        return complex(self._concrete(ConcretizationTypeError, "complex() of a traced array"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        value = self.to_concrete_value()
        if value is None:
            raise TracerArrayConversionError(self._describe())
        return np.asarray(value, dtype=dtype)

    def __hash__(self) -> int:
        raise TypeError(f"unhashable type: traced array ({self._describe()})")

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"

    def _op(self, name: str, *args: Any) -> Any:
        try:
            fn = Tracer.operators[name]
        except KeyError:
            raise TypeError(
                f"the operator '{name}' is not available on traced arrays (no NumPy-like "
                "layer registered it)"
            ) from None
        return fn(*args)

    def __add__(self, o: Any) -> Any:
        return self._op("add", self, o)

    def __radd__(self, o: Any) -> Any:
        return self._op("add", o, self)

    def __sub__(self, o: Any) -> Any:
        return self._op("sub", self, o)

    def __rsub__(self, o: Any) -> Any:
        return self._op("sub", o, self)

    def __mul__(self, o: Any) -> Any:
        return self._op("mul", self, o)

    def __rmul__(self, o: Any) -> Any:
        return self._op("mul", o, self)

    def __truediv__(self, o: Any) -> Any:
        return self._op("truediv", self, o)

    def __rtruediv__(self, o: Any) -> Any:
        return self._op("truediv", o, self)

    def __floordiv__(self, o: Any) -> Any:
        return self._op("floordiv", self, o)

    def __rfloordiv__(self, o: Any) -> Any:
        return self._op("floordiv", o, self)

    def __mod__(self, o: Any) -> Any:
        return self._op("mod", self, o)

    def __rmod__(self, o: Any) -> Any:
        return self._op("mod", o, self)

    def __pow__(self, o: Any) -> Any:
        return self._op("pow", self, o)

    def __rpow__(self, o: Any) -> Any:
        return self._op("pow", o, self)

    def __matmul__(self, o: Any) -> Any:
        return self._op("matmul", self, o)

    def __rmatmul__(self, o: Any) -> Any:
        return self._op("matmul", o, self)

    def __and__(self, o: Any) -> Any:
        return self._op("and", self, o)

    def __rand__(self, o: Any) -> Any:
        return self._op("and", o, self)

    def __or__(self, o: Any) -> Any:
        return self._op("or", self, o)

    def __ror__(self, o: Any) -> Any:
        return self._op("or", o, self)

    def __xor__(self, o: Any) -> Any:
        return self._op("xor", self, o)

    def __rxor__(self, o: Any) -> Any:
        return self._op("xor", o, self)

    def __lt__(self, o: Any) -> Any:
        return self._op("lt", self, o)

    def __le__(self, o: Any) -> Any:
        return self._op("le", self, o)

    def __gt__(self, o: Any) -> Any:
        return self._op("gt", self, o)

    def __ge__(self, o: Any) -> Any:
        return self._op("ge", self, o)

    def __eq__(self, o: Any) -> Any:
        return self._op("eq", self, o)

    def __ne__(self, o: Any) -> Any:
        return self._op("ne", self, o)
