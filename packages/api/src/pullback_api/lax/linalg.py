"""`pullback.lax.linalg`: the factorizations (JAX's `jax.lax.linalg`).

cholesky, triangular_solve, lu, lu_pivots_to_permutation, qr, eigh and svd from
`pullback_ir.lax_linalg`, returning Arrays when they run eagerly.
"""

from __future__ import annotations

from typing import Any

from pullback_ir import lax_linalg as _ir

from pullback_api.lax import _wrapped

__all__ = ["cholesky", "eigh", "lu", "lu_pivots_to_permutation", "qr", "svd",
           "triangular_solve"]  # fmt: skip

cholesky: Any = _wrapped(_ir.cholesky)
eigh: Any = _wrapped(_ir.eigh)
lu: Any = _wrapped(_ir.lu)
lu_pivots_to_permutation: Any = _wrapped(_ir.lu_pivots_to_permutation)
qr: Any = _wrapped(_ir.qr)
svd: Any = _wrapped(_ir.svd)
triangular_solve: Any = _wrapped(_ir.triangular_solve)
