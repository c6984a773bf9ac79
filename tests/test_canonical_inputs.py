"""NumPy inputs take their canonical dtype wherever they enter, as in JAX (issue 16, item 1).

With x64 off, JAX reads a float64/int64/uint64/complex128 NumPy array as float32/int32/uint32/
complex64 at every entry point: operators, `lax.*`, transformation arguments and constants
closed over by a traced function. The expected dtypes are JAX 0.10.2's.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax

F64 = np.ones(2)


def _sin2(x):
    return jnp.sin(x) * 2


CASES = {
    "jnp - np": (lambda: jnp.ones(2) - np.ones(2), np.float32),
    "np - jnp": (lambda: np.ones(2) - jnp.ones(2), np.float32),
    "np int == jnp": (lambda: np.arange(3)[:, None] == jnp.arange(3), np.bool_),
    "np int + jnp int": (lambda: np.arange(3) + jnp.arange(3), np.int32),
    "f16 + np f32 scalar": (lambda: jnp.ones(2, jnp.float16) + np.float32(1), np.float32),
    "i8 + np i64 scalar": (lambda: jnp.ones(2, jnp.int8) + np.int64(1), np.int32),
    "u32 + np u64": (lambda: jnp.ones(2, jnp.uint32) + np.ones(2, np.uint64), np.uint32),
    "c64 + np c128": (lambda: jnp.ones(2, jnp.complex64) + np.ones(2, np.complex128), np.complex64),
    "lax.add(np, np)": (lambda: lax.add(F64, F64), np.float32),
    "lax.mul(jnp, np)": (lambda: lax.mul(jnp.ones(2), F64), np.float32),
    "vmap dot": (lambda: pb.vmap(lambda x: jnp.dot(x, x))(np.ones((2, 3))), np.float32),
    "vmap mixed": (
        lambda: pb.vmap(lambda x, y: x * y)(np.ones((2, 3)), jnp.ones((2, 3))),
        np.float32,
    ),
    "grad": (lambda: pb.grad(lambda x: (x**2).sum())(np.ones(2)), np.float32),
    "grad closure": (lambda: pb.grad(lambda x: (x * F64).sum())(jnp.ones(2)), np.float32),
    "jit": (lambda: pb.jit(lambda x: x)(np.ones(2)), np.float32),
    "jit closure": (lambda: pb.jit(lambda x: x * np.arange(2))(jnp.ones(2, jnp.int32)), np.int32),
    "jit lax closure": (lambda: pb.jit(lambda x: lax.mul(x, F64))(jnp.ones(2)), np.float32),
    "jit np scalar": (lambda: pb.jit(lambda x: x * np.float64(2))(jnp.ones(2)), np.float32),
    "jvp tangent": (lambda: pb.jvp(_sin2, (F64,), (F64,))[1], np.float32),
    "jvp closure": (
        lambda: pb.jvp(lambda x: x * F64, (jnp.ones(2),), (jnp.ones(2),))[1],
        np.float32,
    ),
    "vjp": (lambda: pb.vjp(_sin2, F64)[1](F64)[0], np.float32),
    "linearize": (lambda: pb.linearize(_sin2, F64)[1](F64), np.float32),
    "pmap": (lambda: pb.pmap(_sin2)(np.ones((1, 2))), np.float32),
    "where": (lambda: jnp.where(F64 > 0, F64, jnp.zeros(2)), np.float32),
    "cond closure": (
        lambda: lax.cond(True, lambda x: x * F64, lambda x: x, jnp.ones(2)),
        np.float32,
    ),
    "scan carry": (
        lambda: lax.scan(lambda c, x: (c + x, c), np.zeros(2), np.ones((3, 2)))[0],
        np.float32,
    ),
    "fori_loop": (lambda: lax.fori_loop(0, 3, lambda i, c: c + F64, np.zeros(2)), np.float32),
}


@pytest.mark.parametrize("name", CASES)
def test_numpy_inputs_are_canonicalized(name):
    fn, want = CASES[name]
    out = fn()
    assert out.dtype == np.dtype(want), name
    assert isinstance(out, pb.Array), type(out)


def test_values_are_computed_in_the_canonical_dtype():
    # float64 arithmetic rounded to float32 would differ from float32 arithmetic here
    a = np.array([1 + 2**-30], np.float64)
    out = jnp.ones(1) * a - jnp.ones(1)
    assert out.dtype == np.float32
    assert np.asarray(out)[0] == 0.0


def test_x64_keeps_64_bit_numpy_inputs(x64):
    assert (jnp.ones(2) - np.ones(2)).dtype == np.float64
    assert pb.vmap(lambda x: jnp.dot(x, x))(np.ones((2, 3))).dtype == np.float64
    assert pb.jit(lambda x: x * np.arange(2))(jnp.ones(2, jnp.int64)).dtype == np.int64


def test_a_closed_over_numpy_array_is_one_constant():
    jaxpr = pb.make_jaxpr(lambda x: x * F64 + F64)(jnp.ones(2))
    assert len(jaxpr.consts) == 1
    assert jaxpr.consts[0].dtype == np.float32
