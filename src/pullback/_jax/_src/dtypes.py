"""`jax._src.dtypes`: pullback's dtypes module, with JAX's private names libraries import."""

from __future__ import annotations

from typing import Any

import numpy as np
from pullback_api.dtypes import *  # noqa: F403
from pullback_api.dtypes import __all__ as _public, extended

__all__ = [*_public, "DType", "ExtendedDType", "supports_inf"]

#: The type of dtype objects.
DType = np.dtype


class ExtendedDType:
    """The base of an extended dtype's description (the dtype object of a typed array).

    pullback's only extended dtypes are typed PRNG keys; libraries subclass this to declare
    their own, which pullback cannot compute with.
    """

    type: type = extended
    name: str = "extended"


def supports_inf(dtype: Any) -> bool:
    """Whether floating `dtype` can hold infinity (the float8 formats without inf cannot)."""
    dt = np.dtype(dtype)
    if dt.kind in "biuSUOM":
        return False
    if dt.kind == "c":
        return True
    with np.errstate(all="ignore"):
        return bool(float(np.array(np.inf, np.float32).astype(dt)) == np.inf)
