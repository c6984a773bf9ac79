"""jit: equality with eager evaluation, every parameter, the caches, ahead-of-time lowering."""

import os

import numpy as np
import pytest
from pullback_compile import (
    Array,
    DeletedArrayError,
    SingleDeviceSharding,
    clear_caches,
    device_put,
    devices,
    jit,
    set_compilation_cache_dir,
)
from pullback_ir import enable_x64, lax
from pullback_ir.trace import named_scope

RNG = np.random.default_rng(0)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def mlp(params, x):
    for w, b in params:
        x = lax.tanh(
            lax.add(lax.dot(x, w), lax.broadcast_in_dim(b, (x.shape[0], w.shape[1]), (1,)))
        )
    return lax.reduce_sum(x, (1,))


PROGRAMS = [
    ("elementwise", lambda x, y: lax.exp(lax.sin(x) * y) - lax.cos(y), (f32(3, 4), f32(3, 4))),
    ("reductions", lambda x: (lax.reduce_max(x, (0,)), lax.reduce_sum(x, (1,))), (f32(5, 2),)),
    ("dot", lambda a, b: lax.dot(a, b), (f32(4, 3), f32(3, 5))),
    ("mlp", mlp, ([(f32(4, 8), f32(8)), (f32(8, 2), f32(2))], f32(6, 4))),
    ("dict", lambda d: {"s": d["a"] + d["b"], "p": d["a"] * 2.0}, ({"a": f32(3), "b": f32(3)},)),
    (
        "int",
        lambda i, j: (i * j + 3, lax.lt(i, j)),
        (np.arange(6, dtype=np.int32), np.arange(6, dtype=np.int32)[::-1].copy()),
    ),
]


