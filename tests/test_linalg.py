"""pullback.numpy.linalg and pullback.scipy.linalg against NumPy, eagerly and under jit, with
gradients (against closed forms and central differences) and vmap."""

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback.scipy import linalg as sla

import pullback as pb

RNG = np.random.default_rng(0)


def rand(*shape, dtype=np.float32):
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dtype)


def spd(*batch, n=4, dtype=np.float32):
    m = rand(*batch, n, n, dtype=dtype)
    return (m @ np.conj(np.swapaxes(m, -1, -2)) + n * np.eye(n)).astype(dtype)


def both(f, *args, rtol=2e-4, atol=2e-5):
    """f eagerly and under jit (checked equal); the eager result as NumPy."""
    eager = f(*args)
    jitted = pb.jit(f)(*args)
    for e, j in zip(pb.tree_util.tree_leaves(eager), pb.tree_util.tree_leaves(jitted), strict=True):
        np.testing.assert_allclose(np.asarray(j), np.asarray(e), rtol=rtol, atol=atol)
    return pb.tree_util.tree_map(np.asarray, eager)


DTYPES = [np.float32, np.complex64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_linalg_against_numpy(dtype):
    a = rand(3, 4, 4, dtype=dtype)
    b = rand(3, 4, 2, dtype=dtype)
    tol = {"rtol": 2e-4, "atol": 2e-5}
    np.testing.assert_allclose(both(jnp.linalg.solve, a, b), np.linalg.solve(a, b), **tol)
    np.testing.assert_allclose(both(jnp.linalg.solve, a[0], b[0, :, 0]),
                               np.linalg.solve(a[0], b[0, :, 0]), **tol)  # fmt: skip
    np.testing.assert_allclose(both(jnp.linalg.solve, a, b[0]), np.linalg.solve(a, b[0]), **tol)
    np.testing.assert_allclose(both(jnp.linalg.inv, a), np.linalg.inv(a), **tol)
    np.testing.assert_allclose(both(jnp.linalg.det, a), np.linalg.det(a), **tol)
    sign, logdet = both(jnp.linalg.slogdet, a)
    ref_sign, ref_logdet = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign, ref_sign, **tol)
    np.testing.assert_allclose(logdet, ref_logdet, **tol)
    s = spd(2, dtype=dtype)
    np.testing.assert_allclose(both(jnp.linalg.cholesky, s), np.linalg.cholesky(s), **tol)
    upper = np.conj(np.swapaxes(np.linalg.cholesky(s), -1, -2))
    np.testing.assert_allclose(both(lambda m: jnp.linalg.cholesky(m, upper=True), s), upper, **tol)
    for n in (0, 1, 3, -2):
        got = both(lambda m, n=n: jnp.linalg.matrix_power(m, n), a[0])
        np.testing.assert_allclose(got, np.linalg.matrix_power(a[0], n), rtol=1e-3, atol=1e-4)
    chain = [rand(2, 5, dtype=dtype), rand(5, 3, dtype=dtype), rand(3, dtype=dtype)]
    np.testing.assert_allclose(both(jnp.linalg.multi_dot, chain), np.linalg.multi_dot(chain),
                               **tol)  # fmt: skip


def test_singular_and_failing_inputs():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
    assert float(jnp.linalg.det(singular)) == 0.0
    sign, logdet = jnp.linalg.slogdet(singular)
    assert float(sign) == 0.0 and float(logdet) == -np.inf  # noqa: PT018
    assert np.all(np.isnan(np.asarray(pb.jit(jnp.linalg.cholesky)(-np.eye(3, dtype=np.float32)))))
    assert np.all(np.isnan(np.asarray(jnp.linalg.cholesky(-np.eye(3, dtype=np.float32)))))
    with pytest.raises(ValueError, match="solve: b must have 4 rows"):
        jnp.linalg.solve(rand(4, 4), rand(3))
    with pytest.raises(ValueError, match="inv: a must be square"):
        jnp.linalg.inv(rand(3, 4))


