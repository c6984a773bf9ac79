"""Weak types: eager results carry the weak type that the staged (jit) computation gives.

Weakly typed values (Python scalars, `asarray(2.0)`, results computed only from such values)
defer to the dtype of any strongly typed operand. Eager execution must keep the flag exactly
as jit does, or a later promotion picks another dtype eagerly than compiled. The expected
flags in `test_weak_types_follow_jax` were recorded from JAX 0.10.2.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest

from pullback import jit, lax


def _operands():
    w = jnp.asarray(2.0)
    wi = jnp.asarray(3)
    return {"weak f32": w, "weak i32": wi, "weak f32[3]": lax.broadcast(w, (3,)),
            "weak i32[3]": lax.broadcast(wi, (3,))}  # fmt: skip


UNARY = {
    "sin": jnp.sin, "exp": jnp.exp, "sqrt": jnp.sqrt, "abs": jnp.abs, "negative": jnp.negative,
    "square": jnp.square, "floor": jnp.floor, "rint": jnp.rint, "sum": jnp.sum,
    "mean": jnp.mean, "max": jnp.max, "cumsum": jnp.cumsum, "ravel": jnp.ravel,
    "x[None]": lambda x: x[None], "reshape": lambda x: jnp.reshape(x, (1, -1)),
    "concatenate": lambda x: jnp.concatenate([jnp.atleast_1d(x)] * 2),
    "stack": lambda x: jnp.stack([x, x]), "dot": lambda x: jnp.dot(x, x),
    "outer": lambda x: jnp.outer(x, x), "where": lambda x: jnp.where(x > 0, x, x),
    "clip": lambda x: jnp.clip(x, 0, 1), "maximum": lambda x: jnp.maximum(x, 1.0),
    "full_like": lambda x: jnp.full_like(x, 3), "zeros_like": jnp.zeros_like,
    "x + 2.5": lambda x: x + 2.5, "2 * x": lambda x: 2 * x, "x / 2": lambda x: x / 2,
    "x < 3.0": lambda x: x < 3.0, "x ** 2": lambda x: x**2, "x + x": lambda x: x + x,
    "x + f32": lambda x: x + np.float32(1), "x + i32 array": lambda x: x + np.int32(1),
    "add(x, 1)": lambda x: jnp.add(x, 1), "multiply(x, x)": lambda x: jnp.multiply(x, x),
    "astype f32": lambda x: x.astype(np.float32), "signbit": jnp.signbit,
    "reciprocal": jnp.reciprocal, "imag": jnp.imag, "deg2rad": jnp.deg2rad, "sinc": jnp.sinc,
    "logical_not": jnp.logical_not, "logical_and": lambda x: jnp.logical_and(x, x),
    "logaddexp": lambda x: jnp.logaddexp(x, x), "logaddexp2": lambda x: jnp.logaddexp2(x, x),
    "float_power": lambda x: jnp.float_power(x, x), "hypot": lambda x: jnp.hypot(x, x),
    "floor_divide": lambda x: jnp.floor_divide(x, x), "power(x, x)": lambda x: jnp.power(x, x),
    "remainder": lambda x: jnp.remainder(x, x), "copysign": lambda x: jnp.copysign(x, x),
    "tril": lambda x: jnp.tril(jnp.broadcast_to(x, (3, 3))),
    "trace": lambda x: jnp.trace(jnp.broadcast_to(x, (3, 3))),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(UNARY))
def test_eager_weak_type_matches_jit(name):
    fn = UNARY[name]
    for label, x in _operands().items():
        eager, staged = fn(x), jit(fn)(x)
        where = f"{name} of {label}"
        assert (eager.dtype, eager.weak_type) == (staged.dtype, staged.weak_type), where
        np.testing.assert_allclose(np.asarray(eager), np.asarray(staged), err_msg=where)


# (function, operand) -> weak type of the result in JAX 0.10.2 (the dtype is checked too)
JAX_WEAK = [
    ("x + 2.5", "weak f32", "float32", True), ("x + 2.5", "weak i32", "float32", True),
    ("x + i32 array", "weak f32", "float32", True), ("x + f32", "weak i32[3]", "float32", False),
    ("sin", "weak i32", "float32", True), ("sin", "weak f32[3]", "float32", True),
    ("sum", "weak f32", "float32", False), ("mean", "weak i32[3]", "float32", False),
    ("max", "weak f32[3]", "float32", False), ("cumsum", "weak f32[3]", "float32", False),
    ("rint", "weak i32", "float32", False), ("signbit", "weak i32", "bool", False),
    ("concatenate", "weak f32", "float32", True), ("stack", "weak i32", "int32", True),
    ("dot", "weak f32[3]", "float32", True), ("outer", "weak i32[3]", "int32", True),
    ("full_like", "weak f32", "float32", True), ("x[None]", "weak f32", "float32", True),
    ("x < 3.0", "weak f32", "bool", True), ("x / 2", "weak i32", "float32", True),
    ("astype f32", "weak f32", "float32", False),
    ("reciprocal", "weak i32", "float32", True), ("reciprocal", "weak f32[3]", "float32", True),
    ("imag", "weak f32", "float32", True), ("imag", "weak i32[3]", "int32", True),
    ("logaddexp", "weak f32[3]", "float32", True), ("float_power", "weak i32", "float32", True),
    ("floor_divide", "weak i32", "int32", True), ("floor_divide", "weak i32[3]", "int32", True),
    ("remainder", "weak i32[3]", "int32", True), ("copysign", "weak f32", "float32", True),
    ("tril", "weak f32", "float32", True), ("trace", "weak f32", "float32", False),
    ("trace", "weak i32", "int32", False),
    # JAX's own constants keep the weak type of a 0-d operand only, in these:
    ("logical_not", "weak f32", "bool", True), ("logical_not", "weak f32[3]", "bool", False),
    ("logical_and", "weak i32", "bool", True), ("logical_and", "weak i32[3]", "bool", False),
    ("power(x, x)", "weak i32", "int32", True), ("power(x, x)", "weak i32[3]", "int32", False),
    ("deg2rad", "weak f32", "float32", True), ("deg2rad", "weak f32[3]", "float32", False),
    ("sinc", "weak i32", "float32", True), ("sinc", "weak f32[3]", "float32", False),
    ("hypot", "weak f32", "float32", True), ("hypot", "weak i32[3]", "float32", False),
    ("logaddexp2", "weak f32", "float32", True), ("logaddexp2", "weak f32[3]", "float32", False),
]  # fmt: skip


@pytest.mark.parametrize(("name", "operand", "dtype", "weak"), JAX_WEAK)
def test_weak_types_follow_jax(name, operand, dtype, weak):
    out = UNARY[name](_operands()[operand])
    assert (str(out.dtype), out.weak_type) == (dtype, weak)


def test_weak_result_defers_in_a_later_promotion():
    # The point of the flag: a weak eager result must not widen a float16 array.
    h = jnp.ones(3, np.float16)
    w = jnp.sin(jnp.asarray(2.0)) + 1.0
    assert (w * h).dtype == np.float16
    assert jit(lambda a, b: jnp.sin(a) * b)(jnp.asarray(2.0), h).dtype == np.float16


def test_cotangents_of_weak_primals_are_weak():
    # JAX 0.10.2: grad(lambda x: x * 2.0)(1.0) is Array(2., dtype=float32, weak_type=True).
    from pullback import grad, vjp

    def f(x):
        return x * 2.0

    for g in (grad(f), jit(grad(f)), lambda x: vjp(f, x)[1](1.0)[0]):
        out = g(1.0)
        assert out.weak_type
        assert out.dtype == np.float32
        assert float(out) == 2.0
        assert (out + jnp.ones(2, jnp.float16)).dtype == np.float16  # (it defers)
    strong = grad(lambda x: (x * 2.0).sum())(jnp.ones(3))
    assert not strong.weak_type
    assert not grad(f)(np.float32(1.0)).weak_type


def test_bools_are_strong_and_count_as_ints_in_arithmetic():
    # JAX 0.10.2: a Python bool is not weakly typed, and arithmetic on bools works on ints.
    t = jnp.asarray(True)
    assert not t.weak_type
    b = jnp.asarray([True, False, True])
    for f in (lambda v: jnp.floor_divide(v, v | True), lambda v: jnp.remainder(v, v | True),
              lambda v: jnp.fmod(v, v | True), jnp.square, lambda v: jnp.power(v, v),
              lambda v: jnp.left_shift(v, v), lambda v: jnp.right_shift(v, v), jnp.cumsum,
              lambda v: jnp.trace(jnp.diag(v))):  # fmt: skip
        for g in (f, jit(f)):
            out = g(b)
            assert out.dtype == np.int32
            assert not out.weak_type
    np.testing.assert_array_equal(jnp.square(b), [1, 0, 1])
    np.testing.assert_array_equal(jnp.left_shift(b, b), [2, 0, 2])
    assert int(jnp.trace(jnp.diag(b))) == 2
    assert jnp.absolute(b).dtype == np.bool_
    np.testing.assert_array_equal(jnp.absolute(b), b)


def test_zero_dimensional_bitcasts_keep_their_shape():
    # NumPy's ascontiguousarray makes a 0-d array 1-d; the bitcast (and copysign, signbit,
    # built on it) gave shape (1,) for a scalar.
    x = jnp.asarray(np.float32(-2.0))
    bits = lax.bitcast_convert_type(x, np.int32)
    assert bits.shape == ()
    assert jit(lambda v: lax.bitcast_convert_type(v, np.int32))(x).shape == ()
    assert jnp.copysign(3.0, x).shape == ()
    assert float(jnp.copysign(3.0, x)) == -3.0
    s = jnp.signbit(x)
    assert type(s) is type(x)
    assert s.shape == ()
    assert bool(s)


def test_products_and_sums_of_bools_are_logical():
    # JAX 0.10.2: bool products are and-or reductions, + is or and * is and; results are bool.
    b = jnp.asarray([True, False, True])
    m = jnp.asarray([[True, False], [False, False]])
    nb, nm = np.asarray(b), np.asarray(m)
    cases = {
        "dot": (lambda x, y: jnp.dot(x, y), (b, b), True),
        "vdot": (lambda x, y: jnp.vdot(x, y), (b, b), True),
        "matmul": (lambda x, y: x @ y, (m, m), nm @ nm),
        "einsum": (lambda x, y: jnp.einsum("ij,jk->ik", x, y), (m, m), nm @ nm),
        "outer": (lambda x, y: jnp.outer(x, y), (b, b), np.outer(nb, nb)),
        "kron": (lambda x, y: jnp.kron(x, y), (b, b), np.kron(nb, nb)),
        "x * y": (lambda x, y: x * y, (b, ~b), nb & ~nb),
        "x + y": (lambda x, y: x + y, (b, ~b), nb | ~nb),
        "multiply": (lambda x, y: jnp.multiply(x, y), (b, b), nb),
        "add": (lambda x, y: jnp.add(x, y), (b, ~b), nb | ~nb),
    }
    for name, (f, args, want) in cases.items():
        for g in (f, jit(f)):
            out = g(*args)
            assert out.dtype == np.bool_, name
            np.testing.assert_array_equal(np.asarray(out), want, err_msg=name)
