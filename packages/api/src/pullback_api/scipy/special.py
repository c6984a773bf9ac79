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


# --- functions built on log-gamma and the elementwise ops -------------------------------------


def _jnp() -> Any:
    from pullback_api import numpy as jnp

    return jnp


@export
def gammasgn(x: Any) -> Any:
    """The sign of Gamma(x): +1 for x >= 0, alternating between the poles below 0, nan at them."""
    jnp = _jnp()
    x = _f("gammasgn", x)
    floor = jnp.floor(x)
    sign = jnp.where(jnp.mod(floor, 2) == 0, 1.0, -1.0).astype(x.dtype)
    pole = (x < 0) & (x == floor)
    return jnp.where(x > 0, 1.0, jnp.where(pole, jnp.nan, sign)).astype(x.dtype)


@export
def gamma(x: Any) -> Any:
    """The Gamma function, sign included: gammasgn(x) * exp(gammaln(x))."""
    x = _f("gamma", x)
    return lax.mul(gammasgn(x), lax.exp(lax.lgamma(x)))


@export
def loggamma(x: Any) -> Any:
    """Log Gamma(x) for real x > 0 (nan for x <= 0, as JAX's real loggamma)."""
    jnp = _jnp()
    x = _f("loggamma", x)
    return jnp.where(x > 0, lax.lgamma(x), jnp.nan)


@export
def beta(a: Any, b: Any) -> Any:
    """The Beta function Gamma(a) Gamma(b) / Gamma(a + b), sign included."""
    a, b = promote_inexact("beta", a, b)
    sign = lax.mul(lax.mul(gammasgn(a), gammasgn(b)), gammasgn(lax.add(a, b)))
    return lax.mul(sign, lax.exp(betaln(a, b)))


@export
def factorial(n: Any, exact: bool = False) -> Any:
    """N! = Gamma(n + 1) (0 for negative n)."""
    if exact:
        raise NotImplementedError("factorial: exact=True is not supported (as in JAX)")
    jnp = _jnp()
    n = _f("factorial", n)
    return jnp.where(n < 0, 0, lax.exp(lax.lgamma(lax.add(n, _const(1, n))))).astype(n.dtype)


@export
def comb(N: Any, k: Any, *, exact: bool = False, repetition: bool = False) -> Any:
    """The binomial coefficient N choose k (with repetition: N + k - 1 choose k)."""
    if exact:
        raise NotImplementedError("comb: exact=True is not supported (as in JAX)")
    jnp = _jnp()
    n, k = promote_inexact("comb", N, k)
    if repetition:
        n = n + k - 1
    one = _const(1, n)
    val = lax.exp(lax.sub(lax.lgamma(lax.add(n, one)),
                          lax.add(lax.lgamma(lax.add(k, one)),
                                  lax.lgamma(lax.add(lax.sub(n, k), one)))))  # fmt: skip
    return jnp.where((k < 0) | (k > n) | (n < 0), 0, val).astype(val.dtype)


@export
def poch(z: Any, m: Any) -> Any:
    """The Pochhammer symbol (rising factorial) Gamma(z + m) / Gamma(z)."""
    z, m = promote_inexact("poch", z, m)
    s = lax.mul(gammasgn(lax.add(z, m)), gammasgn(z))
    return lax.mul(s, lax.exp(lax.sub(lax.lgamma(lax.add(z, m)), lax.lgamma(z))))


@export
def multigammaln(a: Any, d: int) -> Any:
    """The log of the multivariate Gamma function of dimension `d`."""
    jnp = _jnp()
    a = _f("multigammaln", a)
    d = int(d)
    c = 0.25 * d * (d - 1) * math.log(math.pi)
    js = jnp.arange(d, dtype=a.dtype)
    return c + jnp.sum(lax.lgamma(jnp.expand_dims(a, -1) - js / 2), axis=-1)


def _divergence(name: str, p: Any, q: Any, with_mass: bool) -> Any:
    """The divergence p log(p / q) (+ q - p `with_mass`); the limit at p = 0; inf off the domain."""
    jnp = _jnp()
    x, y = promote_inexact(name, p, q)
    both = (x > 0) & (y > 0)
    safe_x, safe_y = jnp.where(both, x, 1), jnp.where(both, y, 1)
    val = safe_x * jnp.log(safe_x / safe_y)
    at_zero: Any = 0
    if with_mass:
        val = val - safe_x + safe_y
        at_zero = y
    return jnp.where(both, val, jnp.where((x == 0) & (y >= 0), at_zero, jnp.inf)).astype(val.dtype)


@export
def rel_entr(p: Any, q: Any) -> Any:
    """The relative entropy p log(p / q) for p, q > 0; 0 at p = 0 (q >= 0); inf otherwise."""
    return _divergence("rel_entr", p, q, False)


@export
def kl_div(p: Any, q: Any) -> Any:
    """The divergence p log(p / q) - p + q for p, q > 0; q at p = 0 (q >= 0); inf otherwise."""
    return _divergence("kl_div", p, q, True)


def _boxcox(name: str, x: Any, lmbda: Any, log: Any) -> Any:
    # (exp(l * log(x)) - 1) / l, and log(x) where l = 0
    jnp = _jnp()
    x, lm = promote_inexact(name, x, lmbda)
    safe = jnp.where(lm == 0, 1, lm)
    return jnp.where(lm == 0, log(x), jnp.expm1(safe * log(x)) / safe)


@export
def boxcox(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform: (x^l - 1) / l, or log(x) at l = 0."""
    return _boxcox("boxcox", x, lmbda, _jnp().log)


@export
def boxcox1p(x: Any, lmbda: Any) -> Any:
    """The Box-Cox transform of 1 + x."""
    return _boxcox("boxcox1p", x, lmbda, _jnp().log1p)


@export
def i0(x: Any) -> Any:
    """The modified Bessel function of the first kind, order 0."""
    return _jnp().i0(_f("i0", x))


@export
def i0e(x: Any) -> Any:
    """exp(-|x|) * i0(x), the exponentially scaled I0."""
    x = _f("i0e", x)
    return lax.mul(lax.exp(lax.neg(lax.abs(x))), i0(x))


__all__ += ["beta", "boxcox", "boxcox1p", "comb", "factorial", "gamma", "gammasgn", "i0", "i0e",
            "kl_div", "loggamma", "multigammaln", "poch", "rel_entr"]  # fmt: skip
__all__.sort()
