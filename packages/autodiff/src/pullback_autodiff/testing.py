"""`check_grads`: derivatives against finite differences, and forward/reverse consistency."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes

from pullback_autodiff.api import jvp, vjp

__all__ = ["check_grads", "check_jvp", "check_vjp"]


def _inexact(x: Any) -> bool:
    return dtypes.is_inexact(np.asarray(x).dtype)


def _rand_like(rng: np.random.Generator, x: Any) -> Any:
    a = np.asarray(x)
    if dtypes.is_complex(a.dtype):
        return (rng.standard_normal(a.shape) + 1j * rng.standard_normal(a.shape)).astype(a.dtype)
    return rng.standard_normal(a.shape).astype(a.dtype)


def _vdot(a: Any, b: Any) -> float:
    # The pairing Re(sum a b), without conjugation, under which (as in JAX) the VJP of a
    # function on complex numbers is the transpose of its JVP: the VJP of z -> c z is
    # w -> c w, and a conjugating map transposes to a conjugating map.
    a = np.asarray(a, np.complex128)
    b = np.asarray(b, np.complex128)
    return float(np.real(np.sum(a * b)))


def check_jvp(
    f: Callable[..., Any], args: Sequence[Any], *, eps: float, atol: float, rtol: float,
    seed: int = 0,
) -> None:  # fmt: skip
    """The JVP of `f` (flat array arguments, one array output) against central differences.

    Non-inexact arguments are held fixed.

    Raises:
        AssertionError: if they disagree beyond the tolerances.
    """
    rng = np.random.default_rng(seed)
    tangents = [
        _rand_like(rng, a) if _inexact(a) else np.zeros(np.shape(a), dtypes.float0) for a in args
    ]
    out, t_out = jvp(f, tuple(args), tuple(tangents))
    plus = [
        np.asarray(a) + eps * t if _inexact(a) else a for a, t in zip(args, tangents, strict=True)
    ]
    minus = [
        np.asarray(a) - eps * t if _inexact(a) else a for a, t in zip(args, tangents, strict=True)
    ]
    fd = (np.asarray(f(*plus), np.complex128) - np.asarray(f(*minus), np.complex128)) / (2 * eps)
    got = np.asarray(t_out, np.complex128)
    np.testing.assert_allclose(got, fd, atol=atol, rtol=rtol, err_msg="jvp vs finite differences")
    np.testing.assert_allclose(
        np.asarray(out, np.complex128), np.asarray(f(*args), np.complex128), atol=atol, rtol=rtol
    )


def check_vjp(
    f: Callable[..., Any], args: Sequence[Any], *, atol: float, rtol: float, seed: int = 0
) -> None:
    """`<v, J u> == <Jᵀ v, u>` between the JVP and the VJP of `f` at `args`.

    Raises:
        AssertionError: if the inner products differ beyond the tolerances.
    """
    rng = np.random.default_rng(seed + 1)
    us = [_rand_like(rng, a) if _inexact(a) else np.zeros(np.shape(a), dtypes.float0) for a in args]
    out, ju = jvp(f, tuple(args), tuple(us))
    out2, pullback = vjp(f, *args)
    v = _rand_like(rng, out)
    cts = pullback(v)
    lhs = _vdot(ju, v)
    rhs = sum((_vdot(u, ct) for ct, u, a in zip(cts, us, args, strict=True) if _inexact(a)), 0.0)
    scale = max(1.0, abs(lhs), abs(rhs))
    assert abs(lhs - rhs) <= atol + rtol * scale, f"<v, J u> = {lhs} but <Jt v, u> = {rhs}"
    np.testing.assert_allclose(np.asarray(out), np.asarray(out2), atol=atol, rtol=rtol)


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 1,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float = 1e-6,
    rtol: float = 1e-6,
    eps: float = 1e-4,
) -> None:
    """Check derivatives of `f` up to `order`.

    "fwd" compares JVPs with central differences; "rev" checks the VJP against the JVP by the
    inner-product identity. Order 2 repeats the checks on the first-order JVP function.

    Raises:
        AssertionError: on a mismatch.
    """
    if "fwd" in modes:
        check_jvp(f, args, eps=eps, atol=atol, rtol=rtol)
    if "rev" in modes:
        check_vjp(f, args, atol=atol, rtol=rtol)
    if order > 1:
        rng = np.random.default_rng(7)
        ts = [
            _rand_like(rng, a) if _inexact(a) else np.zeros(np.shape(a), dtypes.float0)
            for a in args
        ]

        def df(*xs: Any) -> Any:
            return jvp(f, tuple(xs), tuple(ts))[1]

        check_grads(df, args, order - 1, modes, atol, rtol, eps)
