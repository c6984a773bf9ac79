"""JAX 0.12's additions and changed signatures (issue 25, item 3), against NumPy and JAX's docs."""

from __future__ import annotations

import inspect

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax, random

RNG = np.random.default_rng(0)
X = RNG.uniform(-3, 3, 200).astype(np.float32)


# --- lax: elementwise functions composed from primitives ------------------------------------

REFERENCES = {
    "sinpi": lambda x: np.sin(np.pi * x),
    "cospi": lambda x: np.cos(np.pi * x),
    "tanpi": lambda x: np.tan(np.pi * x),
    "log2": np.log2,
    "log2p1": lambda x: np.log2(1 + x),
    "exp2m1": lambda x: np.exp2(x) - 1,
    "asinpi": lambda x: np.arcsin(x) / np.pi,
    "acospi": lambda x: np.arccos(x) / np.pi,
    "atanpi": lambda x: np.arctan(x) / np.pi,
    "one_minus_square": lambda x: 1 - x * x,
}
DOMAINS = {"log2": (0.01, 50), "log2p1": (-0.9, 50), "asinpi": (-1, 1), "acospi": (-1, 1),
           "tanpi": (-0.45, 0.45)}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_composites_match_numpy_eager_and_jitted(name):
    lo, hi = DOMAINS.get(name, (-3, 3))
    x = RNG.uniform(lo, hi, 300).astype(np.float32)
    want = REFERENCES[name](x.astype(np.float64))
    f = getattr(lax, name)
    eager = np.asarray(f(x))
    assert eager.dtype == np.float32
    np.testing.assert_allclose(eager, want, rtol=2e-6, atol=2e-6)
    # (eager runs NumPy's kernels for sin, log, ..., jit XLA's: the last bit may differ, issue 17)
    np.testing.assert_allclose(np.asarray(pb.jit(f)(x)), eager, rtol=3e-7, atol=1e-7)
    np.testing.assert_array_equal(np.asarray(pb.vmap(f)(x)), eager)


def test_sinpi_and_cospi_are_exact_where_ieee_says_so():
    ints = np.float32([-3, -2, -1, 0, 1, 2, 5, 1e6])
    assert np.all(np.asarray(lax.sinpi(ints)) == 0)
    np.testing.assert_array_equal(np.asarray(lax.cospi(ints)), np.where(ints % 2 == 0, 1, -1))
    halves = np.float32([-2.5, -0.5, 0.5, 1.5, 12345.5])
    assert np.all(np.asarray(lax.cospi(halves)) == 0)
    np.testing.assert_array_equal(np.abs(np.asarray(lax.sinpi(halves))), 1)
    # Large arguments reduce exactly: sin(pi * x) of a float32 x near 1e6 would lose it all.
    big = np.float32(1e6) + np.float32([0.25, 0.75, 0.125])
    np.testing.assert_allclose(np.asarray(lax.sinpi(big)), np.sin(np.pi * (big - 1e6)), atol=1e-6)


@pytest.mark.parametrize("name", ["sinpi", "cospi", "log2", "exp2m1", "atanpi"])
def test_composite_derivatives_against_finite_differences(name):
    f = getattr(lax, name)
    x = np.float64(0.3)
    with pb.enable_x64():
        g = float(pb.grad(f)(x))
        eps = 1e-6
        fd = (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)
    assert abs(g - fd) < 1e-6 * max(1.0, abs(fd))


def test_one_minus_square_differentiates_without_cancellation():
    # (1 + x)(1 - x) differentiated as a product would give 0 in float32 at x = 1e-8.
    assert float(pb.grad(lax.one_minus_square)(np.float32(1e-8))) == pytest.approx(-2e-8)
    assert float(pb.jit(pb.grad(lax.one_minus_square))(np.float32(0.5))) == -1.0
    np.testing.assert_array_equal(
        np.asarray(pb.vmap(pb.grad(lax.one_minus_square))(np.float32([1, -2]))), [-2, 4]
    )


