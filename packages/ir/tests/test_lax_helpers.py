"""The `*_in_dim` slicing helpers, `full`/`full_like` and `square` against NumPy, eagerly (the
reference interpreter) and staged."""

import numpy as np
import pytest
from pullback_ir import lax, make_jaxpr
from pullback_ir.interpreter import eval_jaxpr

X = np.arange(24, dtype=np.float32).reshape(4, 6)


def _staged(f, *args):
    closed = make_jaxpr(f)(*args)
    (out,) = eval_jaxpr(closed.jaxpr, closed.consts, *args)
    return np.asarray(out)


@pytest.mark.parametrize(
    ("start", "limit", "stride", "axis"),
    [(1, None, 2, 1), (None, 3, 1, 0), (-3, -1, 1, 1), (0, 6, 3, -1), (5, 2, 1, 1)],
)
def test_slice_in_dim_is_python_slicing(start, limit, stride, axis):
    index = [slice(None)] * 2
    index[axis] = slice(start, limit, stride)
    expected = X[tuple(index)]
    np.testing.assert_array_equal(lax.slice_in_dim(X, start, limit, stride, axis), expected)
    got = _staged(lambda x: lax.slice_in_dim(x, start, limit, stride, axis), X)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("keepdims", [True, False])
def test_index_in_dim(keepdims):
    got = lax.index_in_dim(X, -1, axis=1, keepdims=keepdims)
    expected = X[:, -1:] if keepdims else X[:, -1]
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(IndexError, match="index 6 is out of bounds for axis 1 of size 6"):
        lax.index_in_dim(X, 6, axis=1)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for an operand of rank 2"):
        lax.index_in_dim(X, 0, axis=2)


def test_dynamic_slice_and_index_in_dim_clamp_like_dynamic_slice():
    for start in (0, 2, 5):  # 5 is clamped to 4 for a slice of 2 along an axis of 6
        expected = X[:, min(start, 4) : min(start, 4) + 2]
        f = lambda x, i: lax.dynamic_slice_in_dim(x, i, 2, axis=1)  # noqa: E731
        np.testing.assert_array_equal(f(X, np.int32(start)), expected)
        np.testing.assert_array_equal(_staged(f, X, np.int32(start)), expected)
    g = lambda x, i: lax.dynamic_index_in_dim(x, i, axis=0, keepdims=False)  # noqa: E731
    np.testing.assert_array_equal(_staged(g, X, np.int32(3)), X[3])
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(X, np.int32(1)), X[1:2])


def test_dynamic_update_slice_and_index_in_dim():
    row = -np.ones(6, np.float32)
    expected = X.copy()
    expected[2] = row
    f = lambda x, u, i: lax.dynamic_update_index_in_dim(x, u, i, 0)  # noqa: E731
    np.testing.assert_array_equal(f(X, row, np.int32(2)), expected)
    np.testing.assert_array_equal(_staged(f, X, row, np.int32(2)), expected)
    block = np.zeros((4, 2), np.float32)
    expected = X.copy()
    expected[:, 1:3] = 0
    got = lax.dynamic_update_slice_in_dim(X, block, np.int32(1), axis=1)
    np.testing.assert_array_equal(got, expected)


def test_full_full_like_square():
    np.testing.assert_array_equal(lax.full((2, 3), 1.5), np.full((2, 3), 1.5, np.float32))
    out = lax.full((2,), 3, np.int8)
    assert np.asarray(out).dtype == np.int8
    np.testing.assert_array_equal(out, [3, 3])
    like = lax.full_like(X, 7)
    assert np.asarray(like).dtype == np.float32
    assert np.shape(like) == (4, 6)
    np.testing.assert_array_equal(lax.full_like(X, 1, np.int32, (2,)), np.ones(2, np.int32))
    np.testing.assert_array_equal(lax.square(X), X * X)
    with pytest.raises(TypeError, match="fill_value must be a scalar"):
        lax.full((2,), np.ones(2, np.float32))


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 13])
@pytest.mark.parametrize("reverse", [False, True])
def test_associative_scan_matches_sequential_prefixes(n, reverse):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((3, n)).astype(np.float32)
    for fn, ref in ((lax.add, np.cumsum), (lax.max, np.maximum.accumulate)):
        expected = ref(x[:, ::-1], axis=1)[:, ::-1] if reverse else ref(x, axis=1)
        got = lax.associative_scan(fn, x, reverse=reverse, axis=1)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        staged = _staged(lambda v, fn=fn: lax.associative_scan(fn, v, reverse=reverse, axis=-1), x)
        np.testing.assert_allclose(staged, expected, rtol=1e-5, atol=1e-5)


def test_associative_scan_of_a_linear_recurrence():
    # h_t = a_t h_{t-1} + b_t: the pairs (a, b) compose associatively.
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.0, 9).astype(np.float32)
    b = rng.standard_normal(9).astype(np.float32)

    def compose(left, right):
        (a1, b1), (a2, b2) = left, right
        return lax.mul(a1, a2), lax.add(lax.mul(a2, b1), b2)

    _, h = lax.associative_scan(compose, (a, b))
    expected, state = [], 0.0
    for at, bt in zip(a, b, strict=True):
        state = at * state + bt
        expected.append(state)
    np.testing.assert_allclose(h, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="every array needs length 9"):
        lax.associative_scan(compose, (a, b[:5]))
