"""custom_jvp, custom_vjp, custom_gradient and closure_convert."""

import numpy as np
import pytest
from pullback_autodiff import (
    SymbolicZero,
    closure_convert,
    custom_gradient,
    custom_jvp,
    custom_vjp,
    grad,
    hessian,
    jacfwd,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)
from pullback_autodiff.testing import check_grads
from pullback_ir import lax
from pullback_ir.staging import make_jaxpr

f32 = np.float32


def _x64():
    from pullback_ir.config import enable_x64

    return enable_x64()


# --- custom_jvp --------------------------------------------------------------------------------


def test_custom_jvp_rule_replaces_the_derivative():
    calls = []

    @custom_jvp
    def f(x):
        return lax.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        calls.append(1)
        (x,), (t,) = primals, tangents
        return f(x), 5.0 * t  # not the true derivative: the rule must win

    x = f32(0.3)
    assert np.allclose(f(x), np.sin(x))
    assert np.allclose(grad(f)(x), 5.0)
    out, t = jvp(f, (x,), (f32(2.0),))
    assert np.allclose(out, np.sin(x))
    assert np.allclose(t, 10.0)
    assert calls


def test_custom_jvp_stable_softplus_like_jax_docs():
    # log1p(exp(x)) overflows for large x in float32; the custom rule gives the stable slope.
    @custom_jvp
    def softplus(x):
        return lax.log1p(lax.exp(x))

    @softplus.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return softplus(x), t * lax.logistic(x)

    assert np.allclose(grad(softplus)(f32(100.0)), 1.0)
    assert np.isfinite(grad(softplus)(f32(100.0)))


def test_custom_jvp_rule_is_differentiable_for_higher_order():
    @custom_jvp
    def f(x):
        return x * x * x

    @f.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 3.0 * x * x * t

    x = f32(1.5)
    assert np.allclose(grad(grad(f))(x), 6 * x)
    assert np.allclose(hessian(f)(x), 6 * x)
    with _x64():
        check_grads(f, [np.array([0.5, -1.2])], order=2)


def test_custom_jvp_defjvps_sums_contributions():
    @custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(lambda g, ans, x, y: g * y, lambda g, ans, x, y: g * x * 2.0)
    x, y = f32(2.0), f32(3.0)
    assert np.allclose(grad(f, argnums=(0, 1))(x, y), (3.0, 4.0))
    _, t = jvp(f, (x, y), (f32(1.0), f32(1.0)))
    assert np.allclose(t, 3.0 + 4.0)


def test_custom_jvp_defjvps_none_means_no_contribution():
    @custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(None, lambda g, ans, x, y: g * x)
    assert np.allclose(grad(f, argnums=(0, 1))(f32(2.0), f32(3.0)), (0.0, 2.0))


def test_custom_jvp_nondiff_argnums_and_kwargs():
    def apply(fn, x, scale=2.0):
        return fn(x) * scale

    f = custom_jvp(apply, nondiff_argnums=(0,))

    @f.defjvp
    def _(fn, primals, tangents):
        x, scale = primals
        tx, _ = tangents
        return f(fn, x, scale), tx * 100.0

    assert np.allclose(f(lax.sin, f32(0.0), scale=f32(3.0)), 0.0)
    assert np.allclose(grad(lambda x: f(lax.sin, x))(f32(0.4)), 100.0)
    assert np.allclose(grad(lambda x: f(lax.sin, x, scale=f32(1.0)))(f32(0.4)), 100.0)


def test_custom_jvp_pytree_arguments_and_outputs():
    @custom_jvp
    def f(p):
        return {"s": p["a"] * p["b"], "d": p["a"] - p["b"]}

    @f.defjvp
    def _(primals, tangents):
        (p,), (t,) = primals, tangents
        return f(p), {"s": t["a"] * p["b"] + p["a"] * t["b"], "d": t["a"] - t["b"]}

    p = {"a": f32(2.0), "b": f32(5.0)}
    g = grad(lambda p: f(p)["s"] + 2 * f(p)["d"])(p)
    assert np.allclose(g["a"], 5.0 + 2)
    assert np.allclose(g["b"], 2.0 - 2)


