"""Array: attributes, conversions, repr, pickling, DLPack, operators, device_put of pytrees."""

import pickle

import ml_dtypes
import numpy as np
import pytest
from pullback_compile import (
    Array,
    block_until_ready,
    default_backend,
    device_count,
    device_get,
    device_put,
    devices,
    jit,
    local_device_count,
    local_devices,
)
from pullback_ir import lax, make_jaxpr


def test_attributes_and_conversions():
    x = device_put(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert isinstance(x, Array)
    assert (x.shape, x.dtype, x.ndim, x.size, x.itemsize, x.nbytes) == (
        (2, 3), np.float32, 2, 6, 4, 24)  # fmt: skip
    assert x.weak_type is False
    assert len(x) == 2
    assert x.device is devices()[0]
    assert x.devices() == {devices()[0]}
    assert x.sharding.device is x.device
    np.testing.assert_array_equal(np.asarray(x), np.arange(6).reshape(2, 3))
    assert x.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert float(x[1, 2]) == 5.0
    assert int(device_put(np.int32(3))) == 3
    assert [r.tolist() for r in x] == [[0, 1, 2], [3, 4, 5]]
    assert x.block_until_ready() is x
    assert x.is_ready()
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(TypeError, match="len"):
        len(device_put(1.0))
    assert f"{device_put(np.float32(1.5)):.2f}" == "1.50"
    with pytest.raises(TypeError, match="no public constructor"):
        Array()


def test_host_view_is_read_only_and_zero_copy_for_jit_outputs():
    y = jit(lambda a: a * 2.0)(np.ones(4, np.float32))
    v = np.asarray(y)
    assert not v.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 3
    assert np.asarray(y) is v or np.shares_memory(np.asarray(y), v)


def test_device_put_copies_numpy_input():
    src = np.zeros(3, np.float32)
    x = device_put(src)
    src[0] = 7.0
    assert float(x[0]) == 0.0
    assert src.flags.writeable  # the caller's array is untouched


def test_repr():
    assert repr(device_put(np.array([1.0, 2.0], np.float32))) == "Array([1., 2.], dtype=float32)"
    assert repr(device_put(np.array([1, 2], np.int32))) == "Array([1, 2], dtype=int32)"
    assert repr(device_put(1.0)) == "Array(1., dtype=float32, weak_type=True)"
    assert repr(device_put(np.array([True, False]))) == "Array([ True, False], dtype=bool)"
    assert repr(device_put(np.zeros((0, 2), np.float32))) == (
        "Array([], shape=(0, 2), dtype=float32)"
    )
    assert str(device_put(np.array([1.0, 2.0], np.float32))) == "[1. 2.]"


@pytest.mark.parametrize(
    "dtype",
    [
        np.float32,
        np.int8,
        np.uint16,
        np.bool_,
        np.complex64,
        ml_dtypes.bfloat16,
        ml_dtypes.float8_e4m3fn,
    ],
    ids=lambda d: np.dtype(d).name,
)
def test_dtypes_round_trip_through_jit_and_pickle(dtype):
    host = (np.arange(6) % 3).astype(dtype).reshape(3, 2)
    out = jit(lambda a: lax.rev(a, (0,)))(host)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.asarray(out).astype(np.complex64),
                                  host[::-1].astype(np.complex64))  # fmt: skip
    again = pickle.loads(pickle.dumps(out))
    assert isinstance(again, Array)
    assert again.dtype == out.dtype
    np.testing.assert_array_equal(np.asarray(again).astype(np.complex64),
                                  np.asarray(out).astype(np.complex64))  # fmt: skip


def test_pickle_keeps_weak_type():
    again = pickle.loads(pickle.dumps(device_put(2.0)))
    assert again.weak_type
    assert again.dtype == np.float32


def test_dlpack():
    x = jit(lambda a: a + 1)(np.arange(4, dtype=np.int32))
    np.testing.assert_array_equal(np.from_dlpack(x), [1, 2, 3, 4])


def test_operators_promote_and_fast_path_agree_with_numpy():
    a = device_put(np.array([1.0, 2.0, 3.0], np.float32))
    b = device_put(np.array([3.0, 2.0, 1.0], np.float32))
    for got, want in [
        (a + b, [4, 4, 4]), (a - b, [-2, 0, 2]), (a * b, [3, 4, 3]), (a / b, [1 / 3, 1, 3]),
        (a ** 2, [1, 4, 9]), (2.0 * a, [2, 4, 6]), (a < b, [True, False, False]),
        (a == b, [False, True, False]), (-a, [-1, -2, -3]), (a @ b, 10),
    ]:  # fmt: skip
        assert isinstance(got, Array)
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    assert (a + b).dtype == np.float32
    assert (a < b).dtype == np.bool_
    i = device_put(np.array([1, 2], np.int32))
    assert (i + 1).dtype == np.int32
    assert (i * 1.5).dtype == np.float32
    assert (a + 1).weak_type is False
    assert (device_put(1.0) + device_put(2.0)).weak_type


def test_arrays_trace_as_constants():
    w = device_put(np.full(3, 2.0, np.float32))
    jaxpr = make_jaxpr(lambda x: x * w)(np.ones(3, np.float32))
    assert len(jaxpr.consts) == 1
    np.testing.assert_allclose(jit(lambda x: x * w)(np.ones(3, np.float32)), [2, 2, 2])


def test_device_put_pytrees_and_device_get():
    tree = {"a": np.ones(2, np.float32), "b": [np.int32(3), 2.5]}
    out = device_put(tree)
    assert all(isinstance(v, Array) for v in (out["a"], *out["b"]))
    assert out["b"][1].weak_type
    back = device_get(out)
    assert isinstance(back["a"], np.ndarray)
    assert back["b"][0] == 3
    assert block_until_ready(out) is out
    with pytest.raises(TypeError, match=r"device_put: leaf 1 is not an array"):
        device_put([1.0, "x"])
    dev = devices()[-1]
    moved = device_put(out["a"], dev)
    assert moved.device is dev


def test_devices():
    assert default_backend() == "cpu"
    assert device_count() == len(devices()) == local_device_count() == len(local_devices())
    assert devices("cpu")[0].platform == "cpu"
    with pytest.raises(ValueError, match="not available"):
        devices("no_such_backend")


@pytest.mark.parametrize("op", ["add", "sub", "mul", "lt", "le", "gt", "ge", "eq", "ne"])
def test_eager_fast_path_matches_the_staged_operator(op):
    # The eager operator fast path (NumPy directly) must give the value, dtype and weak type
    # that the same expression gets when it is staged and compiled.
    import operator

    fn = getattr(operator, op)
    x = np.array([1.5, -2.0, 3.0], np.float32)
    operands = {
        "f32": device_put(x),
        "f32 jit output": jit(lambda v: v * 1)(x),
        "weak f32": device_put(2.0),
        "f16": device_put(x.astype(np.float16)),
        "i32": device_put(np.array([1, -2, 3], np.int32)),
        "float": 2.5,
        "int": 3,
    }
    for na, a in operands.items():
        for nb, b in operands.items():
            if not isinstance(a, Array) and not isinstance(b, Array):
                continue
            eager = fn(a, b)
            staged = jit(lambda u, v: fn(u, v))(a, b)
            where = f"{na} {op} {nb}"
            assert isinstance(eager, Array), where
            assert eager.dtype == staged.dtype, where
            assert eager.weak_type == staged.weak_type, where
            np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged), err_msg=where)
