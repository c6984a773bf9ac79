"""`pmap`: one replica program over N devices, collectives over replica groups.

The function is traced once per signature with per-device shapes, under the named axis, and
lowered as a replica program (`num_replicas = N`): replica k reads slice k of each mapped
argument, and named collectives become XLA all-reduce / all-gather / all-to-all /
collective-permute over the replicas. On the CPU each mapped output stays split, slice k on
device k (an Array whose `_replicas` is `Shards`): a later pmap over the same devices and
axis takes it as it is, and the host reads the slices only when asked. On other platforms
each output is gathered inside the same launch, so the host reads it whole from one device.
On the CPU at most one multi-device launch is in flight at a time: XLA's CPU collectives
abort when launches pile up.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir.avals import ShapedArray
from pullback_ir.config import STATE
from pullback_ir.jaxpr import ClosedJaxpr
from pullback_ir.staging import trace_to_jaxpr
from pullback_ir.trace import CONTEXT, EvalTrace, Tracer, extend_axis_env
from pullback_pytrees import PyTreeDef, broadcast_prefix, tree_flatten, tree_unflatten

from pullback_compile import _jaxlib
from pullback_compile.array import Array, Shards
from pullback_compile.devices import Device, devices as all_devices
from pullback_compile.jit import _arg_avals, compile_lowered
from pullback_compile.lowering import LoweredModule, LoweringContext, _i64s, _symbol, mlir_type

__all__ = ["pmap"]

_INFLIGHT: list[Any] = []  # the outputs of the last multi-device launch
_INFLIGHT_LOCK = threading.Lock()


def _wait_previous_launch() -> None:
    with _INFLIGHT_LOCK:
        pending = list(_INFLIGHT)
        _INFLIGHT.clear()
    _jaxlib.block_until_ready([b for b in pending if not _jaxlib.is_deleted(b)])


def _host(x: Any, aval: ShapedArray) -> np.ndarray[Any, Any]:
    if isinstance(x, Array):
        return x._value
    return np.asarray(x, dtype=aval.dtype)


def _stacked(a: Any, axis: int, n: int = 1) -> ShapedArray:
    # `a` (an aval) with an axis of size `n` inserted at `axis`: one device's slice for n = 1,
    # the global value of n devices' slices otherwise.
    return ShapedArray((*a.shape[:axis], n, *a.shape[axis:]), a.dtype)


def _lower_replicas(
    closed: ClosedJaxpr,
    name: str,
    n: int,
    axis_name: Any,
    in_axes: Sequence[int | None],
    out_axes: Sequence[int | None],
    donated: Sequence[bool],
    split: bool,
) -> tuple[LoweredModule, list[ShapedArray]]:
    """The replica program: per-device slices in, each mapped output kept split or gathered.

    A mapped argument is split on its axis, an unmapped one on a new leading axis. With
    `split` each mapped output stays split on its axis, else it is gathered in the launch.
    """
    ctx = LoweringContext([(axis_name, n)])
    j = closed.jaxpr
    params, args = [], []
    for i, (v, ax) in enumerate(zip(j.invars, in_axes, strict=True)):
        a = ShapedArray(v.aval.shape, v.aval.dtype)
        block = _stacked(a, 0 if ax is None else ax)
        attr = " {jax.buffer_donor = true}" if donated[i] else ""
        params.append(f"%arg{i}: {mlir_type(block)}{attr}")
        args.append(ctx.op("stablehlo.reshape", [f"%arg{i}"], [block], [a])[0])
    outs = ctx.jaxpr(closed, args)
    groups = np.arange(n, dtype=np.int64).reshape(1, n)
    results, result_avals, out_avals = [], [], []  # (out_avals: the global values)
    for o, oa, ax in zip(outs, closed.out_avals, out_axes, strict=True):
        a = ShapedArray(oa.shape, oa.dtype)
        if ax is None:  # unmapped: every replica holds the same value
            results.append(o)
            result_avals.append(a)
            out_avals.append(a)
            continue
        if split:  # this replica's slice of the output, split on `ax`
            block = _stacked(a, ax)
            results.append(ctx.op("stablehlo.reshape", [o], [a], [block])[0])
            result_avals.append(block)
            out_avals.append(_stacked(a, ax, n))
            continue
        block = ShapedArray((1, *a.shape), a.dtype)
        o1 = ctx.op("stablehlo.reshape", [o], [a], [block])[0]
        full = ShapedArray((n, *a.shape), a.dtype)
        g = ctx.op("stablehlo.all_gather", [o1], [block], [full],
                   f"all_gather_dim = 0 : i64, replica_groups = dense<{groups.tolist()}> : "
                   f"tensor<1x{n}xi64>")[0]  # fmt: skip
        if ax != 0:
            perm = list(range(1, len(full.shape)))
            perm.insert(ax, 0)
            moved = ShapedArray(tuple(full.shape[p] for p in perm), a.dtype)
            g = ctx.op("stablehlo.transpose", [g], [full], [moved],
                       f"permutation = {_i64s(perm)}")[0]  # fmt: skip
            full = moved
        results.append(g)
        result_avals.append(full)
        out_avals.append(full)
    body = "\n    ".join(ctx.lines)
    types = ", ".join(mlir_type(a) for a in result_avals)
    ret = f"func.return {', '.join(results)} : {types}" if results else "func.return"
    text = (
        f"module @pmap_{_symbol(name)} attributes {{mhlo.num_partitions = 1 : i32, "
        f"mhlo.num_replicas = {n} : i32}} {{\n"
        f"  func.func public @main({', '.join(params)}) -> ({types}) {{\n"
        f"    {body}\n    {ret}\n  }}\n}}\n"
    )
    lowered = LoweredModule(text, ctx.callbacks, ctx.side_effects, [True] * len(j.invars), 0)
    return lowered, out_avals


class _Replicated:
    """One compiled signature of a pmapped function."""

    def __init__(self, closed: ClosedJaxpr, out_tree: PyTreeDef, lowered: LoweredModule,
                 out_avals: list[ShapedArray], devs: tuple[Device, ...], donated: list[bool],
                 out_axes: list[int | None], split: bool) -> None:  # fmt: skip
        self.in_avals = list(closed.in_avals)
        self.out_tree = out_tree
        self.out_avals = out_avals
        self.devices = devs
        self.donated = donated
        self.lowered = lowered
        # How each output is held: None (one device), the devices (each holds all of it), or
        # Shards (split on its axis).
        self.holders: list[tuple[Device, ...] | None] = [
            None if len(devs) == 1 else Shards(devs, ax) if split and ax is not None else devs
            for ax in out_axes
        ]
        if len(devs) == 1:
            self.loaded = compile_lowered(lowered, devs, out_avals)
        else:
            self.loaded = _jaxlib.Loaded(
                lowered.text,
                devs,
                [_jaxlib.Aval(a.shape, a.dtype) for a in out_avals],
                host_callbacks=tuple(lowered.callbacks),
                out_axes=[h.axis if type(h) is Shards else None for h in self.holders],
            )

    def run(self, leaves: Sequence[Any], in_axes: Sequence[int | None]) -> list[Array]:
        n = len(self.devices)
        bufs = []
        for x, ax, a in zip(leaves, in_axes, self.in_avals, strict=True):
            reps = x._replicas if type(x) is Array else None
            if (type(reps) is Shards and reps.axis == ax and tuple(reps) == self.devices
                    and x._buf is not None and x._aval.dtype == a.dtype):  # fmt: skip
                x._check_alive()
                bufs.append(x._buf)  # split as this program reads it already
                continue
            v = _host(x, a)
            axis = 0 if ax is None else ax
            if ax is None:
                slices = [np.array(v[None]) for _ in range(n)]
            else:
                if 0 in v.strides and v.ndim:
                    # a broadcast view: its slices would share memory, which jaxlib's
                    # batched transfer refuses ("bad_function_call")
                    v = np.ascontiguousarray(v)
                index = (slice(None),) * ax
                slices = [np.ascontiguousarray(v[(*index, slice(k, k + 1))]) for k in range(n)]
            global_aval = _jaxlib.Aval(_stacked(a, axis, n).shape, a.dtype)
            bufs.append(_jaxlib.device_put_stacked(slices, self.devices, global_aval,
                                                   x64=STATE.x64, axis=axis))  # fmt: skip
        for x, d in zip(leaves, self.donated, strict=True):
            if d and isinstance(x, Array):
                x._mark_donated()
        _wait_previous_launch()
        outs = self.loaded.execute(bufs)
        with _INFLIGHT_LOCK:
            _INFLIGHT[:] = outs[-1:]
        return [Array._from_buffer(b, a, self.devices[0], h)
                for b, a, h in zip(outs, self.out_avals, self.holders, strict=True)]  # fmt: skip


def _axes_tree(spec: Any, tree: PyTreeDef, what: str) -> list[int | None]:
    try:
        return list(broadcast_prefix(spec, tree_unflatten(tree, [0] * tree.num_leaves),
                                     is_leaf=lambda x: x is None))  # fmt: skip
    except (ValueError, TypeError) as e:
        raise ValueError(f"pmap: {what} does not match the arguments' structure: {e}") from None


class PmapFunction:
    """The callable `pmap` returns."""

    def __init__(self, fun: Callable[..., Any], axis_name: Any, in_axes: Any, out_axes: Any,
                 static_broadcasted_argnums: Any, devices: Any, backend: str | None,
                 axis_size: int | None, donate_argnums: Any,
                 global_arg_shapes: Any) -> None:  # fmt: skip
        if not callable(fun):
            raise TypeError(f"pmap: expected a callable, got {type(fun).__qualname__}")
        functools.update_wrapper(self, fun)
        self._fun = fun
        self._name = getattr(fun, "__name__", "fn")
        self._axis_name = axis_name
        self._in_axes = in_axes
        self._out_axes = out_axes
        nums = static_broadcasted_argnums
        self._static = (nums,) if isinstance(nums, int) else tuple(nums)
        dn = donate_argnums
        self._donate = (dn,) if isinstance(dn, int) else tuple(dn)
        if set(self._static) & set(self._donate):
            raise ValueError("pmap: an argument cannot be both static and donated")
        if devices is not None:
            devices = list(devices)
            if not devices:
                raise ValueError("pmap: devices must not be empty")
        self._devices = devices
        self._backend = backend
        self._axis_size = axis_size
        if global_arg_shapes is not None and not isinstance(global_arg_shapes, (tuple, list)):
            raise TypeError("pmap: global_arg_shapes must be None or a tuple of shapes")
        self._cache: dict[Any, tuple[_Replicated, list[int | None]]] = {}
        self._axes: dict[PyTreeDef, list[int | None]] = {}  # in_axes per leaf, by structure

    def __repr__(self) -> str:
        return f"<pmapped function {self._name}>"

    def _leaf_axes(self, tree: PyTreeDef, n_dyn: int) -> list[int | None]:
        # in_axes broadcast to the leaves of arguments of structure `tree` (kept per structure)
        in_axes = self._in_axes
        if isinstance(in_axes, list):
            in_axes = tuple(in_axes)
        if isinstance(in_axes, tuple) and len(in_axes) != n_dyn:
            raise ValueError(
                f"pmap: in_axes has {len(in_axes)} entries but {self._name} got {n_dyn} "
                "non-static positional arguments"
            )
        spec = in_axes if isinstance(in_axes, tuple) else (in_axes,) * n_dyn
        axes = _axes_tree(spec, tree, "in_axes")
        if len(self._axes) >= 64:
            self._axes.clear()
        self._axes[tree] = axes
        return axes

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError("pmap: keyword arguments are not supported; pass them positionally")
        if type(CONTEXT.trace) is not EvalTrace:
            raise NotImplementedError(
                "pmap under another transformation is not supported by pullback_compile.pmap; "
                "use pullback.pmap, which maps it as a named vmap there"
            )
        n_args = len(args)
        static_pos = {i + n_args if i < 0 else i for i in self._static}
        statics = []
        for i in sorted(static_pos):
            try:
                hash(args[i])
            except TypeError:
                raise TypeError(
                    f"pmap: static_broadcasted_argnums argument {i} must be hashable, got "
                    f"{type(args[i]).__qualname__}"
                ) from None
            statics.append((i, args[i]))
        dyn = tuple(a for i, a in enumerate(args) if i not in static_pos)
        leaves, tree = tree_flatten(dyn)
        for x in leaves:
            if isinstance(x, Tracer):
                raise NotImplementedError("pmap: traced arguments (pmap under a transformation)")
        avals = _arg_avals(self._name, leaves, (dyn, {}))
        axes = self._axes.get(tree)
        if axes is None:
            axes = self._leaf_axes(tree, len(dyn))
        sizes = {}
        for i, (a, ax) in enumerate(zip(avals, axes, strict=True)):
            if ax is None:
                continue
            if not isinstance(ax, int):
                raise TypeError(f"pmap: in_axes entries must be int or None, got {ax!r}")
            if not -len(a.shape) <= ax < len(a.shape):
                raise ValueError(
                    f"pmap: in_axes {ax} is out of range for argument leaf {i} of shape {a.shape}"
                )
            sizes[i] = a.shape[ax % len(a.shape)]
        axes = [None if ax is None else ax % len(avals[i].shape) for i, ax in enumerate(axes)]
        if len(set(sizes.values())) > 1:
            detail = ", ".join(f"leaf {i}: {s}" for i, s in sizes.items())
            raise ValueError(f"pmap: mapped axes have different sizes: {detail}")
        n = next(iter(sizes.values())) if sizes else self._axis_size
        if n is None:
            raise ValueError("pmap: no argument is mapped; pass axis_size")
        if self._axis_size is not None and self._axis_size != n:
            raise ValueError(f"pmap: axis_size={self._axis_size} but the mapped size is {n}")
        devs = self._devices or all_devices(self._backend)
        if self._devices is not None and len(devs) != n:
            raise ValueError(f"pmap: {len(devs)} devices were given for a mapped size of {n}")
        if n > len(devs):
            raise ValueError(
                f"pmap: the mapped axis has size {n} but only {len(devs)} devices are available "
                "(set PULLBACK_NUM_CPU_DEVICES for more virtual CPU devices)"
            )
        devs = tuple(devs[:n])
        per_dev = [a if ax is None else ShapedArray(a.shape[:ax] + a.shape[ax + 1 :], a.dtype,
                                                     a.weak_type)
                   for a, ax in zip(avals, axes, strict=True)]  # fmt: skip
        key = (tree, tuple(statics), STATE.x64, tuple(axes), devs, *per_dev)
        hit = self._cache.get(key)
        if hit is None:
            hit = (self._compile(args, static_pos, tree, per_dev, devs, axes), axes)
            self._cache[key] = hit
        exe, _ = hit
        outs = exe.run(leaves, axes)
        return tree_unflatten(exe.out_tree, outs)

    def _compile(self, args: tuple[Any, ...], static_pos: set[int], tree: PyTreeDef,
                 per_dev: list[ShapedArray], devs: tuple[Device, ...],
                 in_axes: list[int | None]) -> _Replicated:  # fmt: skip
        out_trees: list[PyTreeDef] = []
        n_args = len(args)

        def flat_fun(*flat: Any) -> list[Any]:
            dyn = iter(tree_unflatten(tree, flat))
            full = [args[i] if i in static_pos else next(dyn) for i in range(n_args)]
            outs, out_tree = tree_flatten(self._fun(*full))
            out_trees.append(out_tree)
            return outs

        with extend_axis_env(self._axis_name, len(devs)):
            closed = trace_to_jaxpr(flat_fun, per_dev)
        out_tree = out_trees[0]
        out_axes = _axes_tree(self._out_axes, out_tree, "out_axes")
        for ax, a in zip(out_axes, closed.out_avals, strict=True):
            if ax is not None and not 0 <= ax <= len(a.shape):
                raise ValueError(f"pmap: out_axes {ax} is out of range for an output of rank "
                                 f"{len(a.shape)}")  # fmt: skip
        dyn_pos = [i for i in range(n_args) if i not in static_pos]
        donate = {i + n_args if i < 0 else i for i in self._donate}
        donated: list[bool] = []
        for i in dyn_pos:
            donated += [i in donate] * len(tree_flatten(args[i])[0])
        # (split outputs are read through a CPU-only route: see _jaxlib.shard_views)
        split = len(devs) > 1 and all(d.platform == "cpu" for d in devs)
        lowered, out_avals = _lower_replicas(
            closed, self._name, len(devs), self._axis_name, in_axes, out_axes, donated, split
        )
        return _Replicated(closed, out_tree, lowered, out_avals, devs, donated, out_axes, split)


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
) -> Any:
    """Map `fun` over a leading array axis, one slice per device, in one SPMD launch.

    Args:
        fun: the per-device function; collectives (`psum`, `all_gather`, `ppermute`, ...)
            over `axis_name` communicate between devices.
        axis_name: the name collectives use for the mapped axis.
        in_axes: the mapped axis of each argument (int or None; a pytree prefix of the args).
        out_axes: where the mapped axis goes in each output (int or None: not mapped, the
            value is the same on every device).
        static_broadcasted_argnums: arguments passed to every device as Python values.
        devices: the devices to use (default: the first N of the backend).
        backend: the backend to run on.
        axis_size: the mapped size when no argument is mapped.
        donate_argnums: arguments whose Arrays are consumed by the call.
        global_arg_shapes: accepted for compatibility (not needed here).

    Returns:
        The parallel function.

    Example:
        >>> import numpy as np
        >>> from pullback_ir import lax
        >>> from pullback_compile import device_count
        >>> n = device_count()
        >>> f = pmap(lambda x: lax.psum(x, "i"), axis_name="i")
        >>> np.asarray(f(np.ones(n, np.float32))).tolist() == [float(n)] * n
        True
    """
    return PmapFunction(fun, axis_name, in_axes, out_axes, static_broadcasted_argnums, devices,
                        backend, axis_size, donate_argnums, global_arg_shapes)  # fmt: skip
