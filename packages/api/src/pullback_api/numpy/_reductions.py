"""Reductions, cumulative ops, sorting and selection for `pullback.numpy`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pullback_compile import Array
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of, check_one_device, check_reduction_order

from pullback_api.numpy._core import (
    asarray_arg,
    axes_of,
    check_arraylike,
    eager_host,
    export,
    promote,
    to_dtype,
)

__all__ = [
    "all",
    "allclose",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "argsort",
    "array_equal",
    "average",
    "clip",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "cumulative_sum",
    "isclose",
    "logsumexp",
    "max",
    "mean",
    "median",
    "min",
    "minmax",
    "nanmax",
    "nanmean",
    "nanmin",
    "nansum",
    "prod",
    "ptp",
    "select",
    "sort",
    "std",
    "sum",
    "top_k",
    "var",
    "where",
]  # fmt: skip


def _identity(op: str, dt: np.dtype[Any]) -> Any:
    if op in ("sum", "any"):
        return False if dt == np.bool_ else 0
    if op in ("prod", "all"):
        return True if dt == np.bool_ else 1
    if op == "max":
        if dtypes.is_inexact(dt):
            return -np.inf
        return False if dt == np.bool_ else np.iinfo(dt).min
    if dtypes.is_inexact(dt):
        return np.inf
    return True if dt == np.bool_ else np.iinfo(dt).max


def _masked(x: Any, where: Any, op: str) -> Any:
    if where is None:
        return x
    where = asarray_arg(where, op)
    xs = aval_of(x).shape
    from pullback_api.numpy._shape import broadcast_to

    w = broadcast_to(to_dtype(where, np.bool_), xs)
    fill = lax.broadcast_in_dim(np.asarray(_identity(op, aval_of(x).dtype), aval_of(x).dtype),
                                xs, ())  # fmt: skip
    return lax.select(w, x, fill)


def _keep(out: Any, axes: tuple[int, ...], keepdims: bool) -> Any:
    return lax.expand_dims(out, axes) if keepdims and axes else out


_NARROW_FLOATS = (np.dtype(np.float16), np.dtype(np.float32))


def _host_sum(host: np.ndarray[Any, Any], axes: Any, keepdims: bool) -> np.ndarray[Any, Any]:
    """The sum of a host array over `axes`, as accurate as XLA's.

    NumPy sums pairwise only along a contiguous last axis; over other axes it accumulates
    in order, and a float32 sum of 10^4 terms then loses about 3 digits. Large float16/32
    sums accumulate in float64 instead (then round once), which XLA's tree-shaped reductions
    match to the last float32 place or so.
    """
    add: Any = np.add  # (numpy's stubs type reduce's keywords too narrowly)
    n = host.size if axes is None else math.prod(host.shape[a] for a in axes)
    if n > 64 and host.dtype in _NARROW_FLOATS:
        out = add.reduce(host, axis=axes, keepdims=keepdims, dtype=np.float64)
        return np.asarray(out, host.dtype)
    return np.asarray(add.reduce(host, axis=axes, keepdims=keepdims, dtype=host.dtype))


def _reduce(name: str, prim: Any, op: str, np_fn: Any, a: Any, axis: Any, dtype: Any,
            out: None, keepdims: bool, initial: Any, where: Any, promote_integers: bool,
            out_sharding: Any = None, reduction_order: Any = None) -> Any:  # fmt: skip
    # The body of sum, prod, max and min (`promote_integers`: sums and products of small
    # integers and bools are computed in the default integer type, as NumPy does).
    if out is not None:
        raise ValueError(f"{name}: the out argument is not supported (arrays are immutable)")
    check_one_device(out_sharding, f"{name}: out_sharding")
    check_reduction_order(reduction_order, f"{name}: reduction_order")
    check_arraylike(name, a)
    host = eager_host(a)
    if (host is not None and dtype is None and initial is None and where is None
            and host.dtype.kind == "f" and host.size):  # fmt: skip
        # NumPy computes what the reference reduction would.
        fast_axes = None if axis is None else axes_of(axis, host.ndim, name)
        if name == "sum":
            return _host_sum(host, fast_axes, keepdims)
        return np.asarray(np_fn(host, axis=fast_axes, keepdims=keepdims), host.dtype)
    a = asarray_arg(a, name)
    dt = aval_of(a).dtype
    if dtype is not None or aval_of(a).weak_type:  # (reductions are strongly typed, as in JAX)
        a = to_dtype(a, dt if dtype is None else dtype)
    elif promote_integers and (dt == np.bool_ or (dtypes.is_integer(dt) and dt.itemsize < 4)):
        target = dtypes.default_int_dtype() if dt == np.bool_ or dtypes.is_signed(dt) \
            else np.dtype(np.uint32)  # fmt: skip
        a = to_dtype(a, target)
    axes = axes_of(axis, len(aval_of(a).shape), name)
    if op in ("max", "min") and where is None and initial is None:
        for ax in axes:
            if aval_of(a).shape[ax] == 0:
                raise ValueError(f"{name}: zero-size reduction without an identity")
    a = _masked(a, where, op)
    combine = {"sum": lax.add, "prod": lax.mul, "max": lax.max, "min": lax.min}[op]
    if aval_of(a).dtype == np.bool_ and op in ("sum", "prod"):  # (not promoted: or / and)
        prim, combine = ((lax.reduce_or, lax.bitwise_or) if op == "sum"
                         else (lax.reduce_and, lax.bitwise_and))  # fmt: skip
    r = prim(a, axes)
    if initial is not None:
        r = combine(r, np.asarray(initial, aval_of(r).dtype))
    return _keep(r, axes, keepdims)


@export
def sum(a: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False,
        initial: Any = None, where: Any = None, promote_integers: bool = True, *,
        out_sharding: Any = None, reduction_order: Any = None) -> Any:  # fmt: skip
    """The sum over `axis` (all axes by default), with keepdims/initial/where.

    Bools and integers narrower than the default integer are summed in the default integer
    type unless `promote_integers=False`. `out_sharding` may place the result on one device;
    `reduction_order` (JAX 0.12) must be None.
    """
    return _reduce("sum", lax.reduce_sum, "sum", np.add.reduce, a, axis, dtype, out, keepdims,
                   initial, where, promote_integers, out_sharding, reduction_order)  # fmt: skip


@export
def prod(a: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False,
         initial: Any = None, where: Any = None, promote_integers: bool = True) -> Any:  # fmt: skip
    """The product over `axis` (all axes by default), with keepdims/initial/where.

    Bools and integers narrower than the default integer are multiplied in the default
    integer type unless `promote_integers=False`.
    """
    return _reduce("prod", lax.reduce_prod, "prod", np.multiply.reduce, a, axis, dtype, out,
                   keepdims, initial, where, promote_integers)  # fmt: skip


@export
def max(a: Any, axis: Any = None, out: None = None, keepdims: bool = False, initial: Any = None,
        where: Any = None, *, out_sharding: Any = None,
        reduction_order: Any = None) -> Any:  # fmt: skip
    """The maximum over `axis` (all axes by default), with keepdims/initial/where.

    `out_sharding` may place the result on one device; `reduction_order` must be None.
    """
    return _reduce("max", lax.reduce_max, "max", np.maximum.reduce, a, axis, None, out,
                   keepdims, initial, where, False, out_sharding, reduction_order)  # fmt: skip


@export
def min(a: Any, axis: Any = None, out: None = None, keepdims: bool = False, initial: Any = None,
        where: Any = None) -> Any:  # fmt: skip
    """The minimum over `axis` (all axes by default), with keepdims/initial/where."""
    return _reduce("min", lax.reduce_min, "min", np.minimum.reduce, a, axis, None, out,
                   keepdims, initial, where, False)  # fmt: skip


@export
def minmax(a: Any, axis: Any = None, out: None = None, keepdims: bool = False,
           initial: Any = None, where: Any = None) -> tuple[Any, Any]:  # fmt: skip
    """The minimum and the maximum over `axis` together (JAX 0.12).

    Args:
        a: the array.
        axis: an axis or tuple of axes (all by default).
        out: unsupported (must be None).
        keepdims: keep the reduced axes with size 1.
        initial: a start value for both, or a pair `(for the minimum, for the maximum)`.
        where: a mask of the elements to include (then give `initial`).

    Returns:
        `(min, max)`.

    Raises:
        ValueError: for a zero-size reduction without `initial`.

    Example:
        >>> import pullback.numpy as jnp
        >>> lo, hi = jnp.minmax(jnp.array([[2, 5, 1], [3, -7, 4]]))
        >>> int(lo), int(hi)
        (-7, 5)
    """
    lo_init, hi_init = initial if isinstance(initial, tuple) else (initial, initial)
    return (min(a, axis, out, keepdims, lo_init, where),
            max(a, axis, out, keepdims, hi_init, where))  # fmt: skip


amax, amin = max, min


def _bool_reduction(name: str, prim: Any) -> Any:
    def f(a: Any, axis: Any = None, out: None = None, keepdims: bool = False, *,
          where: Any = None) -> Any:  # fmt: skip
        check_arraylike(name, a)
        a = to_dtype(asarray_arg(a, name), np.bool_)
        axes = axes_of(axis, len(aval_of(a).shape), name)
        a = _masked(a, where, name)
        return _keep(prim(a, axes), axes, keepdims)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Whether {name} elements are true over `axis`."
    return export(f)


all = _bool_reduction("all", lax.reduce_and)
any = _bool_reduction("any", lax.reduce_or)


def _count(a: Any, axes: tuple[int, ...], where: Any) -> Any:
    s = aval_of(a).shape
    if where is None:
        n = 1
        for ax in axes:
            n *= s[ax]
        return n
    from pullback_api.numpy._shape import broadcast_to

    w = broadcast_to(to_dtype(asarray_arg(where, "mean"), np.bool_), s)
    return lax.reduce_sum(lax.convert_element_type(w, dtypes.default_int_dtype()), axes)


@export
def mean(a: Any, axis: Any = None, dtype: Any = None, out: None = None, keepdims: bool = False,
         *, where: Any = None) -> Any:  # fmt: skip
    """The arithmetic mean over `axis` (integers average in the default float type)."""
    host = eager_host(a)
    if (
        host is not None
        and dtype is None
        and where is None
        and host.dtype.kind == "f"
        and host.size
    ):
        # The reference's sum divided by the count.
        fast_axes = tuple(range(host.ndim)) if axis is None else axes_of(axis, host.ndim, "mean")
        # (the ufunc's reduce directly: np.sum's Python wrapper costs as much as the sum)
        total = _host_sum(host, fast_axes, keepdims)
        count = 1
        for ax in fast_axes:
            count *= host.shape[ax]
        res: Any = np.true_divide(total, host.dtype.type(count), dtype=host.dtype)
        return res if type(res) is np.ndarray else np.asarray(res)
    check_arraylike("mean", a)
    a = asarray_arg(a, "mean")
    dt = aval_of(a).dtype
    if dtype is None:
        dtype = dt if dtypes.is_inexact(dt) else dtypes.default_float_dtype()
    a = to_dtype(a, dtype)
    axes = axes_of(axis, len(aval_of(a).shape), "mean")
    total = lax.reduce_sum(_masked(a, where, "sum"), axes)
    n = _count(a, axes, where)
    n = (
        np.asarray(n, aval_of(total).dtype)
        if isinstance(n, int)
        else to_dtype(n, aval_of(total).dtype)
    )
    return _keep(lax.div(total, n), axes, keepdims)


_mean = mean  # (var's `mean` parameter shadows the function)


@export
def var(a: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:  # fmt: skip
    """The variance over `axis` (`ddof` or `correction` subtracts from the count).

    `mean`, if given, is the precomputed mean over `axis`, with the reduced axes kept (size
    1) or dropped; it is used instead of computing it again.
    """
    if correction is not None:
        ddof = correction
    check_arraylike("var", a)
    a = asarray_arg(a, "var")
    dt = aval_of(a).dtype
    if dtype is None:
        dtype = dt if dtypes.is_inexact(dt) else dtypes.default_float_dtype()
    a = to_dtype(a, dtype)
    axes = axes_of(axis, len(aval_of(a).shape), "var")
    if mean is None:
        mu = _mean(a, axes, keepdims=True, where=where)
    else:
        mu = to_dtype(asarray_arg(mean, "var"), dtype)
        kept = tuple(1 if i in axes else d for i, d in enumerate(aval_of(a).shape))
        if aval_of(mu).shape != kept:
            mu = lax.reshape(mu, kept)  # (given without the reduced axes)
    d = lax.sub(a, _broadcast_like(mu, a))
    complex_ = dtypes.is_complex(aval_of(d).dtype)
    sq = lax.real(lax.mul(d, lax.conj(d))) if complex_ else lax.mul(d, d)
    total = lax.reduce_sum(_masked(sq, where, "sum"), axes)
    n = _count(a, axes, where)
    rdt = aval_of(total).dtype
    if isinstance(n, int):
        denom = np.asarray(n - ddof, rdt)
    else:
        denom = lax.sub(to_dtype(n, rdt), np.asarray(ddof, rdt))
    return _keep(lax.div(total, denom), axes, keepdims)


def _broadcast_like(x: Any, like: Any) -> Any:
    from pullback_api.numpy._shape import broadcast_to

    return broadcast_to(x, aval_of(like).shape)


@export
def std(a: Any, axis: Any = None, dtype: Any = None, out: None = None, ddof: int = 0,
        keepdims: bool = False, *, where: Any = None, mean: Any = None,
        correction: Any = None) -> Any:  # fmt: skip
    """The standard deviation over `axis` (`mean`: the precomputed mean, as for `var`)."""
    return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                        correction=correction))  # fmt: skip


@export
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False,
            keepdims: bool = False) -> Any:  # fmt: skip
    """The (weighted) average over `axis`."""
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if returned:
            n = np.asarray(
                aval_of(asarray_arg(a)).size // max(aval_of(avg).size, 1), aval_of(avg).dtype
            )
            return avg, lax.broadcast_in_dim(n, aval_of(avg).shape, ())
        return avg
    a, w = promote("average", a, weights)
    if not dtypes.is_inexact(aval_of(a).dtype):
        a, w = to_dtype(a, dtypes.default_float_dtype()), to_dtype(w, dtypes.default_float_dtype())
    axes = axes_of(axis, len(aval_of(a).shape), "average")
    wsum = lax.reduce_sum(w, axes)
    avg = lax.div(lax.reduce_sum(lax.mul(a, w), axes), wsum)
    avg, wsum = _keep(avg, axes, keepdims), _keep(wsum, axes, keepdims)
    return (avg, wsum) if returned else avg


@export
def ptp(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Max - min over `axis`."""
    return lax.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def nan_to_identity(a: Any, op: str, name: str) -> Any:
    """`a` with its NaNs replaced by the identity of the reduction `op` ("sum", "prod", ...)."""
    a = asarray_arg(a, name)
    if dtypes.is_inexact(aval_of(a).dtype):
        av = aval_of(a)
        fill = lax.broadcast_in_dim(np.asarray(_identity(op, av.dtype), av.dtype), av.shape, ())
        a = lax.select(lax.eq(a, a), a, fill)
    return a


