"""Functions of a float's representation: frexp, spacing, nextafter, and divmod, against NumPy
(and, where NumPy and JAX 0.10.2 differ, JAX)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pullback.numpy as jnp
import pytest
from pullback_ir import enable_x64

from pullback import jit

RNG = np.random.default_rng(0)


def _values(dt):
    fi = np.finfo(dt)
    scale = 10.0 ** RNG.integers(-3, 4 if dt == np.float16 else 6, 40)
    normal = (RNG.standard_normal(40) * scale).astype(dt)
    edge = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, 2.0, 3.0], dt)
    return np.concatenate([normal, edge, np.array([fi.tiny, fi.max, -fi.max], dt)])


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_frexp_matches_numpy(dt):
    with enable_x64(dt == np.float64):
        x = _values(dt)
        for f in (jnp.frexp, jit(jnp.frexp)):
            m, e = f(x)
            want_m, want_e = np.frexp(x)
            assert m.dtype == dt
            assert e.dtype == np.int32
            np.testing.assert_array_equal(np.asarray(m), want_m)
            np.testing.assert_array_equal(np.asarray(e), want_e)
        sub = np.array([np.finfo(dt).tiny / 8, -np.finfo(dt).tiny / 3], dt)  # subnormals
        m, e = jnp.frexp(sub)  # (eagerly: XLA's CPU code flushes subnormals to zero)
        np.testing.assert_array_equal(np.asarray(m), np.frexp(sub)[0])
        np.testing.assert_array_equal(np.asarray(e), np.frexp(sub)[1])


def test_frexp_of_ints_and_bfloat16():
    m, e = jnp.frexp(jnp.arange(1, 6))
    assert m.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(m) * 2.0 ** np.asarray(e), np.arange(1, 6))
    x = np.array([3.0, -0.375, 100.0], ml_dtypes.bfloat16)
    m, e = jnp.frexp(x)
    assert m.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(np.asarray(m, np.float32), [0.75, -0.75, 0.78125])
    np.testing.assert_array_equal(e, [2, -1, 7])


@pytest.mark.parametrize("dt", [np.float16, np.float32])
def test_spacing(dt):
    x = _values(dt)
    x = x[~((x == 0) & np.signbit(x))]  # (-0.0: see below)
    with np.errstate(all="ignore"):
        want = np.spacing(x)
    np.testing.assert_array_equal(np.asarray(jnp.spacing(x)), want)
    normal = ~(np.abs(want) < np.finfo(dt).tiny)  # (XLA's CPU code flushes subnormal results)
    np.testing.assert_array_equal(np.asarray(jit(jnp.spacing)(x))[normal], want[normal])
    # JAX 0.10.2: float32 -0.0 steps to -tiny, float16 (toward +inf, as NumPy) to +tiny
    want = -1.4e-45 if dt == np.float32 else 5.96e-08
    np.testing.assert_allclose(float(jnp.spacing(np.array(-0.0, dt))), want, rtol=1e-2)


@pytest.mark.parametrize("dt", [np.float16, ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn])
def test_nextafter_steps_in_the_dtype_itself(dt):
    # (the reference interpreter computes low-precision floats in float32, but not this)
    x = np.array([1.0, -1.0, 0.0, 2.0], dt)
    y = np.array([4.0, 4.0, -4.0, 0.0], dt)
    want = np.nextafter(x, y)
    assert not np.array_equal(want, x)
    for f in (jnp.nextafter, jit(jnp.nextafter)):
        np.testing.assert_array_equal(np.asarray(f(x, y), np.float32), want.astype(np.float32))


def test_divmod():
    a, b = np.arange(-7, 7), np.array([3, -3] * 7)
    q, r = jnp.divmod(a, b)
    np.testing.assert_array_equal(q, a // b)
    np.testing.assert_array_equal(r, a % b)
    qf, rf = jit(jnp.divmod)(a * 0.5, 1.5)
    np.testing.assert_allclose(qf, (a * 0.5) // 1.5)
    np.testing.assert_allclose(rf, (a * 0.5) % 1.5)