def test_custom_jvp_symbolic_zeros():
    seen = []

    @custom_jvp
    def f(x, y):
        return x * y

    def rule(primals, tangents):
        seen.append(tuple(isinstance(t, SymbolicZero) for t in tangents))
        x, y = primals
        tx, _ty = tangents
        out = tx * y if not isinstance(tx, SymbolicZero) else lax.mul(x, f32(0))
        return f(x, y), out

    f.defjvp(rule, symbolic_zeros=True)
    assert np.allclose(grad(f)(f32(2.0), f32(3.0)), 3.0)
    assert seen[-1] == (False, True)


def test_custom_jvp_integer_argument_gets_float0_tangent():
    @custom_jvp
    def f(x, n):
        return x * n

    @f.defjvp
    def _(primals, tangents):
        (x, n), (tx, tn) = primals, tangents
        assert tn.dtype == np.dtype([("float0", "V")]) or str(tn.dtype) == "float0"
        return f(x, n), tx * n

    assert np.allclose(grad(f)(f32(1.0), np.int32(4)), 4.0)


def test_custom_jvp_under_staging_keeps_the_rule():
    @custom_jvp
    def f(x):
        return lax.sin(x)

    f.defjvp(lambda p, t: (f(*p), t[0] * 7.0))
    text = str(make_jaxpr(f)(f32(1.0)))
    assert "custom_jvp_call" in text
    assert np.allclose(grad(lambda x: make_jaxpr(f) and f(x))(f32(1.0)), 7.0)


def test_custom_jvp_errors():
    f = custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="No JVP defined"):
        f(f32(1.0))

    g = custom_jvp(lambda x: lax.sin(x))
    g.defjvp(lambda p, t: (g(*p), (t[0], t[0])))
    with pytest.raises(TypeError, match="same tree structure"):
        grad(g)(f32(1.0))

    h = custom_jvp(lambda x: lax.sin(x))
    h.defjvp(lambda p, t: (h(*p), np.ones(3, f32)))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        grad(h)(f32(1.0))

    k = custom_jvp(lambda x: lax.sin(x))
    k.defjvp(lambda p, t: (k(*p),))
    with pytest.raises(TypeError, match="must return a pair"):
        grad(k)(f32(1.0))

    # The rule's primal output is checked against the function's where the function was
    # traced (under jit or another staged call); differentiated directly, only the rule runs
    # (as in JAX), and its tangent output is checked against its own primal output.
    m = custom_jvp(lambda x: lax.sin(x))
    m.defjvp(lambda p, t: (np.ones(2, f32), t[0]))
    from pullback_ir.control_flow import named_call

    with pytest.raises(TypeError, match="primal output"):
        grad(named_call(m))(f32(1.0))
    with pytest.raises(ValueError, match=r"shape \(\) but the corresponding primal has shape"):
        grad(lambda x: m(x).sum())(f32(1.0))


def test_custom_jvp_closing_over_a_differentiated_value_raises():
    def outer(w):
        @custom_jvp
        def f(x):
            return x * w

        f.defjvp(lambda p, t: (f(*p), t[0] * w))
        return f(f32(2.0))

    with pytest.raises(TypeError, match="closure_convert"):
        grad(outer)(f32(3.0))


# --- custom_vjp --------------------------------------------------------------------------------


def _clip_gradient_fn():
    @custom_vjp
    def clip_gradient(lo, hi, x):
        return x

    def fwd(lo, hi, x):
        return x, (lo, hi)

    def bwd(res, g):
        lo, hi = res
        return (None, None, lax.clamp(lo, g, hi))

    clip_gradient.defvjp(fwd, bwd)
    return clip_gradient


