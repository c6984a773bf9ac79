"""NumPy's index helpers: `mgrid`, `ogrid`, `r_`, `c_`, `s_`, `index_exp`, `ix_`.

`mgrid[0:3, 0:2]` gives dense coordinate grids and `ogrid[...]` open (broadcastable) ones; a
complex step (`0:1:5j`) means a number of points, as in NumPy. `r_`/`c_` concatenate along the
first/last axis, with slices standing for ranges.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_ir import dtypes

from pullback_api.numpy._core import asarray_arg

__all__ = ["c_", "index_exp", "ix_", "mgrid", "ogrid", "r_", "s_"]

s_ = np.s_
index_exp = np.index_exp


def _range(sl: slice) -> Any:
    from pullback_api import numpy as jnp

    start = 0 if sl.start is None else sl.start
    step = 1 if sl.step is None else sl.step
    if isinstance(step, complex):
        return jnp.linspace(start, sl.stop, int(abs(step)))
    return jnp.arange(start, sl.stop, step)


class _Grid:
    def __init__(self, sparse: bool) -> None:
        self.sparse = sparse

    def __getitem__(self, key: Any) -> Any:
        from pullback_api import numpy as jnp

        if isinstance(key, slice):
            return _range(key)
        axes = [_range(k) for k in key]
        if any(dtypes.is_float(jnp.asarray(a).dtype) for a in axes):
            axes = [jnp.asarray(a, dtypes.default_float_dtype()) for a in axes]
        grids = jnp.meshgrid(*axes, indexing="ij", sparse=self.sparse)
        return grids if self.sparse else jnp.stack(grids)


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


class _Concatenator:
    def __init__(self, axis: int) -> None:
        self.axis = axis

    def __getitem__(self, key: Any) -> Any:
        from pullback_api import numpy as jnp

        items = key if isinstance(key, tuple) else (key,)
        parts = []
        for item in items:
            if isinstance(item, str):
                raise NotImplementedError("r_/c_ directive strings are not supported")
            part = _range(item) if isinstance(item, slice) else jnp.asarray(item)
            if self.axis == -1:
                part = jnp.atleast_1d(part)
                part = part[:, None] if part.ndim == 1 else part
            else:
                part = jnp.atleast_1d(part)
            parts.append(part)
        return jnp.concatenate(parts, axis=self.axis)


r_ = _Concatenator(0)
c_ = _Concatenator(-1)


def ix_(*args: Any) -> tuple[Any, ...]:
    """Open meshes from 1-D index arrays: `x[ix_(rows, cols)]` picks the cross product."""
    from pullback_api import numpy as jnp

    n = len(args)
    out = []
    for i, a in enumerate(args):
        a = asarray_arg(a, "ix_")
        if jnp.ndim(a) != 1:
            raise ValueError(f"ix_: arguments must be 1-dimensional, argument {i} is not")
        shape = [1] * n
        shape[i] = a.shape[0]
        out.append(jnp.reshape(a, shape))
    return tuple(out)
