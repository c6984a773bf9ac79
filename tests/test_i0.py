"""`jnp.i0` (the modified Bessel function I0) and its gradient I1, against SciPy."""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback_ir import enable_x64
from scipy import special

from pullback import grad, jit, vmap

X = np.concatenate([np.linspace(-40, 40, 161),
                    [0.0, 1e-3, 14.99, 15.0, 15.01, 29.9, 30.0, 30.1, 60.0, 85.0]])  # fmt: skip


@pytest.mark.parametrize(("dt", "rtol"), [(np.float32, 2e-6), (np.float64, 1e-13)])
def test_i0_and_its_gradient_match_scipy(dt, rtol):
    with enable_x64(dt == np.float64):
        x = X.astype(dt)
        want = special.i0(x.astype(np.float64))
        for f in (jnp.i0, jit(jnp.i0)):
            out = f(x)
            assert out.dtype == dt
            np.testing.assert_allclose(np.asarray(out, np.float64), want, rtol=rtol)
        # the gradient is I1, finite on both sides of the switch between the two expansions
        g = np.asarray(vmap(grad(jnp.i0))(x), np.float64)
        np.testing.assert_allclose(g, special.i1(x.astype(np.float64)), rtol=rtol, atol=1e-30)


def test_i0_dtypes_and_errors():
    assert jnp.i0(3).dtype == np.float32  # ints promote
    assert jnp.i0(jnp.asarray(2.0)).weak_type  # (as in JAX 0.10.2)
    assert jnp.i0(np.float16(2.0)).dtype == np.float16
    np.testing.assert_allclose(float(jnp.i0(np.float16(2.0))), special.i0(2.0), rtol=1e-3)
    assert np.isinf(float(jnp.i0(np.float32(100.0))))  # (beyond float32's range)
    big = np.float32(90.0)  # (e^90 overflows float32, I0(90) does not)
    np.testing.assert_allclose(float(jnp.i0(big)), special.i0(90.0), rtol=1e-5)
    with pytest.raises(TypeError, match="complex"):
        jnp.i0(np.complex64(1.0))
