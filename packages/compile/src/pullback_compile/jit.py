"""`jit`: trace once per signature, lower to StableHLO, compile with XLA, call the executable.

The hot path of a compiled call is kept short: split off static arguments, flatten the rest,
look the signature up in a dict, hand the device buffers to the executable and wrap its
outputs. A call of Arrays only, in a signature seen before, runs in the C extension
`_cdispatch` where it was built, else in the same steps in Python (`_PyCall`).

Under another transformation (`grad`, `vmap`, an enclosing `jit`) the function
is staged as a `pjit` call of its jaxpr: every transformation keeps it a call (its JVP,
partial evaluation and transpose are calls again), and such calls reached eagerly run compiled.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import inspect
import math
import operator
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pullback_ir import dtypes, monitoring
from pullback_ir.avals import ShapedArray, ShapeDtypeStruct
from pullback_ir.config import STATE
from pullback_ir.control_flow import trace_callable
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.primitives import control as cf
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import CONTEXT, EvalTrace, Tracer
from pullback_pytrees import PyTreeDef, tree_flatten, tree_unflatten
from pullback_pytrees.codegen import describe, make_builder, make_matcher

from pullback_compile import _jaxlib
from pullback_compile.array import _HOST_AVALS, NATIVE, Array, _new_host_aval
from pullback_compile.devices import Device, Sharding, resolve_device, single_device_of
from pullback_compile.lowering import LoweredModule, lower_module

__all__ = [
    "Compiled",
    "Lowered",
    "clear_caches",
    "effects_barrier",
    "jit",
    "set_compilation_cache_dir",
]


# --- argument handling -----------------------------------------------------------------------

_AVAL = operator.attrgetter("_aval")
_CONTAINERS = (tuple, list, dict)
_MISS = object()  # (a call the fast tables do not take)
_new_array = object.__new__


_ARRAY_DTYPES = frozenset(dtypes.ALL_DTYPES)
_SCALAR_TYPES = (bool, int, float, complex)


def _leaf_aval(x: Any, where: str) -> ShapedArray:
    t = type(x)
    if t is Array:
        return x._aval  # type: ignore[no-any-return]
    if t is np.ndarray:
        if x.dtype not in _ARRAY_DTYPES:
            raise TypeError(
                f"{where} is a NumPy array of dtype {x.dtype}, which is not an array dtype "
                "pullback computes with (expected bool, an integer, float or complex dtype)"
            )
        return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), False)
    if t in _SCALAR_TYPES or isinstance(x, np.generic):
        dt, weak = dtypes.dtype_and_weak(x)
        return ShapedArray((), dt, weak)
    aval = getattr(x, "aval", None)
    if isinstance(aval, ShapedArray):
        return aval
    if hasattr(x, "__array__") and hasattr(x, "shape") and hasattr(x, "dtype"):
        return ShapedArray(tuple(x.shape), dtypes.canonicalize_dtype(x.dtype), False)
    raise TypeError(
        f"{where} is a {type(x).__qualname__}, which is not a valid array: expected an Array, "
        "a NumPy array or scalar, or a Python bool, int, float or complex (mark non-array "
        "arguments static with static_argnums/static_argnames)"
    )


class _AbstractArg:
    """An argument of `trace`/`lower` given by its type only (its `aval` is all they read)."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray) -> None:
        self.aval = aval


def _abstract_leaf(x: Any) -> Any:
    # (`trace`/`lower` take ShapeDtypeStructs and ShapedArrays in place of arrays)
    if isinstance(x, ShapeDtypeStruct):
        dt = dtypes.canonicalize_dtype(x.dtype)
        return _AbstractArg(ShapedArray(tuple(x.shape), dt, bool(x.weak_type)))
    if type(x) is ShapedArray:
        return _AbstractArg(x)
    return x


def _arg_avals(fn_name: str, leaves: Sequence[Any], dyn: Any) -> list[ShapedArray]:
    """The avals of argument leaves; a TypeError naming the argument's key path for a bad one."""
    try:
        return [x._aval if type(x) is Array else _leaf_aval(x, "") for x in leaves]
    except TypeError:
        pass
    from pullback_pytrees import keystr, tree_flatten_with_path

    for path, x in tree_flatten_with_path(dyn)[0]:
        where = ("args" if getattr(path[0], "idx", 0) == 0 else "kwargs") + keystr(path[1:])
        _leaf_aval(x, f"jit({fn_name}): argument {where}")
    raise AssertionError("unreachable")  # pragma: no cover


def _to_buffer(x: Any, aval: ShapedArray, device: Device) -> Any:
    if type(x) is Array:
        return x._buffer_on(device)
    return _jaxlib.device_put(np.asarray(x, aval.dtype), device, x64=STATE.x64)


# The array dtypes that canonicalize to themselves, with x64 off and on.
_WIDE = (dtypes.int64, dtypes.uint64, dtypes.float64, dtypes.complex128)
_SAME_DTYPES = {
    x64: frozenset(d for d in dtypes.ALL_DTYPES if x64 or d not in _WIDE) for x64 in (False, True)
}
# Device buffers of Python scalar arguments, by type, value, dtype and device: a jitted step
# taking a learning rate or a flag transfers it once (buffers given as arguments are never
# donated or written).
_SCALAR_BUFFERS: dict[tuple[Any, ...], tuple[ShapedArray, Any]] = {}


def _converted_leaf(x: Any, device: Device) -> tuple[ShapedArray, Any] | None:
    """(aval, buffer on `device`) of a NumPy array or a Python or NumPy scalar argument leaf.

    None for anything else, or a value that does not fit its dtype: the general path takes
    those (and raises for the bad ones). The aval is the shared one of its kind.
    """
    t = type(x)
    scalar: tuple[Any, ...] | None = None
    same = False  # (a NumPy array of a canonical dtype goes as it is)
    try:
        if t is np.ndarray:
            dt = x.dtype
            same = dt in _SAME_DTYPES[STATE.x64]
            key = (x.shape, dt if same else dtypes.canonicalize_dtype(dt), False)
        elif t in _SCALAR_TYPES or isinstance(x, np.generic):
            key = ((), *dtypes.dtype_and_weak(x))
            if t is int or t is bool:
                scalar = (t, x, key[1], device)
            elif t is float:  # (0.0 == -0.0: the sign goes in the key)
                scalar = (t, x, math.copysign(1.0, x), key[1], device)
            if scalar is not None:
                hit = _SCALAR_BUFFERS.get(scalar)
                if hit is not None:
                    return hit
        else:
            return None
        aval = _HOST_AVALS.get(key) or _new_host_aval(key)
        value = x if same else np.asarray(x, aval.dtype)
        out = aval, _jaxlib.device_put(value, device, x64=STATE.x64)
    except Exception:  # (a value out of range, a dtype jaxlib lacks: the general path says)
        return None
    if scalar is not None:
        if len(_SCALAR_BUFFERS) >= 256:
            _SCALAR_BUFFERS.clear()
        _SCALAR_BUFFERS[scalar] = out
    return out