@pytest.mark.parametrize("dtype", DTYPES)
def test_scipy_linalg_against_numpy(dtype):
    a = rand(2, 4, 4, dtype=dtype)
    b = rand(2, 4, 3, dtype=dtype)
    s = spd(2, dtype=dtype)
    tol = {"rtol": 5e-4, "atol": 5e-5}
    upper = np.conj(np.swapaxes(np.linalg.cholesky(s), -1, -2))
    np.testing.assert_allclose(both(sla.cholesky, s), upper, **tol)
    np.testing.assert_allclose(both(lambda m: sla.cholesky(m, lower=True), s),
                               np.linalg.cholesky(s), **tol)  # fmt: skip
    for lower in (False, True):
        f = lambda m, v, lower=lower: sla.cho_solve(sla.cho_factor(m, lower=lower), v)  # noqa: E731
        np.testing.assert_allclose(both(f, s, b), np.linalg.solve(s, b), **tol)
        g = lambda m, v, lower=lower: sla.solve(m, v, lower=lower, assume_a="pos")  # noqa: E731
        np.testing.assert_allclose(both(g, s, b), np.linalg.solve(s, b), **tol)
    t = np.tril(a) + 3 * np.eye(4, dtype=dtype)
    for trans, op in [(0, t), ("T", np.swapaxes(t, -1, -2)), (2, np.conj(np.swapaxes(t, -1, -2)))]:
        f = lambda m, v, trans=trans: sla.solve_triangular(m, v, trans=trans, lower=True)  # noqa: E731
        np.testing.assert_allclose(both(f, t, b), np.linalg.solve(op, b), **tol)
    m = np.triu(a[0]) + 5  # upper triangular; its diagonal is ignored with unit_diagonal
    got = both(lambda t_, v: sla.solve_triangular(t_, v, unit_diagonal=True), m, b[0, :, 0])
    np.testing.assert_allclose(got, np.linalg.solve(np.triu(m, 1) + np.eye(4), b[0, :, 0]), **tol)
    for trans, op in [(0, a), (1, np.swapaxes(a, -1, -2)), (2, np.conj(np.swapaxes(a, -1, -2)))]:
        f = lambda m, v, trans=trans: sla.lu_solve(sla.lu_factor(m), v, trans=trans)  # noqa: E731
        np.testing.assert_allclose(both(f, a, b), np.linalg.solve(op, b), **tol)
    np.testing.assert_allclose(both(sla.inv, a), np.linalg.inv(a), **tol)
    np.testing.assert_allclose(both(sla.det, a), np.linalg.det(a), **tol)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 4, 4)])
def test_scipy_lu_reconstructs_the_matrix(shape):
    a = rand(*shape)
    p, low, u = both(sla.lu, a)
    k = min(shape[-2:])
    assert low.shape == (*shape[:-2], shape[-2], k)
    assert u.shape == (*shape[:-2], k, shape[-1])
    np.testing.assert_allclose(p @ low @ u, a, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.triu(low, 1), 0)
    np.testing.assert_allclose(np.diagonal(low, axis1=-2, axis2=-1), 1)
    np.testing.assert_array_equal(np.tril(u, -1), 0)
    pl, u2 = sla.lu(a, permute_l=True)
    np.testing.assert_allclose(np.asarray(pl) @ np.asarray(u2), a, rtol=1e-5, atol=1e-5)


def test_gradients_against_closed_forms():
    a = rand(4, 4) + 4 * np.eye(4, dtype=np.float32)
    b = rand(4, 2)
    inv = np.linalg.inv(a)
    # d det / dA = det(A) A^-T;  d log|det| / dA = A^-T
    np.testing.assert_allclose(pb.grad(jnp.linalg.det)(a), np.linalg.det(a) * inv.T, rtol=1e-4)
    np.testing.assert_allclose(pb.jit(pb.grad(lambda m: jnp.linalg.slogdet(m)[1]))(a), inv.T,
                               rtol=1e-4, atol=1e-6)  # fmt: skip
    # d sum(A^-1 B) / dB = A^-T 1
    g = pb.grad(lambda v: jnp.sum(jnp.linalg.solve(a, v)))(b)
    np.testing.assert_allclose(g, inv.T @ np.ones((4, 2)), rtol=1e-4)
    # d tr(A^-1) / dA = -(A^-2)^T
    g = pb.grad(lambda m: jnp.trace(jnp.linalg.inv(m)))(a)
    np.testing.assert_allclose(g, -(inv @ inv).T, rtol=1e-4, atol=1e-6)


