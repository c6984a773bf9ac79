"""More of NumPy's surface, built on the other `pullback.numpy` modules.

Window functions, `vectorize`, the array-API aliases (`concat`, `permute_dims`,
`matrix_transpose`, `unstack`, `vecmat`), type predicates, and helpers (`diagflat`,
`*_indices_from`, `ediff1d`, `fromfunction`, `apply_along_axis`, `apply_over_axes`,
`array_equiv`, `compress`, `extract`, `unwrap`, `lexsort`, `block`).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import asarray_arg, export

__all__ = [
    "apply_along_axis", "apply_over_axes", "array_equiv", "bartlett", "blackman", "block",
    "compress", "concat", "diag_indices_from", "diagflat", "ediff1d", "extract", "fromfunction",
    "hamming", "hanning", "iscomplexobj", "isrealobj", "kaiser", "lexsort", "matrix_transpose",
    "permute_dims", "tril_indices_from", "triu_indices_from", "unstack", "unwrap", "vecmat",
    "vectorize",
]  # fmt: skip


def _jnp() -> Any:
    from pullback_api import numpy as jnp

    return jnp


# --- windows ------------------------------------------------------------------------------------


def _window_n(M: Any, name: str) -> Any:
    M = int(M)
    jnp = _jnp()
    return M, jnp.arange(M, dtype=dtypes.default_float_dtype())


def _cosine_window(name: str, coeffs: Sequence[float]) -> Callable[[int], Any]:
    def window(M: int) -> Any:
        jnp = _jnp()
        M, n = _window_n(M, name)
        if M <= 1:
            return jnp.ones(max(M, 0), dtypes.default_float_dtype())
        out = coeffs[0]
        for k, c in enumerate(coeffs[1:], start=1):
            out = out + (-1) ** k * c * jnp.cos(2.0 * k * jnp.pi * n / (M - 1))
        return out

    window.__name__ = name
    window.__doc__ = f"The {name} window of `M` points (NumPy's formula)."
    return export(window)


hamming = _cosine_window("hamming", (0.54, 0.46))
hanning = _cosine_window("hanning", (0.5, 0.5))
blackman = _cosine_window("blackman", (0.42, 0.5, 0.08))


@export
def bartlett(M: int) -> Any:
    """The Bartlett (triangular) window of `M` points."""
    jnp = _jnp()
    M, n = _window_n(M, "bartlett")
    if M <= 1:
        return jnp.ones(max(M, 0), dtypes.default_float_dtype())
    return 1 - jnp.abs(2 * n - M + 1) / (M - 1)


@export
def kaiser(M: int, beta: Any) -> Any:
    """The Kaiser window of `M` points with shape parameter `beta`."""
    jnp = _jnp()
    M, n = _window_n(M, "kaiser")
    if M <= 1:
        return jnp.ones(max(M, 0), dtypes.default_float_dtype())
    alpha = (M - 1) / 2.0
    return jnp.i0(beta * jnp.sqrt(1 - ((n - alpha) / alpha) ** 2)) / jnp.i0(
        jnp.asarray(beta, float)
    )


# --- vectorize -----------------------------------------------------------------------------------

_DIMS = r"\((?:\w+(?:,\s*\w+)*)?\)"


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    sig = signature.replace(" ", "")
    if not re.fullmatch(rf"{_DIMS}(?:,{_DIMS})*->{_DIMS}(?:,{_DIMS})*", sig):
        raise ValueError(f"vectorize: not a valid gufunc signature: {signature!r}")
    ins, outs = sig.split("->")

    def groups(text: str) -> list[tuple[str, ...]]:
        return [tuple(d for d in g.split(",") if d) for g in re.findall(r"\(([^)]*)\)", text)]

    return groups(ins), groups(outs)


def vectorize(pyfunc: Callable[..., Any], *, excluded: Any = frozenset(),
              signature: str | None = None) -> Callable[..., Any]:  # fmt: skip
    """`pyfunc` mapped over the leading (loop) dimensions of its arguments with `vmap`.

    Without `signature`, `pyfunc` sees scalars; with a gufunc signature such as
    `"(n),(n)->()"`, it sees the core dimensions named there. Positions or names in
    `excluded` are passed through unchanged.
    """
    # (the output core dimensions need no handling: vmap stacks whatever pyfunc returns)
    in_core = _parse_signature(signature)[0] if signature else None

    @functools.wraps(pyfunc)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from pullback_api._transforms import vmap

        jnp = _jnp()
        excl = {i for i in excluded if isinstance(i, int)}
        dyn_pos = [i for i in range(len(args)) if i not in excl]
        dyn = [jnp.asarray(args[i]) for i in dyn_pos]
        cores = in_core if in_core is not None else [()] * len(dyn)
        if len(cores) != len(dyn):
            raise TypeError(
                f"vectorize: the signature has {len(cores)} inputs, got {len(dyn)} arguments"
            )
        sizes: dict[str, int] = {}
        loops = []
        for a, core in zip(dyn, cores, strict=True):
            if a.ndim < len(core):
                raise ValueError(
                    f"vectorize: an input has {a.ndim} dimensions, fewer than its core "
                    f"dimensions {core}"
                )
            for name, n in zip(core, a.shape[a.ndim - len(core) :], strict=True):
                if sizes.setdefault(name, n) != n:
                    raise ValueError(f"vectorize: inconsistent size for core dimension {name!r}")
            loops.append(a.shape[: a.ndim - len(core)])
        loop = tuple(np.broadcast_shapes(*loops)) if loops else ()
        dyn = [jnp.broadcast_to(a, loop + a.shape[a.ndim - len(c) :])
               for a, c in zip(dyn, cores, strict=True)]  # fmt: skip

        def call(*d: Any) -> Any:
            full = list(args)
            for i, v in zip(dyn_pos, d, strict=True):
                full[i] = v
            return pyfunc(*full, **kwargs)

        f = call
        for _ in loop:
            f = vmap(f)
        return f(*dyn)

    return wrapped


# --- array-API names and small helpers ------------------------------------------------------------


@export
def concat(arrays: Sequence[Any], /, *, axis: int | None = 0) -> Any:
    """`concatenate` under the array API's name."""
    return _jnp().concatenate(arrays, axis=axis)


