"""`Array`: pullback's array type, a device buffer and/or a zero-copy host view.

An Array made on the host (an eager result, `device_put` of NumPy data) holds a read-only NumPy
value and gets a device buffer the first time a compiled program needs it; on the CPU that
buffer aliases the host memory. An Array computed by a compiled program holds the device
buffer and reads it back lazily through DLPack, again without a copy on the CPU. Either way it
is the same type, with NumPy-like attributes and Python operators that stage under a trace
like any other value.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import ArrayAttributes, ShapedArray
from pullback_ir.config import STATE
from pullback_ir.trace import CONTEXT, EvalTrace, OperatorMethods, Tracer

from pullback_compile import _jaxlib
from pullback_compile.devices import Device, SingleDeviceSharding, _default_device

__all__ = ["Array", "DeletedArrayError"]


# Avals of host results by (shape, dtype, weak type): eager operations make many Arrays of a few
# types, and an aval is immutable, so they share one.
_HOST_AVALS: dict[tuple[tuple[int, ...], np.dtype[Any], bool], ShapedArray] = {}

_SEVERAL = object()  # the `_device` of a value held by several devices


class Shards(tuple):  # type: ignore[type-arg]
    """The devices of a pmap output split along `axis`, slice k on device k (a tuple of them).

    An Array's `_replicas` is this, or a plain tuple of the devices that each hold the whole
    value, or None (one device).
    """

    axis: int

    def __new__(cls, devices: tuple[Device, ...], axis: int) -> Shards:
        self = super().__new__(cls, devices)
        self.axis = axis
        return self


class DeletedArrayError(RuntimeError):
    """An Array whose buffer was donated to a compiled call, or deleted, was used."""


def _readonly(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if x.flags.writeable:
        x.flags.writeable = False
    return x


class Array(ArrayAttributes, OperatorMethods):
    """An n-dimensional array on one device (see the module docstring).

    Arrays come from `device_put`, from compiled (`jit`) calls and from eager operations; the
    constructor is private.

    Example:
        >>> import numpy as np
        >>> from pullback_compile import device_put
        >>> x = device_put(np.array([1.0, 2.0], np.float32))
        >>> x * 2
        Array([2., 4.], dtype=float32)
    """

    __slots__ = ("__weakref__", "_aval", "_buf", "_deleted", "_device", "_host", "_owned",
                 "_replicas")  # fmt: skip
    __array_priority__ = 100

    _aval: ShapedArray
    _host: np.ndarray[Any, Any] | None
    _buf: Any
    _device: Device
    _owned: bool
    _deleted: bool
    _replicas: tuple[Device, ...] | None  # pmap outputs: their devices (see Shards)

    def __init__(self) -> None:
        raise TypeError("Array has no public constructor: use pullback.numpy.asarray or device_put")

    # --- construction (private) -----------------------------------------------------------

    @classmethod
    def _from_host(
        cls,
        value: np.ndarray[Any, Any],
        weak_type: bool = False,
        device: Device | None = None,
        owned: bool = True,
    ) -> Array:
        """Wrap a NumPy value of canonical dtype; `owned`: nobody else holds a writable alias."""
        if type(value) is not np.ndarray:  # a NumPy scalar from a 0-d computation
            value = np.asarray(value)
        key = (value.shape, value.dtype, weak_type)
        aval = _HOST_AVALS.get(key)
        if aval is None:
            aval = _new_host_aval(key)
        self = object.__new__(cls)
        self._aval = aval
        self._host = value
        self._buf = None
        self._device = device if device is not None else _default_device()
        self._owned = owned
        self._deleted = False
        self._replicas = None
        return self

    @classmethod
    def _from_buffer(
        cls,
        buf: Any,
        aval: ShapedArray,
        device: Device,
        replicas: tuple[Device, ...] | None = None,
    ) -> Array:
        """Wrap a jaxlib device buffer holding a value of `aval`.

        With `replicas` the value is held by several devices: see Shards.
        """
        self = object.__new__(cls)
        self._aval = aval
        self._host = None
        self._buf = buf
        # A pmap output has no single device: the sentinel keeps the jit fast path (which
        # checks `_device is device`) from handing its multi-device buffer to one device.
        self._device = device if replicas is None else _SEVERAL
        self._owned = True
        self._deleted = False
        self._replicas = replicas
        return self

    # --- state ------------------------------------------------------------------------------

    def _check_alive(self) -> None:
        if self._deleted:
            raise DeletedArrayError(
                f"Array {self._aval.str_short()} has been deleted: it was donated to a "
                "compiled call (donate_argnums/donate_argnames) or deleted with .delete(); "
                "it cannot be used again"
            )

    @property
    def _value(self) -> np.ndarray[Any, Any]:
        """The read-only host value (read from the device once, without a copy on the CPU)."""
        host = self._host
        if host is None:
            self._check_alive()
            reps = self._replicas
            if type(reps) is Shards:  # one slice per device: read each (a copy)
                shape = list(self._aval.shape)
                shape[reps.axis] = 1
                views = _jaxlib.shard_views(
                    self._buf, tuple(reps), reps.axis, tuple(shape), self._aval.dtype
                )
                host = self._host = _readonly(np.concatenate(views, axis=reps.axis))
                return host
            dev = reps[0] if reps else self._device
            host = self._host = _jaxlib.to_numpy(
                self._buf, self._aval.shape, self._aval.dtype, dev.platform, bool(reps)
            )
        return host

    def _buffer_on(self, device: Device) -> Any:
        """The jaxlib buffer of this value on `device` (transferred and kept if needed)."""
        self._check_alive()
        if self._buf is not None and self._device is device and self._replicas is None:
            return self._buf
        zero_copy = self._owned and self._host is not None
        value = _readonly(self._value) if zero_copy else self._value
        buf = _jaxlib.device_put(value, device, x64=STATE.x64, zero_copy=zero_copy)
        if self._buf is None or (self._device is device and self._replicas is None):
            self._buf, self._device = buf, device
        return buf

    def _home(self) -> Device:
        # The device a value derived from this one lands on.
        return self._replicas[0] if self._replicas else self._device

    def _mark_donated(self) -> None:
        self._buf = None
        self._host = None
        self._deleted = True

    # --- attributes -------------------------------------------------------------------------

    @property
    def aval(self) -> ShapedArray:
        """The abstract value (shape, dtype, weak type)."""
        return self._aval

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes."""
        return int(self._aval.dtype.itemsize)

    @property
    def nbytes(self) -> int:
        """The size of the data in bytes."""
        return self.size * self.itemsize

    @property
    def device(self) -> Device:
        """The device holding the value.

        Raises:
            ValueError: for a pmap output, which every device of the pmap holds.
        """
        if self._replicas:
            raise ValueError(
                "Array.device: this pmap output is held by several devices; use .devices()"
            )
        return self._device

    def devices(self) -> set[Device]:
        """The set of devices holding the value."""
        return set(self._replicas) if self._replicas else {self._device}

    @property
    def sharding(self) -> SingleDeviceSharding:
        """The value's sharding: the whole array on one device."""
        return SingleDeviceSharding(self.device)

    @property
    def is_fully_replicated(self) -> bool:
        """Whether every device holding the value holds all of it (False: a split pmap output)."""
        return type(self._replicas) is not Shards

    # --- synchronisation and lifetime ------------------------------------------------------

    def block_until_ready(self) -> Array:
        """Wait until the value is computed; returns the array itself."""
        self._check_alive()
        if self._buf is not None:
            _jaxlib.block_until_ready([self._buf])
        return self

    def is_ready(self) -> bool:
        """Whether the value is computed."""
        self._check_alive()
        return self._buf is None or _jaxlib.is_ready(self._buf)

    def copy_to_host_async(self) -> None:
        """Start reading the value to the host (it is read on the first host access)."""
        self._check_alive()

    def is_deleted(self) -> bool:
        """Whether the array was deleted or donated."""
        return self._deleted or (self._buf is not None and _jaxlib.is_deleted(self._buf))

    def delete(self) -> None:
        """Free the device buffer and the host value; later use raises DeletedArrayError."""
        if self._buf is not None and self._host is None:
            _jaxlib.delete(self._buf)
        self._mark_donated()

    def on_device_size_in_bytes(self) -> int:
        """The size of the device buffer in bytes."""
        return self.nbytes

    # --- conversions ------------------------------------------------------------------------

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray[Any, Any]:
        # The view handed out is read-only: a CPU device buffer may alias the same memory.
        v = _readonly(self._value)
        if dtype is not None and np.dtype(dtype) != v.dtype:
            return v.astype(dtype)
        return v.copy() if copy else v

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._value.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._value.__dlpack_device__()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpickle, (np.array(self._value), self._aval.weak_type))

    def item(self, *args: Any) -> Any:
        """The element at `args` (or the only element) as a Python scalar."""
        return self._value.item(*args)

    def tolist(self) -> Any:
        """The value as nested Python lists."""
        return self._value.tolist()

    def copy(self) -> Array:
        """A copy on the same device."""
        return Array._from_host(np.array(self._value), self._aval.weak_type, self._home())

    def __bool__(self) -> bool:
        return bool(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __complex__(self) -> complex:
        return complex(self._value)

    def __index__(self) -> int:
        if not dtypes.is_integer(self._aval.dtype) or self._aval.shape:
            raise TypeError(
                f"only integer scalar arrays can be used as an index, got {self._aval.str_short()}"
            )
        return int(self._value)

    def __len__(self) -> int:
        if not self._aval.shape:
            raise TypeError("len() of an unsized object (a 0-d Array)")
        return self._aval.shape[0]

    def __iter__(self) -> Any:
        if not self._aval.shape:
            raise TypeError("iteration over a 0-d Array")
        v = self._value
        return iter([Array._from_host(v[i], False, self._home(), owned=False)
                     for i in range(v.shape[0])])  # fmt: skip

    def __hash__(self) -> int:
        raise TypeError(f"unhashable type: 'Array' ({self._aval.str_short()})")

    def __format__(self, spec: str) -> str:
        if not self._aval.shape:
            return format(self._value.item(), spec)
        return format(self._value, spec)

    def __repr__(self) -> str:
        if self._deleted:
            return f"Array(<deleted>, shape={self.shape}, dtype={self.dtype.name})"
        v = self._value
        extra = ", weak_type=True" if self._aval.weak_type else ""
        if v.size == 0 and v.ndim > 0:
            return f"Array([], shape={v.shape}, dtype={v.dtype.name}{extra})"
        body = np.array2string(v, separator=", ", prefix="Array(")
        return f"Array({body}, dtype={v.dtype.name}{extra})"

    def __str__(self) -> str:
        return str(self._value)

    # --- operators --------------------------------------------------------------------------
    # Eager arithmetic on two host values of one dtype and shape goes straight to NumPy (what
    # the reference interpreter would run); everything else goes through the operator table
    # that tracers use, so mixed dtypes promote and traced operands stage.

    def _op(self, name: str, *args: Any) -> Any:
        return _wrap(Tracer.operators[name](*args))


def _wrap(x: Any) -> Any:
    if type(x) is np.ndarray:
        return Array._from_host(x)
    return x


def _unpickle(value: np.ndarray[Any, Any], weak_type: bool) -> Array:
    return Array._from_host(value, weak_type)


_new = object.__new__
_FAST = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "lt": np.less,
         "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "eq": np.equal,
         "ne": np.not_equal}  # fmt: skip


