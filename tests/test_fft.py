"""pullback.numpy.fft against NumPy (eager and jit), its derivatives against central
differences, vmap; and gradients of real functions through complex intermediates."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 6, 5)).astype(np.float32)
C = (X + 1j * RNG.standard_normal(X.shape)).astype(np.complex64)

CASES = [
    ("fft", (C,), {}), ("fft", (X,), {"n": 8, "axis": 1, "norm": "ortho"}),
    ("ifft", (C,), {"n": 3, "norm": "forward"}), ("fft2", (C,), {}), ("ifft2", (C,), {"s": (4, 7)}),
    ("fftn", (C,), {}), ("ifftn", (C,), {"axes": (0, 2)}), ("rfft", (X,), {}),
    ("rfft", (X,), {"n": 7, "axis": 0}), ("irfft", (C,), {}),
    ("irfft", (C,), {"n": 9, "norm": "ortho"}), ("rfft2", (X,), {}),
    ("irfft2", (C,), {"s": (6, 8)}), ("rfftn", (X,), {}), ("irfftn", (C,), {}),
    ("hfft", (C,), {}), ("ihfft", (X,), {"norm": "ortho"}), ("fftshift", (X,), {}),
    ("ifftshift", (X,), {"axes": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_fft_against_numpy(name, args, kwargs):
    expected = getattr(np.fft, name)(*args, **kwargs)
    for got in (getattr(jnp.fft, name)(*args, **kwargs),
                pb.jit(lambda *a: getattr(jnp.fft, name)(*a, **kwargs))(*args)):  # fmt: skip
        got = np.asarray(got)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_frequencies_and_errors():
    np.testing.assert_allclose(jnp.fft.fftfreq(5, 0.1), np.fft.fftfreq(5, 0.1), rtol=1e-6)
    np.testing.assert_allclose(jnp.fft.rfftfreq(6), np.fft.rfftfreq(6), rtol=1e-6)
    with pytest.raises(ValueError, match="norm must be"):
        jnp.fft.fft(C, norm="sideways")
    with pytest.raises(TypeError, match="rfft: the input must be real"):
        jnp.fft.rfft(C)
    with pytest.raises(ValueError, match="s has 1 sizes for 2 axes"):
        jnp.fft.fft2(C, s=(3,))


def _central(f, x, d, eps=1e-6):
    return (float(f(x + eps * d)) - float(f(x - eps * d))) / (2 * eps)


@pytest.mark.parametrize(
    "f",
    [
        lambda v: jnp.sum(jnp.abs(jnp.fft.rfft(v)) ** 2 * jnp.arange(4.0)),
        lambda v: jnp.sum(jnp.fft.irfft(jnp.fft.rfft(v) * jnp.arange(1.0, 5.0)) ** 3),
        lambda v: jnp.sum(jnp.real(jnp.fft.fft(v * (1 + 2j))) * jnp.arange(6.0)),
        lambda v: jnp.sum(jnp.imag(jnp.fft.ifft(lax.complex(v, v**2))) ** 2),
        lambda v: jnp.sum(jnp.abs(jnp.fft.fft2(v.reshape(2, 3), norm="ortho")) ** 2),
        lambda v: jnp.sum(jnp.fft.irfft(lax.complex(v[:4], v[2:]), n=7) * jnp.arange(7.0)),
    ],
)
def test_gradients_of_real_functions_against_central_differences(f):
    pb.config.update("jax_enable_x64", True)
    try:
        x = RNG.standard_normal(6)
        d = RNG.standard_normal(6)
        fd = _central(f, x, d)
        np.testing.assert_allclose(float(np.dot(np.asarray(pb.grad(f)(x)), d)), fd, rtol=1e-6)
        np.testing.assert_allclose(float(pb.jvp(f, (jnp.asarray(x),), (jnp.asarray(d),))[1]), fd,
                                   rtol=1e-6)  # fmt: skip
    finally:
        pb.config.update("jax_enable_x64", False)


def test_complex_intermediates_have_the_right_sign():
    # Real-to-real functions: their derivatives do not depend on any complex convention.
    assert float(pb.grad(lambda y: jnp.abs(lax.complex(1.0, y)) ** 2)(2.0)) == 4.0
    assert float(pb.grad(lambda y: jnp.imag(lax.complex(0.5, y) * 1j * y))(3.0)) == 0.5
    np.testing.assert_allclose(pb.grad(lambda y: jnp.angle(lax.complex(1.0, y)))(1.0), 0.5,
                               rtol=1e-6)  # fmt: skip


def test_vmap_of_fft_equals_the_loop():
    f = pb.vmap(lambda v: jnp.fft.rfft(v, n=8), in_axes=1)
    np.testing.assert_allclose(f(X[0]), np.stack([np.fft.rfft(X[0][:, i], n=8) for i in range(5)]),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