def test_custom_vjp_uses_bwd():
    clip = _clip_gradient_fn()
    lo, hi = f32(-0.5), f32(0.5)
    assert np.allclose(grad(lambda x: 10.0 * clip(lo, hi, x), argnums=0)(f32(1.0)), 0.5)
    assert np.allclose(grad(lambda x: 0.1 * clip(lo, hi, x))(f32(1.0)), 0.1)
    # None cotangents mean zero.
    g_lo, g_hi, g_x = grad(clip, argnums=(0, 1, 2))(lo, hi, f32(1.0))
    assert g_lo == 0
    assert g_hi == 0
    assert np.allclose(g_x, 0.5)


def test_custom_vjp_residual_pytrees_and_multiple_outputs():
    @custom_vjp
    def f(x, y):
        return lax.sin(x) * y, x + y

    def fwd(x, y):
        return f(x, y), {"c": lax.cos(x), "s": [lax.sin(x), y]}

    def bwd(res, cts):
        ct_a, ct_b = cts
        return (res["c"] * res["s"][1] * ct_a + ct_b, res["s"][0] * ct_a + ct_b)

    f.defvjp(fwd, bwd)
    x, y = f32(0.7), f32(1.3)
    (_a, _b), pull = vjp(f, x, y)
    gx, gy = pull((f32(1.0), f32(2.0)))
    assert np.allclose(gx, np.cos(x) * y + 2)
    assert np.allclose(gy, np.sin(x) + 2)
    with _x64():  # the rule is the true derivative: compare with central differences
        eps, x, y = 1e-6, np.float64(0.7), np.float64(1.3)
        g = grad(lambda x, y: f(x, y)[0], argnums=(0, 1))(x, y)
        fd = [(np.sin(x + eps) * y - np.sin(x - eps) * y) / (2 * eps), np.sin(x)]
        assert np.allclose(g, fd, rtol=1e-6)


def test_custom_vjp_pytree_argument_with_none_leaf():
    @custom_vjp
    def f(p):
        return p["w"] * p["b"]

    f.defvjp(lambda p: (f(p), p["b"]), lambda b, g: ({"w": g * b * 3.0, "b": None},))
    g = grad(f)({"w": f32(2.0), "b": f32(4.0)})
    assert np.allclose(g["w"], 12.0)
    assert g["b"] == 0


def test_custom_vjp_nondiff_argnums():
    def f(n, x):
        return x**n

    cf = custom_vjp(f, nondiff_argnums=(0,))
    cf.defvjp(lambda n, x: (cf(n, x), x), lambda n, x, g: (g * n * x ** (n - 1) * 2,))
    assert np.allclose(grad(lambda x: cf(3, x))(f32(2.0)), 2 * 3 * 4)


def test_custom_vjp_forward_mode_raises():
    clip = _clip_gradient_fn()
    with pytest.raises(TypeError, match="forward-mode"):
        jvp(lambda x: clip(f32(-1), f32(1), x), (f32(0.0),), (f32(1.0),))
    with pytest.raises(TypeError, match="forward-mode"):
        jacfwd(lambda x: clip(f32(-1), f32(1), x))(f32(0.0))


def test_custom_vjp_grad_of_grad_differentiates_the_rules():
    @custom_vjp
    def f(x):
        return lax.sin(x)

    f.defvjp(lambda x: (f(x), x), lambda x, g: (g * lax.cos(x) * 2.0,))
    x = f32(0.4)
    assert np.allclose(grad(f)(x), 2 * np.cos(x))
    assert np.allclose(grad(grad(f))(x), -2 * np.sin(x))


def test_custom_vjp_inside_scan_and_linearize():
    @custom_vjp
    def f(x):
        return lax.sin(x)

    f.defvjp(lambda x: (f(x), lax.cos(x)), lambda c, g: (g * c * 3.0,))

    def loop(x):
        return lax.scan(lambda c, _: (f(c), None), x, None, length=2)[0]

    x = f32(0.3)
    expected = 3 * np.cos(np.sin(x)) * 3 * np.cos(x)
    assert np.allclose(grad(loop)(x), expected, rtol=1e-5)
    _, f_jvp = linearize(lambda x: f(x) * 2.0, x)  # staging custom_lin works...
    with pytest.raises(TypeError, match="forward-mode"):
        f_jvp(f32(1.0))  # ...but evaluating it forward does not, as in JAX


