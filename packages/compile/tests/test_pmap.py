"""pmap over the 4 virtual CPU devices (the root conftest asks for them): collectives against
the stacked reference implementations, axes, static and donated arguments, errors."""

import numpy as np
import pytest
from pullback_compile import Array, device_count, devices, pmap
from pullback_ir import lax
from pullback_ir.primitives.collectives import STACKED_IMPLS
from pullback_ir.testing import OP_RECORDS

N = device_count()
pytestmark = pytest.mark.skipif(N < 4, reason="needs PULLBACK_NUM_CPU_DEVICES=4 (root conftest)")
RNG = np.random.default_rng(0)


def test_psum_all_gather_ppermute():
    x = RNG.standard_normal((4, 3)).astype(np.float32)

    def f(v):
        s = lax.psum(v, "i")
        g = lax.all_gather(v, "i")
        p = lax.ppermute(v, "i", [(k, (k + 1) % 4) for k in range(4)])
        return s, g, p, lax.axis_index("i")

    s, g, p, idx = pmap(f, axis_name="i")(x)
    assert isinstance(s, Array)
    assert s.shape == (4, 3)
    np.testing.assert_allclose(s, np.broadcast_to(x.sum(0), (4, 3)), rtol=1e-6)
    np.testing.assert_allclose(g, np.broadcast_to(x, (4, 4, 3)))
    np.testing.assert_allclose(p, np.roll(x, 1, axis=0))
    np.testing.assert_array_equal(idx, np.arange(4))
    assert s.devices() == set(devices()[:4])


COLLECTIVE_RECORDS = [r for r in OP_RECORDS if r.axis_size is not None and r.axis_size <= 4]


@pytest.mark.parametrize(
    ("rec", "dt"),
    [
        pytest.param(r, d, id=f"{r.primitive.name}-{np.dtype(d).name}")
        for r in COLLECTIVE_RECORDS
        for d in r.dtypes
    ],
)
def test_collectives_match_stacked_reference(rec, dt):
    rng = np.random.default_rng(1)
    args, params = rec.make_args(rng, dt)
    params = {**rec.params, **params}
    name = params.get("axis_name", (params.get("axes") or ("i",))[0])
    expected = STACKED_IMPLS[rec.primitive](*args, **{"axis_size": rec.axis_size, **params})
    f = pmap(lambda *xs: list(rec.primitive.bind(*xs, **params)), axis_name=name,
             axis_size=rec.axis_size if not args else None)  # fmt: skip
    if params.get("axis_index_groups") is not None:
        with pytest.raises(NotImplementedError, match="axis_index_groups"):
            f(*args)
        return
    got = f(*args)
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(g).astype(np.float64),
                                   np.asarray(e).astype(np.float64), rtol=1e-5)  # fmt: skip


def test_in_axes_out_axes_and_broadcast_arguments():
    x = RNG.standard_normal((3, 4)).astype(np.float32)  # mapped along axis 1
    w = np.float32(2.0)
    f = pmap(lambda a, b: (a * b, lax.psum(a, "d")), axis_name="d", in_axes=(1, None),
             out_axes=(1, None))  # fmt: skip
    y, total = f(x, w)
    np.testing.assert_allclose(y, x * 2)
    np.testing.assert_allclose(total, x.sum(1), rtol=1e-6)


def test_static_broadcasted_and_pytrees():
    def f(tree, k):
        return {"y": tree["a"] * k + tree["b"]}

    g = pmap(f, static_broadcasted_argnums=1)
    tree = {"a": np.arange(8.0, dtype=np.float32).reshape(4, 2), "b": np.ones((4, 2), np.float32)}
    out = g(tree, 3)
    np.testing.assert_allclose(out["y"], tree["a"] * 3 + 1)
    with pytest.raises(TypeError, match="must be hashable"):
        g(tree, [3])


def test_outputs_feed_back_and_loops_do_not_deadlock():
    step = pmap(lambda v: v + lax.pmean(v, "i"), axis_name="i")
    x = np.arange(4, dtype=np.float32)
    for _ in range(50):  # non-blocking dispatch: launches must not pile up
        x = step(x)
    expected = np.arange(4, dtype=np.float32)
    for _ in range(50):
        expected = expected + expected.mean()
    np.testing.assert_allclose(x, expected, rtol=1e-5)


