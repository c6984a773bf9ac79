"""A sweep of everyday functions through the compositions users write.

Per-example gradients of scalar functions: vmap(grad f), jit(vmap(grad f)) and
grad(sum(vmap f)) all equal the Python loop of grad f. Second derivatives of vector functions:
hessian, jacfwd(jacrev), jit(jacrev(jacfwd)) and a vmapped Hessian-vector product equal central
differences of the gradient (float64).
"""

import numpy as np
import pullback.numpy as jnp
import pytest
from pullback.scipy import special

import pullback as pb
from pullback import lax, nn

X = np.linspace(0.3, 2.1, 5).astype(np.float32)

SCALAR = {
    "where": lambda x: jnp.where(x > 1, x**2, 3.0),
    "clip": lambda x: jnp.clip(x, 0.5, 1.5) * x,
    "maximum": lambda x: jnp.maximum(x, 1.0),
    "minimum": lambda x: jnp.minimum(1.0, x * x),
    "abs": lambda x: jnp.abs(x - 1),
    "relu": nn.relu,
    "relu6 (custom_jvp)": nn.relu6,
    "gelu": nn.gelu,
    "softplus": nn.softplus,
    "logaddexp": lambda x: jnp.logaddexp(x, 1.0),
    "sqrt": jnp.sqrt,
    "power": lambda x: jnp.power(x, 2.5),
    "power of 2": lambda x: jnp.power(2.0, x),
    "arctan2": lambda x: jnp.arctan2(x, 1.0),
    "hypot": lambda x: jnp.hypot(x, 2.0),
    "nan_to_num": lambda x: jnp.nan_to_num(jnp.log(x - 1.0)),
    "fmax": lambda x: jnp.fmax(x, 1.0),
    "select": lambda x: lax.select(x > 1, x, -x),
    "cond": lambda x: lax.cond(x > 1, lambda v: v * 2, lambda v: v**3, x),
    "fori_loop": lambda x: lax.fori_loop(0, 3, lambda i, v: v * x, 1.0),
    "scan": lambda x: lax.scan(lambda c, _: (c * x, c), 1.0, None, length=3)[0],
    "sort": lambda x: jnp.sort(jnp.stack([x, 1.0, x * x]))[1],
    "norm": lambda x: jnp.linalg.norm(jnp.stack([x, 2 * x])),
    "logsumexp": lambda x: jnp.logsumexp(jnp.stack([x, 1.0])),
    "softmax": lambda x: nn.softmax(jnp.stack([x, 1.0]))[0],
    "erf": special.erf,
    "xlogy": lambda x: special.xlogy(x, x),
    "interp": lambda x: jnp.interp(x, jnp.asarray([0.0, 1.0, 2.0]), jnp.asarray([0.0, 2.0, 3.0])),
    "round": lambda x: jnp.round(x) * x,
    "sign": lambda x: jnp.sign(x - 1) * x,
    "heaviside": lambda x: jnp.heaviside(x - 1, 0.5) * x,
    "cumsum": lambda x: jnp.cumsum(jnp.stack([x, x * x]))[-1],
    "dot": lambda x: jnp.dot(jnp.stack([x, 1.0]), jnp.stack([2.0, x])),
    ".at[].set": lambda x: jnp.zeros(3).at[1].set(x).sum() * x,
    "dynamic_slice": lambda x: lax.dynamic_slice(jnp.stack([x, x * 2, 3.0]), (1,), (1,))[0],
    "solve": lambda x: jnp.linalg.solve(
        jnp.asarray([[2.0, 0.0], [0.0, 1.0]]) * x, jnp.ones(2)
    ).sum(),
    "det": lambda x: jnp.linalg.det(jnp.eye(2) * x),
    "eigvalsh": lambda x: jnp.linalg.eigvalsh(jnp.asarray([[2.0, 1.0], [1.0, 3.0]]) * x).sum(),
    "fft": lambda x: jnp.abs(jnp.fft.fft(jnp.stack([x, 1.0, 0.0]))).sum(),
    "checkpoint": pb.checkpoint(lambda x: jnp.sin(x) * x),
    "reduce_window": lambda x: lax.reduce_window(
        jnp.stack([x, 1.0, x * x]), -jnp.inf, lax.max, (2,), (1,), "VALID"
    ).sum(),
    "stop_gradient": lambda x: lax.stop_gradient(x) * x,
    "debug.callback": lambda x: (pb.debug.callback(lambda v: None, x), x * x)[1],
    "quantile": lambda x: jnp.quantile(jnp.stack([x, 1.0, 2.0]), 0.5),
    "median": lambda x: jnp.median(jnp.stack([x, 1.0, 2.0])),
    "polyval": lambda x: jnp.polyval(jnp.asarray([1.0, 2.0, 3.0]), x),
    "mean(where=)": lambda x: jnp.mean(
        jnp.stack([x, 2.0, 3.0]), where=jnp.asarray([True, False, True])
    ),
}


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_per_example_gradients(name):
    f = SCALAR[name]
    loop = np.array([float(pb.grad(f)(x)) for x in X])
    for got in (
        pb.vmap(pb.grad(f))(X),
        pb.jit(pb.vmap(pb.grad(f)))(X),
        pb.grad(lambda xs: jnp.sum(pb.vmap(f)(xs)))(X),
    ):
        np.testing.assert_allclose(np.asarray(got), loop, rtol=1e-4, atol=1e-5)


