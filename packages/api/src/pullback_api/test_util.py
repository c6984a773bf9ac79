"""`pullback.test_util`: numerical checks of derivatives (JAX's `jax.test_util`).

`check_jvp` compares forward-mode derivatives with central finite differences along a random
direction; `check_vjp` checks reverse mode against forward mode by the identity
`<v, J u> == <J^T v, u>`; `check_grads` runs both, up to a given order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_pytrees import tree_flatten, tree_map, tree_unflatten

__all__ = ["check_grads", "check_jvp", "check_vjp"]

_EPS = 1e-4
_TOL = {
    np.dtype(np.float16): 1e-1, np.dtype("bfloat16"): 1e-1, np.dtype(np.float32): 2e-2,
    np.dtype(np.float64): 1e-5, np.dtype(np.complex64): 2e-2, np.dtype(np.complex128): 1e-5,
}  # fmt: skip


def _tol(tol: Any, values: Sequence[Any]) -> float:
    if tol is not None:
        return float(tol)
    dts = [np.asarray(v).dtype for v in values]
    return max((_TOL.get(dt, 2e-2) for dt in dts), default=2e-2)


def _rand_like(rng: np.random.RandomState, x: Any) -> Any:
    a = np.asarray(x)
    out = rng.standard_normal(a.shape)
    if np.iscomplexobj(a):
        out = out + 1j * rng.standard_normal(a.shape)
    return out.astype(a.dtype)


def _inner(xs: Sequence[Any], ys: Sequence[Any]) -> complex:
    return complex(sum(np.vdot(np.asarray(y, np.complex128), np.asarray(x, np.complex128))
                       for x, y in zip(xs, ys, strict=True)))  # fmt: skip


def _assert_close(name: str, got: Any, want: Any, atol: float, rtol: float) -> None:
    g, w = tree_flatten(got)[0], tree_flatten(want)[0]
    for a, b in zip(g, w, strict=True):
        np.testing.assert_allclose(
            np.asarray(a, np.complex128), np.asarray(b, np.complex128), atol=atol, rtol=rtol,
            err_msg=f"{name}: derivatives disagree",
        )  # fmt: skip


def check_jvp(f: Callable[..., Any], f_jvp: Callable[..., Any], args: Sequence[Any],
              atol: float | None = None, rtol: float | None = None,
              eps: float = _EPS, err_msg: str = "") -> None:  # fmt: skip
    """Check `f_jvp(args, tangents)` against central finite differences of `f`.

    Raises:
        AssertionError: naming the mismatch if they differ beyond the tolerances.
    """
    rng = np.random.RandomState(0)
    tangents = tree_map(lambda x: _rand_like(rng, x), list(args))
    primal_out, tangent_out = f_jvp(list(args), tangents)
    step = [tree_map(lambda x, t, s=s: np.asarray(x) + s * eps * t, a, t)
            for s in (1, -1) for a, t in [(list(args), tangents)]]  # fmt: skip
    plus, minus = f(*step[0]), f(*step[1])
    fd = tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus)
    leaves = tree_flatten(list(args))[0]
    _assert_close(err_msg or "check_jvp (primal)", primal_out, f(*args), _tol(atol, leaves),
                  _tol(rtol, leaves))  # fmt: skip
    _assert_close(err_msg or "check_jvp", tangent_out, fd, _tol(atol, leaves), _tol(rtol, leaves))


def check_vjp(f: Callable[..., Any], f_vjp: Callable[..., Any], args: Sequence[Any],
              atol: float | None = None, rtol: float | None = None,
              eps: float = _EPS, err_msg: str = "") -> None:  # fmt: skip
    """Check `f_vjp(*args)` (returning (out, vjp_fun)) against forward mode of `f`.

    Raises:
        AssertionError: if `<v, J u>` and `<J^T v, u>` differ beyond the tolerances.
    """
    from pullback_api._transforms import jvp

    rng = np.random.RandomState(1)
    out, vjp_fun = f_vjp(*args)
    cotangent = tree_map(lambda x: _rand_like(rng, x), out)
    tangents = tree_map(lambda x: _rand_like(rng, x), list(args))
    ct_in = vjp_fun(cotangent)
    _, jvp_out = jvp(f, tuple(args), tuple(tangents))
    lhs = _inner(tree_flatten(jvp_out)[0], tree_flatten(cotangent)[0])
    rhs = _inner(tree_flatten(tangents)[0], tree_flatten(list(ct_in))[0])
    leaves = tree_flatten(list(args))[0]
    tol = _tol(atol, leaves)
    scale = max(abs(lhs), abs(rhs), 1.0)
    if abs(lhs - rhs) > tol + _tol(rtol, leaves) * scale:
        raise AssertionError(f"{err_msg or 'check_vjp'}: <v, J u> = {lhs} but <J^T v, u> = {rhs}")


def check_grads(f: Callable[..., Any], args: Sequence[Any], order: int,
                modes: Sequence[str] = ("fwd", "rev"), atol: float | None = None,
                rtol: float | None = None, eps: float | None = None) -> None:  # fmt: skip
    """Check `f`'s derivatives at `args` up to `order`, in forward ("fwd") and reverse ("rev").

    Raises:
        AssertionError: if a derivative disagrees with finite differences or the other mode.
        ValueError: for an unknown mode.
    """
    from pullback_api._transforms import jvp, vjp

    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: modes must be 'fwd' or 'rev', got {m!r}")
    e = _EPS if eps is None else eps
    args = tuple(args)

    def fwd(fn: Callable[..., Any]) -> Callable[..., Any]:
        return lambda primals, tangents: jvp(fn, tuple(primals), tuple(tangents))

    def check(fn: Callable[..., Any], k: int) -> None:
        if "fwd" in modes:
            check_jvp(fn, fwd(fn), args, atol, rtol, e, f"check_grads order {k} (fwd)")
            if k < order:
                check(lambda *a: jvp(fn, a, _ones_like(a))[1], k + 1)
        if "rev" in modes:
            check_vjp(fn, lambda *a: vjp(fn, *a), args, atol, rtol, e,
                      f"check_grads order {k} (rev)")  # fmt: skip
            if k < order:
                rng = np.random.RandomState(k)
                ct = tree_map(lambda x: _rand_like(rng, x), fn(*args))
                check(lambda *a: vjp(fn, *a)[1](ct), k + 1)

    check(f, 1)


def _ones_like(xs: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(tree_unflatten(tree_flatten(x)[1], [np.ones_like(np.asarray(v))
                                                      for v in tree_flatten(x)[0]])
                 for x in xs)  # fmt: skip