def test_log2_and_exp2m1_take_complex_numbers():
    z = np.complex64([8 + 0j, 1j])
    np.testing.assert_allclose(np.asarray(lax.log2(z)), np.log2(z.astype(np.complex128)),
                               rtol=1e-6)  # fmt: skip


def test_atan2pi_gives_half_turns():
    y, x = np.float32([1, 1, -1, 0]), np.float32([1, -1, -1, -1])
    np.testing.assert_allclose(np.asarray(lax.atan2pi(y, x)), [0.25, 0.75, -0.75, 1.0],
                               rtol=1e-7)  # fmt: skip


def test_fmuladd_is_multiply_then_add():
    a, b, c = (RNG.normal(size=8).astype(np.float32) for _ in range(3))
    np.testing.assert_allclose(np.asarray(lax.fmuladd(a, b, c)), a * b + c, rtol=1e-6)


@pytest.mark.parametrize("name", ["sinpi", "log2", "one_minus_square"])
def test_composites_refuse_integers(name):
    with pytest.raises(TypeError, match=f"lax.{name}: x must be"):
        getattr(lax, name)(np.int32([1, 2]))


def test_accuracy_is_accepted_as_none_and_refused_otherwise():
    assert float(lax.erfc(np.float32(0.0), accuracy=None)) == 1.0
    assert float(lax.log2(np.float32(4.0), accuracy=None)) == 2.0
    with pytest.raises(NotImplementedError, match="accuracy="):
        lax.erfc(np.float32(0.0), accuracy=(1e-6, 0.0))


def test_polynomial_matches_horner_and_differentiates():
    coeffs = [1.0, -2.0, 0.5, 3.0]
    want = np.polyval(coeffs[::-1], X.astype(np.float64))
    np.testing.assert_allclose(np.asarray(lax.polynomial(X, coeffs)), want, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(pb.jit(lambda x: lax.polynomial(x, coeffs))(X)),
                               want, rtol=1e-5, atol=1e-4)  # fmt: skip
    d = np.polyval(np.polyder(coeffs[::-1]), X.astype(np.float64))
    got = pb.vmap(pb.grad(lambda x: lax.polynomial(x, coeffs, unroll=2)))(X)
    np.testing.assert_allclose(np.asarray(got), d, rtol=1e-5, atol=1e-4)
    assert float(lax.polynomial(np.float32(3.0), [1.0, 5.0, 2.0])) == 34.0


def test_polynomial_broadcasts_array_coefficients():
    x = np.float32([[1.0], [2.0]])
    c1 = np.float32([[1.0, 2.0, 3.0]])  # (1, 3) against x's (2, 1)
    out = np.asarray(lax.polynomial(x, [np.float32(1.0), c1]))
    np.testing.assert_array_equal(out, 1 + x * c1)
    assert out.shape == (2, 3)


def test_polynomial_errors_name_the_argument():
    with pytest.raises(ValueError, match="at least one"):
        lax.polynomial(np.float32(1.0), [])
    with pytest.raises(TypeError, match=r"coeffs\[1\] has dtype int32"):
        lax.polynomial(np.float32(1.0), [1.0, np.int32(2)])
    with pytest.raises(ValueError, match="unroll"):
        lax.polynomial(np.float32(1.0), [1.0], unroll=0)


# --- lax: changed signatures -------------------------------------------------------------------