def _new_host_aval(key: tuple[tuple[int, ...], np.dtype[Any], bool]) -> ShapedArray:
    """The shared aval of (shape, dtype, weak type), made and kept (the table stays bounded)."""
    if len(_HOST_AVALS) > 4096:
        _HOST_AVALS.clear()
    aval = _HOST_AVALS[key] = ShapedArray(*key)
    return aval


def _result_aval(out: np.ndarray[Any, Any], sa: ShapedArray, oa: ShapedArray) -> ShapedArray:
    """The aval of a binary fast-path result `out` of operands of avals `sa` and `oa`."""
    key = (out.shape, out.dtype, sa.weak_type and oa.weak_type)
    return _HOST_AVALS.get(key) or _new_host_aval(key)


def _binary(name: str, reflected: bool) -> Any:
    fast = _FAST.get(name)
    table = Tracer.operators

    if fast is not None:

        def op(self: Array, other: Any) -> Any:
            t = type(other)
            sa = self._aval
            if t is Array:
                oa = other._aval
                # (`sa is oa`: eager results share avals, see _HOST_AVALS)
                if not (
                    (sa is oa or (sa.shape == oa.shape and sa.dtype == oa.dtype))
                    and type(CONTEXT.trace) is EvalTrace
                ):
                    return _wrap(
                        table[name](other, self) if reflected else table[name](self, other)
                    )
                x = self._host
                if x is None:
                    x = self._value
                y = other._host
                if y is None:
                    y = other._value
            elif (
                (t is float or t is int)
                and not sa.weak_type
                and self._host is not None
                and self._host.dtype.kind == "f"
                and type(CONTEXT.trace) is EvalTrace
            ):
                # A Python number defers to a float array (JAX's weak typing), as it does in
                # NumPy 2 (NEP 50): the result has the array's dtype.
                oa = sa
                x = self._host
                y = other
            else:
                return _wrap(table[name](other, self) if reflected else table[name](self, other))
            out = fast(y, x) if reflected else fast(x, y)
            if type(out) is not np.ndarray:  # 0-d operands give a NumPy scalar
                out = np.asarray(out)
            if out.dtype is sa.dtype and (sa is oa or not sa.weak_type):
                aval = sa
            else:
                aval = _result_aval(out, sa, oa)
            new = _new(Array)
            new._aval = aval
            new._host = out
            new._buf = None
            new._device = self._device if self._replicas is None else self._home()
            new._owned = True
            new._deleted = False
            new._replicas = None
            return new

    else:

        def op(self: Array, other: Any) -> Any:
            return _wrap(table[name](other, self) if reflected else table[name](self, other))

    return op