@export
def permute_dims(a: Any, /, axes: Sequence[int]) -> Any:
    """`transpose` under the array API's name."""
    return _jnp().transpose(a, axes)


@export
def matrix_transpose(x: Any, /) -> Any:
    """The last two axes swapped."""
    x = asarray_arg(x, "matrix_transpose")
    if len(aval_of(x).shape) < 2:
        raise ValueError("matrix_transpose: x must have at least two dimensions")
    return _jnp().swapaxes(x, -1, -2)


def unstack(x: Any, /, *, axis: int = 0) -> tuple[Any, ...]:
    """The slices of `x` along `axis`, as a tuple."""
    jnp = _jnp()
    x = jnp.asarray(x)
    if x.ndim == 0:
        raise ValueError("unstack: x must have at least one dimension")
    moved = jnp.moveaxis(x, axis, 0)
    return tuple(moved[i] for i in range(moved.shape[0]))


@export
def vecmat(x1: Any, x2: Any, /) -> Any:
    """The vector-matrix product over the last dimensions (x1 conjugated), batched."""
    jnp = _jnp()
    return jnp.sum(jnp.conj(x1)[..., :, None] * x2, axis=-2)


def iscomplexobj(x: Any) -> bool:
    """Whether `x` has a complex dtype."""
    dt = getattr(x, "dtype", None)
    return dtypes.is_complex(np.dtype(dt if dt is not None else np.asarray(x).dtype))


def isrealobj(x: Any) -> bool:
    """Whether `x` does not have a complex dtype."""
    return not iscomplexobj(x)


@export
def diagflat(v: Any, k: int = 0) -> Any:
    """A 2-D array with the flattened `v` on diagonal `k`."""
    jnp = _jnp()
    return jnp.diag(jnp.ravel(v), k)


def _square_check(arr: Any, name: str) -> Any:
    a = asarray_arg(arr, name)
    if len(aval_of(a).shape) != 2:
        raise ValueError(f"{name}: arr must be 2-dimensional, got shape {aval_of(a).shape}")
    return a


def tril_indices_from(arr: Any, k: int = 0) -> tuple[Any, ...]:
    """The lower-triangle indices of a 2-D array's shape."""
    n, m = aval_of(_square_check(arr, "tril_indices_from")).shape
    return tuple(_jnp().tril_indices(n, k, m))


def triu_indices_from(arr: Any, k: int = 0) -> tuple[Any, ...]:
    """The upper-triangle indices of a 2-D array's shape."""
    n, m = aval_of(_square_check(arr, "triu_indices_from")).shape
    return tuple(_jnp().triu_indices(n, k, m))


def diag_indices_from(arr: Any) -> tuple[Any, ...]:
    """The main-diagonal indices of an array with equal dimensions."""
    shape = aval_of(asarray_arg(arr, "diag_indices_from")).shape
    if len(shape) < 2 or len(set(shape)) != 1:
        raise ValueError(f"diag_indices_from: all dimensions must be equal, got {shape}")
    return tuple(_jnp().diag_indices(shape[0], len(shape)))


@export
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """The differences of the flattened array, with optional values before and after."""
    jnp = _jnp()
    flat = jnp.ravel(ary)
    parts = [flat[1:] - flat[:-1]]
    if to_begin is not None:
        parts.insert(0, jnp.ravel(jnp.asarray(to_begin, flat.dtype)))
    if to_end is not None:
        parts.append(jnp.ravel(jnp.asarray(to_end, flat.dtype)))
    return jnp.concatenate(parts)


def fromfunction(function: Callable[..., Any], shape: Any, *, dtype: Any = float,
                 **kwargs: Any) -> Any:  # fmt: skip
    """`function` applied to the coordinate grids of `shape` (of `dtype`)."""
    jnp = _jnp()
    grids = jnp.indices(tuple(shape), dtype=dtype)
    return function(*grids, **kwargs)


