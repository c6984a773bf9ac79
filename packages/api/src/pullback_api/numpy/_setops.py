"""Set operations on 1-D arrays (NumPy's `isin`, `union1d`, `intersect1d`, ...).

`isin` traces (a comparison with every test element). The others have data-dependent sizes: on
concrete inputs they compute their exact result; under a transformation they need `size`
(and pad with `fill_value`, by default the smallest result element), as in JAX.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import lax
from pullback_ir.avals import aval_of
from pullback_ir.errors import ConcretizationTypeError
from pullback_ir.trace import Tracer

from pullback_api.numpy._core import asarray_arg, export

__all__ = ["intersect1d", "isin", "setdiff1d", "setxor1d", "union1d"]


@export
def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False,
         *, method: str = "auto") -> Any:  # fmt: skip
    """Whether each element of `element` is in `test_elements` (shape of `element`)."""
    from pullback_api import numpy as jnp

    e = asarray_arg(element, "isin")
    t = jnp.ravel(asarray_arg(test_elements, "isin"))
    if aval_of(t).size == 0:
        out = jnp.zeros(aval_of(e).shape, bool)
    else:
        out = jnp.any(jnp.expand_dims(e, -1) == t, axis=-1)
    return lax.bitwise_not(out) if invert else out


def _concrete(name: str, *xs: Any) -> list[np.ndarray[Any, Any]]:
    out = []
    for x in xs:
        x = asarray_arg(x, name)
        if isinstance(x, Tracer):
            raise ConcretizationTypeError(
                f"{name} of a traced array without a static size= argument",
                x._describe(),
            )
        out.append(np.ravel(np.asarray(x)))
    return out


def _sized(name: str, result: np.ndarray[Any, Any], dtype: Any, size: int | None,
           fill_value: Any) -> Any:  # fmt: skip
    from pullback_api import numpy as jnp

    if size is None:
        return jnp.asarray(result.astype(dtype, copy=False))
    fill = (result.min() if result.size else 0) if fill_value is None else fill_value
    padded = np.full(size, fill, dtype)
    n = min(size, result.size)
    padded[:n] = result[:n]
    return jnp.asarray(padded)


def _traced_sized(name: str, values: Any, exclude: Any, size: int | None,
                  fill_value: Any) -> Any:  # fmt: skip
    """The sorted unique `values` not in `exclude`, padded to `size` (traceable)."""
    from pullback_api import numpy as jnp

    if size is None:
        raise ConcretizationTypeError(
            f"{name} of a traced array without a static size= argument", "a traced array"
        )
    srt = jnp.sort(jnp.ravel(values))
    first = jnp.concatenate([jnp.ones(1, bool), srt[1:] != srt[:-1]])
    keep = first & ~isin(srt, exclude)
    (idx,) = jnp.nonzero(keep, size=size, fill_value=0)
    vals = srt[idx]
    fill = vals[0] if fill_value is None else fill_value
    return jnp.where(jnp.arange(size) < jnp.sum(keep), vals, fill)


@export
def union1d(ar1: Any, ar2: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted unique values of both arrays."""
    from pullback_api import numpy as jnp

    a, b = asarray_arg(ar1, "union1d"), asarray_arg(ar2, "union1d")
    both = jnp.concatenate([jnp.ravel(a), jnp.ravel(b)])
    if isinstance(both, Tracer):
        return jnp.unique(both, size=size, fill_value=fill_value)
    x, y = _concrete("union1d", a, b)
    return _sized("union1d", np.union1d(x, y), aval_of(both).dtype, size, fill_value)


@export
def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False,
                *, size: int | None = None, fill_value: Any = None) -> Any:  # fmt: skip
    """The sorted unique values in both arrays (with their first indices if asked)."""
    from pullback_api import numpy as jnp

    a, b = asarray_arg(ar1, "intersect1d"), asarray_arg(ar2, "intersect1d")
    x, y = _concrete("intersect1d", a, b)
    dt = jnp.result_type(a, b)
    res: Any = np.intersect1d(  # type: ignore[call-overload]
        x, y, assume_unique=assume_unique, return_indices=return_indices
    )
    if not return_indices:
        return _sized("intersect1d", res, dt, size, fill_value)
    vals, i1, i2 = res
    ifill = 0 if fill_value is None else fill_value
    return (_sized("intersect1d", vals, dt, size, fill_value),
            _sized("intersect1d", i1, np.int32, size, ifill),
            _sized("intersect1d", i2, np.int32, size, ifill))  # fmt: skip


@export
def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False, *, size: int | None = None,
              fill_value: Any = None) -> Any:  # fmt: skip
    """The sorted unique values of `ar1` that are not in `ar2`."""
    from pullback_api import numpy as jnp

    a, b = asarray_arg(ar1, "setdiff1d"), asarray_arg(ar2, "setdiff1d")
    if isinstance(a, Tracer) or isinstance(b, Tracer):
        return _traced_sized("setdiff1d", a, jnp.ravel(b), size, fill_value)
    x, y = _concrete("setdiff1d", a, b)
    res = np.setdiff1d(x, y, assume_unique=assume_unique)
    return _sized("setdiff1d", res, aval_of(a).dtype, size, fill_value)


@export
def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False, *, size: int | None = None,
             fill_value: Any = None) -> Any:  # fmt: skip
    """The sorted unique values in exactly one of the arrays."""
    from pullback_api import numpy as jnp

    a, b = asarray_arg(ar1, "setxor1d"), asarray_arg(ar2, "setxor1d")
    x, y = _concrete("setxor1d", a, b)
    res = np.setxor1d(x, y, assume_unique=assume_unique)
    return _sized("setxor1d", res, jnp.result_type(a, b), size, fill_value)
