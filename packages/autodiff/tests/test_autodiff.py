"""Differentiation of every primitive and of the API functions, on the reference interpreter."""

import numpy as np
import pytest
from pullback_autodiff import (
    grad,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    linear_transpose,
    linearize,
    value_and_grad,
    vjp,
)
from pullback_autodiff.core import jvp_rules
from pullback_autodiff.rules import NON_DIFFERENTIABLE
from pullback_autodiff.testing import check_grads
from pullback_ir import dtypes, lax, primitives
from pullback_ir.primitives import (
    bits,
    callbacks,
    control,
    elementwise as ew,
    indexing,
    sorting,
)
from pullback_ir.testing import OP_RECORDS

f32, f64 = np.float32, np.float64


@pytest.fixture(autouse=True)
def _x64():
    # Finite differences need float64; with x64 off float64 would canonicalize to float32.
    from pullback_ir.config import enable_x64

    with enable_x64():
        yield


# Primitives whose derivative rules are still missing.
MISSING_JVP: set[object] = set()

# Records whose reference inputs sit at non-differentiable points or where finite differences
# are meaningless.
SKIP = {ew.erf_inv_p, ew.round_p}


def test_every_primitive_has_a_jvp_rule():
    missing = [p.name for p in primitives.ALL if p not in jvp_rules and p not in MISSING_JVP]
    assert missing == []


def _diff_cases():
    cases = []
    for rec in OP_RECORDS:
        p = rec.primitive
        if p in NON_DIFFERENTIABLE or p in SKIP or p in MISSING_JVP or rec.axis_size:
            continue
        if p in (callbacks.pure_callback_p, callbacks.io_callback_p):
            continue
        if p is sorting.sort_p and rec.dtypes == (np.dtype(f32),):
            continue  # the NaN/inf/signed-zero ordering record: finite differences are undefined
        dts = [d for d in rec.dtypes if d in (np.dtype(f32), np.dtype(np.complex64))]
        if not dts:
            continue
        cases.append((rec, dts[0]))
    return cases


CASES = _diff_cases()
# Missing transpose rules (issue 4): reverse mode of these fails with MissingRuleError.
NO_TRANSPOSE: dict[object, str] = {}
PARAMS = [
    pytest.param(
        c,
        id=f"{c[0].primitive.name}-{c[1].name}",
        marks=[pytest.mark.xfail(reason=NO_TRANSPOSE[c[0].primitive], strict=True)]
        if c[0].primitive in NO_TRANSPOSE
        else [],
    )
    for c in CASES
]


@pytest.mark.parametrize("case", PARAMS)
def test_primitive_derivatives(case):
    rec, dt = case
    rng = np.random.default_rng(3)
    args, params = rec.make_args(rng, dt)
    higher = rec.primitive.higher_order
    wide = {np.dtype(f32): f64, np.dtype(np.complex64): np.complex128}
    if not higher:
        args = [a.astype(wide[a.dtype]) if a.dtype in wide else a for a in args]
    n_out = len(rec.primitive.abstract_eval(*[_aval(a) for a in args], **params))

    for k in range(n_out):
        if not dtypes.is_inexact(
            rec.primitive.abstract_eval(*[_aval(a) for a in args], **params)[k].dtype
        ):
            continue

        def f(*xs, k=k):
            return rec.primitive.bind(*xs, **params)[k]

        tol = 2e-2 if higher else 1e-5
        # Rounding to a narrower format is piecewise constant: only the rules' consistency
        # (not finite differences) is meaningful.
        modes = ("fwd", "rev")
        if rec.primitive is bits.reduce_precision_p:
            modes, tol = ("rev",), 2e-2
        if rec.primitive is control.while_p:
            modes = ("fwd",)  # no reverse mode through a dynamic trip count
        check_grads(f, args, order=1, modes=modes, atol=tol, rtol=tol, eps=1e-3 if higher else 1e-6)


def _aval(x):
    from pullback_ir.avals import ShapedArray

    x = np.asarray(x)
    return ShapedArray(x.shape, x.dtype)