def apply_along_axis(func1d: Callable[..., Any], axis: int, arr: Any, *args: Any,
                     **kwargs: Any) -> Any:  # fmt: skip
    """`func1d` applied to the 1-D slices of `arr` along `axis` (a vmap over the others).

    The dimensions of `func1d`'s result take the place of `axis`, as in NumPy.
    """
    from pullback_api._transforms import vmap

    jnp = _jnp()
    arr = jnp.asarray(arr)
    ax = axis % arr.ndim
    f: Callable[..., Any] = lambda x: func1d(x, *args, **kwargs)  # noqa: E731
    for _ in range(arr.ndim - 1):
        f = vmap(f)
    out = jnp.asarray(f(jnp.moveaxis(arr, ax, -1)))
    r = out.ndim - (arr.ndim - 1)
    return jnp.moveaxis(out, tuple(range(arr.ndim - 1, out.ndim)), tuple(range(ax, ax + r)))


def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: Sequence[int]) -> Any:
    """`func(a, axis)` applied for each axis in turn, keeping the dimensions."""
    jnp = _jnp()
    a = jnp.asarray(a)
    for axis in axes:
        b = func(a, axis)
        a = b if b.ndim == a.ndim else jnp.expand_dims(b, axis)
    return a


def array_equiv(a1: Any, a2: Any) -> Any:
    """Whether the arrays broadcast together and are equal everywhere."""
    jnp = _jnp()
    a, b = jnp.asarray(a1), jnp.asarray(a2)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return jnp.asarray(False)
    return jnp.all(a == b)


def compress(condition: Any, a: Any, axis: int | None = None, *, size: int | None = None,
             fill_value: Any = 0, out: None = None) -> Any:  # fmt: skip
    """The slices of `a` along `axis` where `condition` is true."""
    jnp = _jnp()
    cond = jnp.ravel(jnp.asarray(condition, bool))
    a = jnp.asarray(a)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    n = a.shape[axis]
    cond = cond[:n]
    if size is None:
        (idx,) = jnp.nonzero(cond)
        return jnp.take(a, idx, axis=axis)
    (idx,) = jnp.nonzero(cond, size=size, fill_value=n)
    return jnp.take(a, idx, axis=axis, mode="fill", fill_value=fill_value)


def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Any:
    """The elements of the flattened `arr` where the flattened `condition` is true."""
    jnp = _jnp()
    return compress(jnp.ravel(condition), jnp.ravel(arr), size=size, fill_value=fill_value)


@export
def unwrap(p: Any, discont: Any = None, axis: int = -1, period: Any = 2 * math.pi) -> Any:
    """`p` with jumps larger than `discont` along `axis` replaced by their `period` complements."""
    jnp = _jnp()
    p = jnp.asarray(p)
    if not dtypes.is_inexact(p.dtype):
        p = p.astype(dtypes.default_float_dtype())
    discont = period / 2 if discont is None else discont
    dd = jnp.diff(p, axis=axis)
    half = period / 2
    ddmod = jnp.mod(dd + half, period) - half
    ddmod = jnp.where((ddmod == -half) & (dd > 0), half, ddmod)
    correct = jnp.where(jnp.abs(dd) < discont, 0, ddmod - dd)
    first = jnp.take(p, jnp.arange(1), axis=axis)
    return jnp.concatenate([first, jnp.take(p, jnp.arange(1, p.shape[axis]), axis=axis)
                            + jnp.cumsum(correct, axis=axis)], axis=axis)  # fmt: skip


def lexsort(keys: Any, axis: int = -1, *, batch_size: int = 16) -> Any:
    """Indices sorting by the last key, then the one before it, and so on (stable).

    `batch_size` (JAX 0.12: how many keys one sort compares) is accepted and checked; pullback
    sorts by one key at a time, which gives the same order.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"lexsort: batch_size must be a positive int, got {batch_size!r}")
    jnp = _jnp()
    ks = list(keys) if not hasattr(keys, "shape") else [keys[i] for i in range(keys.shape[0])]
    if not ks:
        raise TypeError("lexsort: need at least one key")
    idx = jnp.argsort(ks[0], axis=axis, stable=True)
    for k in ks[1:]:
        k_sorted = jnp.take_along_axis(jnp.asarray(k), idx, axis=axis)
        order = jnp.argsort(k_sorted, axis=axis, stable=True)
        idx = jnp.take_along_axis(idx, order, axis=axis)
    return idx


def block(arrays: Any) -> Any:
    """An array assembled from nested lists of blocks (NumPy's `block`)."""
    jnp = _jnp()

    def depth(x: Any) -> int:
        return 1 + depth(x[0]) if isinstance(x, list) else 0

    d = depth(arrays)

    def build(x: Any, level: int) -> Any:
        if not isinstance(x, list):
            return jnp.asarray(x)
        parts = [build(v, level + 1) for v in x]
        ndim = max(d, *(p.ndim for p in parts))
        parts = [jnp.reshape(p, (1,) * (ndim - p.ndim) + p.shape) for p in parts]
        return jnp.concatenate(parts, axis=-(d - level))

    if d == 0:
        return jnp.asarray(arrays)
    return build(arrays, 0)