def _nan_reduction(name: str, base: Any, op: str) -> Any:
    def f(a: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
        return base(nan_to_identity(a, op, name), axis, keepdims=keepdims, **kw)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Like {op}, ignoring NaNs."
    return export(f)


nansum = _nan_reduction("nansum", sum, "sum")
nanmax = _nan_reduction("nanmax", max, "max")
nanmin = _nan_reduction("nanmin", min, "min")


@export
def nanmean(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean ignoring NaNs."""
    a = asarray_arg(a, "nanmean")
    ok = lax.eq(a, a)
    return mean(a, axis, keepdims=keepdims, where=ok) if dtypes.is_inexact(aval_of(a).dtype) \
        else mean(a, axis, keepdims=keepdims)  # fmt: skip


@export
def count_nonzero(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The number of nonzero elements over `axis`."""
    a = asarray_arg(a, "count_nonzero")
    nz = lax.ne(a, np.asarray(0, aval_of(a).dtype))
    return sum(nz, axis, keepdims=keepdims)


def _arg(name: str, prim: Any) -> Any:
    def f(a: Any, axis: int | None = None, out: None = None, keepdims: bool = False) -> Any:
        a = asarray_arg(a, name)
        if axis is None:
            from pullback_api.numpy._shape import ravel

            a, ax = ravel(a), 0
        else:
            ax = axes_of((axis,), len(aval_of(a).shape), name)[0]
        if aval_of(a).shape[ax] == 0:
            raise ValueError(f"{name}: attempt to get {name} of an empty sequence")
        r = prim(a, ax, dtypes.default_int_dtype())
        if keepdims:
            nd = len(aval_of(a).shape) if axis is not None else 0
            r = lax.expand_dims(r, (ax,)) if axis is not None else lax.reshape(r, (1,) * nd)
        return r

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The index of the {name[3:]} over `axis` (first one on ties, NaN wins)."
    return export(f)


argmax = _arg("argmax", lax.argmax)
argmin = _arg("argmin", lax.argmin)


def _cumulative(name: str, prim: Any, upcast: bool) -> Any:
    def f(a: Any, axis: int | None = None, dtype: Any = None, out: None = None) -> Any:
        a = asarray_arg(a, name)
        if axis is None:
            from pullback_api.numpy._shape import ravel

            a, ax = ravel(a), 0
        else:
            ax = axes_of((axis,), len(aval_of(a).shape), name)[0]
        dt = aval_of(a).dtype
        if dtype is not None or aval_of(a).weak_type:  # (strongly typed, as in JAX)
            a = to_dtype(a, dt if dtype is None else dtype)
        elif upcast and (dt == np.bool_ or (dtypes.is_integer(dt) and dt.itemsize < 4)):
            a = to_dtype(a, dtypes.default_int_dtype())
        return prim(a, ax)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The cumulative {name[3:]} along `axis` (flattened when None)."
    return export(f)


cumsum = _cumulative("cumsum", lax.cumsum, True)
cumprod = _cumulative("cumprod", lax.cumprod, True)
cumulative_sum = cumsum


@export
def where(condition: Any, x: Any = None, y: Any = None, /, *, size: int | None = None,
          fill_value: Any = None) -> Any:  # fmt: skip
    """Elements of `x` where `condition` holds, else of `y` (one argument: `nonzero`)."""
    if x is None and y is None:
        from pullback_api.numpy._indexing import nonzero

        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("where: give both x and y, or neither")
    hc, hx, hy = eager_host(condition), eager_host(x), eager_host(y)
    if hc is not None and hx is not None and hy is not None and hc.dtype == np.bool_ \
            and hx.dtype is hy.dtype:  # fmt: skip
        # One dtype, nothing traced: NumPy's where is the reference select, broadcast.
        return Array._from_host(np.where(hc, hx, hy), x._aval.weak_type and y._aval.weak_type)
    c = to_dtype(asarray_arg(condition, "where"), np.bool_)
    xb, yb = promote("where", x, y)
    from pullback_api.numpy._shape import broadcast_arrays

    c, xb, yb = broadcast_arrays(c, xb, yb)
    return lax.select(c, xb, yb)


@export
def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """The first choice whose condition holds, elementwise (else `default`)."""
    if len(condlist) != len(choicelist):
        raise ValueError("select: condlist and choicelist must have the same length")
    out = default
    for c, v in reversed(list(zip(condlist, choicelist, strict=True))):
        out = where(c, v, out)
    return out


@export
def clip(arr: Any = None, min: Any = None, max: Any = None, *, a: Any = None,
         a_min: Any = None, a_max: Any = None) -> Any:  # fmt: skip
    """Values limited to [min, max] (either bound may be None)."""
    x = asarray_arg(arr if arr is not None else a, "clip")
    lo = min if min is not None else a_min
    hi = max if max is not None else a_max
    if lo is not None:
        x, lo_ = promote("clip", x, lo)
        x = lax.max(x, lo_)
    if hi is not None:
        x, hi_ = promote("clip", x, hi)
        x = lax.min(x, hi_)
    return x


@export
def sort(a: Any, axis: int | None = -1, *, kind: Any = None, order: Any = None,
         stable: bool = True, descending: bool = False) -> Any:  # fmt: skip
    """`a` sorted along `axis` (flattened when None); NaNs sort last."""
    a = asarray_arg(a, "sort")
    if axis is None:
        from pullback_api.numpy._shape import ravel

        a, axis = ravel(a), 0
    ax = axes_of((axis,), len(aval_of(a).shape), "sort")[0]
    out = lax.sort(a, dimension=ax, is_stable=stable)
    return lax.rev(out, (ax,)) if descending else out


@export
def argsort(a: Any, axis: int | None = -1, *, kind: Any = None, order: Any = None,
            stable: bool = True, descending: bool = False) -> Any:  # fmt: skip
    """The indices that sort `a` along `axis` (stable by default)."""
    a = asarray_arg(a, "argsort")
    if axis is None:
        from pullback_api.numpy._shape import ravel

        a, axis = ravel(a), 0
    s = aval_of(a).shape
    ax = axes_of((axis,), len(s), "argsort")[0]
    idx = lax.broadcasted_iota(dtypes.default_int_dtype(), s, ax)
    key = lax.neg(a) if descending and aval_of(a).dtype != np.bool_ else a
    if descending and aval_of(a).dtype == np.bool_:
        key = lax.bitwise_not(a)
    _, perm = lax.sort((key, idx), dimension=ax, is_stable=True, num_keys=1)
    return perm


@export
def top_k(a: Any, k: int, /, *, axis: int = -1, mode: str = "largest",
          sorted: bool = True) -> tuple[Any, Any]:  # fmt: skip
    """The `k` largest (or smallest) entries along `axis` and their indices (JAX 0.12).

    Args:
        a: a real, integer or boolean array.
        k: how many entries to return, at most the size of `axis`.
        axis: the axis to search (the last by default).
        mode: "largest" (the default) or "smallest".
        sorted: accepted for NumPy's signature; the entries always come sorted (largest or
            smallest first).

    Returns:
        `(values, indices)`, each of `a`'s shape with `axis` of size `k`.

    Raises:
        ValueError: for complex input or an unknown `mode`.

    Example:
        >>> import pullback.numpy as jnp
        >>> v, i = jnp.top_k(jnp.array([[1, 2, 3], [6, 5, 4]]), 2, mode="smallest")
        >>> v.tolist(), i.tolist()
        ([[1, 2], [4, 5]], [[0, 1], [2, 1]])
    """
    del sorted  # always sorted
    a = asarray_arg(a, "top_k")
    dt = aval_of(a).dtype
    if dt.kind == "c":
        raise ValueError("top_k: complex input is not supported (it has no order)")
    if mode not in ("largest", "smallest"):
        raise ValueError(f"top_k: mode must be 'largest' or 'smallest', got {mode!r}")
    if mode == "largest":
        values, indices = lax.top_k(a, k, axis=axis)
        return values, indices

    def flip(x: Any) -> Any:  # an order-reversing map (its own inverse)
        return lax.bitwise_not(x) if dt == np.bool_ or dtypes.is_integer(dt) else lax.neg(x)

    values, indices = lax.top_k(flip(a), k, axis=axis)
    return flip(values), indices


@export
def median(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The median over `axis` (the mean of the two middle values for even counts)."""
    a = asarray_arg(a, "median")
    if not dtypes.is_inexact(aval_of(a).dtype):
        a = to_dtype(a, dtypes.default_float_dtype())
    if axis is None:
        from pullback_api.numpy._shape import ravel

        flat = ravel(a)
        r = median(flat, 0)
        return lax.reshape(r, (1,) * len(aval_of(a).shape)) if keepdims else r
    ax = axes_of((axis,), len(aval_of(a).shape), "median")[0]
    s = sort(a, ax)
    n = aval_of(a).shape[ax]
    from pullback_api.numpy._indexing import take

    lo = take(s, np.asarray([(n - 1) // 2]), axis=ax)
    hi = take(s, np.asarray([n // 2]), axis=ax)
    r = lax.div(lax.add(lo, hi), np.asarray(2, aval_of(lo).dtype))
    return r if keepdims else lax.squeeze(r, (ax,))


@export
def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False, where: Any = None) -> Any:  # fmt: skip
    """log(sum(b * exp(a))) over `axis`, computed stably.

    Args:
        a: the array.
        axis: the axes to reduce (None: all).
        b: scale factors, broadcast against `a`.
        keepdims: keep the reduced axes with size 1.
        return_sign: also return the sign of the sum; the log is then of its absolute value.
        where: a boolean mask, broadcast against `a`, of the elements to include.

    Returns:
        The log of the sum (NaN where the sum is negative, unless `return_sign`), and with
        `return_sign` its sign.
    """
    a = asarray_arg(a, "logsumexp")
    if not dtypes.is_inexact(aval_of(a).dtype):
        a = to_dtype(a, dtypes.default_float_dtype())
    dt = aval_of(a).dtype
    axes = axes_of(axis, len(aval_of(a).shape), "logsumexp")
    mask = None
    if where is not None:
        mask = _broadcast_like(asarray_arg(where, "logsumexp"), a)
        if aval_of(mask).dtype != np.bool_:
            raise TypeError(f"logsumexp: where must be boolean, got {aval_of(mask).dtype}")
        a_for_max = lax.select(mask, a, _broadcast_like(np.asarray(-np.inf, dt), a))
    else:
        a_for_max = a
    m = lax.reduce_max(a_for_max, axes)
    m = lax.stop_gradient(lax.select(lax.is_finite(m), m, lax.broadcast_in_dim(
        np.asarray(0, aval_of(m).dtype), aval_of(m).shape, ())))  # fmt: skip
    mk = lax.expand_dims(m, axes)
    e = lax.exp(lax.sub(a, _broadcast_like(mk, a)))
    if b is not None:
        e = lax.mul(e, _broadcast_like(to_dtype(asarray_arg(b), aval_of(e).dtype), e))
    if mask is not None:
        e = lax.select(mask, e, _broadcast_like(np.asarray(0, aval_of(e).dtype), e))
    s = lax.reduce_sum(e, axes)
    sign = lax.sign(s)
    out = lax.add(lax.log(lax.abs(s)), m)
    if not return_sign and b is not None:
        nan = lax.broadcast_in_dim(np.asarray(np.nan, aval_of(out).dtype), aval_of(out).shape, ())
        zero = lax.broadcast_in_dim(np.asarray(0, aval_of(sign).dtype), aval_of(sign).shape, ())
        out = lax.select(lax.lt(sign, zero), nan, out)
    out, sign = _keep(out, axes, keepdims), _keep(sign, axes, keepdims)
    return (out, sign) if return_sign else out


@export
def isclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """Elementwise |a - b| <= atol + rtol * |b| (infinities equal only to themselves)."""
    x, y = promote("isclose", a, b)
    dt = aval_of(x).dtype
    if not dtypes.is_inexact(dt):
        return lax.eq(x, y)
    rdt = np.real(np.zeros((), dt)).dtype
    diff = lax.abs(lax.sub(x, y))
    bound = lax.add(np.asarray(atol, rdt), lax.mul(np.asarray(rtol, rdt), lax.abs(y)))
    close = lax.le(diff, bound)
    both_inf_equal = lax.eq(x, y)
    out = lax.bitwise_or(close, both_inf_equal)
    if equal_nan:
        out = lax.bitwise_or(out, lax.bitwise_and(lax.ne(x, x), lax.ne(y, y)))
    return out


@export
def allclose(
    a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    """Whether every element of `a` is close to `b` (see isclose)."""
    c = isclose(a, b, rtol, atol, equal_nan)
    return lax.reduce_and(c, tuple(range(len(aval_of(c).shape))))


@export
def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Any:
    """Whether two arrays have the same shape and elements."""
    x, y = asarray_arg(a1, "array_equal"), asarray_arg(a2, "array_equal")
    if aval_of(x).shape != aval_of(y).shape:
        return np.asarray(False)
    eq = lax.eq(*promote("array_equal", x, y))
    if equal_nan and dtypes.is_inexact(aval_of(x).dtype):
        eq = lax.bitwise_or(eq, lax.bitwise_and(lax.ne(x, x), lax.ne(y, y)))
    return lax.reduce_and(eq, tuple(range(len(aval_of(eq).shape))))