def test_cholesky_and_solve_derivatives_against_central_differences():
    pb.config.update("jax_enable_x64", True)
    try:
        s = spd(n=4, dtype=np.float64)
        b = rand(4, 2, dtype=np.float64)
        d = rand(4, 4, dtype=np.float64)
        d = d + d.T
        for f in (lambda m: jnp.sum(jnp.linalg.cholesky(m) ** 3),
                  lambda m: jnp.sum(jnp.sin(sla.cho_solve(sla.cho_factor(m), b))),
                  lambda m: jnp.sum(jnp.linalg.solve(m, b) ** 2),
                  lambda m: jnp.linalg.slogdet(m)[1]):  # fmt: skip
            eps = 1e-6
            fd = (float(f(s + eps * d)) - float(f(s - eps * d))) / (2 * eps)
            _, jvp = pb.jvp(f, (jnp.asarray(s),), (jnp.asarray(d),))
            exact = float(np.sum(np.asarray(pb.grad(f)(s)) * d))
            np.testing.assert_allclose(float(jvp), fd, rtol=1e-6)
            np.testing.assert_allclose(exact, fd, rtol=1e-6)
        # second order: the Hessian-vector product of log det is -tr(S^-1 D S^-1 D)
        hvp = pb.jvp(pb.grad(lambda m: jnp.linalg.slogdet(m)[1]), (jnp.asarray(s),),
                     (jnp.asarray(d),))[1]  # fmt: skip
        si = np.linalg.inv(s)
        np.testing.assert_allclose(float(np.sum(np.asarray(hvp) * d)),
                                   -np.trace(si @ d @ si @ d), rtol=1e-6)  # fmt: skip
    finally:
        pb.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("jit", [False, True])
def test_vmap_of_solvers_equals_the_loop(jit):
    a = rand(5, 3, 3) + 3 * np.eye(3, dtype=np.float32)
    b = rand(5, 3)
    f = pb.vmap(jnp.linalg.solve)
    f = pb.jit(f) if jit else f
    np.testing.assert_allclose(f(a, b), np.stack([np.linalg.solve(a[i], b[i]) for i in range(5)]),
                               rtol=1e-4, atol=1e-5)  # fmt: skip
    g = pb.vmap(pb.grad(lambda m: jnp.linalg.slogdet(m)[1]))(a)
    np.testing.assert_allclose(g, np.swapaxes(np.linalg.inv(a), -1, -2), rtol=1e-4, atol=1e-5)
    s = spd(5, n=3)
    c = pb.vmap(jnp.linalg.cholesky, in_axes=1, out_axes=1)(np.swapaxes(s, 0, 1))
    np.testing.assert_allclose(np.swapaxes(np.asarray(c), 0, 1), np.linalg.cholesky(s),
                               rtol=1e-4, atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_eigh_and_svd_against_numpy(dtype):
    a = rand(2, 5, 3, dtype=dtype)
    h = np.conj(np.swapaxes(a, -1, -2)) @ a
    tol = {"rtol": 2e-4, "atol": 2e-4}
    w, v = both(jnp.linalg.eigh, h)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(h), **tol)
    np.testing.assert_allclose(h @ v, v * w[..., None, :], **tol)
    np.testing.assert_allclose(
        np.conj(np.swapaxes(v, -1, -2)) @ v, np.broadcast_to(np.eye(3), h.shape), **tol
    )
    # The phase convention: each eigenvector's largest entry is real and positive.
    top = np.take_along_axis(v, np.argmax(np.abs(v), axis=-2)[..., None, :], axis=-2)
    np.testing.assert_allclose(np.imag(top), 0, atol=1e-6)
    assert np.all(np.real(top) > 0)
    upper_only = both(lambda m: jnp.linalg.eigh(m, UPLO="U", symmetrize_input=False)[0], np.triu(h))
    np.testing.assert_allclose(upper_only, np.linalg.eigvalsh(h), **tol)
    np.testing.assert_allclose(both(jnp.linalg.eigvalsh, h), np.linalg.eigvalsh(h), **tol)
    for full in (False, True):
        u, s, vh = both(lambda m, full=full: jnp.linalg.svd(m, full_matrices=full), a)
        k = 3
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), **tol)
        np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, **tol)
        assert u.shape == ((2, 5, 5) if full else (2, 5, 3))
    np.testing.assert_allclose(
        both(jnp.linalg.svdvals, a), np.linalg.svd(a, compute_uv=False), **tol
    )
    np.testing.assert_allclose(both(jnp.linalg.pinv, a), np.linalg.pinv(a), **tol)
    np.testing.assert_array_equal(both(jnp.linalg.matrix_rank, a), np.linalg.matrix_rank(a))
    np.testing.assert_allclose(both(jnp.linalg.cond, a), np.linalg.cond(a), rtol=1e-3)
    for ordr in (2, -2, "nuc"):
        np.testing.assert_allclose(both(lambda m, o=ordr: jnp.linalg.norm(m, o, axis=(1, 2)), a),
                                   np.linalg.norm(a, ordr, axis=(1, 2)), **tol)  # fmt: skip
    b = rand(5, 2, dtype=dtype)
    x, resid, rank, _ = both(lambda m, v: jnp.linalg.lstsq(m, v), a[0], b)
    xr, rr, rkr, _ = np.linalg.lstsq(a[0], b)
    np.testing.assert_allclose(x, xr, **tol)
    np.testing.assert_allclose(resid, rr, **tol)
    assert int(rank) == rkr
    w2, _ = both(sla.eigh, h)
    np.testing.assert_allclose(w2, np.linalg.eigvalsh(h), **tol)