def test_donate_and_devices():
    x = pmap(lambda v: v * 2)(np.ones(2, np.float32))
    y = pmap(lambda v: v + 1, donate_argnums=0, devices=devices()[2:4])(x)
    np.testing.assert_allclose(y, [3, 3])
    assert x.is_deleted()
    assert y.devices() == set(devices()[2:4])


def test_errors():
    with pytest.raises(ValueError, match="different sizes"):
        pmap(lambda a, b: a + b)(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="only 4 devices"):
        pmap(lambda a: a)(np.ones(5))
    with pytest.raises(ValueError, match="pass axis_size"):
        pmap(lambda a: a, in_axes=None)(np.ones(2))
    with pytest.raises(ValueError, match="2 devices were given"):
        pmap(lambda a: a, devices=devices()[:2])(np.ones(3))
    with pytest.raises(NameError, match="unbound axis name"):
        pmap(lambda a: lax.psum(a, "j"), axis_name="i")(np.ones(2))


def test_axis_size_with_nothing_mapped():
    out = pmap(lambda c: c + lax.axis_index("i"), axis_name="i", in_axes=None, axis_size=3)(
        np.float32(1)
    )
    np.testing.assert_allclose(out, [1, 2, 3])


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "bool", "int8", "float64"])
def test_outputs_stay_split_and_read_back(dtype):
    import ml_dtypes
    from pullback_ir import enable_x64

    with enable_x64(dtype == "float64"):
        _split_outputs(np.dtype(getattr(ml_dtypes, dtype, None) or dtype))


def _split_outputs(dt):
    x = (np.arange(24) % 3 == 0).reshape(4, 6) if dt == np.bool_ else (
        np.arange(24).reshape(4, 6).astype(dt))  # fmt: skip
    out, same = pmap(lambda v: (v, lax.all_gather(v, "i")), axis_name="i")(x)
    assert not out.is_fully_replicated  # each device holds its own row
    assert out.devices() == set(devices()[:4])
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(np.asarray(out), x)
    np.testing.assert_array_equal(np.asarray(same), np.broadcast_to(x, (4, 4, 6)))
    whole = pmap(lambda v: lax.all_gather(v, "i"), axis_name="i", out_axes=None)(x)
    assert whole.is_fully_replicated
    np.testing.assert_array_equal(np.asarray(whole), x)


def test_split_outputs_feed_back_without_a_host_read():
    # An output split over the same devices on the axis the next call maps goes straight
    # back in: the host never reads it.
    h = np.arange(12, dtype=np.float32).reshape(3, 4)
    g = pmap(lambda v: v * 2.0, in_axes=1, out_axes=1)
    y = g(h)  # split on axis 1
    assert y.shape == (3, 4)
    z = g(y)
    assert y._host is None
    np.testing.assert_allclose(z, h * 4)
    w = pmap(lambda v: v + 1.0)(g(z))  # mapped on axis 0 now: read and split again
    np.testing.assert_allclose(w, h * 8 + 1)
    # on fewer devices, or used by jit and eager operations: read on the host
    from pullback_compile import jit

    np.testing.assert_allclose(jit(lambda a: a - 1.0)(z), h * 4 - 1)
    np.testing.assert_allclose(z + 1.0, h * 4 + 1)
    np.testing.assert_allclose(z[1], h[1] * 4)
    sub = pmap(lambda v: v * 0.5, devices=devices()[:2])(np.asarray(z)[:, :2].T)
    np.testing.assert_allclose(sub, (h[:, :2] * 2).T)


def test_donating_a_split_output():
    f = pmap(lambda v: v * 2.0)
    x = f(np.ones((4, 3), np.float32))
    y = pmap(lambda v: v + 1.0, donate_argnums=0)(x)
    np.testing.assert_allclose(y, 3.0)
    assert x.is_deleted()
    from pullback_compile import DeletedArrayError

    with pytest.raises(DeletedArrayError):
        f(x)
