"""`jnp.float32` and the other scalar types: dtype stand-ins that also convert values.

As in JAX 0.10.2, each compares and hashes like the NumPy scalar type, is accepted wherever
a dtype is, and `jnp.float32(x)` is `jnp.asarray(x, jnp.float32)`, traced values included.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pullback.numpy as jnp
import pytest

from pullback import grad, jit, lax, vmap

TYPES = {
    "bool_": np.bool_, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint8": np.uint8, "uint32": np.uint32, "float16": np.float16,
    "float32": np.float32, "float64": np.float64, "complex64": np.complex64,
    "bfloat16": ml_dtypes.bfloat16, "float8_e4m3fn": ml_dtypes.float8_e4m3fn,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(TYPES))
def test_scalar_types_stand_for_their_dtype(name):
    t, np_t = getattr(jnp, name), TYPES[name]
    assert t == np_t
    assert t == np.dtype(np_t)
    assert np.dtype(np_t) == t
    assert hash(t) == hash(np_t)
    assert np.dtype(t) == np.dtype(np_t)
    assert jnp.dtype(t) == np.dtype(np_t)
    assert t.dtype == np.dtype(np_t)
    assert isinstance(np_t(1), t)
    assert not isinstance(jnp.ones(()), t)
    assert t != (np.int16 if np_t is not np.int16 else np.int32)
    assert {t: 1}[np_t] == 1  # (hash and equality agree)
    x = jnp.zeros(2, t)
    want = np.dtype(np_t)
    if want.itemsize == 8 and want.kind in "iuf":  # 32-bit while x64 is off
        want = np.dtype(want.kind + "4")
    elif want == np.complex128:
        want = np.dtype(np.complex64)
    assert x.dtype == want
    assert jnp.ones(3).astype(t).dtype == want
    assert lax.convert_element_type(jnp.ones(3), t).dtype == want


def test_calling_a_scalar_type_converts_traced_values_too():
    x = jnp.arange(3.0)
    out = jnp.int32(x + 0.5)
    assert out.dtype == np.int32
    assert out.tolist() == [0, 1, 2]
    assert jit(lambda v: jnp.float16(v) * 2)(x).dtype == np.float16
    np.testing.assert_allclose(jit(lambda v: jnp.float16(v) * 2)(x), [0, 2, 4])
    assert vmap(lambda v: jnp.bfloat16(v))(x).dtype == ml_dtypes.bfloat16
    assert float(grad(lambda v: jnp.float32(v) * 3.0)(2.0)) == 3.0
    s = jnp.float32(2.0)
    assert isinstance(s, jnp.ndarray)
    assert s.dtype == np.float32
    assert not s.weak_type  # (strong, unlike jnp.asarray(2.0))
    assert jnp.int32(True).tolist() == 1
    assert jnp.bool_(3).tolist() is True
    assert (jnp.float16(1.0) + jnp.ones(2)).dtype == np.float32  # a strong float16 promotes


def test_dtype_queries_take_scalar_types():
    assert jnp.issubdtype(jnp.float32, jnp.floating)
    assert not jnp.issubdtype(jnp.int8, jnp.floating)
    assert jnp.finfo(jnp.bfloat16).bits == 16
    assert jnp.iinfo(jnp.int8).max == 127
    assert jnp.promote_types(jnp.int8, jnp.uint8) == jnp.int16
    assert jnp.result_type(jnp.float16, 1.0) == jnp.float16
    assert jnp.can_cast(jnp.int8, jnp.int32)
    assert repr(jnp.float32) == "<class 'pullback.numpy.float32'>"
    assert jnp.bool is jnp.bool_
    assert jnp.float_ == np.float64
    assert jnp.int_ == np.int64
