"""`pullback.scipy.signal`: N-dimensional convolution and correlation (SciPy's names).

`convolve`/`correlate` compute directly (XLA's convolution, flipping the kernel for
`convolve`), `fftconvolve` through real FFTs; `convolve2d`/`correlate2d` are the 2-D cases.
Modes follow SciPy: "full" (every overlap), "same" (the size of `in1`, centred) and "valid"
(complete overlaps only). Integer inputs are promoted to the default float type, as in JAX.
"""

from __future__ import annotations

from typing import Any

from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of

from pullback_api.numpy._core import asarray_arg, export, to_dtype

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve"]

_MODES = ("full", "same", "valid")


def _check(name: str, in1: Any, in2: Any, mode: str) -> tuple[Any, Any]:
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    a, b = asarray_arg(in1, name), asarray_arg(in2, name)
    dt, _ = dtypes.result_type(a, b)
    if not dtypes.is_inexact(dt):
        dt = dtypes.default_float_dtype()
    a, b = to_dtype(a, dt), to_dtype(b, dt)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    if len(sa) != len(sb):
        raise ValueError(
            f"{name}: in1 and in2 must have the same number of dimensions, got shapes {sa} and {sb}"
        )
    if mode == "valid" and not (
        all(x >= y for x, y in zip(sa, sb, strict=True))
        or all(y >= x for x, y in zip(sa, sb, strict=True))
    ):
        raise ValueError(
            f"{name}: in 'valid' mode one input must be at least as large as the other in "
            f"every dimension, got shapes {sa} and {sb}"
        )
    return a, b


def _crop(full: Any, sa: tuple[int, ...], sb: tuple[int, ...], mode: str,
          centre_high: bool = False) -> Any:  # fmt: skip
    if mode == "full":
        return full
    if mode == "same":
        # (SciPy's correlate2d centres an even-sized kernel one place later than correlate)
        starts = [k // 2 if centre_high else (k - 1) // 2 for k in sb]
        sizes = list(sa)
    else:
        sizes = [abs(x - y) + 1 for x, y in zip(sa, sb, strict=True)]
        starts = [min(x, y) - 1 for x, y in zip(sa, sb, strict=True)]
    return lax.slice(full, starts, [s + n for s, n in zip(starts, sizes, strict=True)])


def _direct_full(a: Any, b: Any, precision: Any) -> Any:
    """The full correlation of `a` with `b` (kernel not flipped) by XLA's convolution."""
    sa, sb = aval_of(a).shape, aval_of(b).shape
    nd = len(sa)
    if dtypes.is_complex(aval_of(a).dtype):
        # (re + i im) * (re + i im): four real correlations
        ar, ai, br, bi = lax.real(a), lax.imag(a), lax.real(b), lax.imag(b)
        rr = _direct_full(ar, br, precision)
        ii = _direct_full(ai, bi, precision)
        ri = _direct_full(ar, bi, precision)
        ir = _direct_full(ai, br, precision)
        return lax.complex(lax.sub(rr, ii), lax.add(ri, ir))
    lhs = lax.reshape(a, (1, 1, *sa))
    rhs = lax.reshape(b, (1, 1, *sb))
    out = lax.conv_general_dilated(lhs, rhs, (1,) * nd, [(k - 1, k - 1) for k in sb],
                                   precision=precision)  # fmt: skip
    return lax.reshape(out, aval_of(out).shape[2:])


@export
def correlate(in1: Any, in2: Any, mode: str = "full", method: str = "auto",
              precision: Any = None) -> Any:  # fmt: skip
    """The cross-correlation of two N-dimensional arrays (`in2` conjugated)."""
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"correlate: method must be 'auto', 'direct' or 'fft', got {method!r}")
    a, b = _check("correlate", in1, in2, mode)
    if dtypes.is_complex(aval_of(b).dtype):
        b = lax.conj(b)
    full = _direct_full(a, b, precision)
    return _crop(full, aval_of(a).shape, aval_of(b).shape, mode)


@export
def convolve(in1: Any, in2: Any, mode: str = "full", method: str = "auto",
             precision: Any = None) -> Any:  # fmt: skip
    """The convolution of two N-dimensional arrays."""
    if method not in ("auto", "direct", "fft"):
        raise ValueError(f"convolve: method must be 'auto', 'direct' or 'fft', got {method!r}")
    a, b = _check("convolve", in1, in2, mode)
    if method == "fft":
        return fftconvolve(a, b, mode)
    nd = len(aval_of(b).shape)
    full = _direct_full(a, lax.rev(b, tuple(range(nd))), precision)
    return _crop(full, aval_of(a).shape, aval_of(b).shape, mode)


def _check_2d(name: str, in1: Any, in2: Any, boundary: str, fillvalue: Any) -> None:
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(
            f"{name}: only boundary='fill' with fillvalue=0 is supported (as in JAX)"
        )
    for x, what in ((in1, "in1"), (in2, "in2")):
        if len(aval_of(asarray_arg(x, name)).shape) != 2:
            raise ValueError(f"{name}: {what} must be 2-dimensional")


@export
def convolve2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
               fillvalue: Any = 0, precision: Any = None) -> Any:  # fmt: skip
    """The 2-D convolution of two matrices."""
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return convolve(in1, in2, mode, precision=precision)


@export
def correlate2d(in1: Any, in2: Any, mode: str = "full", boundary: str = "fill",
                fillvalue: Any = 0, precision: Any = None) -> Any:  # fmt: skip
    """The 2-D cross-correlation of two matrices."""
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    a, b = _check("correlate2d", in1, in2, mode)
    if dtypes.is_complex(aval_of(b).dtype):
        b = lax.conj(b)
    full = _direct_full(a, b, precision)
    return _crop(full, aval_of(a).shape, aval_of(b).shape, mode, centre_high=True)


@export
def fftconvolve(in1: Any, in2: Any, mode: str = "full", axes: Any = None) -> Any:
    """The convolution of two N-dimensional arrays computed with FFTs (over every axis)."""
    if axes is not None:
        raise NotImplementedError("fftconvolve: the axes argument is not supported yet")
    from pullback_api.numpy import fft

    a, b = _check("fftconvolve", in1, in2, mode)
    sa, sb = aval_of(a).shape, aval_of(b).shape
    full_shape = tuple(x + y - 1 for x, y in zip(sa, sb, strict=True))
    axes_all = tuple(range(len(sa)))
    if dtypes.is_complex(aval_of(a).dtype):
        full = fft.ifftn(fft.fftn(a, full_shape, axes_all) * fft.fftn(b, full_shape, axes_all),
                         full_shape, axes_all)  # fmt: skip
    else:
        full = fft.irfftn(fft.rfftn(a, full_shape, axes_all) *
                          fft.rfftn(b, full_shape, axes_all), full_shape, axes_all)  # fmt: skip
        full = lax.convert_element_type(full, aval_of(a).dtype)
    return _crop(full, sa, sb, mode)
