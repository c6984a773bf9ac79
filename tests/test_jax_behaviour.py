"""Behaviour JAX programs rely on: operators, errors of JAX's classes, gradients at ties.

Issue 16, items 4 and 5; the expected values and exception classes are JAX 0.10.2's.
"""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback_ir.errors import NonConcreteBooleanIndexError

import pullback as pb


def test_item_assignment_raises_type_error_naming_at_set():
    x = jnp.arange(3)
    with pytest.raises(TypeError, match=r"immutable.*\.at\[idx\]\.set"):
        x[0] = 1

    def f(x):
        x[0] = 1
        return x

    with pytest.raises(TypeError, match=r"\.at\[idx\]\.set"):
        pb.jit(f)(x)


@pytest.mark.parametrize("jitted", [False, True])
def test_shift_and_divmod_operators(jitted):
    def f(x):
        return x << 2, 1 << x, x >> 1, 16 >> x, divmod(x, 3), divmod(7, x + 1), round(x * 1.6)

    x = jnp.arange(4)
    out = (pb.jit(f) if jitted else f)(x)
    n = np.arange(4)
    want = (n << 2, 1 << n, n >> 1, 16 >> n, divmod(n, 3), divmod(7, n + 1), np.round(n * 1.6))
    for o, w in zip(pb.tree_util.tree_leaves(out), pb.tree_util.tree_leaves(want), strict=True):
        np.testing.assert_array_equal(np.asarray(o), w)
    assert out[0].dtype == np.int32


@pytest.mark.parametrize(
    "fn",
    [
        lambda: jnp.dot(jnp.ones(3), jnp.ones(4)),
        lambda: jnp.ones((2, 3)) @ jnp.ones(4),
        lambda: jnp.matmul(jnp.ones((2, 3)), jnp.ones((4, 5))),
        lambda: pb.jit(jnp.dot)(jnp.ones((2, 3)), jnp.ones((2, 3))),
    ],
)
def test_contracting_shape_mismatch_is_a_type_error(fn):
    with pytest.raises(TypeError, match="contracting dimensions"):
        fn()


def test_traced_boolean_mask_raises_an_index_error():
    x = jnp.arange(3)
    with pytest.raises(NonConcreteBooleanIndexError) as info:
        pb.jit(lambda x: x[x > 0])(x)
    assert isinstance(info.value, IndexError)
    assert "jnp.where" in str(info.value)
    # a concrete mask still works
    np.testing.assert_array_equal(np.asarray(x[x > 0]), [1, 2])


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min", "var", "any", "all"])
def test_reductions_reject_lists(name):
    with pytest.raises(TypeError, match=f"{name} requires ndarray or scalar arguments"):
        getattr(jnp, name)([1, 2, 3])
    getattr(jnp, name)(np.asarray([1, 2, 3]))  # NumPy arrays are array-like


def test_logaddexp_gradient_at_a_tie_is_one_half():
    ga, gb = pb.grad(jnp.logaddexp, argnums=(0, 1))(1.0, 1.0)
    assert float(ga) == 0.5
    assert float(gb) == 0.5
    ga, gb = pb.grad(jnp.logaddexp2, argnums=(0, 1))(3.0, 3.0)
    assert float(ga) == 0.5
    assert float(gb) == 0.5
    # away from a tie: the softmax weights
    g = pb.grad(jnp.logaddexp)(1.0, 2.0)
    np.testing.assert_allclose(float(g), 1 / (1 + np.e), rtol=1e-6)


def test_logaddexp_values_at_ties_and_with_a_scalar_operand():
    x = jnp.asarray([1.0, -np.inf, np.inf, 3e38, 1e-45], jnp.float32)
    out = np.asarray(jnp.logaddexp(x, x))
    want = np.logaddexp(np.asarray(x), np.asarray(x))
    np.testing.assert_array_equal(out, want.astype(np.float32))
    got = jnp.logaddexp(jnp.ones(3), 1.0)
    assert got.shape == (3,)
    np.testing.assert_allclose(np.asarray(got), 1 + np.log(2), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(pb.jit(jnp.logaddexp)(jnp.ones(3), 1.0)), got)