def test_top_k_along_any_axis_matches_a_sort():
    x = RNG.normal(size=(5, 4, 3)).astype(np.float32)
    for axis in (0, 1, -1):
        v, i = lax.top_k(x, 2, axis=axis, is_stable=False)
        want = -np.sort(-x, axis=axis).take([0, 1], axis=axis)
        np.testing.assert_array_equal(np.asarray(v), want)
        np.testing.assert_array_equal(np.take_along_axis(x, np.asarray(i), axis), want)
    v, _ = pb.vmap(lambda r: lax.top_k(r, 1, axis=0))(x)
    np.testing.assert_array_equal(np.asarray(v), x.max(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        lax.top_k(x, 1, axis=3)


def test_reductions_and_products_take_reduction_order_none_only():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(lax.reduce_sum(x, (0,), reduction_order=None)),
                               x.sum(0), rtol=1e-6)  # fmt: skip
    assert float(lax.reduce_max(x, (0, 1), out_sharding=None)) == x.max()
    assert float(lax.reduce_min(x, (0, 1), out_sharding=None)) == x.min()
    np.testing.assert_allclose(np.asarray(jnp.einsum("ij,kj->ik", x, x, reduction_order=None)),
                               x @ x.T, rtol=1e-5)  # fmt: skip
    for call in (lambda: lax.reduce_sum(x, (0,), reduction_order="linear"),
                 lambda: jnp.sum(x, reduction_order="linear"),
                 lambda: jnp.matmul(x, x.T, reduction_order="linear")):  # fmt: skip
        with pytest.raises(NotImplementedError, match="reduction_order='linear'"):
            call()


def test_lax_dot_takes_dimension_numbers():
    a, b = RNG.normal(size=(2, 3)).astype(np.float32), RNG.normal(size=(4, 3)).astype(np.float32)
    out = lax.dot(a, b, dimension_numbers=(((1,), (1,)), ((), ())))
    np.testing.assert_allclose(np.asarray(out), a @ b.T, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(lax.dot(a, b.T)), a @ b.T, rtol=1e-5)


def test_scatter_sub_and_out_sharding():
    dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))  # fmt: skip
    idx = np.array([[1], [1], [3]])
    upd = np.float32([1, 2, 3])
    want = np.zeros(4, np.float32)
    np.subtract.at(want, idx[:, 0], upd)
    out = lax.scatter_sub(np.zeros(4, np.float32), idx, upd, dn, out_sharding=None)
    np.testing.assert_array_equal(np.asarray(out), want)
    np.testing.assert_array_equal(
        np.asarray(pb.jit(lambda o, u: lax.scatter_sub(o, idx, u, dn))(np.zeros(4, np.float32),
                                                                       upd)), want)  # fmt: skip
    g = pb.grad(lambda u: lax.scatter_sub(np.zeros(4, np.float32), idx, u, dn).sum())(upd)
    np.testing.assert_array_equal(np.asarray(g), [-1, -1, -1])
    params = inspect.signature(lax.scatter_max).parameters
    assert params["out_sharding"].kind is inspect.Parameter.KEYWORD_ONLY


# --- numpy ------------------------------------------------------------------------------------


def test_top_k_largest_and_smallest():
    a = np.array([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], np.int32)
    v, i = jnp.top_k(a, 2)
    assert v.tolist() == [[5, 4], [5, 4]]
    assert i.tolist() == [[4, 3], [0, 1]]
    v, i = jnp.top_k(a, 2, axis=0, mode="smallest")
    assert v.tolist() == [[1, 2, 3, 2, 1], [5, 4, 3, 4, 5]]
    assert i.tolist() == [[0, 0, 0, 1, 1], [1, 1, 1, 0, 0]]
    f = RNG.normal(size=7).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(jnp.top_k(f, 3, mode="smallest")[0]), np.sort(f)[:3])
    with pytest.raises(ValueError, match="mode"):
        jnp.top_k(a, 1, mode="middle")
    with pytest.raises(ValueError, match="complex"):
        jnp.top_k(np.complex64([1j]), 1)


def test_minmax_is_min_and_max_together():
    x = np.array([[2, 5, 1, 6], [3, -7, -2, 4], [8, -4, 1, -3]], np.int32)
    lo, hi = jnp.minmax(x)
    assert (int(lo), int(hi)) == (-7, 8)
    lo, hi = jnp.minmax(x, axis=1, keepdims=True)
    np.testing.assert_array_equal(np.asarray(lo), x.min(1, keepdims=True))
    np.testing.assert_array_equal(np.asarray(hi), x.max(1, keepdims=True))
    lo, hi = jnp.minmax(x, axis=0, initial=(0, 0), where=x > 0)
    np.testing.assert_array_equal(np.asarray(lo), np.min(x, 0, initial=0, where=x > 0))
    np.testing.assert_array_equal(np.asarray(hi), np.max(x, 0, initial=0, where=x > 0))
    lo, hi = pb.jit(jnp.minmax)(x.astype(np.float32))
    assert (float(lo), float(hi)) == (-7.0, 8.0)