SECOND_ORDER = [
    ("sin", lambda x: lax.sin(x), [np.linspace(-1, 1, 4)]),
    ("tanh*exp", lambda x: lax.tanh(x) * lax.exp(x), [np.linspace(-1, 1, 4)]),
    ("div", lambda x, y: x / y, [np.linspace(1, 2, 3), np.linspace(2, 3, 3)]),
    ("pow", lambda x, y: lax.pow(x, y), [np.linspace(1, 2, 3), np.linspace(0.5, 1.5, 3)]),
    ("dot", lambda a, b: lax.dot(lax.sin(a), b), [np.ones((2, 3)) * 0.3, np.ones((3, 2)) * 0.7]),
    ("logsumexp", lambda x: lax.log(lax.reduce_sum(lax.exp(x), (0,))), [np.linspace(-1, 1, 5)]),
]


@pytest.mark.parametrize(("name", "f", "args"), SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_order(name, f, args):
    check_grads(f, [a.astype(f64) for a in args], order=2, atol=1e-5, rtol=1e-5, eps=1e-5)


def test_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x] = 1  (a confused implementation gives 2)
    def f(x):
        return x * grad(lambda y: x + y)(f64(1.0))

    assert grad(f)(f64(2.0)) == 1.0


def test_grad_of_grad_and_hvp():
    f = lambda x: lax.reduce_sum(lax.sin(x) * x * x, (0,))  # noqa: E731
    x = np.linspace(0.1, 1.0, 4)
    hess = hessian(f)(x)
    want = np.diag(2 * np.sin(x) + 4 * x * np.cos(x) - x * x * np.sin(x))
    np.testing.assert_allclose(hess, want, rtol=1e-10)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    hvp = jvp(grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(hvp, want @ v, rtol=1e-10)
    assert float(grad(grad(lambda t: t * t * t))(f64(2.0))) == 12.0


def test_linearize_never_reevaluates_the_primal():
    calls = []

    def f(x):
        calls.append(1)
        return lax.sin(x) * lax.cos(x)

    x = np.linspace(0, 1, 3)
    y, f_jvp = linearize(f, x)
    assert len(calls) == 1
    names = _bound_names(lambda: [f_jvp(np.ones(3)) for _ in range(3)])
    assert len(calls) == 1
    # Each call evaluates only tangent equations (muls and an add), never sin or cos.
    assert "sin" not in names
    assert "cos" not in names
    assert len(names) == 3 * 5
    np.testing.assert_allclose(f_jvp(np.ones(3)), np.cos(2 * x), rtol=1e-12)
    np.testing.assert_allclose(y, np.sin(x) * np.cos(x))


def _bound_names(thunk):
    from pullback_ir.trace import CONTEXT, EvalTrace

    count = []

    class Counting(EvalTrace):
        def process_primitive(self, primitive, args, params):
            count.append(primitive.name)
            return super().process_primitive(primitive, args, params)

    prev = CONTEXT.trace
    CONTEXT.trace = Counting()
    try:
        thunk()
    finally:
        CONTEXT.trace = prev
    return count


def test_grad_family_options():
    f = lambda x, y: lax.reduce_sum(x * y, (0,))  # noqa: E731
    x, y = np.ones(3, f32), np.arange(3, dtype=f32)
    np.testing.assert_array_equal(grad(f)(x, y), y)
    _, gy = grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gy, x)
    (val, aux), _ = value_and_grad(lambda a: (lax.reduce_sum(a, (0,)), "aux"), has_aux=True)(x)
    assert aux == "aux"
    assert float(val) == 3.0
    g_int = grad(lambda a, n: lax.reduce_sum(a, (0,)), argnums=(0, 1), allow_int=True)(
        x, np.int32(3)
    )
    assert g_int[1].dtype == dtypes.float0
    z = np.complex64(1 + 2j)
    np.testing.assert_allclose(grad(lambda c: c * c, holomorphic=True)(z), 2 * z)


def test_grad_errors():
    with pytest.raises(TypeError, match=r"grad requires a scalar output of fun, got float32\[3\]"):
        grad(lambda x: x * 2)(np.ones(3, f32))
    with pytest.raises(TypeError, match="requires real-valued outputs"):
        grad(lambda x: lax.convert_element_type(x, np.int32))(f32(1))
    with pytest.raises(TypeError, match=r"argument 0 has type int32\[\]"):
        grad(lambda x: x * 1.0)(np.int32(1))
    with pytest.raises(ValueError, match="argnums"):
        grad(lambda x: x, argnums=3)(f32(1))
    with pytest.raises(TypeError, match="primal and tangent dtypes must be equal"):
        jvp(lambda x: x, (f32(1),), (f64(1),))


