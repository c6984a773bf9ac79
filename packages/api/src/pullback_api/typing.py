"""`pullback.typing`: the annotation types of array arguments (JAX's `jax.typing`).

`ArrayLike` is anything pullback takes as an array argument: an `Array`, a NumPy array or
scalar, or a Python bool, int, float or complex. `DTypeLike` is anything naming a dtype.
"""

from __future__ import annotations

from typing import Any, TypeAlias, Union

import numpy as np
from pullback_compile import Array

__all__ = ["ArrayLike", "DTypeLike"]

ArrayLike: TypeAlias = Union[Array, np.ndarray, np.bool_, np.number, bool, int, float, complex]  # noqa: UP007
DTypeLike: TypeAlias = Union[str, type[Any], np.dtype, Any]  # noqa: UP007