def _fast_leaf(x: Any) -> bool:
    # A leaf the fast tables take: an Array, or what _converted_leaf converts.
    t = type(x)
    return t is Array or t is np.ndarray or t in _SCALAR_TYPES or isinstance(x, np.generic)


def _normalize_nums(nums: Any, what: str) -> tuple[int, ...]:
    if nums is None:
        return ()
    if isinstance(nums, int):
        return (nums,)
    try:
        out = tuple(nums)
    except TypeError:
        raise TypeError(f"jit: {what} must be an int or a sequence of ints, got {nums!r}") from None
    for n in out:
        if not isinstance(n, int):
            raise TypeError(f"jit: {what} must contain ints, got {n!r}")
    return out


def _normalize_names(names: Any, what: str) -> tuple[str, ...]:
    if names is None:
        return ()
    if isinstance(names, str):
        return (names,)
    out = tuple(names)
    for n in out:
        if not isinstance(n, str):
            raise TypeError(f"jit: {what} must contain strings, got {n!r}")
    return out


def _infer(
    fun: Callable[..., Any], nums: tuple[int, ...], names: tuple[str, ...], what: str
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Complete argnums from argnames and vice versa with `fun`'s signature (as JAX does)."""
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        return nums, names
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    has_varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    for n in nums:
        if not has_varargs and not -len(positional) <= n < len(positional):
            raise ValueError(
                f"jit: {what}nums {n} is out of range for {getattr(fun, '__name__', fun)} with "
                f"{len(positional)} positional parameters"
            )
    by_name = {p.name: i for i, p in enumerate(positional) if p.kind is not p.POSITIONAL_ONLY}
    if not names:
        names = tuple(positional[n].name for n in nums if 0 <= n < len(positional)
                      and positional[n].kind is not positional[n].POSITIONAL_ONLY)  # fmt: skip
    elif not nums:
        nums = tuple(by_name[n] for n in names if n in by_name)
    return nums, names


def _hashable_static(value: Any, where: str) -> Any:
    try:
        hash(value)
    except TypeError as e:
        raise TypeError(
            f"jit: static argument {where} must be hashable, got a {type(value).__qualname__} "
            f"({value!r}): {e}. Pass a tuple instead of a list, or make it a traced argument."
        ) from None
    return value


# --- shardings -------------------------------------------------------------------------------


def _sharding_devices(spec: Any, what: str) -> list[Device]:
    """The devices named in an in_shardings/out_shardings pytree (validated)."""
    if spec is None:
        return []
    leaves, _ = tree_flatten(spec, is_leaf=lambda x: isinstance(x, Sharding))
    out = []
    for leaf in leaves:
        if isinstance(leaf, Sharding):
            out.append(single_device_of(leaf, f"jit: {what}"))
        elif hasattr(leaf, "platform") and hasattr(leaf, "client"):
            out.append(leaf)
        else:
            raise TypeError(
                f"jit: {what} entries must be Sharding objects (or None), got "
                f"{leaf!r}; multi-device shardings are not supported, use pmap"
            )
    return out


# --- the compiled executable -----------------------------------------------------------------

_CACHE_DIR: list[str | None] = [os.environ.get("PULLBACK_COMPILATION_CACHE_DIR") or None]
_EXECUTABLES: dict[tuple[Any, ...], _jaxlib.Loaded] = {}
_EXECUTABLES_MAX = 4096
_LOCK = threading.RLock()
_EFFECTFUL_OUTPUTS: list[Any] = []


def set_compilation_cache_dir(path: str | os.PathLike[str] | None) -> None:
    """Keep compiled executables in `path` across processes (None: memory only).

    Also read from the environment variable `PULLBACK_COMPILATION_CACHE_DIR`.
    """
    _CACHE_DIR[0] = None if path is None else os.fspath(path)


def clear_caches() -> None:
    """Forget every compiled executable held in memory."""
    with _LOCK:
        _EXECUTABLES.clear()
        for per_fun in list(_SHARED.values()):
            for executables, traced in per_fun.values():
                executables.clear()
                traced.clear()


def compile_lowered(
    lowered: LoweredModule, devices: tuple[Device, ...], out_avals: list[ShapedArray]
) -> _jaxlib.Loaded:
    """Compile (or fetch from the memory and disk caches) a lowered module."""
    jl_avals = [_jaxlib.Aval(a.shape, a.dtype, a.weak_type) for a in out_avals]
    key = (lowered.text, devices, STATE.x64)
    callbacks = tuple(lowered.callbacks)
    if not callbacks:
        with _LOCK:
            hit = _EXECUTABLES.get(key)
        if hit is not None:
            return hit
    loaded = None
    path = None
    cache_dir = _CACHE_DIR[0]
    if cache_dir is not None and not callbacks:
        digest = hashlib.sha256(
            f"{lowered.text}\n{_jaxlib.versions_key(devices)}\n{STATE.x64}".encode()
        ).hexdigest()
        path = os.path.join(cache_dir, f"{digest}.xla")
        if os.path.exists(path):
            try:
                with open(path, "rb") as f:
                    loaded = _jaxlib.Loaded("", devices, jl_avals, serialized=f.read())
            except Exception:  # a stale or corrupt entry: compile afresh
                loaded = None
    if loaded is None:
        t0 = time.perf_counter()
        loaded = _jaxlib.Loaded(lowered.text, devices, jl_avals, host_callbacks=callbacks)
        name = lowered.text[: lowered.text.find("{")].partition("@")[2].split(" ")[0]
        monitoring.record_event_duration_secs(
            monitoring.BACKEND_COMPILE_EVENT, time.perf_counter() - t0, fun_name=name
        )
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(loaded.serialize())
            os.replace(tmp, path)
    if not callbacks:
        with _LOCK:
            if len(_EXECUTABLES) >= _EXECUTABLES_MAX:
                _EXECUTABLES.pop(next(iter(_EXECUTABLES)))
            _EXECUTABLES[key] = loaded
    return loaded


def effects_barrier() -> None:
    """Wait until every computation launched so far with side effects (callbacks) finished."""
    with _LOCK:
        pending = list(_EFFECTFUL_OUTPUTS)
        _EFFECTFUL_OUTPUTS.clear()
    live = [b for b in pending if not _jaxlib.is_deleted(b)]
    _jaxlib.block_until_ready(live)


class _Executable:
    """One compiled signature of a jitted function: what a call needs, precomputed."""

    __slots__ = (
        "all_kept",
        "build",
        "closed",
        "consts",
        "device",
        "donated",
        "effectful",
        "execute",
        "float0_outs",
        "in_avals",
        "kept",
        "loaded",
        "lowered",
        "out_avals",
        "out_tree",
        "single",
        "x64",
    )  # fmt: skip

    def __init__(self, closed: ClosedJaxpr, out_tree: PyTreeDef, lowered: LoweredModule,
                 device: Device, donated: list[bool],
                 float0_outs: Sequence[tuple[int, tuple[int, ...]]] = ()) -> None:  # fmt: skip
        # (float0 outputs, which hold no data, are not in `closed`: `run` puts NumPy zeros of
        # dtype float0 at their positions, and the fast paths leave such signatures alone)
        self.float0_outs = list(float0_outs)
        self.closed = closed
        self.lowered = lowered
        self.out_tree = out_tree
        self.device = device
        self.in_avals = list(closed.in_avals)
        self.out_avals = list(closed.out_avals)
        self.kept = [i for i, k in enumerate(lowered.kept_inputs) if k]
        self.donated = [i for i in self.kept if donated[i]]
        self.effectful = lowered.side_effects or bool(lowered.callbacks)
        self.all_kept = len(self.kept) == len(self.in_avals)
        self.loaded = compile_lowered(lowered, (device,), self.out_avals)
        self.execute = self.loaded.execute
        self.x64 = STATE.x64
        # A single array output needs no unflattening.
        self.single = out_tree.num_leaves == 1 and tree_unflatten(out_tree, [0]) == 0
        self.build = make_builder(out_tree)
        # Constants go in as arguments only when the lowering hoisted them out of the text.
        self.consts = (
            [
                _jaxlib.device_put(np.asarray(c, v.aval.dtype), device, x64=STATE.x64)
                for c, v in zip(closed.consts, closed.jaxpr.constvars, strict=True)
            ]
            if lowered.num_consts
            else []
        )

    def fast_entry(self) -> tuple[Any, ...]:
        """What the C dispatcher needs to run this signature (see _cdispatch.c)."""
        launch, collect, handlers = self.loaded.launch_parts()
        build = self.build
        if build is None:
            build = functools.partial(tree_unflatten, self.out_tree)
        kept = None if self.all_kept else tuple(self.kept)
        donated = (tuple(self.donated), _jaxlib.is_deleted) if self.donated else None
        return (self.x64, launch, collect, handlers, tuple(self.consts), self.device,
                tuple(self.out_avals), self.single, build, kept, donated)  # fmt: skip

    def run_arrays(self, args: Sequence[Array]) -> Any:
        """The fast path: every argument an Array, all kept, nothing donated or effectful."""
        device = self.device
        bufs = [*self.consts]
        add_buf = bufs.append
        for a in args:  # a loop, not a comprehension: no extra frame on Python 3.11
            buf = a._buf
            if buf is None or a._device is not device or a._replicas is not None:
                buf = a._buffer_on(device)
            add_buf(buf)
        return self.run_buffers(bufs)

    def run_buffers(self, bufs: list[Any]) -> Any:
        """Launch on the constants' and arguments' buffers `bufs`; the output tree of Arrays."""
        device = self.device
        outs = self.execute(bufs)
        if self.single:
            out = _new_array(Array)
            out._aval = self.out_avals[0]
            out._host = None
            out._buf = outs[0]
            out._device = device
            out._owned = True
            out._deleted = False
            out._replicas = None
            return out
        arrays: list[Array] = []
        append = arrays.append
        for b, aval in zip(outs, self.out_avals, strict=True):  # Array._from_buffer, inlined
            out = _new_array(Array)
            out._aval = aval
            out._host = None
            out._buf = b
            out._device = device
            out._owned = True
            out._deleted = False
            out._replicas = None
            append(out)
        build = self.build
        return build(arrays) if build is not None else tree_unflatten(self.out_tree, arrays)

    def run(self, leaves: Sequence[Any]) -> list[Any]:
        device = self.device
        in_avals = self.in_avals
        bufs = [*self.consts, *(_to_buffer(leaves[i], in_avals[i], device) for i in self.kept)]
        outs = self.loaded.execute(bufs)
        if self.effectful:
            with _LOCK:
                # Every launch with effects is waited for by effects_barrier (a program
                # without outputs runs its host callbacks during the launch itself).
                _EFFECTFUL_OUTPUTS.extend(outs[-1:])
                if len(_EFFECTFUL_OUTPUTS) > 64:  # keep the list short: drop finished ones
                    _EFFECTFUL_OUTPUTS[:] = [
                        b for b in _EFFECTFUL_OUTPUTS if not _jaxlib.is_ready(b)
                    ]
        for i in self.donated:
            x = leaves[i]
            if type(x) is Array and x._buf is not None and _jaxlib.is_deleted(x._buf):
                x._mark_donated()
        res: list[Any] = [
            Array._from_buffer(b, a, device) for b, a in zip(outs, self.out_avals, strict=True)
        ]
        for i, shape in self.float0_outs:
            res.insert(i, np.zeros(shape, dtypes.float0))
        return res


def _without_float0_outputs(
    closed: ClosedJaxpr,
) -> tuple[ClosedJaxpr, list[tuple[int, tuple[int, ...]]]]:
    """`closed` without its float0 outputs (and what only they needed), and where they were.

    float0 values (the tangents of integer inputs) hold no data and have no XLA type: a
    jitted function returns them as NumPy zeros of dtype float0, as JAX does.
    """
    outs = closed.out_avals
    f0 = [(i, tuple(a.shape)) for i, a in enumerate(outs) if a.dtype == dtypes.float0]
    if not f0:
        return closed, []
    from pullback_ir.dce import dce_jaxpr
    from pullback_ir.jaxpr import Jaxpr, Var

    jaxpr = closed.jaxpr
    gone = {i for i, _ in f0}
    pruned, _ = dce_jaxpr(jaxpr, [i not in gone for i in range(len(outs))], instantiate=True)
    used: set[Any] = {v for e in pruned.eqns for v in e.invars if isinstance(v, Var)}
    used.update(v for v in pruned.outvars if isinstance(v, Var))
    keep = [v in used for v in jaxpr.constvars]
    new = Jaxpr([v for v, k in zip(jaxpr.constvars, keep, strict=True) if k], pruned.invars,
                pruned.outvars, pruned.eqns, pruned.effects)  # fmt: skip
    consts = [c for c, k in zip(closed.consts, keep, strict=True) if k]
    return ClosedJaxpr(new, consts), f0


def executable_for(closed: ClosedJaxpr, name: str, device: Device) -> _Executable:
    """A compiled executable of a closed jaxpr on `device`, its outputs a flat list.

    Constants are passed as arguments (kept on the device), nothing is donated.
    """
    from pullback_pytrees import tree_structure

    lowered = lower_module(closed, name, consts_as_args=bool(closed.consts))
    out_tree = tree_structure([0] * len(closed.out_avals))
    return _Executable(closed, out_tree, lowered, device, [False] * len(closed.in_avals))


# --- jit ---------------------------------------------------------------------------------------


class Lowered:
    """A jitted function lowered for one signature: `as_text()` is its StableHLO."""

    def __init__(self, fn: JitFunction, exe_args: tuple[Any, ...]) -> None:
        self._fn = fn
        self._closed: ClosedJaxpr = exe_args[0]
        self._out_tree: PyTreeDef = exe_args[1]
        self._lowered: LoweredModule = exe_args[2]
        self._device: Device = exe_args[3]
        self._donated: list[bool] = exe_args[4]
        self._float0_outs: list[tuple[int, tuple[int, ...]]] = exe_args[5]

    def as_text(self, dialect: str = "stablehlo", *, debug_info: bool = False) -> str:
        """The StableHLO module text (`debug_info`: keep the op locations)."""
        if dialect != "stablehlo":
            raise ValueError(f"Lowered.as_text: only the 'stablehlo' dialect, got {dialect!r}")
        text = self._lowered.text
        if not debug_info:
            text = _strip_locations(text)
        return text

    @property
    def out_info(self) -> Any:
        """The output shapes and dtypes (a pytree of ShapedArrays)."""
        return _out_info(self._closed, self._out_tree, self._float0_outs)

    def jaxpr(self) -> ClosedJaxpr:
        """The traced jaxpr."""
        return self._closed

    def compile(self) -> Compiled:
        """Compile with XLA."""
        exe = _Executable(self._closed, self._out_tree, self._lowered, self._device,
                          self._donated, self._float0_outs)  # fmt: skip
        return Compiled(self._fn, exe)

    def cost_analysis(self) -> dict[str, float]:
        """XLA's cost estimates (compiles first)."""
        return self.compile().cost_analysis()


class Traced:
    """A jitted function traced for one signature: what `jit(f).trace(*args)` returns.

    It holds the jaxpr and the output types; `lower()` continues to a `Lowered`.
    """

    def __init__(self, fn: JitFunction, traced: tuple[Any, ...]) -> None:
        self._fn = fn
        self._closed: ClosedJaxpr = traced[0]
        self._out_tree: PyTreeDef = traced[1]
        self._donated: list[bool] = traced[2]
        self._float0_outs: list[tuple[int, tuple[int, ...]]] = traced[3]

    @property
    def jaxpr(self) -> ClosedJaxpr:
        """The traced jaxpr."""
        return self._closed

    @property
    def fun_name(self) -> str:
        """The name of the traced function."""
        return self._fn._name

    @property
    def out_info(self) -> Any:
        """The output shapes and dtypes (a pytree of ShapedArrays)."""
        return _out_info(self._closed, self._out_tree, self._float0_outs)

    def lower(self) -> Lowered:
        """Lower the traced jaxpr to StableHLO."""
        lowered = self._fn._lower_stage(self._closed, self._donated)
        return Lowered(self._fn, (self._closed, self._out_tree, lowered, self._fn._device,
                                  self._donated, self._float0_outs))  # fmt: skip


def _out_info(closed: ClosedJaxpr, out_tree: PyTreeDef,
              float0_outs: list[tuple[int, tuple[int, ...]]]) -> Any:  # fmt: skip
    avals = list(closed.out_avals)
    for i, shape in float0_outs:
        avals.insert(i, ShapedArray(shape, dtypes.float0))
    return tree_unflatten(out_tree, avals)


def _strip_locations(text: str) -> str:
    import re

    return re.sub(r' loc\("(?:[^"\\]|\\.)*"\)', "", text)


class Compiled:
    """A jitted function compiled for one signature; call it with arguments of that signature."""

    def __init__(self, fn: JitFunction, exe: _Executable) -> None:
        self._fn = fn
        self._exe = exe

    def as_text(self) -> str:
        """The optimized HLO XLA compiled (fusions, layouts, op metadata)."""
        return self._exe.loaded.hlo_text()

    def cost_analysis(self) -> dict[str, float]:
        """XLA's cost estimates: flops, transcendentals, bytes accessed..."""
        return self._exe.loaded.cost_analysis()

    def memory_analysis(self) -> Any:
        """XLA's memory statistics: argument, output, alias, temp and peak sizes in bytes."""
        return self._exe.loaded.memory_analysis()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run on arguments of the compiled signature (checked)."""
        fn = self._fn
        _statics, leaves, tree = fn._split(args, kwargs)
        avals = _arg_avals(fn._name, leaves, tree_unflatten(tree, leaves))
        expected = self._exe.in_avals
        if len(avals) != len(expected) or any(
            a.shape != b.shape or a.dtype != b.dtype for a, b in zip(avals, expected, strict=True)
        ):
            got = ", ".join(a.str_short() for a in avals)
            want = ", ".join(a.str_short() for a in expected)
            raise TypeError(
                f"Compiled function called with argument types ({got}) but it was compiled "
                f"for ({want})"
            )
        return tree_unflatten(self._exe.out_tree, self._exe.run(leaves))


#: How many argument structures a tree table serves at once (see JitFunction._remember).
MAX_STRUCTURES = 4


class _PyCall:
    """The call of a `JitFunction` in Python: the fast tables, else `_call_slow`.

    Table 0 serves calls whose arguments are all Arrays, keyed by their avals. Table 1 serves
    calls of up to `MAX_STRUCTURES` argument structures (those `_set_trees` names), matched by
    generated code, tried in order, and keyed by the leaf avals and then the structure's key
    suffix. Table 2 does the same for calls with keyword, static or donated arguments, keyed
    by the dynamic leaves' avals, the static values and the suffix. The C dispatcher
    (`_cdispatch.c`) keeps the same three tables.
    """

    _plain: bool
    _fast: dict[Any, _Executable]
    # per tree table (1, 2): (matcher, key suffix) of each structure served, and the table
    _trees_py: tuple[list[tuple[Any, tuple[Any]]], ...]
    _tables_py: tuple[dict[Any, _Executable], ...]

    def _init_fast(self, plain: bool) -> None:
        self._plain = plain
        self._fast = {}
        self._trees_py = ([], [])
        self._tables_py = ({}, {})

    def _set_fast(self, key: tuple[ShapedArray, ...], exe: _Executable) -> None:
        self._fast[key] = exe

    def _clear_fast(self) -> None:
        self._fast.clear()
        for trees, entries in zip(self._trees_py, self._tables_py, strict=True):
            trees.clear()
            entries.clear()

    def _set_trees(self, table: int, trees: Sequence[tuple[PyTreeDef, tuple[Any]]]) -> None:
        """Serve the structures `trees` ((tree, key suffix), each `_servable`) in table 1 or 2."""
        old = {id(suffix): m for m, suffix in self._trees_py[table - 1]}
        self._trees_py[table - 1][:] = [
            (old.get(id(suffix)) or make_matcher(tree), suffix) for tree, suffix in trees
        ]

    def _set_table_fast(self, table: int, key: tuple[Any, ...], exe: _Executable) -> None:
        """`exe` runs the calls of table 1 or 2 whose key (ending in a suffix) is `key`."""
        self._tables_py[table - 1][key] = exe

    def _drop_keys(self, table: int, keys: Sequence[tuple[Any, ...]]) -> None:
        """Forget the entries `keys` of table 1 or 2."""
        entries = self._tables_py[table - 1]
        for key in keys:
            entries.pop(key, None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if type(CONTEXT.trace) is EvalTrace and not STATE.disable_jit:
            if self._plain and not kwargs:
                # Fastest: positional Arrays only (AttributeError otherwise), seen before.
                try:
                    fast = self._fast.get(tuple(map(_AVAL, args)))
                except AttributeError:
                    out = self._call_leaves(args)
                    if out is not _MISS:
                        return out
                else:
                    if fast is not None and fast.x64 is STATE.x64:
                        if fast.all_kept:  # (run_arrays passes every argument)
                            return fast.run_arrays(args)
                        return self._launch(fast, args, args)
            elif self._trees_py[1]:
                out = self._call_general(args, kwargs)
                if out is not _MISS:
                    return out
        return self._call_slow(*args, **kwargs)

    def _call_leaves(self, args: tuple[Any, ...]) -> Any:
        # Arguments with containers (the structure matched now) or leaves other than Arrays.
        if any(type(a) in _CONTAINERS or a is None or isinstance(a, tuple) for a in args):
            for match, suffix in self._trees_py[0]:
                leaves = match(args)
                if leaves is not None:
                    return self._run_leaves(leaves, suffix, self._tables_py[0])
            return _MISS
        return self._run_leaves(list(args), (), self._fast)

    def _call_general(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        dyn, statics = self._split_static(args, kwargs)
        for match, suffix in self._trees_py[1]:
            leaves = match(dyn)
            if leaves is not None:
                return self._run_leaves(leaves, (*statics, *suffix), self._tables_py[1])
        return _MISS

    def _run_leaves(self, leaves: list[Any], statics: tuple[Any, ...],
                    table: dict[Any, _Executable]) -> Any:  # fmt: skip
        # Run the call of `leaves` (and static values) from `table`, or _MISS.
        avals = []
        bufs = []
        device = self._device  # type: ignore[attr-defined]
        for x in leaves:
            if type(x) is Array:
                avals.append(x._aval)
                bufs.append(x)
                continue
            conv = _converted_leaf(x, device)
            if conv is None:
                return _MISS
            avals.append(conv[0])
            bufs.append(conv[1])
        try:
            exe = table.get((*avals, *statics))
        except TypeError:  # an unhashable static value: the general path explains
            return _MISS
        if exe is None or exe.x64 is not STATE.x64:
            return _MISS
        return self._launch(exe, leaves, bufs)

    def _launch(self, exe: _Executable, leaves: Sequence[Any], bufs: Sequence[Any]) -> Any:
        # Run `exe` on the leaves' buffers (`bufs`: Arrays, or buffers of converted leaves).
        for i in exe.donated:  # (a converted leaf may be a kept scalar buffer: not donated)
            if type(leaves[i]) is not Array:
                return _MISS
        buffers = [*exe.consts]
        for i in exe.kept:
            b = bufs[i]
            if type(b) is Array:
                b = b._buffer_on(exe.device)
            buffers.append(b)
        out = exe.run_buffers(buffers)
        for i in exe.donated:
            x = leaves[i]
            if type(x) is Array and x._buf is not None and _jaxlib.is_deleted(x._buf):
                x._mark_donated()
        return out

    def _split_static(self, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:  # fmt: skip
        raise NotImplementedError

    def _call_slow(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


_CDISPATCH = NATIVE  # (loaded and configured by pullback_compile.array)

if TYPE_CHECKING or _CDISPATCH is None:
    _CallBase = _PyCall
else:

    class _CallBase(_CDISPATCH.Dispatcher):  # type: ignore[no-redef]
        """The call of a `JitFunction` in C (`_cdispatch`): the fast tables, else `_call_slow`."""

        def _init_fast(self, plain: bool) -> None:
            self._plain = plain  # (read by _call_slow)
            self._plain_c = plain
            self._convert_c = functools.partial(_converted_leaf, device=self._device)
            if all(i >= 0 for i in self._static_nums):  # type: ignore[attr-defined]
                # (negative positions depend on each call's length: the general path)
                names = frozenset(self._static_names)  # type: ignore[attr-defined]
                self._split_c = (self._static_sorted, names)  # type: ignore[attr-defined]

        def _set_fast(self, key: tuple[ShapedArray, ...], exe: _Executable) -> None:
            self._fast_c[key] = exe.fast_entry()
            self._forget()

        def _clear_fast(self) -> None:
            self._fast_c.clear()
            self._tree_c = None
            self._tree_fast_c.clear()
            self._gtree_c = None
            self._gtree_fast_c.clear()
            self._forget()

        def _set_trees(self, table: int, trees: Sequence[tuple[PyTreeDef, tuple[Any]]]) -> None:
            shapes = tuple((describe(tree), tree.num_leaves, suffix) for tree, suffix in trees)
            if table == 1:
                self._tree_c = shapes or None
            else:
                self._gtree_c = shapes or None
            self._forget()

        def _set_table_fast(self, table: int, key: tuple[Any, ...], exe: _Executable) -> None:
            (self._tree_fast_c if table == 1 else self._gtree_fast_c)[key] = exe.fast_entry()
            self._forget()

        def _drop_keys(self, table: int, keys: Sequence[tuple[Any, ...]]) -> None:
            entries = self._tree_fast_c if table == 1 else self._gtree_fast_c
            for key in keys:
                entries.pop(key, None)
            self._forget()


def dispatch_in_c() -> bool:
    """Whether jitted calls are dispatched by the C extension (else in Python)."""
    return _CDISPATCH is not None


_Caches = tuple[dict[Any, "_Executable"], dict[Any, tuple[ClosedJaxpr, list[Any], PyTreeDef]]]
#: function -> jit options -> (executables by signature, traced jaxprs by signature).
_SHARED: weakref.WeakKeyDictionary[Any, dict[Any, _Caches]] = weakref.WeakKeyDictionary()


def _shared_caches(fun: Any, options: tuple[Any, ...], shareable: bool) -> _Caches:
    """The caches of `jit(fun, **options)`, shared with earlier jits of the same function."""
    fresh: _Caches = ({}, {})
    if not shareable:
        return fresh
    try:
        per_fun = _SHARED.get(fun)
        if per_fun is None:
            per_fun = _SHARED[fun] = {}
        return per_fun.setdefault(options, fresh)
    except TypeError:  # not weakly referenceable, or unhashable options
        return fresh


class JitFunction(_CallBase):
    """The callable `jit` returns (see `jit`)."""

    def __init__(self, fun: Callable[..., Any], *, in_shardings: Any, out_shardings: Any,
                 static_argnums: Any, static_argnames: Any, donate_argnums: Any,
                 donate_argnames: Any, keep_unused: bool, device: Any, backend: str | None,
                 inline: Any, abstracted_axes: Any) -> None:  # fmt: skip
        if not callable(fun):
            raise TypeError(f"jit: expected a callable, got {type(fun).__qualname__}")
        if abstracted_axes is not None:
            raise NotImplementedError(
                "jit: abstracted_axes (symbolic shapes) is not supported; pass None"
            )
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._name = getattr(fun, "__name__", type(fun).__name__)
        self._static_nums, self._static_names = _infer(
            fun, _normalize_nums(static_argnums, "static_argnums"),
            _normalize_names(static_argnames, "static_argnames"), "static_arg",
        )  # fmt: skip
        self._static_sorted = tuple(sorted(set(self._static_nums)))  # (see _split_static)
        self._donate_nums, self._donate_names = _infer(
            fun, _normalize_nums(donate_argnums, "donate_argnums"),
            _normalize_names(donate_argnames, "donate_argnames"), "donate_arg",
        )  # fmt: skip
        both = set(self._static_nums) & set(self._donate_nums)
        if both:
            raise ValueError(f"jit: arguments {sorted(both)} are both static and donated")
        self._keep_unused = bool(keep_unused)
        self._inline = _inlines(inline)
        named = [*_sharding_devices(in_shardings, "in_shardings"),
                 *_sharding_devices(out_shardings, "out_shardings")]  # fmt: skip
        dev = resolve_device(device, backend, "jit") if device is not None else None
        for d in named:
            if dev is None:
                dev = d
            elif d is not dev:
                raise ValueError(
                    f"jit: in_shardings/out_shardings and device name different devices "
                    f"({dev} and {d}); a jitted function runs on one device"
                )
        if dev is None:
            dev = resolve_device(None, backend, "jit")
        self._device = dev
        self._in_shardings = in_shardings
        # Shared by every jit of the same function with the same options, as in JAX:
        # `for _ in range(3): jit(f)(x)` traces and compiles once.
        self._cache, self._staged_cache = _shared_caches(
            fun, (self._static_nums, self._static_names, self._donate_nums, self._donate_names,
                  self._keep_unused, self._inline, dev),
            in_shardings is None and out_shardings is None,
        )  # fmt: skip
        # Per fast table (flat, tree, general; see _PyCall): the keys put in it, the argument
        # structures it serves with their key suffixes (newest first), and the structure of
        # the last slow calls that could not join with their count.
        self._known: tuple[set[Any], set[Any], set[Any]] = (set(), set(), set())
        self._structures: tuple[list[tuple[PyTreeDef, tuple[Any]]], ...] = ([], [], [])
        self._pending: list[tuple[PyTreeDef | None, int]] = [(None, 0)] * 3
        # The per-call fast path applies when nothing is static or donated and no kwargs.
        self._init_fast(not (self._static_nums or self._static_names or self._donate_nums
                             or self._donate_names))  # fmt: skip

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<jitted function {self._name}>"

    # --- splitting the arguments ---------------------------------------------------------

    def _static_pos(self, n: int) -> set[int]:
        return {i + n if i < 0 else i for i in self._static_nums}

    def _call_with(self, args: tuple[Any, ...], kwargs: dict[str, Any], dyn_args: Sequence[Any],
                   dyn_kwargs: dict[str, Any]) -> Any:  # fmt: skip
        """Call `fun` with the static arguments of this call and the given dynamic ones."""
        n = len(args)
        static_pos = self._static_pos(n)
        it = iter(dyn_args)
        full = [args[i] if i in static_pos else next(it) for i in range(n)]
        kw = {**{k: v for k, v in kwargs.items() if k in self._static_names}, **dyn_kwargs}
        return self._fun(*full, **kw)

    def _split(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[tuple[Any, ...], list[Any], PyTreeDef]:
        static_pos = self._static_pos(len(args))
        statics: list[Any] = []
        dyn_args = []
        for i, a in enumerate(args):
            if i in static_pos:
                statics.append(_hashable_static(a, f"{i} (static_argnums)"))
            else:
                dyn_args.append(a)
        dyn_kwargs = {}
        for k in sorted(kwargs):
            if k in self._static_names:
                statics.append((k, _hashable_static(kwargs[k], f"'{k}' (static_argnames)")))
            else:
                dyn_kwargs[k] = kwargs[k]
        leaves, tree = tree_flatten((tuple(dyn_args), dyn_kwargs))
        return tuple(statics), leaves, tree

    def _split_static(self, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:  # fmt: skip
        """`((dynamic args, dynamic kwargs), static part of the general fast table's key)`.

        As `_split`, for non-negative static positions (try_general in _cdispatch.c does the
        same): the key holds the static positional values in order, then the name and value of
        each static keyword, sorted by name.
        """
        pos = self._static_sorted
        statics = [args[i] for i in pos if i < len(args)]
        dyn_args = args
        if statics:
            dyn_args = tuple(a for i, a in enumerate(args) if i not in pos)
        dyn_kwargs = kwargs
        names = self._static_names
        if kwargs and names and any(k in names for k in kwargs):
            dyn_kwargs = {}
            for k in sorted(kwargs):
                if k in names:
                    statics += [k, kwargs[k]]
                else:
                    dyn_kwargs[k] = kwargs[k]
        return (dyn_args, dyn_kwargs), tuple(statics)

    def _donated_leaves(self, args: tuple[Any, ...], kwargs: dict[str, Any],
                        nleaves: int) -> list[bool]:  # fmt: skip
        if not (self._donate_nums or self._donate_names):
            return [False] * nleaves
        n = len(args)
        static_pos = self._static_pos(n)
        donate_pos = {i + n if i < 0 else i for i in self._donate_nums}
        flags: list[bool] = []
        for i, a in enumerate(args):
            if i not in static_pos:
                flags += [i in donate_pos] * len(tree_flatten(a)[0])
        for k in sorted(kwargs):
            if k not in self._static_names:
                flags += [k in self._donate_names] * len(tree_flatten(kwargs[k])[0])
        return flags

    def _check_in_shardings(self, args: tuple[Any, ...]) -> None:
        spec = self._in_shardings
        if spec is None or isinstance(spec, Sharding):
            return
        if isinstance(spec, (tuple, list)) and len(spec) != len(args):
            raise ValueError(
                f"jit: in_shardings has {len(spec)} entries but {self._name} was called with "
                f"{len(args)} positional arguments"
            )

    # --- tracing and compiling -----------------------------------------------------------

    def _trace(
        self, tree: PyTreeDef, avals: list[ShapedArray], args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> tuple[ClosedJaxpr, PyTreeDef]:  # fmt: skip
        out_trees: list[PyTreeDef] = []

        def flat_fun(*flat: Any) -> list[Any]:
            outs, out_tree = tree_flatten(
                self._call_with(args, kwargs, *tree_unflatten(tree, flat))
            )
            for i, o in enumerate(outs):
                _leaf_aval(o, f"jit({self._name}): output leaf {i}")
            out_trees.append(out_tree)
            return outs

        closed = trace_to_jaxpr(flat_fun, avals)
        return closed, out_trees[0]

    def _prepare(self, args: tuple[Any, ...], kwargs: dict[str, Any], leaves: list[Any],
                 tree: PyTreeDef) -> tuple[Any, ...]:  # fmt: skip
        self._check_in_shardings(args)
        closed, out_tree, donated, float0_outs = self._trace_stage(args, kwargs, leaves, tree)
        return (
            closed,
            out_tree,
            self._lower_stage(closed, donated),
            self._device,
            donated,
            float0_outs,
        )

    def _trace_stage(self, args: tuple[Any, ...], kwargs: dict[str, Any], leaves: list[Any],
                     tree: PyTreeDef) -> tuple[Any, ...]:  # fmt: skip
        # (closed jaxpr without float0 outputs, output tree, donated leaves, float0 outputs)
        avals = _arg_avals(self._name, leaves, tree_unflatten(tree, leaves))
        t0 = time.perf_counter()
        closed, out_tree = self._trace(tree, avals, args, kwargs)
        monitoring.record_event_duration_secs(
            monitoring.JAXPR_TRACE_EVENT, time.perf_counter() - t0, fun_name=self._name
        )
        closed, float0_outs = _without_float0_outputs(closed)
        donated = self._donated_leaves(args, kwargs, len(leaves))
        return closed, out_tree, donated, float0_outs

    def _lower_stage(self, closed: ClosedJaxpr, donated: list[bool]) -> LoweredModule:
        t0 = time.perf_counter()
        big = any(np.size(c) > 1 for c in closed.consts)
        lowered = lower_module(closed, self._name, consts_as_args=big, donated=donated,
                               keep_unused=self._keep_unused)  # fmt: skip
        monitoring.record_event_duration_secs(
            monitoring.JAXPR_TO_MLIR_MODULE_EVENT, time.perf_counter() - t0, fun_name=self._name
        )
        return lowered

    def _executable(self, args: tuple[Any, ...], kwargs: dict[str, Any], key: Any,
                    leaves: list[Any], tree: PyTreeDef) -> _Executable:  # fmt: skip
        closed, out_tree, lowered, device, donated, float0_outs = self._prepare(
            args, kwargs, leaves, tree
        )
        exe = _Executable(closed, out_tree, lowered, device, donated, float0_outs)
        self._cache[key] = exe
        return exe

    # --- calling -------------------------------------------------------------------------

    def _call_slow(self, *args: Any, **kwargs: Any) -> Any:
        # Everything but a fast-table hit (see _PyCall.__call__ / _cdispatch.c).
        if STATE.disable_jit:
            return self._fun(*args, **kwargs)
        if type(CONTEXT.trace) is not EvalTrace:
            return self._staged(args, kwargs)
        if self._plain and not kwargs:
            leaves, tree = tree_flatten(args)
            sig = _arg_avals(self._name, leaves, (args, {}))
            key = (tree, STATE.x64, *sig)
            exe = self._cache.get(key)
            fresh = exe is None
            if exe is None:
                for x in leaves:
                    if isinstance(x, Tracer):
                        return self._staged(args, kwargs)
                exe = self._executable(args, kwargs, key, leaves,
                                       tree_flatten(((*args,), {}))[1])  # fmt: skip
            if not exe.effectful and not exe.float0_outs and all(_fast_leaf(a) for a in leaves):
                flat = len(leaves) == len(args) and all(
                    x is a for x, a in zip(leaves, args, strict=True)
                )
                self._remember(0 if flat else 1, tree, tuple(sig), exe, fresh)
            return tree_unflatten(exe.out_tree, exe.run(leaves))
        statics, leaves, tree = self._split(args, kwargs)
        for x in leaves:
            if isinstance(x, Tracer):
                return self._staged(args, kwargs)
        sig = _arg_avals(self._name, leaves, tree_unflatten(tree, leaves))
        key = (tree, statics, STATE.x64, *sig)
        exe = self._cache.get(key)
        fresh = exe is None
        if exe is None:
            exe = self._executable(args, kwargs, key, leaves, tree)
        if (
            not exe.effectful
            and not exe.float0_outs
            and all(_fast_leaf(a) for a in leaves)
            and all(type(leaves[i]) is Array for i in exe.donated)  # (not a shared buffer)
        ):
            self._remember(2, tree, (*sig, *self._split_static(args, kwargs)[1]), exe, fresh)
        return tree_unflatten(exe.out_tree, exe.run(leaves))

    def _remember(self, table: int, tree: PyTreeDef, key: tuple[Any, ...], exe: _Executable,
                  fresh: bool) -> None:  # fmt: skip
        """Put `exe` in fast table `table` (0 flat, 1 tree, 2 general) after a slow call.

        A tree table serves up to MAX_STRUCTURES argument structures, the newest tried first.
        A new structure joins when it is compiled, or on the fourth slow call of it in a row
        (fast calls between them do not count) while the table is full; past the limit the
        oldest structure and its entries leave, so calls cycling through more structures
        change the table only every few calls.
        """
        known = self._known[table]
        if table == 0:
            if key not in known:  # (present with the other x64 setting: left as it is)
                known.add(key)
                self._set_fast(key, exe)
            return
        served = self._structures[table]
        suffix = next((sfx for t, sfx in served if t == tree), None)
        if suffix is None:
            if not fresh and len(served) >= MAX_STRUCTURES:
                pending, count = self._pending[table]
                count = count + 1 if pending == tree else 1
                self._pending[table] = (tree, count)
                if count < 4:
                    return
            self._pending[table] = (None, 0)
            if not self._servable(table, tree):
                return
            suffix = (object(),)  # (compared by identity: unique to this structure)
            served.insert(0, (tree, suffix))
            if len(served) > MAX_STRUCTURES:
                _, gone = served.pop()
                keys = [k for k in known if k[-1] is gone[0]]  # (its entries: the keys ending so)
                self._drop_keys(table, keys)
                known.difference_update(keys)
            self._set_trees(table, served)
        full = (*key, *suffix)
        if full not in known:
            known.add(full)
            self._set_table_fast(table, full, exe)

    def _servable(self, table: int, tree: PyTreeDef) -> bool:
        """Whether tree table `table` (1, 2) can serve calls of structure `tree`.

        For table 2 `tree` is that of `(dynamic args, dynamic kwargs)`; it never serves a
        function with a negative static position (which depends on each call's length).
        """
        if describe(tree) is False:
            return False
        return table == 1 or all(i >= 0 for i in self._static_nums)

    def _staged(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if self._inline:
            return self._fun(*args, **kwargs)
        statics, leaves, tree = self._split(args, kwargs)
        avals = _arg_avals(self._name, leaves, tree_unflatten(tree, leaves))
        # The traced call is reused while nothing it closes over is traced: a stable jaxpr lets
        # the transformations' caches of derived jaxprs (and of executables) hit.
        key = (tree, statics, STATE.x64, CONTEXT.axis_env, *avals)
        hit = self._staged_cache.get(key)
        if hit is None:

            def call(dyn_args: Sequence[Any], dyn_kwargs: dict[str, Any]) -> Any:
                return self._call_with(args, kwargs, dyn_args, dyn_kwargs)

            hit = trace_callable(call, tree, avals, f"jit({self._name})")
            if not any(isinstance(c, Tracer) for c in hit[1]):
                self._staged_cache[key] = hit
        jaxpr, consts, out_tree = hit
        outs = cf.pjit_p.bind(*consts, *leaves, call_jaxpr=jaxpr, name=self._name)
        return tree_unflatten(out_tree, outs)

    # --- ahead of time -------------------------------------------------------------------

    def trace(self, *args: Any, **kwargs: Any) -> Traced:
        """Trace for these arguments (arrays or ShapeDtypeStructs), without lowering.

        Example:
            >>> import numpy as np
            >>> from pullback_ir import ShapeDtypeStruct
            >>> t = jit(lambda x: x * 2).trace(ShapeDtypeStruct((3,), np.float32))
            >>> t.out_info
            ShapedArray(float32[3])
            >>> t.lower().compile()(np.ones(3, np.float32))
            Array([2., 2., 2.], dtype=float32)
        """
        _, leaves, tree = self._split(args, kwargs)
        leaves = [_abstract_leaf(x) for x in leaves]
        return Traced(self, self._trace_stage(args, kwargs, leaves, tree))

    def lower(self, *args: Any, **kwargs: Any) -> Lowered:
        """Trace and lower for these arguments (arrays or ShapeDtypeStructs)."""
        _, leaves, tree = self._split(args, kwargs)
        leaves = [_abstract_leaf(x) for x in leaves]
        return Lowered(self, self._prepare(args, kwargs, leaves, tree))

    def eval_shape(self, *args: Any, **kwargs: Any) -> Any:
        """The output shapes and dtypes for these arguments, without compiling."""
        return self.lower(*args, **kwargs).out_info

    def clear_cache(self) -> None:
        """Forget this function's compiled signatures."""
        self._cache.clear()
        self._clear_fast()
        self._staged_cache.clear()
        for known, served in zip(self._known, self._structures, strict=True):
            known.clear()
            served.clear()
        self._pending[:] = [(None, 0)] * 3

    def _cache_size(self) -> int:
        return len(self._cache)


class Inline(enum.Enum):
    """How a jitted function called inside another traced function is inlined (JAX 0.12).

    `JAX_EARLY` and `JAX_LATE` inline it into the caller's program while tracing (as
    `inline=True` does); `XLA_EARLY`, `XLA_LATE` and `AUTO` keep one staged call and leave
    inlining to XLA (as `inline=False` does).
    """

    JAX_EARLY = "jax_early"
    JAX_LATE = "jax_late"
    XLA_EARLY = "xla_early"
    XLA_LATE = "xla_late"
    AUTO = "auto"


def _inlines(inline: Any) -> bool:
    if isinstance(inline, Inline):
        return inline in (Inline.JAX_EARLY, Inline.JAX_LATE)
    if isinstance(inline, str):
        try:
            return _inlines(Inline(inline))
        except ValueError:
            raise ValueError(f"jit: inline={inline!r} is not a bool or jax.Inline value") from None
    return bool(inline)


def jit(
    fun: Callable[..., Any] | None = None,
    in_shardings: Any = None,
    out_shardings: Any = None,
    static_argnums: int | Sequence[int] | None = None,
    static_argnames: str | Sequence[str] | None = None,
    donate_argnums: int | Sequence[int] | None = None,
    donate_argnames: str | Sequence[str] | None = None,
    keep_unused: bool = False,
    device: Any = None,
    backend: str | None = None,
    inline: bool | Inline = False,
    abstracted_axes: Any = None,
) -> Any:
    """Compile `fun` with XLA: traced once per argument signature, then cached.

    Args:
        fun: the function; its arguments and results are pytrees of arrays.
        in_shardings: None, a `SingleDeviceSharding`, or one per positional argument; they
            pick the device (multi-device shardings: use `pmap`).
        out_shardings: like `in_shardings`, for the outputs.
        static_argnums: positions of arguments passed as Python values (hashable; a new value
            traces again).
        static_argnames: names of keyword arguments passed as Python values.
        donate_argnums: positions of arguments whose buffers XLA may reuse for outputs; a
            donated Array cannot be used afterwards.
        donate_argnames: names of keyword arguments to donate.
        keep_unused: keep arguments the function does not read in the compiled program.
        device: the device to run on (default: the default device).
        backend: the backend ("cpu", "cuda", ...) to run on.
        inline: when called under another trace, inline the function instead of staging
            one call: True, or JAX 0.12's `Inline.JAX_EARLY` / `Inline.JAX_LATE` (the other
            `Inline` values stage one call, which XLA may inline).
        abstracted_axes: must be None (symbolic shapes are not supported).

    Returns:
        The compiled function, with `.lower(*args)` and `.eval_shape(*args)`.

    Example:
        >>> import numpy as np
        >>> from pullback_ir import lax
        >>> f = jit(lambda x, y: lax.sin(x) * y)
        >>> f(np.zeros(2, np.float32), np.ones(2, np.float32))
        Array([0., 0.], dtype=float32)
    """
    kw = dict(in_shardings=in_shardings, out_shardings=out_shardings,
              static_argnums=static_argnums, static_argnames=static_argnames,
              donate_argnums=donate_argnums, donate_argnames=donate_argnames,
              keep_unused=keep_unused, device=device, backend=backend, inline=inline,
              abstracted_axes=abstracted_axes)  # fmt: skip
    if fun is None:
        return lambda f: JitFunction(f, **kw)
    return JitFunction(fun, **kw)
