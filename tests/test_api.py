"""The public surface, as a JAX user writes it: every composition of issue 7, eagerly and
under jit, checked against finite differences, Python loops and closed forms."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import lax, nn, random

RNG = np.random.default_rng(0)


def _params(key, sizes=(4, 8, 3)):
    keys = random.split(key, len(sizes) - 1)
    return [
        {"w": random.normal(k, (m, n)) / np.sqrt(m), "b": jnp.zeros(n)}
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def _predict(params, x):
    for layer in params[:-1]:
        x = jnp.tanh(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def _loss(params, x, y):
    return jnp.mean((_predict(params, x) - y) ** 2)


P = _params(random.PRNGKey(0))
X = random.normal(random.PRNGKey(1), (16, 4))
Y = random.normal(random.PRNGKey(2), (16, 3))


def _close(a, b, tol=1e-4):
    la, lb = pb.tree_util.tree_leaves(a), pb.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for u, v in zip(la, lb, strict=True):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=tol, atol=tol)


def _fd_grad(f, x, eps=1e-3):
    x = np.asarray(x, np.float64)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f((x + e).astype(np.float32))) - float(f((x - e).astype(np.float32)))) / (
            2 * eps
        )
    return g


@pytest.mark.parametrize("jit", [False, True])
def test_grad_matches_finite_differences(jit):
    g = pb.grad(lambda x: _loss(P, x, Y))
    g = pb.jit(g) if jit else g
    out = g(X)
    assert isinstance(out, pb.Array)
    np.testing.assert_allclose(out, _fd_grad(lambda x: _loss(P, x, Y), X), rtol=2e-2, atol=2e-3)


def test_jit_of_grad_equals_eager_grad():
    _close(pb.jit(pb.grad(_loss))(P, X, Y), pb.grad(_loss)(P, X, Y))
    v, _ = pb.jit(pb.value_and_grad(_loss))(P, X, Y)
    np.testing.assert_allclose(v, _loss(P, X, Y), rtol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_of_grad_gives_per_example_gradients(jit):
    per_ex = pb.vmap(pb.grad(_loss), in_axes=(None, 0, 0))
    per_ex = pb.jit(per_ex) if jit else per_ex
    got = per_ex(P, X[:, None], Y[:, None])
    for i in range(3):
        _close(
            pb.tree_util.tree_map(lambda t, i=i: t[i], got),
            pb.grad(_loss)(P, X[i : i + 1], Y[i : i + 1]),
        )


@pytest.mark.skipif(pb.device_count() < 4, reason="needs 4 virtual CPU devices")
def test_pmap_of_grad_data_parallel():
    xs, ys = X.reshape(4, 4, 4), Y.reshape(4, 4, 3)

    def step(p, x, y):
        return lax.pmean(pb.grad(_loss)(p, x, y), "batch")

    g = pb.pmap(step, axis_name="batch", in_axes=(None, 0, 0))(P, xs, ys)
    _close(pb.tree_util.tree_map(lambda t: t[0], g), pb.grad(_loss)(P, X, Y), 1e-4)
    # Under another transformation pmap maps as a named vmap: same values.
    g2 = pb.jit(pb.pmap(step, axis_name="batch", in_axes=(None, 0, 0)))(P, xs, ys)
    _close(g2, g)


@pytest.mark.parametrize("jit", [False, True])
def test_hvp_with_jvp_of_grad(jit):
    def f(x):
        return jnp.sum(jnp.sin(x) * x**2)

    x = jnp.asarray(RNG.standard_normal(5).astype(np.float32))
    v = jnp.asarray(RNG.standard_normal(5).astype(np.float32))

    def hvp(x, v):
        return pb.jvp(pb.grad(f), (x,), (v,))[1]

    hvp = pb.jit(hvp) if jit else hvp
    _close(hvp(x, v), pb.hessian(f)(x) @ v, 1e-4)


@pytest.mark.parametrize("jit", [False, True])
def test_maml_grad_through_inner_sgd_step(jit):
    def inner(p, x, y):
        g = pb.grad(_loss)(p, x, y)
        return pb.tree_util.tree_map(lambda w, gw: w - 0.1 * gw, p, g)

    def outer(p):
        return _loss(inner(p, X[:8], Y[:8]), X[8:], Y[8:])

    g = (pb.jit(pb.grad(outer)) if jit else pb.grad(outer))(P)
    flat, unravel = _ravel(P)
    fd = _fd_grad(lambda v: outer(unravel(v)), flat, eps=1e-2)
    np.testing.assert_allclose(_ravel(g)[0], fd, rtol=5e-2, atol=5e-3)


def _ravel(tree):
    leaves, treedef = pb.tree_util.tree_flatten(tree)
    shapes = [np.shape(x) for x in leaves]
    flat = np.concatenate([np.ravel(np.asarray(x)) for x in leaves])

    def unravel(v):
        out, i = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(jnp.reshape(v[i : i + n], s))
            i += n
        return pb.tree_util.tree_unflatten(treedef, out)

    return flat, unravel


@pytest.mark.parametrize("jit", [False, True])
def test_jacfwd_of_jacrev_is_the_hessian(jit):
    def f(x):
        return jnp.sum(jnp.exp(x) * x[::-1])

    x = jnp.asarray([0.1, -0.3, 0.7], jnp.float32)
    h = pb.jacfwd(pb.jacrev(f))
    h = pb.jit(h) if jit else h
    # Closed form: f = sum_i exp(x_i) x_{n-1-i}.
    xs = np.asarray(x, np.float64)
    n = len(xs)
    expected = np.zeros((n, n))
    for i in range(n):
        j = n - 1 - i
        expected[i, i] += np.exp(xs[i]) * xs[j]
        expected[i, j] += np.exp(xs[i])
        expected[j, i] += np.exp(xs[i])
    np.testing.assert_allclose(h(x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_grad_of_scan_cond_fori_loop(jit):
    def f(x):
        c, ys = lax.scan(lambda c, xi: (c * 0.9 + jnp.sin(xi), c), 0.0, x)
        c = lax.cond(c > 0, lambda v: v * 2.0, lambda v: -v, c)
        c = lax.fori_loop(0, 3, lambda i, v: v * 0.5 + 1.0, c)
        return c + jnp.sum(ys)

    x = jnp.asarray(RNG.standard_normal(6).astype(np.float32))
    g = pb.grad(f)
    g = pb.jit(g) if jit else g
    np.testing.assert_allclose(g(x), _fd_grad(f, x), rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_of_cond_and_scan(jit):
    def f(x):
        y = lax.cond(jnp.sum(x) > 0, lambda v: v * 2, lambda v: v - 1, x)
        return lax.scan(lambda c, v: (c + v, c), 0.0, y)

    xs = jnp.asarray(RNG.standard_normal((5, 4)).astype(np.float32))
    vf = pb.vmap(f)
    vf = pb.jit(vf) if jit else vf
    got = vf(xs)
    for i in range(5):
        _close((got[0][i], got[1][i]), f(xs[i]), 1e-5)


def test_make_jaxpr_device_put_devices_block_until_ready():
    jaxpr = pb.make_jaxpr(lambda x: jnp.sin(x) * 2)(jnp.ones(3))
    assert "sin" in str(jaxpr)
    x = pb.device_put(np.arange(3.0, dtype=np.float32), pb.devices()[0])
    assert isinstance(x, pb.Array)
    assert pb.block_until_ready(x * 2) is not None
    assert len(pb.devices()) == pb.device_count() >= 1
    assert pb.devices()[0].platform == "cpu"


def test_checkpoint_policies_under_jit():
    def layer(w, x):
        return jnp.tanh(x @ w)

    f = pb.checkpoint(layer, policy=pb.checkpoint_policies.dots_saveable)
    w = random.normal(random.PRNGKey(3), (4, 4))
    g = pb.jit(pb.grad(lambda w: jnp.sum(f(w, X))))(w)
    _close(g, pb.grad(lambda w: jnp.sum(layer(w, X)))(w), 1e-5)


def test_config_enable_x64():
    pb.config.update("jax_enable_x64", True)
    try:
        assert jnp.asarray(1.0).dtype == np.float64
        assert pb.jit(lambda x: x * 2)(np.arange(2)).dtype == np.int64
        assert pb.config.jax_enable_x64 is True
    finally:
        pb.config.update("jax_enable_x64", False)
    assert jnp.asarray(1.0).dtype == np.float32
    with pytest.raises(AttributeError, match="unrecognized config option"):
        pb.config.update("jax_no_such_flag", True)


def test_custom_rules_and_callbacks_in_the_public_api():
    @pb.custom_jvp
    def f(x):
        return jnp.sin(x)

    @f.defjvp
    def _f_jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), 2.0 * t  # deliberately not cos: the rule must be used

    assert isinstance(f(1.0), pb.Array)
    np.testing.assert_allclose(pb.grad(f)(0.3), 2.0)
    np.testing.assert_allclose(pb.jit(pb.grad(f))(0.3), 2.0)

    out = pb.jit(lambda x: pb.pure_callback(np.cos, pb.ShapeDtypeStruct(x.shape, x.dtype), x))(
        jnp.zeros(2)
    )
    np.testing.assert_allclose(out, [1, 1])
    pb.effects_barrier()


def test_nn_functions():
    x = jnp.asarray([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]])
    h = np.asarray(x)
    np.testing.assert_allclose(nn.relu(x), np.maximum(h, 0))
    np.testing.assert_allclose(nn.sigmoid(x), 1 / (1 + np.exp(-h)), rtol=1e-6)
    sm = np.exp(h - h.max(1, keepdims=True))
    sm /= sm.sum(1, keepdims=True)
    np.testing.assert_allclose(nn.softmax(x), sm, rtol=1e-6)
    np.testing.assert_allclose(nn.log_softmax(x), np.log(sm), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nn.gelu(x, approximate=False),
                               h * 0.5 * (1 + np.vectorize(__import__("math").erf)(h / np.sqrt(2))),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    np.testing.assert_array_equal(nn.one_hot(jnp.asarray([0, 2, 5]), 3),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 0]])  # fmt: skip
    np.testing.assert_allclose(nn.softplus(x), np.log1p(np.exp(h)), rtol=1e-5)
    np.testing.assert_allclose(
        pb.grad(lambda v: jnp.sum(nn.relu(v)))(x), (h > 0).astype(np.float32)
    )


def test_eval_shape_and_linear_transpose():
    s = pb.eval_shape(lambda a: jnp.zeros((3,)) + a.sum(), jnp.ones((2, 2)))
    assert s.shape == (3,)
    assert s.dtype == np.float32
    t = pb.linear_transpose(lambda v: 3.0 * v, jnp.ones(2))
    (ct,) = t(jnp.asarray([1.0, 2.0]))
    np.testing.assert_allclose(ct, [3, 6])


@pytest.mark.parametrize("jit", [False, True])
def test_remaining_spec_functions(jit):
    wrap = pb.jit if jit else (lambda f: f)
    x = jnp.asarray([0.5, -1.0, 2.0])

    # jacobian / linearize / fwd_and_bwd / vjp
    jac = wrap(pb.jacobian(lambda v: jnp.sin(v) * 2.0))(x)
    np.testing.assert_allclose(jac, np.diag(2 * np.cos(np.asarray(x))), rtol=1e-6)
    out, f_jvp = pb.linearize(jnp.sin, x)
    np.testing.assert_allclose(out, np.sin(np.asarray(x)), rtol=1e-6)
    np.testing.assert_allclose(wrap(f_jvp)(jnp.ones(3)), np.cos(np.asarray(x)), rtol=1e-6)
    out, bwd = pb.fwd_and_bwd(jnp.exp, x)
    np.testing.assert_allclose(out, np.exp(np.asarray(x)), rtol=1e-6)
    np.testing.assert_allclose(wrap(bwd)(jnp.ones(3))[0], np.exp(np.asarray(x)), rtol=1e-6)
    _, vjp_fun = pb.vjp(lambda v: jnp.sum(v**2), x)
    np.testing.assert_allclose(vjp_fun(1.0)[0], 2 * np.asarray(x))

    # custom_vjp / custom_gradient / closure_convert / stop_gradient
    @pb.custom_vjp
    def clipped(v):
        return v

    clipped.defvjp(lambda v: (v, None), lambda _, g: (jnp.clip(g, -0.5, 0.5),))
    np.testing.assert_allclose(wrap(pb.grad(lambda v: jnp.sum(clipped(v) * 3.0)))(x), [0.5] * 3)

    @pb.custom_gradient
    def scaled(v):
        return v * 2.0, lambda g: (g * 10.0,)

    np.testing.assert_allclose(wrap(pb.grad(lambda v: jnp.sum(scaled(v))))(x), [10.0] * 3)
    conv, consts = pb.closure_convert(lambda v: v * x, jnp.ones(3))
    np.testing.assert_allclose(conv(jnp.ones(3), *consts), x)
    np.testing.assert_allclose(
        wrap(pb.grad(lambda v: jnp.sum(pb.stop_gradient(v) * v)))(x), np.asarray(x)
    )

    # named_scope / named_call / checkpoint(remat)
    def g(v):
        with pb.named_scope("block"):
            return pb.named_call(lambda u: jnp.tanh(u) * 2.0, name="inner")(v)

    np.testing.assert_allclose(wrap(g)(x), np.tanh(np.asarray(x)) * 2, rtol=1e-6)
    np.testing.assert_allclose(
        wrap(pb.grad(lambda v: jnp.sum(pb.remat(jnp.sin)(v))))(x), np.cos(np.asarray(x)), rtol=1e-6
    )
    pb.effects_barrier()


def test_named_scope_and_named_call_reach_the_compiled_program():
    def g(v):
        with pb.named_scope("block"):
            return pb.named_call(lambda u: jnp.tanh(u) * 2.0, name="inner")(v)

    hlo = pb.jit(g).lower(jnp.ones(3)).compile().as_text()
    assert "block/inner/tanh" in hlo
