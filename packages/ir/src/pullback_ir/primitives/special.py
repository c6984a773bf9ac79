"""Reference implementations of special functions in float64 NumPy (no SciPy dependency)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pullback_ir.ieee import silent

__all__ = ["digamma", "erf", "erf_inv", "erfc", "lgamma"]

_erf = np.vectorize(math.erf, otypes=[np.float64])
_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_lgamma_scalar = np.vectorize(
    lambda v: math.lgamma(v) if not (v <= 0 and v == math.floor(v)) else math.inf,
    otypes=[np.float64],
)


def _f64(fn: Any) -> Any:
    def wrapped(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        out: np.ndarray[Any, Any] = fn(np.asarray(x, np.float64)).astype(x.dtype)
        return out

    return wrapped


def _erf_inv64(y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    # Initial guess from Giles' single-precision approximation, then Newton steps on erf.
    y = np.asarray(y, np.float64)
    with silent():
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws = w - 2.5
        p_small: Any = 2.81022636e-08
        for c in (
            3.43273939e-07,
            -3.5233877e-06,
            -4.39150654e-06,
            0.00021858087,
            -0.00125372503,
            -0.00417768164,
            0.246640727,
            1.50140941,
        ):
            p_small = c + p_small * ws
        wl = np.sqrt(w) - 3.0
        p_large: Any = -0.000200214257
        for c in (
            0.000100950558,
            0.00134934322,
            -0.00367342844,
            0.00573950773,
            -0.0076224613,
            0.00943887047,
            1.00167406,
            2.83297682,
        ):
            p_large = c + p_large * wl
        x = np.where(small, p_small, p_large) * y
        for _ in range(3):
            err = _erf(x) - y
            x = x - err / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
        x = np.where(y == 1.0, np.inf, np.where(y == -1.0, -np.inf, x))
        x = np.where(np.abs(y) > 1.0, np.nan, x)
    return x


def _digamma64(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    x = np.asarray(x, np.float64)
    with silent():
        # Reflection for x < 0.5: psi(1 - x) - psi(x) = pi * cot(pi * x).
        neg = x < 0.5
        z = np.where(neg, 1.0 - x, x)
        acc = np.zeros_like(z)
        for _ in range(6):  # recurrence psi(z) = psi(z + 1) - 1/z up to z >= 6
            lo = z < 6.0
            acc = np.where(lo, acc - 1.0 / z, acc)
            z = np.where(lo, z + 1.0, z)
        inv2 = 1.0 / (z * z)
        series = (
            np.log(z)
            - 0.5 / z
            - inv2
            * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))))
        )
        out = acc + series
        out = np.where(neg, out - math.pi / np.tan(math.pi * x), out)
        out = np.where((x <= 0) & (x == np.floor(x)), np.nan, out)
    return out


erf = _f64(_erf)
erfc = _f64(_erfc)
lgamma = _f64(_lgamma_scalar)
erf_inv = _f64(_erf_inv64)
digamma = _f64(_digamma64)
