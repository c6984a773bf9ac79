"""jit and pmap composed with differentiation and batching, control flow, custom rules,
checkpointing and callbacks: every compiled result equals the eager (reference) result."""

import numpy as np
import pytest
from pullback_autodiff import checkpoint, custom_jvp, custom_vjp, grad, hessian, jvp
from pullback_batching import vmap
from pullback_compile import Array, device_count, effects_barrier, jit, pmap
from pullback_ir import lax
from pullback_ir.control_flow import cond, fori_loop, io_callback, pure_callback, scan, while_loop

f32 = np.float32
RNG = np.random.default_rng(0)


def _params():
    return [
        (RNG.standard_normal((4, 8)).astype(f32), RNG.standard_normal(8).astype(f32)),
        (RNG.standard_normal((8, 3)).astype(f32), RNG.standard_normal(3).astype(f32)),
    ]


def _loss(params, x, y):
    h = x
    for i, (w, b) in enumerate(params):
        h = lax.add(lax.dot(h, w), lax.broadcast_in_dim(b, (h.shape[0], w.shape[1]), (1,)))
        if i == 0:
            h = lax.tanh(h)
    d = lax.sub(h, y)
    return lax.reduce_sum(lax.mul(d, d), (0, 1))


X = RNG.standard_normal((5, 4)).astype(f32)
Y = RNG.standard_normal((5, 3)).astype(f32)


def _close(a, b, tol=1e-5):
    la, lb = _leaves(a), _leaves(b)
    assert len(la) == len(lb)
    for u, v in zip(la, lb, strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=tol, atol=tol)


def _leaves(t):
    from pullback_pytrees import tree_leaves

    return tree_leaves(t)


def test_jit_of_grad_and_grad_of_jit():
    p = _params()
    expected = grad(_loss)(p, X, Y)
    compiled = jit(grad(_loss))(p, X, Y)
    assert all(isinstance(g, Array) for g in _leaves(compiled))
    _close(compiled, expected, 1e-4)
    _close(grad(jit(_loss))(p, X, Y), expected, 1e-4)


def test_vmap_of_jit_and_jit_of_vmap():
    p = _params()
    per_ex = vmap(grad(_loss), in_axes=(None, 0, 0))
    expected = per_ex(p, X[:, None], Y[:, None])
    _close(jit(per_ex)(p, X[:, None], Y[:, None]), expected, 1e-4)
    _close(vmap(jit(grad(_loss)), in_axes=(None, 0, 0))(p, X[:, None], Y[:, None]), expected, 1e-4)


def test_hvp_and_hessian_under_jit():
    def f(x):
        return lax.reduce_sum(lax.sin(x) * x * x, (0,))

    x = RNG.standard_normal(4).astype(f32)
    v = RNG.standard_normal(4).astype(f32)

    def hvp(x, v):
        return jvp(grad(f), (x,), (v,))[1]

    _close(jit(hvp)(x, v), hvp(x, v), 1e-4)
    _close(jit(hessian(f))(x), hessian(f)(x), 1e-4)


def test_meta_learning_grad_of_inner_sgd_step_under_jit():
    p = _params()

    def inner(p, x, y):
        g = grad(_loss)(p, x, y)
        return [(w - 0.1 * gw, b - 0.1 * gb) for (w, b), (gw, gb) in zip(p, g, strict=True)]

    def outer(p, x, y):
        return _loss(inner(p, x, y), x, y)

    _close(jit(grad(outer))(p, X, Y), grad(outer)(p, X, Y), 1e-3)


def test_control_flow_under_jit_and_grad():
    def f(x):
        def body(c, xi):
            c = lax.sin(c) * xi + c
            return c, c * 2.0

        c, ys = scan(body, lax.reduce_sum(x, (0,)) * 0.1, x)
        c = cond(c > 0.0, lambda v: v * 3.0, lambda v: -v, c)
        c = fori_loop(0, 3, lambda i, v: v * 0.5 + lax.convert_element_type(i, f32), c)
        return c + lax.reduce_sum(ys, (0,))

    def g(x):
        n = while_loop(lambda s: s[0] < 10.0, lambda s: (s[0] * 2.0 + 1.0, s[1] + 1), (f(x), 0))
        return n[0] * lax.convert_element_type(n[1], f32)

    x = RNG.standard_normal(6).astype(f32)
    _close(jit(f)(x), f(x), 1e-4)
    _close(jit(grad(f))(x), grad(f)(x), 1e-4)
    _close(jit(g)(x), g(x), 1e-4)
    rev = jit(lambda x: scan(lambda c, v: (c + v, c), 0.0, x, reverse=True))
    _close(rev(x), scan(lambda c, v: (c + v, c), 0.0, x, reverse=True), 1e-5)


