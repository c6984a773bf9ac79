"""pullback.scipy.special and pullback.scipy.stats.norm against Python's math module (float64
references), eagerly and under jit, with their derivatives."""

import math

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback.scipy import special, stats

import pullback as pb

SQRT_HALF = math.sqrt(0.5)


def _log_ndtr64(v):
    # float64 reference; above 0 through log1p so that the CDF's distance from 1 keeps digits.
    if v > 0:
        return math.log1p(-0.5 * math.erfc(v * SQRT_HALF))
    return math.log(0.5 * math.erfc(-v * SQRT_HALF))


def _ref(f, xs):
    return np.array([f(float(v)) for v in np.ravel(xs)]).reshape(np.shape(xs))


def _both(f, *args):
    """f eagerly and under jit; both results, checked equal to each other."""
    eager = np.asarray(f(*args))
    jitted = np.asarray(pb.jit(f)(*args))
    np.testing.assert_allclose(jitted, eager, rtol=2e-6, atol=1e-6)
    return eager


X = np.linspace(-3, 3, 13).astype(np.float32)
P = np.linspace(0.01, 0.99, 11).astype(np.float32)


@pytest.mark.parametrize(
    ("ours", "ref", "xs"),
    [
        (special.erf, math.erf, X),
        (special.erfc, math.erfc, X),
        (special.gammaln, math.lgamma, np.linspace(0.1, 8, 9).astype(np.float32)),
        (special.expit, lambda v: 1 / (1 + math.exp(-v)), X),
        (special.logit, lambda v: math.log(v / (1 - v)), P),
        (special.ndtr, lambda v: 0.5 * math.erfc(-v * SQRT_HALF), X),
        (special.entr, lambda v: -v * math.log(v) if v > 0 else 0.0, np.abs(X)),
        (stats.norm.pdf, lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi), X),
        (stats.norm.cdf, lambda v: 0.5 * math.erfc(-v * SQRT_HALF), X),
        (stats.norm.sf, lambda v: 0.5 * math.erfc(v * SQRT_HALF), X),
    ],
)
def test_elementwise_against_math(ours, ref, xs):
    np.testing.assert_allclose(_both(ours, xs), _ref(ref, xs), rtol=2e-5, atol=2e-6)


def test_inverses():
    np.testing.assert_allclose(special.erf(special.erfinv(X / 4)), X / 4, atol=2e-6)
    np.testing.assert_allclose(special.ndtr(_both(special.ndtri, P)), P, atol=2e-6)
    np.testing.assert_allclose(stats.norm.ppf(0.975), 1.959963984540054, rtol=1e-6)
    np.testing.assert_allclose(stats.norm.ppf(0.5, loc=3.0, scale=2.0), 3.0, atol=1e-6)


def test_digamma_is_the_derivative_of_gammaln():
    xs = np.linspace(0.5, 6, 8).astype(np.float32)
    h = 1e-3
    fd = (_ref(math.lgamma, xs + h) - _ref(math.lgamma, xs - h)) / (2 * h)
    np.testing.assert_allclose(_both(special.digamma, xs), fd, rtol=1e-4)
    np.testing.assert_allclose(pb.vmap(pb.grad(special.gammaln))(xs), fd, rtol=1e-4)
    np.testing.assert_allclose(
        special.betaln(2.0, 3.0), math.lgamma(2) + math.lgamma(3) - math.lgamma(5), rtol=1e-6
    )


def test_xlogy_and_xlog1py_are_zero_at_x_zero_with_finite_gradients():
    x = np.array([0.0, 0.0, 2.0, 0.5], np.float32)
    y = np.array([0.0, 3.0, 3.0, 0.25], np.float32)
    xlogy_ref = [0, 0, 2 * math.log(3), 0.5 * math.log(0.25)]
    np.testing.assert_allclose(_both(special.xlogy, x, y), xlogy_ref, rtol=1e-6)
    xlog1py_ref = [0, 0, 2 * math.log(4), 0.5 * math.log(1.25)]
    np.testing.assert_allclose(_both(special.xlog1py, x, y), xlog1py_ref, rtol=1e-6)
    gx, gy = pb.grad(lambda a, b: jnp.sum(special.xlogy(a, b)), argnums=(0, 1))(x[1:], y[1:])
    np.testing.assert_allclose(gx, np.log(y[1:]), rtol=1e-6)
    np.testing.assert_allclose(gy, x[1:] / y[1:], rtol=1e-6)
    gx = pb.jit(pb.grad(lambda a: jnp.sum(special.xlog1py(a, y))))(x)
    np.testing.assert_allclose(gx, np.log1p(y), rtol=1e-6)