X0 = np.array([0.3, 1.2, -0.7])

VECTOR = {
    "mlp": lambda x: jnp.sum(jnp.tanh(jnp.outer(x, x) @ x)),
    "log_softmax": lambda x: nn.log_softmax(x)[0] * jnp.sum(x**2),
    "solve": lambda x: jnp.sum(jnp.linalg.solve(jnp.eye(3) * 3 + jnp.outer(x, x), x)),
    "slogdet": lambda x: jnp.linalg.slogdet(jnp.eye(3) * 2 + jnp.outer(x, x))[1],
    "cholesky": lambda x: jnp.sum(
        jnp.linalg.cholesky(jnp.eye(3) * 2 + jnp.outer(x, x)) ** 2 * jnp.arange(3.0)
    ),
    "eigvalsh": lambda x: jnp.linalg.eigvalsh(
        jnp.diag(jnp.asarray([1.0, 2.0, 3.0])) + jnp.outer(x, x)
    )[-1],
    "svdvals": lambda x: jnp.linalg.svdvals(jnp.stack([x, x**2, jnp.sin(x), jnp.ones(3)]))[0],
    "qr": lambda x: jnp.sum(jnp.linalg.qr(jnp.stack([x, x**2, jnp.cos(x), jnp.ones(3)]))[1] ** 2),
    "rfft": lambda x: jnp.sum(jnp.abs(jnp.fft.rfft(jnp.concatenate([x, x**2]))) ** 2),
    "scan": lambda x: lax.scan(lambda c, v: (c * jnp.tanh(v) + v, c), 1.0, x)[0],
    "cond": lambda x: lax.cond(x[0] > 0, lambda v: jnp.sum(v**3), lambda v: jnp.sum(v), x),
    "reduce_window": lambda x: jnp.sum(
        lax.reduce_window(jnp.sin(x) * x, -jnp.inf, lax.max, (2,), (1,), "VALID") ** 2
    ),
    "convolve": lambda x: jnp.sum(jnp.convolve(x, x[::-1]) ** 2),
    "interp": lambda x: jnp.sum(
        jnp.interp(x, jnp.asarray([-1.0, 0.0, 2.0]), jnp.asarray([0.0, 1.0, 5.0])) ** 2
    ),
    "norm": lambda x: jnp.linalg.norm(x) ** 3,
    "checkpoint": lambda x: jnp.sum(pb.checkpoint(lambda v: jnp.sin(v) ** 2)(x)),
}


@pytest.mark.parametrize("name", sorted(VECTOR))
def test_second_derivatives(name, x64):
    f = VECTOR[name]
    g = pb.grad(f)
    eps = 1e-6
    fd = np.stack(
        [
            (np.asarray(g(X0 + eps * e)) - np.asarray(g(X0 - eps * e))) / (2 * eps)
            for e in np.eye(3)
        ],
        axis=1,
    )
    hvp = pb.vmap(lambda v: pb.jvp(g, (jnp.asarray(X0),), (v,))[1])(jnp.eye(3))
    for h in (
        pb.hessian(f)(X0),
        pb.jacfwd(pb.jacrev(f))(X0),
        pb.jit(pb.jacrev(pb.jacfwd(f)))(X0),
        np.asarray(hvp).T,
    ):
        np.testing.assert_allclose(np.asarray(h), fd, rtol=1e-5, atol=1e-6)
