"""pullback.nn.initializers: shapes, dtypes, the variance each promises, orthogonality."""

import math

import numpy as np
import pytest
from pullback.nn import initializers as init

import pullback as pb
from pullback import random

KEY = random.PRNGKey(0)


def test_constant_initializers():
    np.testing.assert_array_equal(init.zeros(KEY, (2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones(KEY, (4,), np.float16), np.ones(4, np.float16))
    out = init.constant(-0.5)(KEY, (3,))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [-0.5] * 3)


@pytest.mark.parametrize(
    ("make", "fan", "scale"),
    [
        (init.glorot_uniform, "avg", 1.0), (init.glorot_normal, "avg", 1.0),
        (init.lecun_uniform, "in", 1.0), (init.lecun_normal, "in", 1.0),
        (init.he_uniform, "in", 2.0), (init.he_normal, "in", 2.0),
        (init.xavier_normal, "avg", 1.0), (init.kaiming_uniform, "in", 2.0),
    ],
)  # fmt: skip
def test_variance_scaling_family(make, fan, scale):
    shape = (3, 3, 40, 60)  # a conv kernel: receptive field 9, fan_in 360, fan_out 540
    w = np.asarray(make()(KEY, shape))
    assert w.shape == shape
    assert w.dtype == np.float32
    fans = {"in": 360.0, "avg": 450.0}
    np.testing.assert_allclose(w.var(), scale / fans[fan], rtol=0.05)
    np.testing.assert_allclose(w.mean(), 0.0, atol=3 * math.sqrt(scale / fans[fan] / w.size))
    if make in (init.glorot_normal, init.lecun_normal, init.he_normal, init.xavier_normal):
        assert np.abs(w).max() <= 2 * math.sqrt(scale / fans[fan]) / 0.87962566103423978 + 1e-6
    else:
        assert np.abs(w).max() <= math.sqrt(3 * scale / fans[fan]) + 1e-6


def test_simple_distributions():
    w = np.asarray(init.normal(0.5)(KEY, (20000,)))
    np.testing.assert_allclose(w.std(), 0.5, rtol=0.03)
    u = np.asarray(init.uniform(2.0)(KEY, (20000,)))
    assert u.min() >= 0 and u.max() < 2.0  # noqa: PT018
    np.testing.assert_allclose(u.mean(), 1.0, rtol=0.03)
    t = np.asarray(init.truncated_normal(1.0, lower=-1.0, upper=1.0)(KEY, (1000,)))
    assert np.abs(t).max() <= 1.0
    with pytest.raises(TypeError, match="dtype must be a floating type"):
        init.normal()(KEY, (2,), np.int32)
    with pytest.raises(ValueError, match="mode must be fan_in"):
        init.variance_scaling(1.0, "fan_sideways", "normal")


@pytest.mark.parametrize(
    ("shape", "axis"), [((6, 4), -1), ((4, 6), -1), ((3, 5, 8), -1), ((8, 3), 0)]
)
def test_orthogonal(shape, axis):
    w = np.asarray(init.orthogonal(scale=2.0, column_axis=axis)(KEY, shape))
    assert w.shape == shape
    m = np.moveaxis(w, axis, -1).reshape(-1, shape[axis])
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-4)


def test_delta_orthogonal_and_use_under_jit():
    k = np.array(init.delta_orthogonal()(KEY, (3, 3, 4, 6)))
    centre = k[1, 1]
    np.testing.assert_allclose(centre @ centre.T, np.eye(4), atol=1e-5)
    k[1, 1] = 0
    np.testing.assert_array_equal(k, 0)
    w = pb.jit(lambda key: init.glorot_normal()(key, (5, 7)))(KEY)
    np.testing.assert_allclose(w, init.glorot_normal()(KEY, (5, 7)), rtol=1e-6)
