"""checkpoint/remat: values, gradients, and what the policies save or recompute."""

import numpy as np
import pytest
from pullback_autodiff import (
    checkpoint,
    checkpoint_name,
    checkpoint_policies as cp,
    grad,
    hessian,
    jvp,
    linearize,
    remat,
    vjp,
)
from pullback_autodiff.linearize import linearize_flat
from pullback_autodiff.testing import check_grads
from pullback_ir import lax
from pullback_ir.errors import ConcretizationTypeError
from pullback_ir.primitives import control as cf, elementwise as ew, linalg
from pullback_ir.staging import make_jaxpr

f32 = np.float32
POLICIES = {
    "none": None,
    "everything": cp.everything_saveable,
    "nothing": cp.nothing_saveable,
    "dots": cp.dots_saveable,
    "dots_no_batch": cp.dots_with_no_batch_dims_saveable,
    "names": cp.save_only_these_names("h"),
    "all_but_h": cp.save_anything_except_these_names("h"),
    "names_but": cp.save_any_names_but_these("z"),
    "both": cp.save_from_both_policies(cp.dots_saveable, cp.save_only_these_names("h")),
}


def mlp_layer(w, x):
    h = checkpoint_name(lax.tanh(lax.dot(x, w)), "h")
    return lax.sin(lax.dot(h, w))


@pytest.mark.parametrize("name", list(POLICIES))
def test_checkpoint_gradients_match_plain_for_every_policy(name):
    from pullback_ir.config import enable_x64

    with enable_x64():
        w = np.random.default_rng(1).standard_normal((3, 3))
        x = np.random.default_rng(2).standard_normal((2, 3))
        f = checkpoint(mlp_layer, policy=POLICIES[name])
        plain = grad(lambda w: mlp_layer(w, x).sum())(w)
        assert np.allclose(grad(lambda w: f(w, x).sum())(w), plain)
        assert np.allclose(f(w, x), mlp_layer(w, x))
        check_grads(lambda w, x: f(w, x).sum(), [w, x], order=2)


def _residuals(f, *args):
    _, linear, _ = linearize_flat(f, list(args), [True] * len(args))
    return linear


def _inner_eqns(linear):
    (eqn,) = [e for e in linear.jaxpr.eqns if e.primitive is cf.checkpoint_p]
    return eqn.params["jaxpr"].jaxpr.eqns


def _prims(eqns):
    return [e.primitive for e in eqns]


def _layer_linear(policy):
    w = np.random.default_rng(1).standard_normal((3, 3)).astype(f32)
    x = np.random.default_rng(2).standard_normal((2, 3)).astype(f32)
    f = checkpoint(lambda w: mlp_layer(w, x), policy=policy)
    linear = _residuals(lambda w: [f(w)], w)
    return linear, _prims(_inner_eqns(linear))


# The tangent of mlp_layer needs three dots (x·dw, dh·w, h·dw); the forward pass has two.
TANGENT_DOTS = 3


def test_nothing_saveable_recomputes_and_stores_only_inputs():
    linear, prims = _layer_linear(cp.nothing_saveable)
    # Residuals: the input w and the constant x, nothing computed.
    assert sorted(np.shape(c) for c in linear.consts) == [(2, 3), (3, 3)]
    # The backward pass recomputes tanh, cos and both forward dots.
    assert ew.tanh_p in prims
    assert ew.cos_p in prims
    assert prims.count(linalg.dot_general_p) == TANGENT_DOTS + 2
    assert _prims(_inner_eqns(_layer_linear(None)[0])) == prims  # None means nothing_saveable


def test_everything_saveable_recomputes_nothing():
    _linear, prims = _layer_linear(cp.everything_saveable)
    assert ew.tanh_p not in prims
    assert ew.cos_p not in prims
    assert prims.count(linalg.dot_general_p) == TANGENT_DOTS


def test_dots_saveable_saves_matmuls_only():
    linear, prims = _layer_linear(cp.dots_saveable)
    # Both forward dots are saved (never recomputed); the elementwise ops after them are.
    assert prims.count(linalg.dot_general_p) == TANGENT_DOTS
    assert ew.tanh_p in prims
    assert ew.cos_p in prims
    assert sorted(np.shape(c) for c in linear.consts) == [(2, 3), (2, 3), (2, 3), (3, 3)]


