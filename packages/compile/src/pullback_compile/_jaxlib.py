"""The only module of pullback that calls jaxlib: PJRT clients, transfers to and from devices.

jaxlib's private APIs change between releases (see shared notes, "jaxlib 0.11 / 0.12"), so every
call into it is kept here, where a jaxlib upgrade breaks in one place. Nothing here imports
`jax`. Of jaxlib's process-global state only one setting is changed, at import and only where
jax has not been imported: jaxlib's Python traceback capture is turned off (see
`_stop_traceback_capture`).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import math
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # hide XLA's INFO lines; read at import

from jaxlib import _jax, xla_client

__all__: list[str] = []

JAXLIB_EXTENSION_VERSION: int = xla_client._version

#: The jaxlib releases this module is tested with, by extension version (the README lists
#: them; CI runs the suite on the oldest and the newest). Releases in between are allowed by
#: the dependency range and checked at run time only by `missing_entry_points`.
TESTED_RELEASES: dict[int, str] = {467: "0.10.2", 525: "0.12.1"}

#: Every jaxlib name pullback calls, as "module:attribute.path" (methods under their class).
#: A jaxlib that lacks one of them is not supported: the smoke test checks them all.
ENTRY_POINTS: tuple[str, ...] = (
    "jaxlib._jax:ArrayCopySemantics.REUSE_INPUT",
    "jaxlib._jax:ArrayImpl._fully_replicated_shard",
    "jaxlib._jax:ArrayImpl._single_device_array_to_np_array_did_copy",
    "jaxlib._jax:ArrayImpl.block_until_ready",
    "jaxlib._jax:ArrayImpl.delete",
    "jaxlib._jax:ArrayImpl.is_deleted",
    "jaxlib._jax:ArrayImpl.is_ready",
    "jaxlib._jax:ArrayImpl.unsafe_buffer_pointer",
    "jaxlib._jax:Client.compile_and_load",
    "jaxlib._jax:Client.deserialize_executable",
    "jaxlib._jax:Client.devices",
    "jaxlib._jax:Client.platform",
    "jaxlib._jax:Client.platform_version",
    "jaxlib._jax:Client.serialize_executable",
    "jaxlib._jax:Device",
    "jaxlib._jax:ExecuteResults.consume_with_handlers",
    "jaxlib._jax:GSPMDSharding",
    "jaxlib._jax:LoadedExecutable.cost_analysis",
    "jaxlib._jax:LoadedExecutable.execute_sharded",
    "jaxlib._jax:LoadedExecutable.get_compiled_memory_stats",
    "jaxlib._jax:LoadedExecutable.get_hlo_text",
    "jaxlib._jax:SingleDeviceSharding",
    "jaxlib._jax:buffer_to_dlpack_managed_tensor",
    "jaxlib._jax:reorder_shards",
    "jaxlib._jax:set_tracebacks_enabled",
    "jaxlib.cpu._lapack:initialize",
    "jaxlib.cpu._lapack:registrations",
    "jaxlib.mlir._mlir_libs._jax_mlir_ext:register_dialects",
    "jaxlib.mlir.dialects.chlo:register_dialect",
    "jaxlib.mlir.dialects.stablehlo:register_dialect",
    "jaxlib.mlir.ir:Context",
    "jaxlib.mlir.ir:DialectRegistry",
    "jaxlib.mlir.ir:Module.parse",
    "jaxlib.version:__version__",
    "jaxlib.xla_client:CompileOptions",
    "jaxlib.xla_client:DeviceAssignment.create",
    "jaxlib.xla_client:DeviceList",
    "jaxlib.xla_client:HloSharding.iota_tile",
    "jaxlib.xla_client:HloSharding.replicate",
    "jaxlib.xla_client:HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL",
    "jaxlib.xla_client:HostBufferSemantics.ZERO_COPY",
    "jaxlib.xla_client:array_result_handler",
    "jaxlib.xla_client:batched_block_until_ready",
    "jaxlib.xla_client:batched_device_put",
    "jaxlib.xla_client:initialize_pjrt_plugin",
    "jaxlib.xla_client:load_pjrt_plugin_dynamically",
    "jaxlib.xla_client:make_c_api_client",
    "jaxlib.xla_client:make_cpu_client",
    "jaxlib.xla_client:pjrt_plugin_initialized",
    "jaxlib.xla_client:pjrt_plugin_loaded",
    "jaxlib.xla_client:register_custom_call_target",
)


def missing_entry_points() -> list[str]:
    """The `ENTRY_POINTS` the installed jaxlib lacks (empty where it is supported)."""
    missing = []
    for entry in ENTRY_POINTS:
        module, path = entry.split(":")
        try:
            obj: Any = importlib.import_module(module)
        except ImportError:
            missing.append(entry)
            continue
        for part in path.split("."):
            if not hasattr(obj, part):
                missing.append(entry)
                break
            obj = getattr(obj, part)
    return missing


#: The class of jaxlib's device objects (every PJRT device is an instance).
DEVICE_CLASS: type = _jax.Device


def _stop_traceback_capture() -> bool:
    """Turn off jaxlib's capture of a Python traceback per launch; whether it was turned off.

    With capture on (jaxlib's default) every `execute_sharded` records the calling Python
    traceback, which costs about 0.17 us of a 3.3 us tiny launch and is never freed: the
    process grows by about 55 bytes per launch (11 MB per 200,000 calls, measured on jaxlib
    0.10.2). pullback never reads these tracebacks. jax reads them for its source locations,
    so where jax is already imported the setting is left as it is.
    """
    if "jax" in sys.modules:
        return False
    _jax.set_tracebacks_enabled(False)
    return True


TRACEBACKS_STOPPED: bool = _stop_traceback_capture()


class Aval:
    """The abstract value jaxlib reads from transferred and computed arrays (four attributes)."""

    __slots__ = ("dtype", "ndim", "shape", "weak_type")

    def __init__(
        self, shape: tuple[int, ...], dtype: np.dtype[Any], weak_type: bool = False
    ) -> None:
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type
        self.ndim = len(self.shape)


class _DeviceSharding(_jax.SingleDeviceSharding):  # type: ignore[misc]
    # The C++ class lacks the two members that transfers and result handlers read; jax adds
    # them to the C++ class itself, we subclass instead.
    def _to_xla_hlo_sharding(self, ndim: int) -> Any:
        del ndim  # unused
        return xla_client.HloSharding.replicate()

    @property
    def memory_kind(self) -> Any:
        return self._memory_kind


@functools.cache
def cpu_client(num_devices: int = 1) -> Any:
    """The PJRT CPU client with `num_devices` virtual devices (one client per count)."""
    return xla_client.make_cpu_client(num_devices=num_devices)


@functools.cache
def _sharding(device: Any) -> Any:
    # One sharding object per device, reused: the C++ side compares them.
    return _DeviceSharding(device)


def device_put(x: np.ndarray[Any, Any], device: Any, *, x64: bool, zero_copy: bool = False) -> Any:
    """Copy the host array `x` to `device`, returning a jaxlib array.

    `x` must already have its canonical dtype (64-bit types only when `x64`): with x64 off
    jaxlib narrows 64-bit data on transfer but keeps the aval it was given. With `zero_copy`
    a CPU device may alias `x`'s memory: only for arrays nobody will write to again.
    """
    key = (x.shape, x.dtype)
    aval = _PUT_AVALS.get(key)
    if aval is None:
        if len(_PUT_AVALS) > 1024:
            _PUT_AVALS.clear()
        aval = _PUT_AVALS[key] = Aval(x.shape, x.dtype)
    return xla_client.batched_device_put(
        aval,
        _sharding(device),
        [x],
        [device],
        True,
        host_buffer_semantics=_ZERO_COPY if zero_copy else _COPY,
        enable_x64=x64,
    )


# The avals device_put hands jaxlib, by (shape, dtype): jaxlib only reads them.
_PUT_AVALS: dict[tuple[Any, ...], Aval] = {}
_ZERO_COPY = xla_client.HostBufferSemantics.ZERO_COPY
_COPY = xla_client.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL


class _DLPackCapsule:
    # numpy.from_dlpack wants an object with __dlpack__, not a bare capsule.
    __slots__ = ("capsule",)

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        del kwargs  # unused: the capsule is on the CPU already
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU


# numpy's DLPack importer rejects these; they are read through a raw pointer view instead.
_NO_DLPACK = frozenset(
    np.dtype(getattr(ml_dtypes, n))
    for n in dir(ml_dtypes)
    if n == "bfloat16" or (n.startswith("float8") and not n.endswith("_"))
)


def to_numpy(
    arr: Any,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    platform: str = "cpu",
    replicated: bool = False,
) -> np.ndarray[Any, Any]:
    """A read-only host view of the jaxlib array `arr` (zero-copy when it is on the CPU).

    `replicated`: `arr` is held whole by each of several devices (the first one's is read).
    """
    if platform != "cpu":  # an accelerator: jaxlib copies to the host
        host, _ = arr._single_device_array_to_np_array_did_copy()
        out_h: np.ndarray[Any, Any] = np.asarray(host)
        return out_h
    if dtype not in _NO_DLPACK:
        out: np.ndarray[Any, Any] = np.from_dlpack(
            _DLPackCapsule(_jax.buffer_to_dlpack_managed_tensor(arr))
        )
        return out
    arr.block_until_ready()
    if replicated:  # (a raw pointer exists only for a single-device array)
        arr = arr._fully_replicated_shard()
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes == 0:
        empty = np.empty(shape, dtype)
        empty.flags.writeable = False
        return empty
    raw = (ctypes.c_char * nbytes).from_address(arr.unsafe_buffer_pointer())
    raw._owner = arr  # type: ignore[attr-defined]  # keeps the device buffer alive
    flat: np.ndarray[Any, Any] = np.frombuffer(memoryview(raw).cast("B"), dtype=dtype)
    view = flat.reshape(shape)
    view.flags.writeable = False
    return view


# --- clients and devices -------------------------------------------------------------------------


def _cpu_device_count() -> int:
    # PULLBACK_NUM_CPU_DEVICES, else XLA's own flag (as JAX reads it), else one device.
    n = os.environ.get("PULLBACK_NUM_CPU_DEVICES")
    if n is None:
        m = re.search(
            r"--xla_force_host_platform_device_count=(\d+)", os.environ.get("XLA_FLAGS", "")
        )
        n = m.group(1) if m else "1"
    try:
        count = int(n)
    except ValueError:
        raise ValueError(f"PULLBACK_NUM_CPU_DEVICES must be an integer, got {n!r}") from None
    if count < 1:
        raise ValueError(f"the number of CPU devices must be at least 1, got {count}")
    return count


_CPU_COUNT: list[int] = []  # set once the CPU client exists


def set_cpu_device_count(n: int) -> None:
    """Ask for `n` virtual CPU devices; only before the CPU client is first used."""
    if _CPU_COUNT and _CPU_COUNT[0] != n:
        raise RuntimeError(
            f"the CPU client already exists with {_CPU_COUNT[0]} devices; set the device count "
            "before the first computation"
        )
    os.environ["PULLBACK_NUM_CPU_DEVICES"] = str(int(n))


def _plugin_platform(folder: str) -> str:
    # JAX's plugin packages are named xla_<platform><version> (xla_cuda13, xla_rocm7).
    name = os.path.basename(folder.rstrip("/"))
    return re.sub(r"\d+$", "", name.removeprefix("xla_")) or name


def _namespace_plugins() -> dict[str, str]:
    # The `jax_plugins` namespace package, where JAX's PJRT plugin wheels (jax-cuda13-pjrt,
    # ...) put their library beside an `__init__` that registers it with jax. The folders are
    # read, nothing is imported (those `__init__`s import jax).
    found: dict[str, str] = {}
    try:
        spec = importlib.util.find_spec("jax_plugins")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return found
    for loc in spec.submodule_search_locations:
        try:
            folders = sorted(os.scandir(loc), key=lambda e: e.name)
        except OSError:
            continue
        for entry in folders:
            if not entry.is_dir() or entry.name.startswith(("_", ".")):
                continue
            libs = sorted(f.path for f in os.scandir(entry.path)
                          if f.is_file() and f.name.endswith((".so", ".dylib"))
                          and "plugin" in f.name)  # fmt: skip
            if libs:
                found.setdefault(_plugin_platform(entry.path), libs[0])
    return found


def _plugin_paths() -> dict[str, str]:
    # PJRT plugins a user installed: PULLBACK_PJRT_PLUGINS="name:/path/lib.so,...", JAX's
    # plugin wheels under the `jax_plugins` namespace, and the older CUDA plugin wheels (all
    # found without importing them: their __init__ imports jax).
    found: dict[str, str] = {}
    for item in filter(None, os.environ.get("PULLBACK_PJRT_PLUGINS", "").split(",")):
        name, _, path = item.partition(":")
        found[name.strip()] = path.strip()
    for name, path in _namespace_plugins().items():
        found.setdefault(name, path)
    for pkg in ("jax_cuda13_plugin", "jax_cuda12_plugin"):
        try:
            spec = importlib.util.find_spec(pkg)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for loc in spec.submodule_search_locations:
            lib = os.path.join(loc, "xla_cuda_plugin.so")
            if os.path.exists(lib):
                found.setdefault("cuda", lib)
    return found


_PLATFORMS: list[str] = []  # set by set_platforms before the clients start


def _platform_names(text: str | None) -> list[str]:
    # "cuda,cpu" -> ["cuda", "cpu"]; JAX's "gpu" names the CUDA plugin's platform.
    names = [p.strip().lower() for p in (text or "").split(",") if p.strip()]
    return ["cuda" if n == "gpu" else n for n in names]


def set_platforms(names: str | None) -> None:
    """Choose the backends, in order of preference (JAX's `jax_platforms`), before they start.

    Once the backends have started the choice can no longer change the default backend (as in
    JAX); it is then only checked.

    Raises:
        ValueError: once the backends have started, for a platform this process lacks.
    """
    wanted = _platform_names(names)
    if clients.cache_info().currsize:
        have = clients()
        missing = [p for p in wanted if p not in have]
        if missing:
            raise ValueError(
                f"platform {missing[0]!r} is not available in this process, whose backends "
                f"started already: {', '.join(have)}"
            )
        return
    _PLATFORMS[:] = wanted


def wanted_platforms() -> list[str] | None:
    """The platforms asked for, in order (set_platforms, else JAX_PLATFORMS), or None for all."""
    if _PLATFORMS:
        return list(_PLATFORMS)
    env = os.environ.get("JAX_PLATFORMS", "") or os.environ.get("JAX_PLATFORM_NAME", "")
    return _platform_names(env) or None


@functools.cache
def clients() -> dict[str, Any]:
    """Every usable PJRT client by platform name; "cpu" is always there."""
    out: dict[str, Any] = {}
    wanted = wanted_platforms()
    for name, path in _plugin_paths().items():
        if wanted is not None and name not in wanted:
            continue
        try:
            if not xla_client.pjrt_plugin_loaded(name):
                xla_client.load_pjrt_plugin_dynamically(name, path)
            if not xla_client.pjrt_plugin_initialized(name):
                xla_client.initialize_pjrt_plugin(name)
            client = xla_client.make_c_api_client(name, {}, None)
            if client.devices():
                out[client.platform] = client
        except Exception as e:  # a broken plugin must not break the CPU
            warnings.warn(f"pullback: PJRT plugin {name!r} ({path}) unusable: {e}", stacklevel=2)
    out["cpu"] = cpu_client(_cpu_device_count())
    _CPU_COUNT[:] = [len(out["cpu"].devices())]
    if wanted is None:
        return out
    missing = [p for p in wanted if p not in out]
    if missing:
        raise RuntimeError(
            f"Unable to initialize backend {missing[0]!r}: no usable PJRT plugin for it "
            f"(platforms asked for: {','.join(wanted)}; available: {','.join(out)})"
        )
    # The first platform asked for is the default; the CPU stays reachable by name.
    return {**{p: out[p] for p in wanted}, **out}


def started_clients() -> dict[str, Any]:
    """The clients by platform name if they were made already, else {} (starts nothing)."""
    return dict(clients()) if clients.cache_info().currsize else {}


def default_backend() -> str:
    """The platform used when none is named: an accelerator if there is one, else "cpu"."""
    return next(iter(clients()))


def client_for(backend: str | None) -> Any:
    """The client of `backend` (None: the default backend); ValueError for unknown names."""
    cs = clients()
    name = default_backend() if backend is None else backend
    name = {"gpu": "cuda"}.get(name, name) if name not in cs else name
    try:
        return cs[name]
    except KeyError:
        raise ValueError(
            f"backend {backend!r} is not available; available backends: {sorted(cs)}"
        ) from None


# --- compile and execute -------------------------------------------------------------------------


def _handler_takes_skip_checks() -> bool:
    # jaxlib 0.10 has `array_result_handler(..., _skip_checks=False)`; later releases check
    # nothing and dropped the keyword (shared notes, section 12). Read once, from the signature.
    sig = getattr(xla_client.array_result_handler, "__nb_signature__", None)
    return "_skip_checks" in str(sig if sig is not None else
                                 xla_client.array_result_handler.__doc__)  # fmt: skip


_SKIP_CHECKS: dict[str, bool] = {"_skip_checks": True} if _handler_takes_skip_checks() else {}


def result_handler(aval: Aval, sharding: Any) -> Any:
    """A prebuilt handler that turns output buffers into a jaxlib array (no jax hooks)."""
    return xla_client.array_result_handler(aval, sharding, True, **_SKIP_CHECKS)


class _MultiSharding(_jax.GSPMDSharding):  # type: ignore[misc]
    # An array split along its first axis over several devices (pmap's global values).
    def _to_xla_hlo_sharding(self, ndim: int) -> Any:
        del ndim  # unused
        return self._hlo_sharding

    @property
    def memory_kind(self) -> Any:
        return self._memory_kind


@functools.cache
def stacked_sharding(devices: tuple[Any, ...], ndim: int, axis: int = 0) -> Any:
    """The sharding of a rank-`ndim` value whose axis `axis` is split one slice per device."""
    tiles = [1] * ndim
    tiles[axis] = len(devices)
    return _MultiSharding(xla_client.DeviceList(devices), xla_client.HloSharding.iota_tile(tiles))


def shard_views(arr: Any, devices: tuple[Any, ...], axis: int, block: tuple[int, ...],
                dtype: np.dtype[Any]) -> list[np.ndarray[Any, Any]]:  # fmt: skip
    """Read-only host views of the slices of the CPU array `arr`, in device order.

    `arr` is split over `devices` along `axis` (see `stacked_sharding`); each slice has the
    shape `block`.

    jaxlib's own per-shard accessors go through jax's import hook (about 100-200 us a shard
    without jax), and DLPack exports only the first shard. So for each device the shards are
    reordered to put that device's first (no copy) and that slice is read as `to_numpy` does.
    The dtypes DLPack lacks (bfloat16, float8) are read through a raw pointer, which needs a
    single-device array: the reordered one is declared replicated, of the slice's shape, and
    its first shard taken (about 85 us a slice, against a few us through DLPack).
    """
    out = []
    ndim = len(block)
    raw = dtype in _NO_DLPACK
    for k in range(len(devices)):
        rotated = devices[k:] + devices[:k]
        first = arr
        if k:
            first = _jax.reorder_shards(arr, stacked_sharding(rotated, ndim, axis), _REUSE_INPUT)
        if raw:
            first = first._rewrap_with_aval_and_sharding(
                Aval(block, dtype), replicated_sharding(rotated)
            )._fully_replicated_shard()
        out.append(to_numpy(first, block, dtype))
    return out


_REUSE_INPUT = _jax.ArrayCopySemantics.REUSE_INPUT


@functools.cache
def replicated_sharding(devices: tuple[Any, ...]) -> Any:
    """The sharding of a value held whole on each of `devices`."""
    return _MultiSharding(xla_client.DeviceList(devices), xla_client.HloSharding.replicate())


def device_put_stacked(slices: list[np.ndarray[Any, Any]], devices: tuple[Any, ...],
                       global_aval: Aval, *, x64: bool, axis: int = 0) -> Any:  # fmt: skip
    """One global array from per-device host slices (slice k on device k, split on `axis`)."""
    sharding = stacked_sharding(devices, global_aval.ndim, axis)
    return xla_client.batched_device_put(
        global_aval, sharding, slices, list(devices), True,
        host_buffer_semantics=xla_client.HostBufferSemantics.IMMUTABLE_ONLY_DURING_CALL,
        enable_x64=x64,
    )  # fmt: skip


@functools.cache
def _mlir_context() -> Any:
    from jaxlib.mlir import ir
    from jaxlib.mlir._mlir_libs import _jax_mlir_ext
    from jaxlib.mlir.dialects import chlo, stablehlo

    registry = ir.DialectRegistry()
    _jax_mlir_ext.register_dialects(registry)
    ctx = ir.Context()
    ctx.append_dialect_registry(registry)
    ctx.load_all_available_dialects()
    stablehlo.register_dialect(ctx)
    chlo.register_dialect(ctx)
    return ctx


def parse_module(text: str) -> Any:
    """Parse StableHLO text into an `ir.Module` (needed to compile with host callbacks)."""
    from jaxlib.mlir import ir

    return ir.Module.parse(text, context=_mlir_context())


@functools.cache
def _register_lapack() -> None:
    """Register jaxlib's LAPACK kernels (typed-FFI custom-call targets) with XLA's CPU backend."""
    from jaxlib.cpu import _lapack

    _lapack.initialize()
    for name, fn in _lapack.registrations().items():
        if name.endswith("_ffi"):
            xla_client.register_custom_call_target(name, fn, platform="cpu", api_version=1)


def _options(devices: tuple[Any, ...]) -> Any:
    opts = xla_client.CompileOptions()
    opts.num_replicas = len(devices)
    opts.device_assignment = xla_client.DeviceAssignment.create(
        np.array([[d.id] for d in devices], dtype=np.int64)
    )
    return opts


def versions_key(devices: tuple[Any, ...]) -> str:
    """What a serialized executable depends on besides its program (for on-disk cache keys)."""
    d = devices[0]
    return "|".join(
        [str(JAXLIB_EXTENSION_VERSION), jaxlib_version(), d.client.platform,
         d.client.platform_version, d.device_kind, ",".join(str(x.id) for x in devices)]
    )  # fmt: skip


def jaxlib_version() -> str:
    """The installed jaxlib's version string."""
    import jaxlib.version

    return str(jaxlib.version.__version__)


class Loaded:
    """A compiled StableHLO program on one device or one replica per device.

    Its output handlers are built once.
    With several devices the program is a replica program: arguments and results are global
    arrays whose leading axis is split one slice per device, or, for the results, as
    `out_axes` says: each None is held whole by every device, each int split on that axis.
    """

    __slots__ = ("devices", "exe", "execute", "handlers", "out_avals")

    def __init__(
        self,
        text: str,
        devices: tuple[Any, ...],
        out_avals: list[Aval],
        *,
        host_callbacks: tuple[Any, ...] = (),
        serialized: bytes | None = None,
        out_axes: list[int | None] | None = None,
    ) -> None:
        client = devices[0].client
        self.devices = devices
        self.out_avals = out_avals
        dl = xla_client.DeviceList(devices)
        if "lapack_" in text:  # a factorization's kernels
            _register_lapack()
        if serialized is not None:
            kw = {"host_callbacks": list(host_callbacks)} if host_callbacks else {}
            self.exe = client.deserialize_executable(serialized, dl, _options(devices), **kw)
        elif host_callbacks:
            self.exe = client.compile_and_load(
                parse_module(text), dl, _options(devices), host_callbacks=list(host_callbacks)
            )
        else:
            self.exe = client.compile_and_load(text, dl, _options(devices))
        if len(devices) == 1:
            shardings = [_sharding(devices[0])] * len(out_avals)
        elif out_axes is not None:  # None: held whole by every device, else split on the axis
            shardings = [replicated_sharding(devices) if ax is None
                         else stacked_sharding(devices, a.ndim, ax)
                         for a, ax in zip(out_avals, out_axes, strict=True)]  # fmt: skip
        else:
            shardings = [stacked_sharding(devices, a.ndim) for a in out_avals]
        self.handlers = [result_handler(a, sh) for a, sh in zip(out_avals, shardings, strict=True)]
        launch = self.exe.execute_sharded
        handlers = self.handlers

        def execute(args: list[Any]) -> list[Any]:
            # A closure over the bound method and the handlers: the per-call hot path.
            return launch(args).consume_with_handlers(handlers)  # type: ignore[no-any-return]

        #: Run on device-resident jaxlib arrays; returns jaxlib arrays (asynchronously).
        self.execute: Callable[[list[Any]], list[Any]] = execute

    def launch_parts(self) -> tuple[Callable[[list[Any]], Any], str, list[Any]]:
        """`execute` in parts, for the C dispatcher: (launch, collect method name, handlers).

        `getattr(launch(buffers), collect)(handlers)` is `execute(buffers)`.
        """
        return self.exe.execute_sharded, "consume_with_handlers", self.handlers

    def hlo_text(self) -> str:
        """The optimized HLO XLA compiled."""
        return str(self.exe.get_hlo_text())

    def cost_analysis(self) -> dict[str, float]:
        """XLA's cost estimates (flops, transcendentals, bytes accessed...)."""
        return dict(self.exe.cost_analysis())

    def memory_analysis(self) -> Any:
        """XLA's compiled memory statistics (argument, output, temp and alias sizes)."""
        return self.exe.get_compiled_memory_stats()

    def serialize(self) -> bytes:
        """The executable as bytes, for the on-disk compilation cache."""
        return bytes(self.devices[0].client.serialize_executable(self.exe))


def block_until_ready(arrays: list[Any]) -> None:
    """Wait until every jaxlib array in `arrays` is computed."""
    if arrays:
        xla_client.batched_block_until_ready(arrays)


def is_ready(arr: Any) -> bool:
    """Whether the jaxlib array's value is computed."""
    return bool(arr.is_ready())


def is_deleted(arr: Any) -> bool:
    """Whether the jaxlib array's buffer was deleted or donated."""
    return bool(arr.is_deleted())


def delete(arr: Any) -> None:
    """Free the jaxlib array's buffer now."""
    arr.delete()


def dlpack_capsule(arr: Any) -> Any:
    """A DLPack capsule of a single-device jaxlib array."""
    return _jax.buffer_to_dlpack_managed_tensor(arr)