def test_log_ndtr_is_accurate_in_both_tails_float32():
    xs = np.linspace(-30, 8, 39).astype(np.float32)
    ref = _ref(_log_ndtr64, xs)
    np.testing.assert_allclose(_both(special.log_ndtr, xs), ref, rtol=1e-5)
    np.testing.assert_allclose(stats.norm.logcdf(xs), ref, rtol=1e-5)
    np.testing.assert_allclose(stats.norm.logsf(-xs), ref, rtol=1e-5)
    # The derivative pdf/cdf stays finite where the cdf underflows float32 (about -x there).
    g = np.asarray(pb.grad(lambda v: jnp.sum(special.log_ndtr(v)))(xs))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g[0], 30.0332, rtol=1e-4)


def test_log_ndtr_float64(x64):
    xs = np.linspace(-37, 9, 47)
    ref = _ref(_log_ndtr64, xs)
    got = _both(special.log_ndtr, xs)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref, rtol=1e-10)


def test_norm_logpdf_with_loc_and_scale_and_its_gradient():
    got = _both(lambda v: stats.norm.logpdf(v, 0.5, 2.0), X)
    ref = -0.5 * ((X.astype(np.float64) - 0.5) / 2) ** 2 - 0.5 * math.log(2 * math.pi) - math.log(2)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    g = pb.grad(lambda mu: jnp.sum(stats.norm.logpdf(X, mu, 2.0)))(0.5)
    np.testing.assert_allclose(g, np.sum((X - 0.5) / 4), rtol=1e-5)


def test_reexports_and_integer_inputs():
    assert special.logsumexp is jnp.logsumexp
    assert special.softmax is pb.nn.softmax
    out = special.erf(np.arange(3))
    assert out.dtype == np.float32
    from pullback.scipy.stats import norm

    assert norm is stats.norm


def test_more_special_functions_against_scipy():
    import pullback.scipy.special as ps
    import scipy.special as ss

    x = np.array([0.5, 1.0, 2.5, -0.5, -1.5, 4.0, 7.0], np.float32)
    pos = np.abs(x)
    cases = [
        ("gamma", (x,)), ("beta", (pos, 2.0)), ("factorial", (np.array([0, 1, 3, 5.0]),)),
        ("comb", (np.array([5.0, 10.0, 3.0]), np.array([2.0, 3.0, 5.0]))), ("poch", (pos, 1.5)),
        ("multigammaln", (np.array([3.0, 5.0]), 3)), ("loggamma", (pos,)),
        ("rel_entr", (np.array([0.0, 1.0, 2.0, -1.0]), np.array([1.0, 2.0, 0.5, 1.0]))),
        ("kl_div", (np.array([0.0, 1.0, 2.0, -1.0]), np.array([1.0, 2.0, 0.5, 1.0]))),
        ("boxcox", (pos, 0.5)), ("boxcox", (pos, 0.0)), ("boxcox1p", (pos, 0.3)),
        ("i0", (x,)), ("i0e", (x,)),
    ]  # fmt: skip
    for name, args in cases:
        got = np.asarray(getattr(ps, name)(*args))
        np.testing.assert_allclose(got, getattr(ss, name)(*args), rtol=2e-5, atol=1e-6,
                                   err_msg=name)  # fmt: skip
    # JAX's conventions where SciPy differs: gammasgn(0) = 1, loggamma(x <= 0) = nan
    np.testing.assert_array_equal(ps.gammasgn(np.array([0.0, -2.0, -1.5, -0.5], np.float32)),
                                  [1.0, np.nan, 1.0, -1.0])  # fmt: skip
    assert np.isnan(ps.loggamma(-1.5))
    np.testing.assert_allclose(pb.grad(ps.gamma)(2.5), ss.gamma(2.5) * ss.digamma(2.5), rtol=1e-5)
