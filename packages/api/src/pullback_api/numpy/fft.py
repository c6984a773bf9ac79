"""`pullback.numpy.fft`: discrete Fourier transforms (NumPy's and JAX's `numpy.fft`).

Every transform takes NumPy's `n`/`s` (crop or zero-pad each axis), `axis`/`axes` and `norm`
("backward", the default, "ortho" or "forward"), runs as XLA's Fft and differentiates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from pullback_ir import dtypes, lax
from pullback_ir.avals import aval_of

from pullback_api import numpy as _jnp_module
from pullback_api.numpy._core import asarray_arg, export, to_dtype

jnp: Any = _jnp_module  # complete by the time any function here runs

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq",
           "rfftn"]  # fmt: skip

_NORMS = (None, "backward", "ortho", "forward")


def _complex(a: Any, name: str) -> Any:
    a = asarray_arg(a, name)
    dt = aval_of(a).dtype
    if dtypes.is_complex(dt):
        return a
    real = (
        dt if dt in (np.dtype(np.float32), np.dtype(np.float64)) else dtypes.default_float_dtype()
    )
    return to_dtype(a, np.complex128 if real == np.float64 else np.complex64)


def _real(a: Any, name: str) -> Any:
    a = asarray_arg(a, name)
    dt = aval_of(a).dtype
    if dtypes.is_complex(dt):
        raise TypeError(f"{name}: the input must be real, got {dt.name}")
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        a = to_dtype(a, dtypes.default_float_dtype())
    return a


def _fit(a: Any, axis: int, size: int) -> Any:
    """`a` cropped or zero-padded to `size` along `axis`."""
    n = aval_of(a).shape[axis]
    if n == size:
        return a
    if n > size:
        return lax.slice_in_dim(a, 0, size, 1, axis)
    nd = len(aval_of(a).shape)
    cfg = [(0, 0, 0)] * nd
    cfg[axis] = (0, size - n, 0)
    return lax.pad(a, np.asarray(0, aval_of(a).dtype), cfg)


def _axes_and_sizes(name: str, a: Any, s: Any, axes: Any,
                    default_last: int | None = None) -> tuple[list[int], list[int]]:  # fmt: skip
    nd = len(aval_of(a).shape)
    if axes is None:
        axes = list(range(nd - len(s), nd)) if s is not None else list(range(nd))
    axes = [int(ax) % nd if -nd <= int(ax) < nd else _bad_axis(name, ax, nd) for ax in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"{name}: repeated axes {axes}")
    if s is None:
        sizes = [aval_of(a).shape[ax] for ax in axes]
        if default_last is not None and axes:
            sizes[-1] = default_last
    else:
        sizes = [int(v) for v in s]
        if len(sizes) != len(axes):
            raise ValueError(f"{name}: s has {len(sizes)} sizes for {len(axes)} axes")
    if any(v < 1 for v in sizes):
        raise ValueError(f"{name}: transform sizes must be positive, got {sizes}")
    return axes, sizes


def _bad_axis(name: str, ax: Any, nd: int) -> int:
    raise ValueError(f"{name}: axis {ax} is out of bounds for an array of rank {nd}")


def _over(a: Any, axes: Sequence[int], fft_type: str, lengths: Sequence[int]) -> Any:
    """`fft_type` over `axes` (moved to the end and back), up to three at a time."""
    nd = len(aval_of(a).shape)
    rest = [i for i in range(nd) if i not in axes]
    perm = [*rest, *axes]
    x = lax.transpose(a, perm)
    x = lax.fft(x, fft_type, tuple(lengths))
    inverse = [perm.index(i) for i in range(nd)]
    return lax.transpose(x, inverse)


def _scale(x: Any, norm: str | None, n: int, inverse: bool, name: str) -> Any:
    if norm not in _NORMS:
        raise ValueError(f"{name}: norm must be 'backward', 'ortho' or 'forward', got {norm!r}")
    if norm in (None, "backward"):
        return x
    # The transforms carry the "backward" convention: no scale forward, 1 / n inverse.
    factor = {("ortho", False): 1 / math.sqrt(n), ("ortho", True): math.sqrt(n),
              ("forward", False): 1 / n, ("forward", True): float(n)}[norm, inverse]  # fmt: skip
    return lax.mul(x, np.asarray(factor, aval_of(x).dtype))


def _complex_transform(name: str, a: Any, s: Any, axes: Any, norm: str | None,
                       inverse: bool) -> Any:  # fmt: skip
    a = _complex(a, name)
    axes_, sizes = _axes_and_sizes(name, a, s, axes)
    for ax, size in zip(axes_, sizes, strict=True):
        a = _fit(a, ax, size)
    kind = "IFFT" if inverse else "FFT"
    # XLA transforms up to three axes at once; more go in groups (the transform is separable).
    for start in range(0, len(axes_), 3):
        group = axes_[start : start + 3]
        a = _over(a, group, kind, [sizes[axes_.index(g)] for g in group])
    return _scale(a, norm, math.prod(sizes), inverse, name)


def _real_forward(name: str, a: Any, s: Any, axes: Any, norm: str | None) -> Any:
    a = _real(a, name)
    axes_, sizes = _axes_and_sizes(name, a, s, axes)
    for ax, size in zip(axes_, sizes, strict=True):
        a = _fit(a, ax, size)
    # RFFT over the last (up to three) axes, then complex FFTs over the rest.
    head, tail = axes_[:-3], axes_[-3:]
    a = _over(a, tail, "RFFT", sizes[len(head) :])
    for start in range(0, len(head), 3):
        group = head[start : start + 3]
        a = _over(a, group, "FFT", [sizes[axes_.index(g)] for g in group])
    return _scale(a, norm, math.prod(sizes), False, name)


def _real_inverse(name: str, a: Any, s: Any, axes: Any, norm: str | None) -> Any:
    a = _complex(a, name)
    nd = len(aval_of(a).shape)
    last = None
    if s is None:
        last_axis = (axes[-1] if axes is not None else nd - 1) if nd else 0
        last = 2 * (aval_of(a).shape[int(last_axis) % nd] - 1)
    axes_, sizes = _axes_and_sizes(name, a, s, axes, default_last=last)
    for ax, size in zip(axes_[:-1], sizes[:-1], strict=True):
        a = _fit(a, ax, size)
    a = _fit(a, axes_[-1], sizes[-1] // 2 + 1)
    head, tail = axes_[:-3], axes_[-3:]
    for start in range(0, len(head), 3):
        group = head[start : start + 3]
        a = _over(a, group, "IFFT", [sizes[axes_.index(g)] for g in group])
    a = _over(a, tail, "IRFFT", sizes[len(head) :])
    return _scale(a, norm, math.prod(sizes), True, name)


def _one(axis: int, n: int | None) -> tuple[Any, list[int]]:
    return (None if n is None else [n]), [axis]


@export
def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The one-dimensional discrete Fourier transform along `axis`."""
    s, axes = _one(axis, n)
    return _complex_transform("fft", a, s, axes, norm, False)


