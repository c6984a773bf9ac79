"""A small CNN the way JAX programs write one: conv, max and average pooling with
lax.reduce_window, conv_transpose; compiled vs eager, gradients vs finite differences, vmap."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax

RNG = np.random.default_rng(0)


def max_pool(x, k=2):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, k, k), (1, 1, k, k), "VALID")


def avg_pool(x, k=2):
    s = lax.reduce_window(x, 0.0, lax.add, (1, 1, k, k), (1, 1, 1, 1), "SAME")
    return s / (k * k)


def net(params, x):
    w1, w2, wd = params
    h = pb.nn.relu(lax.conv(x, w1, (1, 1), "SAME"))
    h = max_pool(h)
    h = avg_pool(
        lax.conv_transpose(h, w2, (2, 2), "SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"))
    )
    return jnp.mean(h, axis=(2, 3)) @ wd


def loss(params, x, y):
    return jnp.mean((net(params, x) - y) ** 2)


PARAMS = [
    jnp.asarray(RNG.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.5),
    jnp.asarray(RNG.standard_normal((3, 4, 3, 3)).astype(np.float32) * 0.5),
    jnp.asarray(RNG.standard_normal((3, 2)).astype(np.float32)),
]
X = jnp.asarray(RNG.standard_normal((5, 1, 8, 8)).astype(np.float32))
Y = jnp.asarray(RNG.standard_normal((5, 2)).astype(np.float32))


def test_forward_jit_equals_eager_and_shapes():
    out = net(PARAMS, X)
    assert out.shape == (5, 2)
    np.testing.assert_allclose(pb.jit(net)(PARAMS, X), out, rtol=2e-5, atol=2e-5)
    assert max_pool(X).shape == (5, 1, 4, 4)
    np.testing.assert_allclose(max_pool(X), np.asarray(X).reshape(5, 1, 4, 2, 4, 2).max((3, 5)))


def test_gradients_match_finite_differences_and_jit():
    grads = pb.grad(loss)(PARAMS, X, Y)
    jgrads = pb.jit(pb.grad(loss))(PARAMS, X, Y)
    for g, jg in zip(grads, jgrads, strict=True):
        np.testing.assert_allclose(jg, g, rtol=1e-4, atol=1e-5)
    # A directional derivative against central differences (float64 for the reference).
    pb.config.update("jax_enable_x64", True)
    try:
        p64 = [jnp.asarray(np.asarray(p, np.float64)) for p in PARAMS]
        x64, y64 = jnp.asarray(np.asarray(X, np.float64)), jnp.asarray(np.asarray(Y, np.float64))
        d = [jnp.asarray(RNG.standard_normal(p.shape)) for p in p64]
        g64 = pb.grad(loss)(p64, x64, y64)
        eps = 1e-6
        plus = loss([p + eps * v for p, v in zip(p64, d, strict=True)], x64, y64)
        minus = loss([p - eps * v for p, v in zip(p64, d, strict=True)], x64, y64)
        fd = (float(plus) - float(minus)) / (2 * eps)
        exact = sum(float(jnp.sum(g * v)) for g, v in zip(g64, d, strict=True))
        np.testing.assert_allclose(exact, fd, rtol=1e-5)
    finally:
        pb.config.update("jax_enable_x64", False)


def test_max_pool_gradient_routes_to_the_maximum():
    x = jnp.asarray([[[[1.0, 5.0], [2.0, 3.0]]]])
    g = pb.grad(lambda v: jnp.sum(max_pool(v)))(x)
    np.testing.assert_array_equal(g, [[[[0.0, 1.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_of_pooling_equals_the_loop(jit):
    f = pb.vmap(lambda v: max_pool(v[None])[0])
    f = pb.jit(f) if jit else f
    out = f(X)
    loop = np.stack([np.asarray(max_pool(X[i][None])[0]) for i in range(5)])
    np.testing.assert_allclose(out, loop)


def test_sgd_step_under_jit_reduces_the_loss():
    @pb.jit
    def step(params, x, y):
        g = pb.grad(loss)(params, x, y)
        return [p - 0.05 * gp for p, gp in zip(params, g, strict=True)]

    params = PARAMS
    before = float(loss(params, X, Y))
    for _ in range(20):
        params = step(params, X, Y)
    assert float(loss(params, X, Y)) < before
