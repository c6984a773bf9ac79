"""`pullback.scipy.special`: special functions (JAX's `jax.scipy.special`).

Each takes arrays or Python numbers, promotes integers to the default float type, and is
differentiable; `xlogy` and `xlog1py` have the rules that keep their zero at `x == 0`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pullback_ir import lax
from pullback_ir.avals import aval_of

from pullback_api import nn
from pullback_api._transforms import custom_jvp
from pullback_api.numpy import logsumexp as logsumexp
from pullback_api.numpy._core import export, promote_inexact

__all__ = ["betaln", "digamma", "entr", "erf", "erfc", "erfinv", "expit", "gammaln",
           "log_ndtr", "log_softmax", "logit", "logsumexp", "ndtr", "ndtri", "softmax",
           "xlog1py", "xlogy"]  # fmt: skip

softmax = nn.softmax
log_softmax = nn.log_softmax


def _const(value: float, like: Any) -> Any:
    return np.asarray(value, aval_of(like).dtype)


def _f(name: str, x: Any) -> Any:
    return promote_inexact(name, x)[0]


def _unary(name: str, op: Any, doc: str) -> Any:
    def f(x: Any) -> Any:
        return op(_f(name, x))

    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return export(f)


expit = _unary("expit", lax.logistic, "The logistic function 1 / (1 + exp(-x)).")
erf = _unary("erf", lax.erf, "The error function.")
erfc = _unary("erfc", lax.erfc, "The complementary error function 1 - erf(x).")
erfinv = _unary("erfinv", lax.erf_inv, "The inverse of `erf` on (-1, 1).")
gammaln = _unary("gammaln", lax.lgamma, "Log |Gamma(x)|.")
digamma = _unary("digamma", lax.digamma, "The logarithmic derivative of Gamma.")


@export
def logit(x: Any) -> Any:
    """log(x / (1 - x)), the inverse of `expit`."""
    x = _f("logit", x)
    return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


@export
def betaln(a: Any, b: Any) -> Any:
    """Log |Beta(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
    a, b = promote_inexact("betaln", a, b)
    return lax.sub(lax.add(lax.lgamma(a), lax.lgamma(b)), lax.lgamma(lax.add(a, b)))


def _zero_where_x_zero(x: Any, value: Any) -> Any:
    zero = _const(0, x)
    return lax.select(lax.eq(x, zero), lax.broadcast_in_dim(zero, aval_of(x).shape, ()), value)


@custom_jvp
def _xlogy(x: Any, y: Any) -> Any:
    return _zero_where_x_zero(x, lax.mul(x, lax.log(y)))


_xlogy.defjvps(
    lambda gx, ans, x, y: lax.mul(gx, lax.log(y)),
    lambda gy, ans, x, y: lax.mul(gy, lax.div(x, y)),
)


@custom_jvp
def _xlog1py(x: Any, y: Any) -> Any:
    return _zero_where_x_zero(x, lax.mul(x, lax.log1p(y)))


_xlog1py.defjvps(
    lambda gx, ans, x, y: lax.mul(gx, lax.log1p(y)),
    lambda gy, ans, x, y: lax.mul(gy, lax.div(x, lax.add(y, _const(1, y)))),
)


@export
def xlogy(x: Any, y: Any) -> Any:
    """X * log(y), and 0 where x == 0 (whatever y is)."""
    return _xlogy(*promote_inexact("xlogy", x, y))


@export
def xlog1py(x: Any, y: Any) -> Any:
    """X * log1p(y), and 0 where x == 0 (whatever y is)."""
    return _xlog1py(*promote_inexact("xlog1py", x, y))


@export
def entr(x: Any) -> Any:
    """The elementwise entropy -x log x: 0 at 0 and -inf for negative x."""
    x = _f("entr", x)
    zero = _const(0, x)
    shape = aval_of(x).shape
    neg_inf = lax.broadcast_in_dim(_const(-np.inf, x), shape, ())
    value = lax.neg(_zero_where_x_zero(x, lax.mul(x, lax.log(x))))
    return lax.select(lax.lt(x, zero), neg_inf, value)


@export
def ndtr(x: Any) -> Any:
    """The standard normal CDF: (1 + erf(x / sqrt 2)) / 2, through erfc for accuracy."""
    x = _f("ndtr", x)
    return lax.mul(_const(0.5, x), lax.erfc(lax.mul(x, _const(-math.sqrt(0.5), x))))


@export
def ndtri(p: Any) -> Any:
    """The inverse of `ndtr`: sqrt 2 * erfinv(2p - 1)."""
    p = _f("ndtri", p)
    two_p_minus_1 = lax.sub(lax.mul(_const(2, p), p), _const(1, p))
    return lax.mul(_const(math.sqrt(2.0), p), lax.erf_inv(two_p_minus_1))


@export
def log_ndtr(x: Any) -> Any:
    """Log of the standard normal CDF, accurate far into the lower tail.

    Above 0 it is log1p(-ndtr(-x)), which keeps the digits of a CDF near 1; from -5 (float32)
    or -20 (float64) to 0 it is log(ndtr(x)); below, where erfc underflows or loses its
    digits, the asymptotic series log(phi(x) / -x) + log(1 - 1/x^2 + 3/x^4 - 15/x^6).
    """
    x = _f("log_ndtr", x)
    dt = aval_of(x).dtype
    shape = aval_of(x).shape
    cut = _const(-20.0 if dt == np.float64 else -5.0, x)
    tail = lax.lt(x, cut)
    # Each branch sees inputs where it is accurate, so neither produces NaNs for grad.
    x_body = lax.select(tail, lax.broadcast_in_dim(cut, shape, ()), x)
    x_tail = lax.select(tail, x, lax.broadcast_in_dim(cut, shape, ()))
    upper = lax.gt(x_body, _const(0, x))
    body = lax.select(upper, lax.log1p(lax.neg(ndtr(lax.neg(x_body)))), lax.log(ndtr(x_body)))
    inv2 = lax.div(_const(1, x), lax.mul(x_tail, x_tail))
    series = lax.add(_const(1, x), lax.mul(inv2, lax.add(_const(-1, x), lax.mul(
        inv2, lax.add(_const(3, x), lax.mul(inv2, _const(-15, x)))))))  # fmt: skip
    log_phi = lax.sub(lax.mul(_const(-0.5, x), lax.mul(x_tail, x_tail)),
                      _const(0.5 * math.log(2 * math.pi), x))  # fmt: skip
    tail_value = lax.add(lax.sub(log_phi, lax.log(lax.neg(x_tail))), lax.log(series))
    return lax.select(tail, tail_value, body)