@export
def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of `fft`."""
    s, axes = _one(axis, n)
    return _complex_transform("ifft", a, s, axes, norm, True)


@export
def fft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The two-dimensional discrete Fourier transform over `axes`."""
    return _complex_transform("fft2", a, s, axes, norm, False)


@export
def ifft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The inverse of `fft2`."""
    return _complex_transform("ifft2", a, s, axes, norm, True)


@export
def fftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """The n-dimensional discrete Fourier transform over `axes` (all by default)."""
    return _complex_transform("fftn", a, s, axes, norm, False)


@export
def ifftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """The inverse of `fftn`."""
    return _complex_transform("ifftn", a, s, axes, norm, True)


@export
def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The Fourier transform of real `a` along `axis`: its n // 2 + 1 non-negative frequencies."""
    s, axes = _one(axis, n)
    return _real_forward("rfft", a, s, axes, norm)


@export
def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of `rfft`: `n` real values (default 2 * (m - 1)) from m frequencies."""
    s, axes = _one(axis, n)
    return _real_inverse("irfft", a, s, axes, norm)


@export
def rfft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """`rfftn` over two axes."""
    return _real_forward("rfft2", a, s, axes, norm)


@export
def irfft2(a: Any, s: Any = None, axes: Sequence[int] = (-2, -1), norm: str | None = None) -> Any:
    """The inverse of `rfft2`."""
    return _real_inverse("irfft2", a, s, axes, norm)


@export
def rfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """The n-dimensional transform of real `a`, halved along the last of `axes`."""
    return _real_forward("rfftn", a, s, axes, norm)


@export
def irfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None) -> Any:
    """The inverse of `rfftn`."""
    return _real_inverse("irfftn", a, s, axes, norm)


_SWAPPED = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}


@export
def hfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The transform of a Hermitian-symmetric signal given by its first half: real output."""
    if norm not in _NORMS:
        raise ValueError(f"hfft: norm must be 'backward', 'ortho' or 'forward', got {norm!r}")
    return irfft(jnp.conj(_complex(a, "hfft")), n, axis, _SWAPPED[norm])


@export
def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None) -> Any:
    """The inverse of `hfft`."""
    if norm not in _NORMS:
        raise ValueError(f"ihfft: norm must be 'backward', 'ortho' or 'forward', got {norm!r}")
    return jnp.conj(rfft(a, n, axis, _SWAPPED[norm]))


def fftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The sample frequencies of an `n`-point transform with sample spacing `d`."""
    dt = dtypes.canonicalize_dtype(dtype or dtypes.default_float_dtype())
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return jnp.asarray(k, dt) / jnp.asarray(jnp.asarray(d, dt) * n, dt)


def rfftfreq(n: int, d: Any = 1.0, *, dtype: Any = None, device: Any = None) -> Any:
    """The non-negative sample frequencies of an `n`-point `rfft`."""
    dt = dtypes.canonicalize_dtype(dtype or dtypes.default_float_dtype())
    return jnp.asarray(np.arange(0, n // 2 + 1), dt) / jnp.asarray(jnp.asarray(d, dt) * n, dt)


def _shift(x: Any, axes: Any, sign: int) -> Any:
    x = jnp.asarray(x)
    shape = aval_of(x).shape
    nd = len(shape)
    axes = tuple(range(nd)) if axes is None else (axes,) if isinstance(axes, int) else tuple(axes)
    shifts = tuple(sign * (shape[ax % nd] // 2) for ax in axes)
    return jnp.roll(x, shifts, axes)


@export
def fftshift(x: Any, axes: Any = None) -> Any:
    """`x` with the zero frequency moved to the centre of `axes` (all by default)."""
    return _shift(x, axes, 1)


@export
def ifftshift(x: Any, axes: Any = None) -> Any:
    """The inverse of `fftshift`."""
    return _shift(x, axes, -1)
