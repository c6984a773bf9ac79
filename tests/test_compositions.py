"""Compositions of differentiation and batching (vmap∘grad, grad∘vmap, reduce_axes, custom rules
under vmap), on the reference interpreter."""

import numpy as np
import pytest
from pullback_autodiff import custom_jvp, custom_vjp, grad, jacfwd, jacrev, jvp, vjp
from pullback_batching import vmap
from pullback_ir import lax
from pullback_ir.staging import make_jaxpr

f32 = np.float32


def _mlp_params(rng):
    return (
        (rng.standard_normal((4, 8)).astype(f32), rng.standard_normal(8).astype(f32)),
        (rng.standard_normal((8, 3)).astype(f32), rng.standard_normal(3).astype(f32)),
    )


def _loss(params, x, y):
    (w1, b1), (w2, b2) = params
    h = lax.tanh(lax.add(lax.dot(x, w1), b1))
    out = lax.add(lax.dot(h, w2), b2)
    d = lax.sub(out, y)
    return lax.reduce_sum(lax.mul(d, d), (0,))


def _data(rng, n=5):
    return rng.standard_normal((n, 4)).astype(f32), rng.standard_normal((n, 3)).astype(f32)


def test_per_example_gradients_equal_the_loop():
    rng = np.random.default_rng(0)
    params = _mlp_params(rng)
    xs, ys = _data(rng)
    per_ex = vmap(grad(_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(len(xs)):
        g = grad(_loss)(params, xs[i], ys[i])
        for a, b in zip(
            [leaf for pair in per_ex for leaf in pair], [leaf for pair in g for leaf in pair],
            strict=True,
        ):  # fmt: skip
            np.testing.assert_allclose(a[i], b, rtol=1e-5, atol=1e-5)


def test_per_example_gradients_use_batched_dots_not_loops():
    rng = np.random.default_rng(0)
    params = _mlp_params(rng)
    xs, ys = _data(rng)
    jaxpr = make_jaxpr(vmap(grad(_loss), in_axes=(None, 0, 0)))(params, xs, ys)
    names = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert "while" not in names
    assert "scan" not in names
    assert names.count("dot_general") == 5  # 2 forward, 3 backward (one per weight and dh)


def test_grad_of_vmap_equals_sum_of_per_example_grads():
    rng = np.random.default_rng(1)
    params = _mlp_params(rng)
    xs, ys = _data(rng)

    def batch_loss(p):
        return lax.reduce_sum(vmap(_loss, in_axes=(None, 0, 0))(p, xs, ys), (0,))

    g = grad(batch_loss)(params)
    per_ex = vmap(grad(_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for a, b in zip([v for pair in g for v in pair], [v for pair in per_ex for v in pair],
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b.sum(0), rtol=1e-4, atol=1e-4)


def test_reduce_axes_sums_cotangents_over_the_named_axis():
    w = np.array([1.0, 2.0, 3.0], f32)
    xs = np.arange(12.0, dtype=f32).reshape(4, 3)

    def per_example(x):
        _, pull = vjp(lambda w: lax.reduce_sum(lax.mul(w, x), (0,)), w, reduce_axes=("batch",))
        return pull(f32(1.0))[0]

    out = vmap(per_example, axis_name="batch")(xs)
    # Every example sees the total gradient (the cotangent of the broadcast w, summed).
    np.testing.assert_allclose(out, np.broadcast_to(xs.sum(0), (4, 3)))
    g = vmap(
        lambda x: grad(lambda w: lax.reduce_sum(lax.mul(w, x), (0,)), reduce_axes=("batch",))(w),
        axis_name="batch",
    )(xs)
    np.testing.assert_allclose(g, np.broadcast_to(xs.sum(0), (4, 3)))
    # Without reduce_axes each example keeps its own gradient.
    g = vmap(lambda x: grad(lambda w: lax.reduce_sum(lax.mul(w, x), (0,)))(w))(xs)
    np.testing.assert_allclose(g, xs)


def test_vmap_of_custom_vjp_keeps_its_rule_under_grad():
    @custom_vjp
    def f(x):
        return lax.sin(x)

    f.defvjp(lambda x: (f(x), x), lambda x, g: (g * 100.0,))  # deliberately not cos
    xs = np.linspace(0, 1, 4).astype(f32)
    g = grad(lambda xs: lax.reduce_sum(vmap(f)(xs), (0,)))(xs)
    np.testing.assert_allclose(g, np.full(4, 100.0))
    g2 = vmap(grad(f))(xs)
    np.testing.assert_allclose(g2, np.full(4, 100.0))

    # An unbatched argument's cotangent sums the per-example ones.
    @custom_vjp
    def h(w, x):
        return lax.mul(w, x)

    h.defvjp(lambda w, x: (h(w, x), (w, x)), lambda r, g: (g * r[1] * 2.0, g * r[0]))
    gw = grad(lambda w: lax.reduce_sum(vmap(h, in_axes=(None, 0))(w, xs), (0,)))(f32(3.0))
    np.testing.assert_allclose(gw, 2.0 * xs.sum(), rtol=1e-5)


def test_vmap_of_custom_jvp_keeps_its_rule():
    @custom_jvp
    def f(x):
        return lax.sin(x)

    f.defjvp(lambda p, t: (f(*p), t[0] * 7.0))
    xs = np.linspace(0, 1, 4).astype(f32)
    _, t = jvp(vmap(f), (xs,), (np.ones(4, f32),))
    np.testing.assert_allclose(t, np.full(4, 7.0))
    np.testing.assert_allclose(vmap(grad(f))(xs), np.full(4, 7.0))
    np.testing.assert_allclose(grad(lambda v: lax.reduce_sum(vmap(f)(v), (0,)))(xs), 7.0)


def test_jacobians_through_vmap():
    xs = np.linspace(-1, 1, 3).astype(f32)
    j1 = jacfwd(vmap(lax.sin))(xs)
    j2 = jacrev(vmap(lax.sin))(xs)
    np.testing.assert_allclose(j1, np.diag(np.cos(xs)), rtol=1e-6)
    np.testing.assert_allclose(j2, np.diag(np.cos(xs)), rtol=1e-6)


def test_vmap_of_control_flow_gradients():
    xs = np.linspace(0.1, 1.0, 4).astype(f32)

    def f(x):
        c = lax.scan(lambda c, _: (lax.sin(c) * 1.5, None), x, None, length=3)[0]
        return lax.cond(x > 0.5, lambda v: v * 2.0, lambda v: v * -1.0, c)

    loop = np.array([grad(f)(x) for x in xs])
    np.testing.assert_allclose(vmap(grad(f))(xs), loop, rtol=1e-5)


@pytest.mark.parametrize("axis", [0, 1])
def test_vmap_inside_jvp_and_hvp(axis):
    x = np.arange(6.0, dtype=f32).reshape(2, 3) / 6

    def f(v):
        return lax.reduce_sum(lax.mul(lax.sin(v), v), (0,))

    hvp = vmap(lambda v, t: jvp(grad(f), (v,), (t,))[1], in_axes=(axis, axis), out_axes=axis)
    out = hvp(x, np.ones_like(x))
    loop = np.stack(
        [jvp(grad(f), (np.take(x, i, axis),), (np.ones(np.take(x, i, axis).shape, f32),))[1]
         for i in range(x.shape[axis])], axis=axis,
    )  # fmt: skip
    np.testing.assert_allclose(out, loop, rtol=1e-5)
