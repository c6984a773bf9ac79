"""ravel_pytree, *_like of a ShapeDtypeStruct, logsumexp(where=), lax.pswapaxes."""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback.flatten_util import ravel_pytree

import pullback as pb


def test_ravel_pytree_round_trip_and_dtypes():
    tree = {"a": jnp.ones((2, 2)), "b": (jnp.arange(3, dtype=jnp.int32), 2.5)}
    flat, unravel = ravel_pytree(tree)
    assert flat.shape == (8,)
    assert flat.dtype == jnp.float32
    back = unravel(flat)
    assert back["b"][0].dtype == jnp.int32
    assert back["b"][0].tolist() == [0, 1, 2]
    assert back["a"].shape == (2, 2)
    assert float(back["b"][1]) == 2.5
    with pytest.raises(TypeError, match="expected dtype float32"):
        unravel(flat.astype(jnp.int32))
    with pytest.raises(ValueError, match=r"shape \(3,\), but expected shape \(8,\)"):
        unravel(jnp.ones(3))
    # one dtype: unravel keeps whatever dtype it is given
    f2, u2 = ravel_pytree([jnp.ones(2), jnp.zeros(1)])
    assert u2(f2.astype(jnp.int32))[0].dtype == jnp.int32
    # empty tree
    f3, u3 = ravel_pytree({})
    assert f3.shape == (0,)
    assert f3.dtype == jnp.float32
    assert u3(f3) == {}
    # hashable, equal for equal layouts (usable as a static argument)
    assert ravel_pytree(tree)[1] == unravel
    assert hash(ravel_pytree(tree)[1]) == hash(unravel)


def test_ravel_pytree_under_transformations():
    params = {"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}
    g = pb.grad(lambda p: jnp.sum(ravel_pytree(p)[0] ** 2))(params)
    assert g["w"].tolist() == [[2.0] * 3] * 2
    flat = pb.jit(lambda p: ravel_pytree(p)[0])(params)
    assert flat.shape == (9,)
    _, unravel = ravel_pytree(params)
    out = pb.vmap(unravel)(jnp.ones((4, 9)))
    assert out["w"].shape == (4, 2, 3)


def test_like_of_shape_dtype_struct():
    s = pb.ShapeDtypeStruct((2, 3), jnp.int32)
    for f, v in ((jnp.zeros_like, 0), (jnp.ones_like, 1)):
        out = f(s)
        assert out.shape == (2, 3)
        assert out.dtype == jnp.int32
        assert int(out[0, 0]) == v
    full = jnp.full_like(s, 7, dtype=jnp.float32)
    assert full.dtype == jnp.float32
    assert float(full[1, 2]) == 7.0
    assert jnp.empty_like(s).shape == (2, 3)


def test_logsumexp_where_and_negative_sums():
    a = jnp.array([[1.0, 2.0, 30.0], [0.5, -1.0, 3.0]])
    mask = jnp.array([[True, True, False], [True, False, True]])
    got = pb.nn.logsumexp(a, axis=1, where=mask)
    want = [np.log(np.exp(1.0) + np.exp(2.0)), np.log(np.exp(0.5) + np.exp(3.0))]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert float(pb.scipy.special.logsumexp(a, where=jnp.zeros_like(mask))) == -np.inf
    # a negative sum is NaN unless the sign is asked for (as in JAX)
    assert np.isnan(float(jnp.logaddexp(0.0, 0.0) * 0 + pb.nn.logsumexp(
        jnp.array([0.0, 1.0]), b=jnp.array([1.0, -2.0]))))  # fmt: skip
    val, sign = pb.nn.logsumexp(jnp.array([0.0, 1.0]), b=jnp.array([1.0, -2.0]), return_sign=True)
    assert float(sign) == -1.0
    assert float(val) == pytest.approx(np.log(2 * np.e - 1))
    # the max is a constant of differentiation: the gradient is the softmax
    g = pb.grad(lambda x: pb.nn.logsumexp(x, where=jnp.array([True, True, False])))(a[0])
    np.testing.assert_allclose(g, [1 / (1 + np.e), np.e / (1 + np.e), 0.0], rtol=1e-6)


def test_pswapaxes_against_a_loop():
    n = len(pb.devices())
    x = jnp.arange(float(n * n * 2)).reshape(n, n, 2)
    out = pb.pmap(lambda v: pb.lax.pswapaxes(v, "i", 0), axis_name="i")(x)
    np.testing.assert_array_equal(out, np.swapaxes(np.asarray(x), 0, 1))