def test_jit_cache_is_per_function_not_per_wrapper():
    traces = []

    def f(x):
        traces.append(1)
        return x * 2

    for _ in range(3):
        assert float(pb.jit(f)(1.0)) == 2.0
    assert len(traces) == 1
    # other options are other caches; a new signature traces again
    pb.jit(f, static_argnums=0)(1.0)
    assert len(traces) == 2
    pb.jit(f)(jnp.ones(2))
    assert len(traces) == 3
    pb.clear_caches()
    pb.jit(f)(1.0)
    assert len(traces) == 4


def test_traced_zero_d_values_are_not_iterable_or_shapes():
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        pb.jit(lambda x: list(x))(1.0)
    assert pb.jit(lambda x: [v * 2 for v in x])(jnp.arange(3))[2] == 4
    with pytest.raises(pb.errors.ConcretizationTypeError):
        pb.jit(lambda n: jnp.zeros(n))(3)


def test_issubdtype_knows_the_ml_dtypes_floats():
    assert jnp.issubdtype(jnp.bfloat16, np.floating)
    assert jnp.issubdtype(jnp.dtype("bfloat16"), jnp.inexact)
    assert jnp.issubdtype(jnp.float8_e4m3fn, jnp.floating)
    assert not jnp.issubdtype(jnp.bfloat16, jnp.integer)
    assert jnp.issubdtype(jnp.bfloat16, jnp.bfloat16)
    assert not jnp.issubdtype(jnp.bfloat16, jnp.float16)
    assert jnp.issubdtype(jnp.int8, jnp.signedinteger)
    assert jnp.issubdtype(pb.random.key(0).dtype, pb.dtypes.prng_key)
    assert not jnp.issubdtype(jnp.float32, pb.dtypes.prng_key)