def test_max_and_min_have_numpys_positional_order():
    x = np.float32([[1, 5], [4, 2]])
    # (a, axis, out, keepdims): no dtype among max's positional parameters
    np.testing.assert_array_equal(np.asarray(jnp.max(x, 0, None, True)), [[4, 5]])
    np.testing.assert_array_equal(np.asarray(jnp.min(x, 1, None, True)), [[1], [2]])


def test_sum_and_prod_promote_integers_unless_told_not_to():
    b = np.array([True, False, True])
    assert jnp.sum(b).dtype == np.int32
    assert int(jnp.sum(b)) == 2
    assert jnp.sum(b, promote_integers=False).dtype == np.bool_
    assert bool(jnp.sum(b, promote_integers=False))
    assert not bool(jnp.prod(b, promote_integers=False))
    i8 = np.int8([100, 100])
    assert jnp.sum(i8).dtype == np.int32
    assert int(jnp.sum(i8)) == 200
    assert jnp.sum(i8, promote_integers=False).dtype == np.int8


def test_take_along_axis_without_wrapping_negative_indices():
    a = np.arange(5.0, dtype=np.float32)
    i = np.array([-1, 2, 7])
    assert np.asarray(jnp.take_along_axis(a, i, 0)).tolist()[:2] == [4.0, 2.0]
    out = np.asarray(jnp.take_along_axis(a, i, 0, wrap_negative_indices=False))
    assert np.isnan(out[0]) and out[1] == 2.0 and np.isnan(out[2])  # noqa: PT018
    clipped = jnp.take_along_axis(a, i, 0, mode="clip", wrap_negative_indices=False)
    assert np.asarray(clipped).tolist() == [0.0, 2.0, 4.0]


def test_lexsort_batch_size_gives_the_same_order():
    keys = (np.array([1, 0, 1, 0]), np.array([0, 0, 1, 1]))
    want = np.lexsort(keys).tolist()
    assert jnp.lexsort(keys).tolist() == want
    assert jnp.lexsort(keys, batch_size=1).tolist() == want
    with pytest.raises(ValueError, match="batch_size"):
        jnp.lexsort(keys, batch_size=0)


