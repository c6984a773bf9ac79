"""`fft`: discrete Fourier transforms over the trailing one to three axes (XLA's Fft).

`fft_type` is "FFT" (complex to complex), "IFFT" (its inverse, scaled by 1/N), "RFFT" (real to
the n // 2 + 1 non-negative frequencies of the last axis) or "IRFFT" (back to real, of the
given lengths); `fft_lengths` are the transform sizes of the trailing axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pullback_ir.avals import ShapedArray
from pullback_ir.primitive import Primitive

__all__ = ["FFT_TYPES", "fft_p"]

FFT_TYPES = ("FFT", "IFFT", "RFFT", "IRFFT")

_COMPLEX_OF = {np.dtype(np.float32): np.dtype(np.complex64),
               np.dtype(np.float64): np.dtype(np.complex128)}  # fmt: skip
_REAL_OF = {v: k for k, v in _COMPLEX_OF.items()}


def _fft_abstract(
    x: ShapedArray, *, fft_type: str, fft_lengths: tuple[int, ...]
) -> list[ShapedArray]:
    if fft_type not in FFT_TYPES:
        raise ValueError(f"fft: fft_type must be one of {FFT_TYPES}, got {fft_type!r}")
    k = len(fft_lengths)
    if not 1 <= k <= 3:
        raise ValueError(f"fft: transforms over 1 to 3 axes, got fft_lengths={fft_lengths}")
    if x.ndim < k:
        raise TypeError(f"fft: operand {x.str_long()} has fewer than {k} axes")
    if fft_type == "RFFT":
        if x.dtype not in _COMPLEX_OF:
            raise TypeError(f"fft: RFFT needs a float32 or float64 operand, got {x.str_long()}")
        if x.shape[-k:] != tuple(fft_lengths):
            raise ValueError(
                f"fft: RFFT operand {x.str_long()} must end in fft_lengths {fft_lengths}"
            )
        shape = (*x.shape[:-1], fft_lengths[-1] // 2 + 1)
        return [ShapedArray(shape, _COMPLEX_OF[x.dtype])]
    if x.dtype not in _REAL_OF:
        raise TypeError(
            f"fft: {fft_type} needs a complex64 or complex128 operand, got {x.str_long()}"
        )
    if fft_type == "IRFFT":
        want = (*fft_lengths[:-1], fft_lengths[-1] // 2 + 1)
        if x.shape[-k:] != want:
            raise ValueError(f"fft: IRFFT operand {x.str_long()} must end in {want}")
        return [ShapedArray((*x.shape[:-1], fft_lengths[-1]), _REAL_OF[x.dtype])]
    if x.shape[-k:] != tuple(fft_lengths):
        raise ValueError(f"fft: operand {x.str_long()} must end in fft_lengths {fft_lengths}")
    return [ShapedArray(x.shape, x.dtype)]


def _fft_impl(x: Any, *, fft_type: str, fft_lengths: tuple[int, ...]) -> list[Any]:
    k = len(fft_lengths)
    axes = tuple(range(x.ndim - k, x.ndim))
    s = tuple(fft_lengths)
    transform: Any
    dt: Any
    transform, dt = {
        "FFT": (np.fft.fftn, x.dtype),
        "IFFT": (np.fft.ifftn, x.dtype),
        "RFFT": (np.fft.rfftn, _COMPLEX_OF.get(x.dtype)),
        "IRFFT": (np.fft.irfftn, _REAL_OF.get(x.dtype)),
    }[fft_type]
    out: Any = transform(x, s, axes)
    return [np.asarray(out).astype(dt)]


#: A discrete Fourier transform of the trailing `len(fft_lengths)` axes.
fft_p = Primitive("fft", abstract_eval=_fft_abstract, impl=_fft_impl)

ALL: list[Primitive] = [fft_p]
