"""`jax._src.dtypes`: pullback's dtypes module, with JAX's private names libraries import."""

from __future__ import annotations

import numpy as np
from pullback_api.dtypes import *  # noqa: F403
from pullback_api.dtypes import __all__ as _public, extended

__all__ = [*_public, "DType", "ExtendedDType"]

#: The type of dtype objects.
DType = np.dtype


class ExtendedDType:
    """The base of an extended dtype's description (the dtype object of a typed array).

    pullback's only extended dtypes are typed PRNG keys; libraries subclass this to declare
    their own, which pullback cannot compute with.
    """

    type: type = extended
    name: str = "extended"