def test_jacobians_agree_and_pick_a_mode():
    f = lambda x: lax.concatenate([lax.sin(x), x * x], 0)  # noqa: E731
    x = np.linspace(0.1, 0.5, 3)
    jf, jr, j = jacfwd(f)(x), jacrev(f)(x), jacobian(f)(x)
    want = np.concatenate([np.diag(np.cos(x)), np.diag(2 * x)])
    for m in (jf, jr, j):
        np.testing.assert_allclose(m, want, rtol=1e-12)


def test_vjp_and_linear_transpose():
    x = np.arange(3.0)
    _, pull = vjp(lambda a: a * 2.0, x)
    np.testing.assert_array_equal(pull(np.ones(3))[0], np.full(3, 2.0))

    class Duck:
        shape = ()
        dtype = np.dtype(f32)

    ft = linear_transpose(lambda a, b: 0.5 * a - 0.5 * b, Duck(), Duck())
    a, b = ft(f32(1.0))
    assert a.dtype == f32
    assert float(a) == 0.5
    assert float(b) == -0.5
    with pytest.raises(TypeError, match="int32"):
        linear_transpose(lambda a: a, np.int32(1))


def test_control_flow_gradients():
    def f(x):
        c, ys = lax.scan(lambda c, xi: (lax.sin(c) * xi, c * xi), 0.5, x)
        return c + lax.reduce_sum(ys, (0,))

    check_grads(f, [np.array([1.0, 2.0, 3.0])], order=2, atol=1e-5, rtol=1e-5, eps=1e-5)
    g = lambda x: lax.fori_loop(0, 3, lambda i, v: lax.sin(v) * 1.5, x)  # noqa: E731
    check_grads(g, [f64(0.3)], atol=1e-6, rtol=1e-6, eps=1e-6)
    h = lambda x: lax.cond(x > 0, lambda v: v * v, lambda v: -3.0 * v, x)  # noqa: E731
    assert float(grad(h)(f64(2.0))) == 4.0
    assert float(grad(h)(f64(-2.0))) == -3.0
    rev = lambda x: lax.scan(lambda c, xi: (c * xi, c), 1.0, x, reverse=True)[0]  # noqa: E731
    check_grads(rev, [np.array([1.0, 2.0, 3.0])], atol=1e-6, rtol=1e-6, eps=1e-6)
    w = lambda x: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1] * c[1]), (0, x))[1]  # noqa: E731
    check_grads(w, [f64(1.1)], modes=("fwd",), atol=1e-5, rtol=1e-5, eps=1e-6)
    with pytest.raises(TypeError, match="while_loop with a dynamic trip count"):
        grad(w)(f64(1.1))


def test_pure_callback_is_not_differentiable():
    from pullback_ir import ShapeDtypeStruct

    f = lambda x: lax.pure_callback(np.sin, ShapeDtypeStruct((), f64), x)  # noqa: E731
    with pytest.raises(TypeError, match="pure_callback cannot be differentiated"):
        grad(f)(f64(1.0))


@pytest.mark.parametrize("mode", ["clip", "drop"])
def test_scatter_with_duplicate_indices_credits_only_the_winning_update(mode):
    dn = indexing.ScatterDimensionNumbers(
        update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,)
    )
    idx = np.array([[1], [1], [3], [7]], np.int32)  # 7 is out of bounds
    x = np.arange(5, dtype=f32)
    u = np.array([10.0, 20.0, 30.0, 40.0], f32)
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0], f32)

    def f(x, u):
        return (lax.scatter(x, idx, u, dn, mode=mode) * w).sum()

    out = lax.scatter(x, idx, u, dn, mode=mode)
    gx, gu = grad(f, argnums=(0, 1))(x, u)
    winner = 0 if out[1] == 10.0 else 1
    expected_u = np.zeros(4, f32)
    expected_u[winner] = w[1]
    expected_u[2] = w[3]
    if mode == "clip":  # index 7 clips to 4
        expected_u[3] = w[4]
    np.testing.assert_array_equal(gu, expected_u)
    expected_x = w.copy()
    expected_x[[1, 3]] = 0
    if mode == "clip":
        expected_x[4] = 0
    np.testing.assert_array_equal(gx, expected_x)
    # Forward and reverse agree.
    _, t = jvp(f, (x, u), (np.ones(5, f32), np.ones(4, f32)))
    assert np.isclose(t, gx.sum() + gu.sum())
