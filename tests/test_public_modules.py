"""The public modules JAX programs import exist under JAX's names (issue 16, item 9).

`errors`, `typing`, `dtypes`, `test_util`, `ad_checkpoint`, `experimental`, `stages`, `core`
and `scipy.signal`, each exercised the way user code uses it.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest
import scipy.signal

import pullback as pb


def test_errors_module_classes_are_raised():
    from pullback import errors

    with pytest.raises(errors.TracerBoolConversionError):
        pb.jit(lambda x: 1 if x > 0 else 2)(1.0)
    with pytest.raises(errors.NonConcreteBooleanIndexError):
        pb.jit(lambda x: x[x > 0])(jnp.arange(3))
    with pytest.raises(errors.ConcretizationTypeError):
        pb.jit(lambda n: jnp.zeros(n))(3)
    assert issubclass(errors.TracerArrayConversionError, TypeError)
    assert issubclass(errors.UnexpectedTracerError, Exception)


def test_typing_annotations():
    from pullback.typing import ArrayLike, DTypeLike

    def f(x: ArrayLike, dtype: DTypeLike = None) -> ArrayLike:
        return jnp.asarray(x, dtype)

    assert f(1.0, jnp.float16).dtype == np.float16
    assert ArrayLike is not None


def test_dtypes_module():
    from pullback import dtypes, random

    assert dtypes.canonicalize_dtype(np.float64) == np.float32
    assert dtypes.result_type(jnp.int8, 2.0) == np.float32
    assert dtypes.result_type(2.0, return_weak_type_flag=True) == (np.float32, True)
    assert dtypes.issubdtype(jnp.bfloat16, np.floating)
    assert dtypes.finfo(jnp.float16).eps == np.finfo(np.float16).eps
    assert dtypes.iinfo(jnp.int8).max == 127
    assert dtypes.float0 is not None
    assert dtypes.scalar_type_of(jnp.ones(2, jnp.int32)) is int
    assert dtypes.canonicalize_dtype(random.key(0).dtype, allow_extended_dtype=True) == "key<fry>"


def test_test_util_check_grads():
    from pullback.test_util import check_grads, check_jvp, check_vjp

    def f(x, y):
        return jnp.sin(x) * y + x**2

    x, y = jnp.asarray([0.3, -1.2]), jnp.asarray([2.0, 0.5])
    check_grads(f, (x, y), order=2)
    check_jvp(jnp.tanh, lambda p, t: pb.jvp(jnp.tanh, tuple(p), tuple(t)), (x,))
    check_vjp(jnp.exp, lambda *a: pb.vjp(jnp.exp, *a), (x,))

    @pb.custom_jvp
    def wrong(x):
        return jnp.sin(x)

    wrong.defjvp(lambda p, t: (jnp.sin(p[0]), 2.0 * t[0]))
    with pytest.raises(AssertionError, match="check_grads"):
        check_grads(wrong, (x,), order=1, modes=["fwd"])
    with pytest.raises(ValueError, match="modes"):
        check_grads(f, (x, y), order=1, modes=["sideways"])


def test_ad_checkpoint(capsys):
    from pullback import ad_checkpoint

    def f(x):
        y = jnp.sin(x)
        z = ad_checkpoint.checkpoint_name(jnp.cos(y), "z")
        return jnp.sum(z * x)

    x = jnp.arange(3.0)
    g = pb.grad(ad_checkpoint.checkpoint(f))(x)
    np.testing.assert_allclose(g, pb.grad(f)(x), rtol=1e-6)
    ad_checkpoint.print_saved_residuals(f, x)
    out = capsys.readouterr().out.strip().splitlines()
    assert out, "no residuals printed"
    assert all(line.startswith("f32[3]") for line in out), out
    assert any("from the argument" in line for line in out), out
    assert ad_checkpoint.remat is ad_checkpoint.checkpoint
    assert callable(ad_checkpoint.checkpoint_policies.nothing_saveable)


def test_experimental():
    from pullback import experimental

    with experimental.enable_x64():
        assert jnp.ones(2).dtype == np.float64
        with experimental.disable_x64():
            assert jnp.ones(2).dtype == np.float32
    assert jnp.ones(2).dtype == np.float32
    seen = []
    experimental.io_callback(lambda v: seen.append(int(v)) or np.int32(0), np.int32(0), 7)
    assert seen == [7]


def test_stages_and_core():
    from pullback import core, stages

    lowered = pb.jit(lambda x: x * 2).lower(jnp.ones(3))
    assert isinstance(lowered, stages.Lowered)
    compiled = lowered.compile()
    assert isinstance(compiled, stages.Compiled)
    assert isinstance(pb.jit(lambda x: x), stages.Wrapped)
    np.testing.assert_array_equal(compiled(jnp.ones(3)), [2, 2, 2])

    seen = []

    def f(x):
        seen.append(isinstance(x, core.Tracer))
        return x

    pb.jit(f)(1.0)
    assert seen == [True]
    closed = pb.make_jaxpr(lambda x: jnp.sin(x) + 1.0)(2.0)
    (out,) = core.eval_jaxpr(closed.jaxpr, closed.consts, 2.0)
    np.testing.assert_allclose(out, np.sin(2.0) + 1.0, rtol=1e-6)

    @pb.jit
    def g(x):
        with core.ensure_compile_time_eval():
            n = jnp.arange(4).sum()  # concrete under jit
            size = int(n)
        return x + size

    assert float(g(1.0)) == 7.0


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_signal_against_scipy(mode):
    from pullback.scipy import signal

    rng = np.random.RandomState(0)
    a, b = rng.randn(7).astype(np.float32), rng.randn(4).astype(np.float32)
    a2, b2 = rng.randn(5, 6).astype(np.float32), rng.randn(2, 3).astype(np.float32)
    for ours, theirs, args in [
        (signal.convolve, scipy.signal.convolve, (a, b)),
        (signal.correlate, scipy.signal.correlate, (a, b)),
        (signal.correlate, scipy.signal.correlate, (a, b[:3])),
        (signal.correlate, scipy.signal.correlate, (a2, b2)),
        (signal.fftconvolve, scipy.signal.fftconvolve, (a, b)),
        (signal.convolve2d, scipy.signal.convolve2d, (a2, b2)),
        (signal.correlate2d, scipy.signal.correlate2d, (a2, b2)),
        (signal.fftconvolve, scipy.signal.fftconvolve, (a2, b2)),
    ]:
        got = np.asarray(ours(*args, mode=mode))
        want = theirs(*args, mode=mode)
        assert got.shape == want.shape, (ours.__name__, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=ours.__name__)
    c = (rng.randn(6) + 1j * rng.randn(6)).astype(np.complex64)
    np.testing.assert_allclose(
        signal.correlate(c, c[:3], mode=mode), scipy.signal.correlate(c, c[:3], mode=mode),
        rtol=1e-4, atol=1e-5,
    )  # fmt: skip
    assert signal.convolve(jnp.arange(4), jnp.ones(2, jnp.int32)).dtype == np.float32
    with pytest.raises(ValueError, match="mode"):
        signal.convolve(a, b, mode="middle")


def test_ops_segment_reductions():
    from pullback import ops

    data = jnp.asarray([1.0, 2.0, 3.0, 4.0, 5.0])
    ids = jnp.asarray([0, 0, 2, 2, 7])  # id 7 is out of range: dropped
    np.testing.assert_array_equal(ops.segment_sum(data, ids, num_segments=3), [3.0, 0.0, 7.0])
    np.testing.assert_array_equal(ops.segment_max(data, ids, 3), [2.0, -np.inf, 4.0])
    np.testing.assert_array_equal(ops.segment_min(data, ids, 3), [1.0, np.inf, 3.0])
    np.testing.assert_array_equal(ops.segment_prod(data, ids, 3), [2.0, 1.0, 12.0])
    np.testing.assert_array_equal(ops.segment_sum(data, jnp.asarray([0, 1, 1, 0, 2])),
                                  [5.0, 5.0, 5.0])  # fmt: skip
    rows = ops.segment_sum(jnp.ones((4, 2)), jnp.asarray([1, 1, 0, 1]), 2)
    np.testing.assert_array_equal(rows, [[1.0, 1.0], [3.0, 3.0]])
    g = pb.grad(lambda d: ops.segment_sum(d, ids, 3).sum())(data)
    np.testing.assert_array_equal(g, [1, 1, 1, 1, 0])
    jitted = pb.jit(lambda d, i: ops.segment_sum(d, i, num_segments=3))(data, ids)
    np.testing.assert_array_equal(jitted, [3.0, 0.0, 7.0])
    np.testing.assert_array_equal(ops.segment_max(jnp.arange(4), jnp.asarray([0, 0, 1, 1]), 3),
                                  [1, 3, np.iinfo(np.int32).min])  # fmt: skip


def test_python_m_pullback_runs_a_jax_script(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "prog.py"
    script.write_text(
        "import sys\n"
        "import jax, jax.numpy as jnp\n"
        "from jax import lax, random\n"
        "import jax.scipy.special\n"
        "print(float(jax.jit(lambda x: jnp.sum(x * 2))(jnp.arange(3.0))), sys.argv[1:],\n"
        "      jax.numpy is jnp, __name__)\n"
        "try:\n"
        "    import jax.experimental.pallas\n"
        "except ModuleNotFoundError as e:\n"
        "    print('missing:', e.name)\n"
    )
    out = subprocess.run([sys.executable, "-m", "pullback", str(script), "a", "b"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "6.0 ['a', 'b'] True __main__", out.stdout
    assert lines[1] == "missing: jax.experimental.pallas", out.stdout
    # the real jax imported first: enabling the alias refuses
    code = (
        "import sys, types\n"
        "sys.modules['jax'] = types.ModuleType('jax')\n"
        "from pullback import _jax_alias\n"
        "try:\n"
        "    _jax_alias.enable()\n"
        "except RuntimeError as e:\n"
        "    print('refused:', 'already imported' in str(e))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.stdout.strip() == "refused: True", out.stdout + out.stderr
    usage = subprocess.run([sys.executable, "-m", "pullback"], capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert usage.returncode == 2
    assert "usage: python -m pullback SCRIPT" in usage.stdout


def test_top_level_process_and_type_names():
    assert pb.process_index() == 0
    assert pb.process_count() == 1
    assert pb.process_indices() == [0]
    assert pb.process_index("cpu") == 0
    with pytest.raises(ValueError, match="not available"):
        pb.process_count("tpu")
    aval = pb.typeof(jnp.ones((2, 3), jnp.float16))
    assert aval.shape == (2, 3)
    assert aval.dtype == np.float16
    assert pb.typeof(1.0).weak_type
    assert pb.float0 == pb.dtypes.float0
    with pb.enable_x64():
        assert jnp.ones(1).dtype == np.float64
        with pb.enable_x64(False):
            assert jnp.ones(1).dtype == np.float32
    assert jnp.ones(1).dtype == np.float32
    with pb.enable_checks():
        assert float(pb.jit(lambda x: x + 1)(1.0)) == 2.0
    assert pb.ensure_compile_time_eval is pb.core.ensure_compile_time_eval


def test_every_public_module_imports_by_its_dotted_name():
    import importlib

    for name in ("ops", "errors", "dtypes", "scipy.signal", "numpy.linalg", "experimental"):
        importlib.import_module(f"pullback.{name}")
    from pullback.ops import segment_sum

    assert segment_sum is pb.ops.segment_sum


def test_ensure_compile_time_eval_stages_traced_values():
    # JAX 0.10's semantics (eager constant folding): constants are computed now, operations on
    # traced values are staged as usual (equinox's error_if relies on this).
    from pullback import core

    seen = []

    @pb.jit
    def f(x):
        with core.ensure_compile_time_eval():
            c = jnp.arange(3.0).sum()
            y = x * c
            seen.append((isinstance(c, core.Tracer), isinstance(y, core.Tracer)))
        return y

    assert float(f(2.0)) == 6.0
    assert seen == [(False, True)]


def test_numpy_dtype_and_rank_promotion():
    from pullback.dtypes import TypePromotionError

    assert issubclass(TypePromotionError, ValueError)  # (as JAX's)

    f32, i32 = jnp.ones(2, jnp.float32), jnp.ones(2, jnp.int32)
    with pb.numpy_dtype_promotion("strict"):
        assert (f32 + 1.0).dtype == jnp.float32
        assert (f32 + 1).dtype == jnp.float32
        assert (jnp.ones(2, jnp.bfloat16) + 2.0).dtype == jnp.bfloat16
        assert pb.config.jax_numpy_dtype_promotion == "strict"
        with pytest.raises(TypeError, match="no available implicit dtype promotion path"):
            f32 + i32
        with pytest.raises(TypeError, match="strict"):
            i32 + 1.5
        with pytest.raises(TypeError, match="strict"):
            pb.jit(lambda a, b: a * b)(f32, jnp.ones(2, jnp.float16))
    assert (f32 + i32).dtype == jnp.float32
    assert pb.config.jax_numpy_dtype_promotion == "standard"
    bogus = pb.numpy_dtype_promotion("bogus")
    with pytest.raises(ValueError, match="not a valid NumpyDtypePromotion"), bogus:
        pass
    with pb.numpy_rank_promotion("raise"):
        assert (jnp.ones((2, 3)) + jnp.ones((2, 3))).shape == (2, 3)
        assert (jnp.ones((2, 3)) + 1.0).shape == (2, 3)
        with pytest.raises(ValueError, match="jax_numpy_rank_promotion='raise'"):
            jnp.ones(3) + jnp.ones((2, 3))
    with pb.numpy_rank_promotion("warn"), pytest.warns(UserWarning, match="rank promotion"):
        jnp.ones(3) * jnp.ones((2, 3))
    assert (jnp.ones(3) + jnp.ones((2, 3))).shape == (2, 3)