def test_custom_vjp_errors():
    f = custom_vjp(lambda x: x)
    with pytest.raises(AttributeError, match="No VJP defined"):
        f(f32(1.0))

    g = custom_vjp(lambda x, y: x * y)
    g.defvjp(lambda x, y: (g(x, y), None), lambda r, ct: (ct,))
    with pytest.raises(TypeError, match=r"one cotangent per differentiable argument \(2\)"):
        grad(g)(f32(1.0), f32(2.0))

    h = custom_vjp(lambda x: x * 2)
    h.defvjp(lambda x: h(x), lambda r, ct: (ct,))
    with pytest.raises(TypeError, match="must return a pair"):
        grad(h)(f32(1.0))

    k = custom_vjp(lambda x: x * 2)
    k.defvjp(lambda x: (k(x), None), lambda r, ct: (np.ones(3, f32),))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        grad(k)(f32(1.0))

    m = custom_vjp(lambda p: p[0] * p[1])
    m.defvjp(lambda p: (m(p), None), lambda r, ct: ((ct, ct, ct),))
    with pytest.raises(TypeError, match="tree structure"):
        grad(m)((f32(1.0), f32(2.0)))

    r = custom_vjp(lambda x: x * 2)
    r.defvjp(lambda x: (r(x), "not an array"), lambda r, ct: (ct,))
    with pytest.raises(TypeError, match="residuals"):
        grad(r)(f32(1.0))


def test_custom_vjp_as_method():
    import functools

    class Scaler:
        def __init__(self, s):
            self.s = s

        @functools.partial(custom_vjp, nondiff_argnums=(0,))
        def __call__(self, x):
            return x * self.s

    Scaler.__call__.defvjp(lambda self, x: (x * self.s, None), lambda self, r, g: (g * 10.0,))
    assert np.allclose(Scaler(f32(2.0))(f32(3.0)), 6.0)
    assert np.allclose(grad(lambda x: Scaler(f32(2.0))(x))(f32(1.0)), 10.0)


# --- custom_gradient and closure_convert --------------------------------------------------------


def test_custom_gradient():
    @custom_gradient
    def f(x):
        return lax.exp(x), lambda g: g * 7.0 * x

    x = f32(2.0)
    assert np.allclose(f(x), np.exp(x))
    assert np.allclose(grad(f)(x), 14.0)

    @custom_gradient
    def g(x, y):
        return x * y, lambda ct: (ct * y, ct * 0.0)

    assert np.allclose(grad(g, argnums=(0, 1))(f32(2.0), f32(3.0)), (3.0, 0.0))


def test_closure_convert_hoists_differentiated_closure():
    def solve(w, x):
        def inner(x):
            return x * w

        fn, consts = closure_convert(inner, x)

        @custom_vjp
        def call(x, *consts):
            return fn(x, *consts)

        def fwd(x, *consts):
            return call(x, *consts), (x, consts)

        def bwd(res, g):
            x, consts = res
            _, pull = vjp(fn, x, *consts)
            return pull(g)

        call.defvjp(fwd, bwd)
        return call(x, *consts)

    x = np.arange(3, dtype=f32)
    assert np.allclose(solve(f32(2.0), x), 2 * x)
    assert np.allclose(grad(lambda w: solve(w, x).sum())(f32(2.0)), x.sum())
    _v, g = value_and_grad(lambda x: solve(f32(2.0), x).sum())(x)
    assert np.allclose(g, 2.0)


def test_closure_convert_keeps_integer_constants_closed():
    n = np.arange(3, dtype=np.int32) + 1
    w = np.ones(3, f32) * 2

    fn, consts = closure_convert(lambda x: x * n * w, np.ones(3, f32))
    assert len(consts) == 1
    assert consts[0].dtype == f32
    assert np.allclose(fn(np.ones(3, f32), *consts), n * w)
    with pytest.raises(TypeError, match="expected 1 arguments and 1 hoisted"):
        fn(np.ones(3, f32))