def test_generalized_eigh_and_rank_deficiency():
    a = spd(n=4) - 2 * np.eye(4, dtype=np.float32)
    b = spd(n=4)
    w, v = sla.eigh(a, b)
    w, v = np.asarray(w), np.asarray(v)
    np.testing.assert_allclose(a @ v, (b @ v) * w[None, :], rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(v.T @ b @ v, np.eye(4), rtol=1e-3, atol=1e-3)
    low_rank = rand(6, 2) @ rand(2, 4)
    assert int(jnp.linalg.matrix_rank(low_rank)) == 2
    # Singular values below max(m, n) * eps of the largest count as zero (NumPy's default
    # cutoff, 1e-15, would keep float32 rounding noise).
    expected = np.linalg.pinv(low_rank, rcond=6 * np.finfo(np.float32).eps)
    np.testing.assert_allclose(jnp.linalg.pinv(low_rank), expected, rtol=1e-3, atol=1e-4)
    _, s, _ = sla.svd(low_rank, full_matrices=False)
    np.testing.assert_allclose(np.asarray(s)[2:], 0, atol=1e-5)


def test_spectral_gradients():
    pb.config.update("jax_enable_x64", True)
    try:
        a = rand(5, 3, dtype=np.float64)
        d = rand(5, 3, dtype=np.float64)
        h = a.T @ a
        dh = d.T @ d
        eps = 1e-6
        for f, x, dx in [
            (lambda m: jnp.sum(jnp.linalg.eigvalsh(m) ** 2), h, dh),
            (lambda m: jnp.sum(jnp.linalg.eigh(m)[1][:, -1] * jnp.arange(3.0)), h, dh),
            (lambda m: jnp.sum(jnp.linalg.svdvals(m)), a, d),
            (lambda m: jnp.sum(jnp.linalg.svd(m, full_matrices=False)[0] ** 3), a, d),
            (
                lambda m: jnp.sum(
                    jnp.linalg.svd(m, full_matrices=False)[2] * jnp.arange(9.0).reshape(3, 3)
                ),
                a,
                d,
            ),
            (lambda m: jnp.sum(jnp.linalg.pinv(m) ** 2), a, d),
        ]:
            fd = (float(f(x + eps * dx)) - float(f(x - eps * dx))) / (2 * eps)
            _, jvp = pb.jvp(f, (jnp.asarray(x),), (jnp.asarray(dx),))
            vjp = float(np.sum(np.asarray(pb.grad(f)(x)) * dx))
            np.testing.assert_allclose(float(jvp), fd, rtol=1e-5)
            np.testing.assert_allclose(vjp, fd, rtol=1e-5)
    finally:
        pb.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_qr_against_numpy(dtype, shape):
    a = rand(*shape, dtype=dtype)
    tol = {"rtol": 2e-4, "atol": 2e-5}
    for mode in ("reduced", "complete"):
        q, r = both(lambda m, mode=mode: jnp.linalg.qr(m, mode), a)
        qr_ref, r_ref = np.linalg.qr(a, mode=mode)
        np.testing.assert_allclose(q, qr_ref, **tol)
        np.testing.assert_allclose(r, r_ref, **tol)
    np.testing.assert_allclose(
        both(lambda m: jnp.linalg.qr(m, "r"), a), np.linalg.qr(a, "r"), **tol
    )
    q, r = sla.qr(a, mode="economic")
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a, **tol)
    assert jnp.linalg.qr(a).Q.shape == np.linalg.qr(a).Q.shape


def test_qr_gradients_against_central_differences():
    pb.config.update("jax_enable_x64", True)
    try:
        for shape in [(5, 3), (4, 4)]:
            a = rand(*shape, dtype=np.float64)
            d = rand(*shape, dtype=np.float64)
            w = rand(*shape, dtype=np.float64)

            def f(m, w=w):
                q, r = jnp.linalg.qr(m)
                return jnp.sum(q * w[:, : q.shape[1]]) + jnp.sum(r**2)

            eps = 1e-6
            fd = (float(f(a + eps * d)) - float(f(a - eps * d))) / (2 * eps)
            np.testing.assert_allclose(
                float(pb.jvp(f, (jnp.asarray(a),), (jnp.asarray(d),))[1]), fd, rtol=1e-6
            )
            np.testing.assert_allclose(float(np.sum(np.asarray(pb.grad(f)(a)) * d)), fd, rtol=1e-6)
    finally:
        pb.config.update("jax_enable_x64", False)
    with pytest.raises(NotImplementedError, match="m >= n"):
        pb.grad(lambda m: jnp.sum(jnp.linalg.qr(m)[1]))(rand(2, 4))