def test_dots_with_no_batch_dims_policy():
    dn_batch = (((2,), (1,)), ((0,), (0,)))
    dn_plain = (((1,), (0,)), ((), ()))
    a = linalg.dot_general_p
    assert cp.dots_with_no_batch_dims_saveable(a, dimension_numbers=dn_plain)
    assert not cp.dots_with_no_batch_dims_saveable(a, dimension_numbers=dn_batch)
    assert cp.dots_saveable(a, dimension_numbers=dn_batch)
    assert not cp.dots_saveable(ew.sin_p)


def test_save_only_these_names_saves_the_named_value():
    linear, prims = _layer_linear(cp.save_only_these_names("h"))
    # h is saved: the second forward dot reads it instead of recomputing tanh's output...
    assert sorted(np.shape(c) for c in linear.consts) == [(2, 3), (2, 3), (3, 3)]
    # ...(tanh itself is still recomputed for its derivative 1 - tanh(u)^2, which reads the
    # unnamed tanh output: the same choice JAX makes).
    assert prims.count(linalg.dot_general_p) == TANGENT_DOTS + 2
    other, _ = _layer_linear(cp.save_only_these_names("other"))
    assert len(other.consts) == 2


def test_linearize_with_checkpoint_is_reusable_and_matches():
    x = np.linspace(-1, 1, 5).astype(f32)
    f = remat(lambda x: lax.sin(lax.sin(x)))
    _out, f_jvp = linearize(f, x)
    t = np.ones(5, f32)
    ref = jvp(lambda x: lax.sin(lax.sin(x)), (x,), (t,))[1]
    assert np.allclose(f_jvp(t), ref, atol=1e-6)
    assert np.allclose(f_jvp(2 * t), 2 * ref, atol=1e-6)


def test_checkpoint_static_argnums_and_kwargs():
    def f(x, n, *, scale):
        for _ in range(n):
            x = lax.sin(x) * scale
        return x

    c = checkpoint(f, static_argnums=(1,))
    x = f32(0.5)
    assert np.allclose(c(x, 3, scale=f32(2.0)), f(x, 3, scale=f32(2.0)))
    g1 = grad(lambda x: c(x, 3, scale=f32(2.0)))(x)
    g2 = grad(lambda x: f(x, 3, scale=f32(2.0)))(x)
    assert np.allclose(g1, g2)
    with pytest.raises(ValueError, match="static_argnums"):
        checkpoint(f, static_argnums=(5,))(x, 3, scale=f32(1.0))


def test_checkpoint_concrete_allows_python_control_flow():
    def f(x):
        return lax.sin(x) if float(x.sum()) > 0 else lax.cos(x)

    x = np.arange(3, dtype=f32)
    with pytest.raises(ConcretizationTypeError):
        grad(lambda x: checkpoint(f)(x).sum())(x)
    c = checkpoint(f, concrete=True)
    assert np.allclose(grad(lambda x: c(x).sum())(x), np.cos(x))
    assert np.allclose(grad(lambda x: c(x).sum())(-x), np.sin(x))


def test_checkpoint_params_recorded_and_vjp_second_order():
    f = checkpoint(lambda x: lax.sin(x) * x, prevent_cse=False, policy=cp.dots_saveable)
    (eqn,) = make_jaxpr(f)(f32(1.0)).jaxpr.eqns
    assert eqn.primitive is cf.checkpoint_p
    assert eqn.params["prevent_cse"] is False
    assert eqn.params["policy"] is cp.dots_saveable
    assert eqn.params["differentiated"] is False
    x = f32(0.7)
    assert np.allclose(hessian(f)(x), 2 * np.cos(x) - x * np.sin(x), rtol=1e-5)
    _, pull = vjp(f, x)
    assert np.allclose(pull(f32(1.0))[0], np.sin(x) + x * np.cos(x))


def test_checkpoint_inside_scan():
    body = checkpoint(lambda c, x: (lax.sin(c) * x, c))

    def loop(c, xs):
        return lax.scan(body, c, xs)[0]

    xs = np.linspace(0.5, 1.5, 4).astype(f32)
    plain = grad(lambda c: lax.scan(lambda c, x: (lax.sin(c) * x, c), c, xs)[0])(f32(0.3))
    assert np.allclose(grad(loop)(f32(0.3), xs), plain, rtol=1e-5)


def test_checkpoint_name_is_identity_and_checks_name():
    x = np.ones(3, f32)
    assert np.array_equal(checkpoint_name({"a": x}, "n")["a"], x)
    assert np.allclose(grad(lambda x: checkpoint_name(x * x, "n").sum())(x), 2 * x)
    with pytest.raises(TypeError, match="name must be a str"):
        checkpoint_name(x, 3)
