"""Record jax.random outputs for tests/test_random.py.

Run: `python -m hatch -e jax010 run python benchmarks/make_random_goldens.py`.

The samples are JAX 0.10.2's: pullback's samplers follow its algorithms (JAX 0.12 changed
normal's by default, `jax_accurate_erf_inv`). On jaxlib 0.12 the tests compare the float
samplers to 2 float32 ulps, as XLA's kernels for log and exp changed in the last bit.

The goldens pin pullback.random to JAX's threefry derivations bit for bit (floats from bits
through erf_inv are compared to a tolerance).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

#: `name -> f(random, jnp, key)`; tests/test_random_keys.py runs the same on pullback.
COMPOUND = {
    "double_sided_maxwell/5": lambda r, jnp, k: r.double_sided_maxwell(k, 1.0, 2.0, (5,)),
    "double_sided_maxwell/params": lambda r, jnp, k: r.double_sided_maxwell(
        k, jnp.zeros(2), 1.0, (3,)),
    "generalized_normal/3.0/6": lambda r, jnp, k: r.generalized_normal(k, 3.0, (6,)),
    "ball/3/2": lambda r, jnp, k: r.ball(k, 3, 2, (2,)),
    "ball/2/1.5": lambda r, jnp, k: r.ball(k, 2, 1.5, (3,)),
    "wald/1.5/6": lambda r, jnp, k: r.wald(k, 1.5, (6,)),
    "triangular/6": lambda r, jnp, k: r.triangular(k, 0.0, 0.3, 1.0, (6,)),
    "binomial/5x0.3/8": lambda r, jnp, k: r.binomial(k, 5, 0.3, (8,)),
    "binomial/100x0.4/8": lambda r, jnp, k: r.binomial(k, 100, 0.4, (8,)),
    "binomial/params": lambda r, jnp, k: r.binomial(k, jnp.array([3.0, 50.0, 1000.0]), 0.9),
    "binomial/invalid": lambda r, jnp, k: r.binomial(k, jnp.array([-1.0, 4.0, 4.0]),
                                                     jnp.array([0.5, -0.1, 0.5])),
    "multinomial/20": lambda r, jnp, k: r.multinomial(k, 20, jnp.array([0.2, 0.5, 0.3])),
    "multinomial/batch": lambda r, jnp, k: r.multinomial(
        k, jnp.array([5.0, 100.0]), jnp.array([[0.1, 0.9], [0.6, 0.4]])),
}  # fmt: skip


#: `name -> f(nn.initializers, jnp, key)`: weight initializers, bit for bit.
INITIALIZERS = {
    "init/glorot_uniform/4x6": lambda i, jnp, k: i.glorot_uniform()(k, (4, 6)),
    "init/he_normal/3x3x2x4": lambda i, jnp, k: i.he_normal()(k, (3, 3, 2, 4)),
    "init/lecun_normal/5x3": lambda i, jnp, k: i.lecun_normal()(k, (5, 3)),
    "init/embed/12x16": lambda i, jnp, k: i.variance_scaling(1.0, "fan_in", "normal",
                                                             out_axis=0)(k, (12, 16)),
    "init/fan_geo_avg/3x5": lambda i, jnp, k: i.variance_scaling(2.0, "fan_geo_avg",
                                                                 "uniform")(k, (3, 5)),
}  # fmt: skip


def main() -> None:
    out: dict[str, object] = {}
    for seed in (0, 1, 42, 2**31 - 1, -7):
        k = jax.random.PRNGKey(seed)
        out[f"key/{seed}"] = np.asarray(k).tolist()
    k = jax.random.PRNGKey(42)
    out["split/2"] = np.asarray(jax.random.split(k)).tolist()
    out["split/5"] = np.asarray(jax.random.split(k, 5)).tolist()
    out["split/2x3"] = np.asarray(jax.random.split(k, (2, 3))).tolist()
    out["fold_in/7"] = np.asarray(jax.random.fold_in(k, 7)).tolist()
    out["fold_in/123456"] = np.asarray(jax.random.fold_in(k, 123456)).tolist()
    out["bits/3x4"] = np.asarray(jax.random.bits(k, (3, 4))).tolist()
    out["uniform/f32/10"] = np.asarray(jax.random.uniform(k, (10,))).tolist()
    out["uniform/f32/range"] = np.asarray(
        jax.random.uniform(k, (2, 3), minval=-2.0, maxval=5.0)
    ).tolist()
    out["uniform/f16/6"] = (
        np.asarray(jax.random.uniform(k, (6,), jnp.float16)).astype(np.float32).tolist()
    )
    out["uniform/bf16/6"] = (
        np.asarray(jax.random.uniform(k, (6,), jnp.bfloat16)).astype(np.float32).tolist()
    )
    out["normal/f32/10"] = np.asarray(jax.random.normal(k, (10,))).tolist()
    out["bernoulli/0.3/12"] = np.asarray(jax.random.bernoulli(k, 0.3, (12,))).tolist()
    out["randint/0-10/12"] = np.asarray(jax.random.randint(k, (12,), 0, 10)).tolist()
    out["randint/-5-1000/6"] = np.asarray(jax.random.randint(k, (6,), -5, 1000)).tolist()
    out["categorical/4x5"] = np.asarray(
        jax.random.categorical(k, jnp.log(jnp.arange(1.0, 6.0)) * jnp.ones((4, 1)))
    ).tolist()
    out["permutation/10"] = np.asarray(jax.random.permutation(k, 10)).tolist()
    out["permutation/2d"] = np.asarray(
        jax.random.permutation(k, jnp.arange(12).reshape(4, 3))
    ).tolist()
    out["gumbel/5"] = np.asarray(jax.random.gumbel(k, (5,))).tolist()
    out["exponential/5"] = np.asarray(jax.random.exponential(k, (5,))).tolist()
    out["laplace/6"] = np.asarray(jax.random.laplace(k, (6,))).tolist()
    out["logistic/6"] = np.asarray(jax.random.logistic(k, (6,))).tolist()
    out["cauchy/6"] = np.asarray(jax.random.cauchy(k, (6,))).tolist()
    out["pareto/3.0/5"] = np.asarray(jax.random.pareto(k, 3.0, (5,))).tolist()
    out["rayleigh/2x3"] = np.asarray(
        jax.random.rayleigh(k, jnp.asarray([1.0, 2.0, 0.5]), (2, 3))
    ).tolist()
    out["lognormal/0.5/5"] = np.asarray(jax.random.lognormal(k, 0.5, (5,))).tolist()
    out["weibull_min/5"] = np.asarray(jax.random.weibull_min(k, 2.0, 1.5, (5,))).tolist()
    out["maxwell/4"] = np.asarray(jax.random.maxwell(k, (4,))).tolist()
    cov = jnp.asarray([[2.0, 0.5], [0.5, 1.0]])
    out["multivariate_normal/cholesky"] = np.asarray(
        jax.random.multivariate_normal(k, jnp.asarray([1.0, -1.0]), cov, (3,))
    ).tolist()
    out["orthogonal/3"] = np.asarray(jax.random.orthogonal(k, 3)).tolist()
    # default shapes, typed keys and the gamma family (issue 16)
    out["normal/scalar"] = float(jax.random.normal(k))
    tk = jax.random.key(42)
    out["typed/split/3"] = np.asarray(jax.random.key_data(jax.random.split(tk, 3))).tolist()
    out["typed/fold_in/7"] = np.asarray(jax.random.key_data(jax.random.fold_in(tk, 7))).tolist()
    out["typed/normal/4"] = np.asarray(jax.random.normal(tk, (4,))).tolist()
    out["gamma/2.0/6"] = np.asarray(jax.random.gamma(k, 2.0, (6,))).tolist()
    out["gamma/params"] = np.asarray(jax.random.gamma(k, jnp.asarray([0.3, 1.0, 5.0]))).tolist()
    out["loggamma/0.2/4"] = np.asarray(jax.random.loggamma(k, 0.2, (4,))).tolist()
    out["beta/2x3/5"] = np.asarray(jax.random.beta(k, 2.0, 3.0, (5,))).tolist()
    out["dirichlet/3"] = np.asarray(
        jax.random.dirichlet(k, jnp.asarray([1.0, 2.0, 0.5]), (2,))
    ).tolist()
    out["t/3.0/5"] = np.asarray(jax.random.t(k, 3.0, (5,))).tolist()
    out["chisquare/4.0/5"] = np.asarray(jax.random.chisquare(k, 4.0, (5,))).tolist()
    out["f/3x5/4"] = np.asarray(jax.random.f(k, 3.0, 5.0, (4,))).tolist()
    out["poisson/3.0/8"] = np.asarray(jax.random.poisson(k, 3.0, (8,))).tolist()
    out["poisson/params"] = np.asarray(
        jax.random.poisson(k, jnp.asarray([0.0, 0.5, 4.0, 12.0, 150.0]))
    ).tolist()
    out["geometric/0.3/6"] = np.asarray(jax.random.geometric(k, 0.3, (6,))).tolist()
    # samplers composed from the others (issue 24)
    # (and under jit, where XLA may fold the constant parameters differently: JAX's own jitted
    # samples can differ from its eager ones in the last bit)
    for name, f in COMPOUND.items():
        out[name] = np.asarray(f(jax.random, jnp, k)).tolist()
        out[name + "/jit"] = np.asarray(jax.jit(lambda k, f=f: f(jax.random, jnp, k))(k)).tolist()
    for name, f in INITIALIZERS.items():
        out[name] = np.asarray(f(jax.nn.initializers, jnp, k)).tolist()
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/jax_random_goldens.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} (jax {jax.__version__})")


if __name__ == "__main__":
    main()
