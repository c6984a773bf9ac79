"""pullback.random against recorded jax.random outputs (benchmarks/make_random_goldens.py),
eagerly and under jit and vmap, plus distribution checks."""

import json
from pathlib import Path

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import random

GOLD = json.loads((Path(__file__).parent / "data" / "jax_random_goldens.json").read_text())
K = random.PRNGKey(42)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**31 - 1, -7])
def test_keys(seed):
    np.testing.assert_array_equal(random.PRNGKey(seed), GOLD[f"key/{seed}"])


EXACT = {
    "split/2": lambda k: random.split(k),
    "split/5": lambda k: random.split(k, 5),
    "split/2x3": lambda k: random.split(k, (2, 3)),
    "fold_in/7": lambda k: random.fold_in(k, 7),
    "fold_in/123456": lambda k: random.fold_in(k, 123456),
    "bits/3x4": lambda k: random.bits(k, (3, 4)),
    "uniform/f32/10": lambda k: random.uniform(k, (10,)),
    "uniform/f16/6": lambda k: random.uniform(k, (6,), jnp.float16).astype(jnp.float32),
    "uniform/bf16/6": lambda k: random.uniform(k, (6,), jnp.bfloat16).astype(jnp.float32),
    "bernoulli/0.3/12": lambda k: random.bernoulli(k, 0.3, (12,)),
    "randint/0-10/12": lambda k: random.randint(k, (12,), 0, 10),
    "randint/-5-1000/6": lambda k: random.randint(k, (6,), -5, 1000),
    "categorical/4x5": lambda k: random.categorical(
        k, jnp.log(jnp.arange(1.0, 6.0)) * jnp.ones((4, 1))
    ),
    "permutation/10": lambda k: random.permutation(k, 10),
    "permutation/2d": lambda k: random.permutation(k, jnp.arange(12).reshape(4, 3)),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_bit_identical_to_jax(name):
    f = EXACT[name]
    np.testing.assert_array_equal(np.asarray(f(K)), np.asarray(GOLD[name]))
    np.testing.assert_array_equal(np.asarray(pb.jit(f)(K)), np.asarray(GOLD[name]))


@pytest.mark.parametrize("name", ["normal/f32/10", "gumbel/5", "uniform/f32/range"])
def test_close_to_jax(name):
    # The bits are identical; the float transforms (erf_inv, log, a fused scale-and-shift in
    # XLA) may round differently in the last place.
    f = {"normal/f32/10": lambda k: random.normal(k, (10,)),
         "gumbel/5": lambda k: random.gumbel(k, (5,)),
         "uniform/f32/range": lambda k: random.uniform(k, (2, 3), minval=-2.0, maxval=5.0),
         }[name]  # fmt: skip
    np.testing.assert_allclose(np.asarray(f(K)), GOLD[name], rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(np.asarray(pb.jit(f)(K)), GOLD[name], rtol=2e-5, atol=2e-5)


def test_vmap_over_keys_matches_the_loop():
    keys = random.split(K, 4)
    batched = pb.vmap(lambda k: random.uniform(k, (3,)))(keys)
    for i in range(4):
        np.testing.assert_array_equal(batched[i], random.uniform(keys[i], (3,)))


def test_distributions():
    k1, k2, k3 = random.split(random.PRNGKey(0), 3)
    n = random.normal(k1, (20000,))
    assert abs(float(n.mean())) < 0.03
    assert abs(float(n.std()) - 1) < 0.03
    u = random.uniform(k2, (20000,), minval=2.0, maxval=3.0)
    assert float(u.min()) >= 2.0
    assert float(u.max()) < 3.0
    r = random.randint(k3, (20000,), 3, 7)
    assert set(np.unique(np.asarray(r)).tolist()) == {3, 4, 5, 6}
    p = random.permutation(k1, 50)
    assert sorted(np.asarray(p).tolist()) == list(range(50))


def test_bad_keys_and_shapes():
    with pytest.raises(TypeError, match=r"expected a PRNG key .*got u32\[3\]"):
        random.uniform(np.zeros(3, np.uint32))
    with pytest.raises(TypeError, match="floating"):
        random.uniform(K, (2,), jnp.int32)
    with pytest.raises(TypeError, match="integer"):
        random.PRNGKey(1.5)
    with pytest.raises(OverflowError, match="32 bits"):
        random.PRNGKey(2**40)


COV = jnp.asarray([[2.0, 0.5], [0.5, 1.0]])
TRANSFORMS = {
    "exponential/5": lambda k: random.exponential(k, (5,)),
    "laplace/6": lambda k: random.laplace(k, (6,)),
    "logistic/6": lambda k: random.logistic(k, (6,)),
    "cauchy/6": lambda k: random.cauchy(k, (6,)),
    "pareto/3.0/5": lambda k: random.pareto(k, 3.0, (5,)),
    "rayleigh/2x3": lambda k: random.rayleigh(k, jnp.asarray([1.0, 2.0, 0.5]), (2, 3)),
    "lognormal/0.5/5": lambda k: random.lognormal(k, 0.5, (5,)),
    "weibull_min/5": lambda k: random.weibull_min(k, 2.0, 1.5, (5,)),
    "maxwell/4": lambda k: random.maxwell(k, (4,)),
    # (The eigh and svd methods differ from JAX in the eigenvectors' signs, which pullback
    # fixes: same distribution, other samples; see the statistics test.)
    "multivariate_normal/cholesky": lambda k: random.multivariate_normal(
        k, jnp.asarray([1.0, -1.0]), COV, (3,)),
    "orthogonal/3": lambda k: random.orthogonal(k, 3),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_more_distributions_match_jax(name):
    # JAX's formulas on the same bits: equal up to the last place of the float functions
    # (and of LAPACK for the factor-based ones).
    f = TRANSFORMS[name]
    np.testing.assert_allclose(np.asarray(f(K)), GOLD[name], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(pb.jit(f)(K)), GOLD[name], rtol=1e-5, atol=1e-5)


def test_more_distributions_statistics():
    k1, k2, k3 = random.split(K, 3)
    lap = np.asarray(random.laplace(k1, (40000,)))
    np.testing.assert_allclose([lap.mean(), lap.var()], [0.0, 2.0], atol=0.05)
    logi = np.asarray(random.logistic(k2, (40000,)))
    np.testing.assert_allclose(logi.var(), np.pi**2 / 3, rtol=0.05)
    for method in ("cholesky", "eigh", "svd"):
        mvn = np.asarray(random.multivariate_normal(k3, jnp.asarray([1.0, -1.0]), COV, (40000,),
                                                    method=method))  # fmt: skip
        np.testing.assert_allclose(mvn.mean(0), [1.0, -1.0], atol=0.03)
        np.testing.assert_allclose(np.cov(mvn.T), COV, atol=0.05)
    q = np.asarray(random.orthogonal(k1, 4, (2,), m=3))
    assert q.shape == (2, 4, 3)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-5)  # fmt: skip
    assert random.pareto(k1, jnp.ones((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError, match="cov must be"):
        random.multivariate_normal(k1, jnp.zeros(2), jnp.eye(3))