def test_custom_rules_and_checkpoint_under_jit():
    @custom_jvp
    def soft(x):
        return lax.log1p(lax.exp(x))

    @soft.defjvp
    def _soft_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return soft(x), t * lax.logistic(x)

    @custom_vjp
    def clip_grad(x):
        return x

    clip_grad.defvjp(lambda x: (x, None), lambda _, g: (lax.clamp(-0.1, g, 0.1),))

    def f(x):
        y = checkpoint(lambda v: lax.sin(soft(v)) * v)(x)
        return lax.reduce_sum(clip_grad(y) * 3.0, (0,))

    x = RNG.standard_normal(5).astype(f32)
    _close(jit(f)(x), f(x), 1e-5)
    _close(jit(grad(f))(x), grad(f)(x), 1e-5)


def test_pure_callback_and_io_callback_under_jit():
    seen = []

    def host_sin(v):
        return np.sin(v)

    def log(v):
        seen.append(np.asarray(v).copy())
        return np.zeros((), np.int32)

    def f(x):
        y = pure_callback(host_sin, jax_struct(x), x)
        io_callback(log, jax_struct(np.zeros((), np.int32)), y, ordered=True)
        return y * 2.0

    x = RNG.standard_normal(3).astype(f32)
    out = jit(f)(x)
    effects_barrier()
    np.testing.assert_allclose(out, np.sin(x) * 2, rtol=1e-6)
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], np.sin(x), rtol=1e-6)

    def bad(x):
        return pure_callback(lambda v: v.astype(np.float64)[:2], jax_struct(x), x)

    with pytest.raises(Exception, match=r"callback result 0 has shape \(2,\)"):
        np.asarray(jit(bad)(x))


def jax_struct(x):
    from pullback_ir import ShapeDtypeStruct

    return ShapeDtypeStruct(x.shape, x.dtype)


@pytest.mark.skipif(device_count() < 4, reason="needs 4 virtual CPU devices (root conftest)")
def test_data_parallel_gradients_with_pmap():
    p = _params()
    xs = RNG.standard_normal((4, 5, 4)).astype(f32)
    ys = RNG.standard_normal((4, 5, 3)).astype(f32)

    def step(p, x, y):
        g = grad(_loss)(p, x, y)
        return [(lax.pmean(gw, "batch"), lax.pmean(gb, "batch")) for gw, gb in g]

    got = pmap(step, axis_name="batch", in_axes=(None, 0, 0))(p, xs, ys)
    per_dev = [grad(_loss)(p, xs[k], ys[k]) for k in range(4)]
    for layer, (gw, gb) in enumerate(got):
        mean_w = np.mean([d[layer][0] for d in per_dev], axis=0)
        mean_b = np.mean([d[layer][1] for d in per_dev], axis=0)
        for k in range(4):  # every device holds the mean gradient
            np.testing.assert_allclose(np.asarray(gw)[k], mean_w, rtol=1e-4, atol=1e-5)
            np.testing.assert_allclose(np.asarray(gb)[k], mean_b, rtol=1e-4, atol=1e-5)


def test_grad_and_vmap_of_jit_stay_compiled_calls():
    import pullback_compile.eager as eager_mod
    from pullback_ir import make_jaxpr

    @jit
    def f(x):
        return lax.reduce_sum(lax.sin(x) * lax.sin(x), (0,))

    x = RNG.standard_normal(4).astype(f32)
    jaxpr = make_jaxpr(grad(f))(x)
    names = [e.params["name"] for e in jaxpr.jaxpr.eqns if e.primitive.name == "pjit"]
    assert names == ["jvp(f)", "transpose(jvp(f))"]  # forward and backward, each one call
    before = len(eager_mod._PJIT_CACHE)
    g = grad(f)(x)
    assert isinstance(g, Array)
    assert len(eager_mod._PJIT_CACHE) == before + 2  # both ran as compiled programs
    np.testing.assert_allclose(g, 2 * np.sin(x) * np.cos(x), rtol=1e-5)
    xs = RNG.standard_normal((3, 4)).astype(f32)
    np.testing.assert_allclose(vmap(f)(xs), (np.sin(xs) ** 2).sum(1), rtol=1e-5)
    np.testing.assert_allclose(vmap(grad(f))(xs), 2 * np.sin(xs) * np.cos(xs), rtol=1e-5, atol=1e-6)
