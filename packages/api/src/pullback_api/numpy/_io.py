"""Saving and loading arrays: `save`, `savez`, `savez_compressed` and `load`, in NumPy's formats."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

from pullback_api.numpy._shape import asarray

__all__ = ["load", "save", "savez", "savez_compressed"]

# Writing goes through NumPy, which reads an Array through `__array__` (JAX's are NumPy's own).
save = np.save
savez = np.savez
savez_compressed = np.savez_compressed


def load(file: Any, *args: Any, **kwargs: Any) -> Any:
    """Load an array saved with `save` (NumPy's `.npy` format), as an Array.

    A 2-byte void array (how NumPy stores bfloat16) is read as bfloat16. Other results of
    `numpy.load` (the archives of `.npz` files, pickled objects) come back as
    NumPy gives them.

    Args:
        file: a path or an open file.
        *args: passed to `numpy.load`.
        **kwargs: passed to `numpy.load`.

    Returns:
        An Array for a `.npy` file, else what `numpy.load` returns.

    Example:
        >>> import io
        >>> import pullback.numpy as jnp
        >>> buf = io.BytesIO()
        >>> jnp.save(buf, jnp.arange(3))
        >>> _ = buf.seek(0)
        >>> jnp.load(buf)
        Array([0, 1, 2], dtype=int32)
    """
    out = np.load(file, *args, **kwargs)
    if isinstance(out, np.ndarray):
        if out.dtype == np.dtype("V2"):
            # NumPy writes bfloat16 (which it does not know) as 2-byte void: read it back as
            # bfloat16, as JAX does. (Other 2-byte extension dtypes cannot be told apart.)
            out = out.view(ml_dtypes.bfloat16)
        return asarray(out)
    return out
