"""Eager fast paths (NumPy called directly on host values) against the staged computation.

Eager operations on host-resident Arrays skip the primitive machinery where NumPy computes
exactly what the reference implementation would; each must agree with `jit` of the same
expression in value, dtype and weak type, over dtypes and broadcasting.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest

from pullback import Array, jit

RNG = np.random.default_rng(0)


def _arr(shape, dtype):
    v = RNG.standard_normal(shape) * 3
    return jnp.asarray(v.astype(dtype))


CASES = {
    "where same dtype": lambda a, b: jnp.where(a > 0, a, b),
    "where broadcast": lambda a, b: jnp.where((a > 0)[:, :1], a, b[0]),
    "where scalar": lambda a, b: jnp.where(a > 0, a, 0.0),
    "reshape": lambda a, b: a.reshape(-1, 2),
    "reshape tuple": lambda a, b: jnp.reshape(b, (2, 2, -1)),
    "ravel": lambda a, b: jnp.ravel(a),
    "T": lambda a, b: a.T,
    "transpose axes": lambda a, b: jnp.transpose(a[None], (2, 0, 1)),
    "getitem": lambda a, b: a[1, ::2],
    "sin": lambda a, b: jnp.sin(a),
    "exp2": lambda a, b: jnp.exp2(a),
    "negative": lambda a, b: jnp.negative(a),
    "add": lambda a, b: jnp.add(a, b),
    "maximum scalar": lambda a, b: jnp.maximum(a, 0.5),
    "a * 2.0": lambda a, b: a * 2.0,
    "2 - a": lambda a, b: 2 - a,
    "a <= b": lambda a, b: a <= b,
    "sum": lambda a, b: jnp.sum(a, axis=0),
    "matmul": lambda a, b: a @ b.T,
}


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float16])
@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_matches_jit(name, dtype):
    fn = CASES[name]
    a, b = _arr((4, 6), dtype), _arr((4, 6), dtype)
    staged = jit(fn)(a, b)
    eager = fn(a, b)
    assert isinstance(eager, Array)
    assert (eager.dtype, eager.shape, eager.weak_type) == (
        staged.dtype, staged.shape, staged.weak_type), name  # fmt: skip
    tol = 2e-3 if dtype == np.float16 else 1e-6
    np.testing.assert_allclose(np.asarray(eager, np.float64), np.asarray(staged, np.float64),
                               rtol=tol, atol=tol)  # fmt: skip


def test_views_are_read_only_and_independent():
    a = _arr((4, 6), np.float32)
    r, t = a.reshape(-1), a.T
    for v in (np.asarray(r), np.asarray(t)):
        with pytest.raises(ValueError, match="read-only"):
            v[0] = 1.0
    np.testing.assert_array_equal(np.asarray(t), np.asarray(a).T)
    np.testing.assert_array_equal(np.asarray(jit(lambda x: x + 1)(t)), np.asarray(a).T + 1)