def test_new_keyword_arguments_are_accepted():
    np.testing.assert_array_equal(np.asarray(jnp.array([1, 2], device=None, out_sharding=None)),
                                  [1, 2])  # fmt: skip
    np.testing.assert_allclose(np.asarray(jnp.geomspace(1.0, 8.0, 4, device=None)), [1, 2, 4, 8],
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(np.asarray(jnp.logspace(0.0, 2.0, 3, device=None)),
                               [1, 10, 100], rtol=1e-6)  # fmt: skip
    counts, _ = jnp.histogram(np.float32([0, 1, 1, 2]), 2, None, None, None, None)
    assert counts.tolist() == [1, 3]
    assert float(jnp.quantile(np.float32([1, 2, 3]), 0.5, out_sharding=None)) == 2.0
    with pytest.raises(NotImplementedError, match="weights"):
        jnp.quantile(np.float32([1, 2, 3]), 0.5, weights=np.float32([1, 1, 1]))
    assert jnp.take(np.arange(4), np.array([3]), out_sharding=None).tolist() == [3]
    assert pb.nn.one_hot(np.array([1]), 3, out_sharding=None).tolist() == [[0.0, 1.0, 0.0]]


# --- random -----------------------------------------------------------------------------------


def test_samplers_take_jax_0_12s_algorithm_choices():
    k = random.PRNGKey(0)
    np.testing.assert_array_equal(np.asarray(random.normal(k, (3,), mode="low")),
                                  np.asarray(random.normal(k, (3,))))  # fmt: skip
    np.testing.assert_array_equal(np.asarray(random.gamma(k, 2.0, (3,), method="exact")),
                                  np.asarray(random.gamma(k, 2.0, (3,))))  # fmt: skip
    (one,) = random.bits(k, (2,), num_streams=1)
    np.testing.assert_array_equal(np.asarray(one), np.asarray(random.bits(k, (2,))))
    with pytest.raises(NotImplementedError, match="mode='high' is not implemented"):
        random.normal(k, (3,), mode="high")
    with pytest.raises(NotImplementedError, match="method='approximate'"):
        random.poisson(k, 3.0, (2,), method="approximate")
    with pytest.raises(ValueError, match="method must be one of"):
        random.beta(k, 1.0, 2.0, method="fast")
    with pytest.raises(ValueError, match="num_streams must be one of"):
        random.bits(k, (2,), num_streams=3)
    assert random.Key.__name__ == "Key"


# --- top level --------------------------------------------------------------------------------


def _has_nested_call(jaxpr):
    return any("jit" in e.primitive.name for e in jaxpr.jaxpr.eqns)


def test_jit_inline_takes_the_inline_enum():
    def outer(inline):
        return lambda x: pb.jit(lambda y: y * 2, inline=inline)(x)

    assert not _has_nested_call(pb.make_jaxpr(outer(pb.Inline.JAX_EARLY))(1.0))
    assert not _has_nested_call(pb.make_jaxpr(outer(True))(1.0))
    assert _has_nested_call(pb.make_jaxpr(outer(pb.Inline.AUTO))(1.0))
    assert _has_nested_call(pb.make_jaxpr(outer(False))(1.0))
    with pytest.raises(ValueError, match="inline='sometimes'"):
        pb.jit(lambda y: y, inline="sometimes")


def test_make_mesh_takes_axis_sizes_and_the_old_axis_shapes():
    n = len(pb.devices())
    assert pb.make_mesh((n,), ("i",)).axis_names == ("i",)
    assert pb.make_mesh(axis_sizes=(n,), axis_names=("i",)).shape == {"i": n}
    assert pb.make_mesh(axis_shapes=(n,), axis_names=("i",)).shape == {"i": n}
    with pytest.raises(TypeError, match="axis sizes once"):
        pb.make_mesh((n,), ("i",), axis_shapes=(n,))


def test_make_jaxpr_results_read_as_jax_0_12s_merged_jaxpr():
    c = np.float32([1.0, 2.0])
    closed = pb.make_jaxpr(lambda x: x * c + 1.0)(np.float32([3.0, 4.0]))
    assert closed.num_consts == len(closed.consts) == len(closed.constvars)
    assert closed.all_invars == [*closed.constvars, *closed.invars]
    assert len(closed.invars) == 1
    assert closed.literals is closed.consts
    assert closed.outvars == closed.jaxpr.outvars
    # Binding values to the first inputs makes them constant inputs.
    bound = pb.make_jaxpr(lambda a, b: a * b)(np.float32(2), np.float32(3)).with_consts([7.0])
    assert (bound.num_consts, len(bound.invars), len(bound.all_invars)) == (1, 1, 2)
    out = pb.core.eval_jaxpr(bound.jaxpr, bound.consts, np.float32(3))
    assert float(out[0]) == 21.0
    with pytest.raises(ValueError, match="3 values for a jaxpr with 2 inputs"):
        pb.make_jaxpr(lambda a, b: a * b)(1.0, 2.0).with_consts([1.0, 2.0, 3.0])


def test_autodiff_options_of_jax_0_12_are_accepted_at_their_defaults():
    @pb.custom_gradient()
    def f(x):
        return x * x, lambda g: (g * 10,)

    assert float(pb.grad(f)(3.0)) == 10.0
    assert float(pb.grad(lambda x: x * x, with_logs=False)(2.0)) == 4.0
    assert float(pb.value_and_grad(lambda x: x * x, with_logs=False)(2.0)[1]) == 4.0
    _, vjp_fun = pb.vjp(lambda x, y: x * y, 2.0, 3.0, saveable_args=True, in_nzs=(True, True))
    assert [float(c) for c in vjp_fun(1.0)] == [3.0, 2.0]
    assert float(pb.linearize(lambda x: x * 2, 1.0, in_nzs=None)[1](1.0)) == 2.0
    for call, what in ((lambda: pb.vjp(lambda x: x, 1.0, saveable_args=False), "saveable_args"),
                       (lambda: pb.vjp(lambda x: x, 1.0, in_nzs=(False,)), "in_nzs"),
                       (lambda: pb.grad(lambda x: x, with_logs=True), "with_logs"),
                       (lambda: pb.custom_gradient(remat=True), "remat")):  # fmt: skip
        with pytest.raises(NotImplementedError, match=f"{what}=.* is not supported"):
            call()


def test_config_options_jax_0_12_added_are_kept_and_checked():
    assert pb.config.jax_random_normal_mode == "low"
    assert pb.config.jax_accurate_erf_inv is True
    try:
        pb.config.update("jax_accurate_erf_inv", False)
        assert pb.config.jax_accurate_erf_inv is False
        pb.config.update("jax_use_hlo_logistic_lowering", "stablehlo")
        assert pb.config.read("jax_use_hlo_logistic_lowering") == "stablehlo"
    finally:
        pb.config.update("jax_accurate_erf_inv", True)
        pb.config.update("jax_use_hlo_logistic_lowering", None)
    with pytest.raises(NotImplementedError, match="jax_random_normal_mode='high'"):
        pb.config.update("jax_random_normal_mode", "high")
    with pytest.raises(ValueError, match="'low', 'high' or 'highest'"):
        pb.config.update("jax_random_normal_mode", "medium")
    with pytest.raises(NotImplementedError, match="jax_legacy_random_uniform=False"):
        pb.config.update("jax_legacy_random_uniform", False)
    with pytest.raises(TypeError, match="jax_use_rgv3 takes a bool"):
        pb.config.update("jax_use_rgv3", "yes")


def test_var_family_takes_a_precomputed_mean_where_and_correction():
    x = np.float32([[1, 2, np.nan], [4, 5, 6]])
    w = np.array([[True, False, True], [True, True, True]])
    np.testing.assert_allclose(np.asarray(jnp.nanvar(x, 1)), np.nanvar(x, 1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jnp.nanstd(x, 1, where=w)), np.nanstd(x, 1, where=w),
                               rtol=1e-6)  # fmt: skip
    np.testing.assert_allclose(np.asarray(jnp.nanvar(x, 1, correction=1)),
                               np.nanvar(x, 1, ddof=1), rtol=1e-6)  # fmt: skip
    m = np.nanmean(x, 1, keepdims=True)
    np.testing.assert_allclose(np.asarray(jnp.nanvar(x, 1, mean=m)), np.nanvar(x, 1), rtol=1e-6)
    y = x[1]
    assert float(jnp.var(y, mean=np.float32(5.0))) == pytest.approx(np.var(y))
    # A mean without the reduced axes is accepted too; a wrong mean gives the spread around it.
    np.testing.assert_allclose(np.asarray(jnp.std(x[:, :2], 0, mean=np.float32([0, 0]))),
                               np.sqrt((x[:, :2] ** 2).mean(0)), rtol=1e-6)  # fmt: skip


def test_the_mesh_context_functions_are_at_the_top_level():
    # JAX 0.12 moved them to `jax`; they are pullback.sharding's functions.
    assert pb.get_mesh is pb.sharding.get_mesh
    assert pb.get_abstract_mesh is pb.sharding.get_abstract_mesh
    assert pb.use_abstract_mesh is pb.sharding.use_abstract_mesh
    mesh = pb.make_mesh((len(pb.devices()),), ("i",))
    assert pb.get_mesh() is None
    with mesh:
        assert pb.get_mesh() is mesh
        assert pb.get_abstract_mesh().axis_names == ("i",)
    with pb.use_abstract_mesh(mesh.abstract_mesh):
        assert pb.get_abstract_mesh() == mesh.abstract_mesh
    assert pb.get_mesh() is None
