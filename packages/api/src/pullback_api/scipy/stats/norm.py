"""`pullback.scipy.stats.norm`: the normal distribution (JAX's `jax.scipy.stats.norm`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pullback_ir import lax
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import export, promote_inexact
from pullback_api.scipy import special

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _standardized(name: str, x: Any, loc: Any, scale: Any) -> tuple[Any, Any]:
    x, loc, scale = promote_inexact(name, x, loc, scale)
    return lax.div(lax.sub(x, loc), scale), scale


@export
def logpdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log of the normal density with mean `loc` and standard deviation `scale`."""
    z, scale = _standardized("norm.logpdf", x, loc, scale)
    half_log_2pi = np.asarray(0.5 * math.log(2 * math.pi), aval_of(z).dtype)
    quad = lax.mul(np.asarray(-0.5, aval_of(z).dtype), lax.mul(z, z))
    return lax.sub(lax.sub(quad, half_log_2pi), lax.log(scale))


@export
def pdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The normal density with mean `loc` and standard deviation `scale`."""
    return lax.exp(logpdf(x, loc, scale))


@export
def cdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """P(X <= x)."""
    return special.ndtr(_standardized("norm.cdf", x, loc, scale)[0])


@export
def logcdf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log P(X <= x), accurate in the lower tail."""
    return special.log_ndtr(_standardized("norm.logcdf", x, loc, scale)[0])


@export
def sf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The survival function P(X > x)."""
    return special.ndtr(lax.neg(_standardized("norm.sf", x, loc, scale)[0]))


@export
def logsf(x: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """Log P(X > x), accurate in the upper tail."""
    return special.log_ndtr(lax.neg(_standardized("norm.logsf", x, loc, scale)[0]))


@export
def ppf(q: Any, loc: Any = 0, scale: Any = 1) -> Any:
    """The quantile function, the inverse of `cdf`."""
    q, loc, scale = promote_inexact("norm.ppf", q, loc, scale)
    return lax.add(lax.mul(special.ndtri(q), scale), loc)