for _name, _dunder in [
    ("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "truediv"),
    ("floordiv", "floordiv"), ("mod", "mod"), ("pow", "pow"), ("matmul", "matmul"),
    ("and", "and"), ("or", "or"), ("xor", "xor"),
]:  # fmt: skip
    setattr(Array, f"__{_dunder}__", _binary(_name, False))
    setattr(Array, f"__r{_dunder}__", _binary(_name, True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(Array, f"__{_name}__", _binary(_name, False))


def _load_native() -> Any:
    """The C extension `_cdispatch`, configured; None where not built or PULLBACK_NO_CEXT is set.

    Its `BinaryOp` takes over the NumPy-backed operators (the same fast path as `_binary`'s
    Python operator, which it calls otherwise); `jit` takes its `Dispatcher` from here.
    """
    if os.environ.get("PULLBACK_NO_CEXT"):
        return None
    try:
        from pullback_compile import _cdispatch  # type: ignore[attr-defined]
    except ImportError:
        return None
    slots = ("_aval", "_host", "_buf", "_device", "_owned", "_deleted", "_replicas")
    _cdispatch.configure(Array, CONTEXT, EvalTrace, STATE, *(Array.__dict__[n] for n in slots))
    # (the dtypes of kind "f", as in the Python path: NumPy keeps them for a Python scalar)
    floats = frozenset(np.dtype(d) for d in (np.float16, np.float32, np.float64))
    _cdispatch.configure_ops(np.ndarray, ShapedArray.__dict__["dtype"],
                             ShapedArray.__dict__["weak_type"], floats, _result_aval)  # fmt: skip
    for name, ufunc in _FAST.items():
        for reflected in (False, True):
            if reflected and name in ("lt", "le", "gt", "ge", "eq", "ne"):
                continue
            dunder = f"__{'r' if reflected else ''}{name}__"
            setattr(Array, dunder, _cdispatch.BinaryOp(ufunc, reflected, getattr(Array, dunder)))
    return _cdispatch


#: The configured C extension, or None (pure-Python operators and jit dispatch).
NATIVE: Any = _load_native()