def test_complex_det_and_slogdet_derivatives():
    pb.config.update("jax_enable_x64", True)
    try:
        a = rand(4, 4, dtype=np.complex128)
        d = rand(4, 4, dtype=np.complex128)
        eps = 1e-6
        (_, _), (dsign, dlog) = pb.jvp(jnp.linalg.slogdet, (jnp.asarray(a),), (jnp.asarray(d),))
        (sp, lp), (sm, lm) = np.linalg.slogdet(a + eps * d), np.linalg.slogdet(a - eps * d)
        np.testing.assert_allclose(complex(dsign), (sp - sm) / (2 * eps), rtol=1e-6)
        np.testing.assert_allclose(float(dlog), (lp - lm) / (2 * eps), rtol=1e-6)
        _, ddet = pb.jvp(jnp.linalg.det, (jnp.asarray(a),), (jnp.asarray(d),))
        fd = (np.linalg.det(a + eps * d) - np.linalg.det(a - eps * d)) / (2 * eps)
        np.testing.assert_allclose(complex(ddet), fd, rtol=1e-6)
    finally:
        pb.config.update("jax_enable_x64", False)


def test_expm_against_scipy_and_its_gradient(x64):
    import scipy.linalg

    for scale in (0.01, 1.0, 8.0):
        a = rand(2, 4, 4, dtype=np.float64) * scale
        expected = np.stack([scipy.linalg.expm(m) for m in a])
        np.testing.assert_allclose(both(sla.expm, a, rtol=1e-10, atol=1e-10), expected,
                                   rtol=1e-9, atol=1e-12 * np.abs(expected).max())  # fmt: skip
    a = rand(3, 3, dtype=np.float64)
    d = rand(3, 3, dtype=np.float64)
    w = np.arange(9.0).reshape(3, 3)

    def f(m):
        return jnp.sum(sla.expm(m) * w)

    eps = 1e-6
    fd = (float(f(a + eps * d)) - float(f(a - eps * d))) / (2 * eps)
    np.testing.assert_allclose(float(np.sum(np.asarray(pb.grad(f)(a)) * d)), fd, rtol=1e-6)
    # exp of a skew-symmetric matrix is a rotation
    skew = a - a.T
    r = np.asarray(sla.expm(skew))
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-12)


def test_lax_linalg_namespace():
    from pullback.lax import linalg as lla

    s = spd(n=3)
    low = np.asarray(lla.cholesky(s))
    np.testing.assert_allclose(low @ low.T, s, rtol=1e-4, atol=1e-4)
    _, w = lla.eigh(s)
    np.testing.assert_allclose(np.asarray(w), np.linalg.eigvalsh(s), rtol=1e-4)
    _, _, perm = lla.lu(s)
    assert np.asarray(perm).shape == (3,)
    x = lla.triangular_solve(low, np.eye(3, dtype=np.float32), left_side=True, lower=True)
    np.testing.assert_allclose(np.asarray(x) @ low, np.eye(3), atol=1e-5)
    q, r = lla.qr(s)
    _, sv, _ = lla.svd(s)
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), s, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np.asarray(sv), np.linalg.svd(s, compute_uv=False), rtol=1e-4)


@pytest.mark.parametrize(("batch", "n", "k"), [((), 64, 64), ((), 5, 3), ((), 1, 1), ((3,), 6, 6),
                                               ((2, 2), 4, 3)])  # fmt: skip
def test_lu_pivots_to_permutation_applies_the_swaps_in_order(batch, n, k):
    from pullback.lax import linalg as lax_linalg

    rng = np.random.default_rng(n * 10 + k)
    piv = np.maximum(rng.integers(0, n, (*batch, k)), np.arange(k)).astype(np.int32)
    want = np.broadcast_to(np.arange(n), (*batch, n)).copy()
    for idx in np.ndindex(*batch):
        for i in range(k):
            p = piv[(*idx, i)]
            want[(*idx, i)], want[(*idx, p)] = want[(*idx, p)], want[(*idx, i)]
    for f in (lambda p: lax_linalg.lu_pivots_to_permutation(p, n),
              pb.jit(lambda p: lax_linalg.lu_pivots_to_permutation(p, n))):  # fmt: skip
        got = f(piv)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)