@pytest.mark.parametrize("jac", ["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("jitted", [False, True])
def test_jacobian_aux_is_a_concrete_value(jac, jitted):
    def f(x):
        return jnp.sin(x), {"aux": x * 2, "n": 3}

    g = getattr(pb, jac)(f, has_aux=True)
    jacobian, aux = (pb.jit(g) if jitted else g)(jnp.ones(2))
    assert isinstance(aux["aux"], pb.Array), type(aux["aux"])
    np.testing.assert_array_equal(aux["aux"], [2.0, 2.0])
    assert aux["n"] == 3
    np.testing.assert_allclose(jacobian, np.diag(np.cos(np.ones(2))), rtol=1e-6)
    _, hess_aux = pb.hessian(lambda x: (jnp.sum(x**3), x + 1), has_aux=True)(jnp.ones(2))
    assert isinstance(hess_aux, pb.Array)
    _, _, vjp_aux = pb.vjp(f, jnp.ones(2), has_aux=True)
    assert isinstance(vjp_aux["aux"], pb.Array)


def test_lax_map_batch_size():
    xs = jnp.arange(10.0)
    for bs in (1, 3, 5, 10, 12):
        out = pb.lax.map(lambda x: x * 2 + 1, xs, batch_size=bs)
        np.testing.assert_array_equal(out, np.arange(10.0) * 2 + 1)
    tree = pb.lax.map(lambda t: {"s": t[0] + t[1]}, (xs, xs), batch_size=4)
    np.testing.assert_array_equal(tree["s"], np.arange(10.0) * 2)
    with pytest.raises(ValueError, match="batch_size"):
        pb.lax.map(lambda x: x, xs, batch_size=0)


def test_shape_tuples_and_precision():
    lax = pb.lax
    shape = lax.conv_general_shape_tuple((1, 3, 8, 8), (4, 3, 3, 3), (2, 2), "SAME",
                                         ("NCHW", "OIHW", "NCHW"))  # fmt: skip
    assert shape == (1, 4, 4, 4)
    assert lax.reduce_window_shape_tuple((1, 8, 8, 3), (1, 2, 2, 1), (1, 2, 2, 1), "VALID") == (
        1, 4, 4, 3)  # fmt: skip
    assert lax.reduce_window_shape_tuple((7,), (3,), (2,), [(1, 1)]) == (4,)
    assert lax.Precision("highest") is lax.Precision.HIGHEST
    assert lax.Precision("tensorfloat32") is lax.Precision.HIGH
    x = jnp.arange(6.0).reshape(2, 3)
    for p in (lax.Precision.HIGHEST, "highest", (lax.Precision.HIGH, lax.Precision.HIGH), None):
        np.testing.assert_array_equal(jnp.dot(x, x.T, precision=p), np.asarray(x) @ np.asarray(x).T)
        np.testing.assert_array_equal(lax.dot(x, x.T, precision=p), np.asarray(x) @ np.asarray(x).T)
    with pb.default_matmul_precision("float32"):
        assert pb.config.jax_default_matmul_precision == "float32"
        np.testing.assert_array_equal(x @ x.T, np.asarray(x) @ np.asarray(x).T)
    assert pb.config.jax_default_matmul_precision is None
    with pytest.raises(ValueError, match="jax_default_matmul_precision"):
        pb.config.update("jax_default_matmul_precision", "very high")


def test_num_cpu_devices_config_before_the_backend_starts():
    import subprocess
    import sys

    code = (
        "import pullback as pb\n"
        "pb.config.update('jax_num_cpu_devices', 3)\n"
        "print(pb.device_count(), pb.config.jax_num_cpu_devices)\n"
        "try:\n"
        "    pb.config.update('jax_num_cpu_devices', 2)\n"
        "except RuntimeError as e:\n"
        "    print('late:', 'before the first computation' in str(e))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    assert out.stdout.split() == ["3", "3", "late:", "True"], out.stdout + out.stderr


class _Node:
    def __init__(self, v, meta):
        self.v, self.meta = v, meta


pb.tree_util.register_pytree_node(
    _Node, lambda n: ((n.v,), n.meta), lambda meta, children: _Node(children[0], meta)
)


def test_unhashable_aux_data_is_compared_by_equality():
    traces = []

    @pb.jit
    def f(n):
        traces.append(1)
        return _Node(n.v * 2, n.meta)

    out = f(_Node(jnp.ones(2), {"a": [1, 2]}))
    assert out.meta == {"a": [1, 2]}
    np.testing.assert_array_equal(out.v, [2.0, 2.0])
    f(_Node(jnp.zeros(2), {"a": [1, 2]}))  # equal aux: the same structure
    assert len(traces) == 1
    f(_Node(jnp.zeros(2), {"a": [3]}))  # other aux: traced again
    assert len(traces) == 2


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_eager_reductions_are_as_accurate_as_xla(axis):
    rng = np.random.RandomState(0)
    x = jnp.asarray(rng.rand(10000, 10).astype(np.float32) + 100)
    exact = np.asarray(x, np.float64)
    for name in ("sum", "mean"):
        eager = np.asarray(getattr(jnp, name)(x, axis=axis), np.float64)
        jitted = np.asarray(pb.jit(lambda v, n=name: getattr(jnp, n)(v, axis=axis))(x), np.float64)
        want = getattr(exact, name)(axis=axis)
        # float32 rounding: a few ulps (2**-23 ~ 1.2e-7) of the exact value, as XLA's
        np.testing.assert_allclose(eager, want, rtol=3e-7, err_msg=name)
        np.testing.assert_allclose(eager, jitted, rtol=5e-7, err_msg=name)


def test_pmap_takes_broadcast_views():
    # slices of a broadcast host view share memory; jaxlib's batched transfer refused them
    n = pb.local_device_count()
    x = jnp.broadcast_to(jnp.arange(3.0), (n, 3))
    out = pb.pmap(lambda v: v * 2)(x)
    np.testing.assert_array_equal(out, np.broadcast_to(np.arange(3.0) * 2, (n, 3)))
    tree = pb.tree_util.tree_map(lambda a: jnp.broadcast_to(a, (n, *a.shape)), {"w": jnp.ones(2)})
    np.testing.assert_array_equal(pb.pmap(lambda t: t["w"] + 1)(tree), np.full((n, 2), 2.0))


def test_custom_rules_run_without_the_primal_function():
    calls = []

    @pb.custom_vjp
    def f(x):
        calls.append("primal")
        return jnp.sin(x)

    def f_fwd(x):
        calls.append("fwd")
        return jnp.sin(x), jnp.cos(x)

    def f_bwd(res, g):
        calls.append("bwd")
        return (res * g,)

    f.defvjp(f_fwd, f_bwd)
    for run in (pb.grad(f), pb.jit(pb.grad(f)), lambda x: pb.value_and_grad(f)(x)[1],
                lambda x: pb.vjp(f, x)[1](1.0)[0]):  # fmt: skip
        calls.clear()
        np.testing.assert_allclose(float(run(1.0)), np.cos(1.0), rtol=1e-6)
        assert calls == ["fwd", "bwd"], calls
    calls.clear()
    f(1.0)
    assert calls == ["primal"]

    @pb.custom_jvp
    def g(x):
        calls.append("g")
        return jnp.sin(x)

    @g.defjvp
    def g_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        calls.append("rule")
        if x > 0:  # concrete outside jit: Python control flow on it works, as in JAX
            return jnp.sin(x), jnp.cos(x) * t
        return jnp.sin(x), -t

    calls.clear()
    assert float(pb.grad(g)(-1.0)) == -1.0
    np.testing.assert_allclose(float(pb.grad(g)(1.0)), np.cos(1.0), rtol=1e-6)
    assert calls == ["rule", "rule"], calls
    calls.clear()
    pb.jvp(g, (1.0,), (1.0,))
    assert calls == ["rule"], calls
    # per-example gradients and second derivatives still work through the direct path
    np.testing.assert_allclose(pb.vmap(pb.grad(f))(jnp.arange(3.0)), np.cos(np.arange(3.0)),
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(float(pb.grad(pb.grad(g))(1.0)), -np.sin(1.0), rtol=1e-6)


def test_jit_returns_float0_tangents_of_integer_inputs():
    f = pb.jit(pb.jacrev(lambda x: x * 2, allow_int=True))
    for _ in range(2):  # the compiled call and the cached one
        out = f(jnp.arange(2))
        assert out.dtype == pb.dtypes.float0
        assert out.shape == (2, 2)
    g = pb.jit(pb.grad(lambda x, n: (x * n).sum(), argnums=(0, 1), allow_int=True))
    gx, gn = g(jnp.ones(2), jnp.arange(2))
    np.testing.assert_array_equal(gx, [0.0, 1.0])
    assert gn.dtype == pb.dtypes.float0
    assert gn.shape == (2,)
    info = pb.jit(pb.jacrev(lambda x: x * 2, allow_int=True)).lower(jnp.arange(2)).out_info
    assert info.dtype == pb.dtypes.float0


def test_platform_config_options():
    pb.devices()  # the backends have started: a platform choice is now only checked
    pb.config.update("jax_platform_name", "cpu")
    pb.config.update("jax_platforms", "cpu")
    assert pb.config.jax_platform_name == "cpu"
    with pytest.raises(ValueError, match="platform 'tpu' is not available"):
        pb.config.update("jax_platform_name", "tpu")
    with pytest.raises(AttributeError, match="unrecognized config option 'jax_made_up'"):
        pb.config.update("jax_made_up", True)