@pytest.mark.parametrize(("name", "fun", "args"), PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_jit_matches_eager(name, fun, args):
    expected = fun(*args)
    got = jit(fun)(*args)
    flat_e = expected if isinstance(expected, tuple) else (expected,)
    flat_g = got if isinstance(got, tuple) else (got,)
    if isinstance(expected, dict):
        flat_e, flat_g = tuple(expected.values()), tuple(got[k] for k in expected)
    for e, g in zip(flat_e, flat_g, strict=True):
        assert isinstance(g, Array)
        np.testing.assert_allclose(np.asarray(g), np.asarray(e), rtol=1e-5, atol=1e-6)


def test_traces_once_per_signature():
    count = []

    def f(x, y):
        count.append(1)
        return x * y

    g = jit(f)
    a = device_put(f32(3))
    g(a, a)
    g(a, a)
    g(np.ones(3, np.float32), a)  # a NumPy argument: same signature
    assert len(count) == 1
    g(a, 2.0)  # a weakly typed scalar: new signature
    g(f32(4), f32(4))  # a new shape
    g(a.astype(np.int32), a.astype(np.int32))  # a new dtype
    assert len(count) == 4
    assert g._cache_size() == 4


def test_static_argnums_and_names():
    count = []

    def f(x, n, *, scale=1.0):
        count.append(1)
        return x * n * scale

    g = jit(f, static_argnums=1, static_argnames="scale")
    x = f32(3)
    np.testing.assert_allclose(g(x, 2, scale=3.0), x * 6, rtol=1e-6)
    np.testing.assert_allclose(g(x, 2, scale=3.0), x * 6, rtol=1e-6)
    np.testing.assert_allclose(g(x, 3, scale=3.0), x * 9, rtol=1e-6)
    assert len(count) == 2
    # static_argnums infers the name, so the argument may be passed by keyword too.
    h = jit(lambda x, n: x * n, static_argnums=(1,))
    np.testing.assert_allclose(h(x, n=4), x * 4, rtol=1e-6)


def test_unhashable_static_argument_is_a_clear_error():
    g = jit(lambda x, shape: lax.reshape(x, shape), static_argnums=1)
    with pytest.raises(TypeError, match=r"static argument 1 .* must be hashable, got a list"):
        g(f32(6), [2, 3])
    np.testing.assert_array_equal(
        np.asarray(g(np.arange(6.0, dtype=np.float32), (2, 3))).shape, (2, 3)
    )


def test_static_and_donated_conflict():
    with pytest.raises(ValueError, match="both static and donated"):
        jit(lambda x: x, static_argnums=0, donate_argnums=0)
    with pytest.raises(ValueError, match="out of range"):
        jit(lambda x: x, static_argnums=3)


def test_donation_deletes_the_argument():
    g = jit(lambda x, y: x + y, donate_argnums=0)
    x = device_put(f32(1000))
    y = device_put(f32(1000))
    expected = np.asarray(x) + np.asarray(y)
    out = g(x, y)
    np.testing.assert_allclose(out, expected)
    assert x.is_deleted()
    assert not y.is_deleted()
    with pytest.raises(DeletedArrayError, match="donated"):
        g(x, y)
    with pytest.raises(DeletedArrayError):
        np.asarray(x)
    assert "deleted" in repr(x)
    # donate_argnames names a keyword argument.
    h = jit(lambda x, y: x * y, donate_argnames="y")
    a, b = device_put(f32(1000)), device_put(f32(1000))
    h(a, y=b)
    assert b.is_deleted()
    assert not a.is_deleted()


def test_keep_unused():
    def f(x, unused):
        return x * 2.0

    x = f32(3)
    dropped = jit(f).lower(x, x).as_text()
    kept = jit(f, keep_unused=True).lower(x, x).as_text()
    assert "%arg1" not in dropped
    assert "%arg1" in kept
    np.testing.assert_allclose(jit(f)(x, x), x * 2)
    np.testing.assert_allclose(jit(f, keep_unused=True)(x, x), x * 2)


def test_device_backend_and_shardings():
    dev = devices()[-1]
    g = jit(lambda x: x + 1.0, device=dev)
    out = g(f32(3))
    assert out.device is dev
    assert jit(lambda x: x, backend="cpu")(f32(2)).device.platform == "cpu"
    with pytest.raises(ValueError, match="backend 'tpu9' is not available"):
        jit(lambda x: x, backend="tpu9")
    with pytest.raises(TypeError, match="device must be a Device"):
        jit(lambda x: x, device="cpu:0")
    s = SingleDeviceSharding(dev)
    assert jit(lambda x: x * 2, in_shardings=s, out_shardings=s)(f32(2)).device is dev
    with pytest.raises(TypeError, match="Sharding objects"):
        jit(lambda x: x, in_shardings=("not a sharding",))
    with pytest.raises(ValueError, match="in_shardings has 2 entries"):
        jit(lambda x: x, in_shardings=(s, s))(f32(2))
    if len(devices()) > 1:
        with pytest.raises(ValueError, match="different devices"):
            jit(lambda x: x, device=devices()[0], in_shardings=s)


def test_abstracted_axes_only_none():
    jit(lambda x: x, abstracted_axes=None)
    with pytest.raises(NotImplementedError, match="abstracted_axes"):
        jit(lambda x: x, abstracted_axes=({0: "n"},))


def test_lower_and_compile_text_and_analyses():
    def f(x, y):
        with named_scope("block_a"):
            return lax.sin(lax.dot(x, y))

    lowered = jit(f).lower(f32(4, 3), f32(3, 2))
    text = lowered.as_text()
    assert text.startswith("module @jit_f")
    assert "stablehlo.dot_general" in text
    assert "block_a" not in text
    assert 'loc("block_a/sin")' in lowered.as_text(debug_info=True)
    compiled = lowered.compile()
    hlo = compiled.as_text()
    assert "HloModule jit_f" in hlo
    assert 'op_name="block_a/sin"' in hlo
    cost = compiled.cost_analysis()
    assert cost["flops"] >= 2 * 4 * 3 * 2
    mem = compiled.memory_analysis()
    assert mem.argument_size_in_bytes == 4 * (12 + 6)
    assert mem.output_size_in_bytes == 4 * 8
    x, y = f32(4, 3), f32(3, 2)
    np.testing.assert_allclose(compiled(x, y), np.sin(x @ y), rtol=1e-5)
    with pytest.raises(TypeError, match=r"compiled for \(f32\[4,3\], f32\[3,2\]\)"):
        compiled(f32(4, 3), f32(3, 3))
    assert jit(f).eval_shape(x, y).shape == (4, 2)


def test_unsupported_argument_names_the_leaf():
    with pytest.raises(TypeError, match=r"argument args\[1\] is a str"):
        jit(lambda x, s: x)(f32(2), "hello")
    with pytest.raises(TypeError, match=r"argument kwargs\['opt'\]\['k'\] is a object"):
        jit(lambda x, opt: x)(f32(2), opt={"k": object()})


def test_x64_is_part_of_the_signature():
    g = jit(lambda x: x * 2)
    assert g(np.arange(3)).dtype == np.int32
    with enable_x64():
        assert g(np.arange(3)).dtype == np.int64
    assert g(np.arange(3)).dtype == np.int32


def test_large_constants_become_arguments():
    w = f32(64, 64)
    g = jit(lambda x: lax.dot(x, w))
    text = g.lower(f32(2, 64)).as_text()
    assert "0x" not in text  # not embedded in the program text
    np.testing.assert_allclose(
        g(np.ones((2, 64), np.float32)), np.ones((2, 64)) @ w, rtol=1e-4, atol=1e-4
    )


def test_persistent_compilation_cache(tmp_path):
    set_compilation_cache_dir(tmp_path)
    try:
        x = f32(5)
        np.testing.assert_allclose(jit(lambda v: v * 3.0 + 1.0)(x), x * 3 + 1, rtol=1e-6)
        files = os.listdir(tmp_path)
        assert len(files) == 1
        assert files[0].endswith(".xla")
        clear_caches()
        np.testing.assert_allclose(jit(lambda v: v * 3.0 + 1.0)(x), x * 3 + 1, rtol=1e-6)
        assert os.listdir(tmp_path) == files
    finally:
        set_compilation_cache_dir(None)


def test_decorator_forms_and_methods():
    @jit
    def f(x):
        return x + 1

    g = jit(static_argnums=1)(lambda x, n: x * n)
    np.testing.assert_allclose(f(np.float32(1)), 2)
    np.testing.assert_allclose(g(np.float32(2), 3), 6)
    assert f.__name__ == "f"


def test_trace_and_lower_take_shape_dtype_structs():
    from pullback_compile.jit import Traced
    from pullback_ir import ShapeDtypeStruct
    from pullback_ir.avals import ShapedArray

    f = jit(lambda x, y: {"s": x * y, "n": x.sum()})
    spec = ShapeDtypeStruct((3,), np.float32)
    t = f.trace(spec, 2.0)
    assert isinstance(t, Traced)
    assert t.out_info == {"n": ShapedArray((), np.float32), "s": ShapedArray((3,), np.float32)}
    assert [e.primitive.name for e in t.jaxpr.jaxpr.eqns] == ["mul", "reduce_sum"]
    out = t.lower().compile()(np.ones(3, np.float32), 2.0)
    np.testing.assert_array_equal(out["s"], [2.0, 2.0, 2.0])
    assert f.lower(spec, 2.0).out_info == t.out_info
    assert jit(lambda x: x).trace(ShapedArray((2,), np.int32)).out_info == ShapedArray(
        (2,), np.int32
    )
    with pytest.raises(TypeError, match="ShapeDtypeStruct, which is not a valid array"):
        f(spec, 2.0)  # (a call needs values)
