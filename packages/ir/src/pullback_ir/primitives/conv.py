"""`conv_general_dilated`: N-d convolution with strides, padding, dilations and groups."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from pullback_ir import dtypes
from pullback_ir.avals import ShapedArray
from pullback_ir.ieee import silent
from pullback_ir.primitive import Primitive
from pullback_ir.primitives.families import NUMERIC, check_dtype, standard_primitive
from pullback_ir.primitives.shapes import pad_impl

__all__ = ["ConvDimensionNumbers", "conv_general_dilated_p", "conv_output_shape"]


class ConvDimensionNumbers(NamedTuple):
    """Where the batch, feature and spatial dimensions of each operand are.

    Each spec is a tuple of dimension indices: `lhs_spec` = (batch, feature, *spatial),
    `rhs_spec` = (out feature, in feature, *spatial), `out_spec` = (batch, feature, *spatial).
    """

    lhs_spec: tuple[int, ...]
    rhs_spec: tuple[int, ...]
    out_spec: tuple[int, ...]


def _dilate(size: int, dilation: int) -> int:
    return 0 if size == 0 else (size - 1) * dilation + 1


def conv_output_shape(
    lhs_shape: tuple[int, ...],
    rhs_shape: tuple[int, ...],
    *,
    window_strides: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    lhs_dilation: tuple[int, ...],
    rhs_dilation: tuple[int, ...],
    dimension_numbers: ConvDimensionNumbers,
    batch_group_count: int,
) -> tuple[int, ...]:
    """The output shape, in `out_spec` layout."""
    lspec, rspec, ospec = dimension_numbers
    spatial = []
    for i in range(len(lspec) - 2):
        n = _dilate(lhs_shape[lspec[i + 2]], lhs_dilation[i]) + sum(padding[i])
        k = _dilate(rhs_shape[rspec[i + 2]], rhs_dilation[i])
        spatial.append(max(0, (n - k) // window_strides[i] + 1) if n >= k else 0)
    logical = [lhs_shape[lspec[0]] // batch_group_count, rhs_shape[rspec[0]], *spatial]
    out = [0] * len(ospec)
    for logical_dim, d in enumerate(ospec):
        out[d] = logical[logical_dim]
    return tuple(out)


def _conv_shape(
    lhs: ShapedArray,
    rhs: ShapedArray,
    *,
    window_strides: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    lhs_dilation: tuple[int, ...],
    rhs_dilation: tuple[int, ...],
    dimension_numbers: ConvDimensionNumbers,
    feature_group_count: int,
    batch_group_count: int,
    precision: Any,
    preferred_element_type: Any,
) -> tuple[int, ...]:
    del precision, preferred_element_type  # unused
    name = "conv_general_dilated"
    check_dtype(name, lhs, NUMERIC, "lhs")
    check_dtype(name, rhs, NUMERIC, "rhs")
    if lhs.dtype != rhs.dtype:
        raise TypeError(f"{name}: lhs {lhs.str_long()} and rhs {rhs.str_long()} differ in dtype")
    if lhs.ndim != rhs.ndim or lhs.ndim < 2:
        raise TypeError(
            f"{name}: lhs {lhs.str_long()} and rhs {rhs.str_long()} must have the same rank >= 2"
        )
    nsp = lhs.ndim - 2
    for spec in dimension_numbers:
        if sorted(spec) != list(range(lhs.ndim)):
            raise ValueError(f"{name}: dimension_numbers {dimension_numbers} are not permutations")
    for what, v in (
        ("window_strides", window_strides),
        ("padding", padding),
        ("lhs_dilation", lhs_dilation),
        ("rhs_dilation", rhs_dilation),
    ):
        if len(v) != nsp:
            raise ValueError(f"{name}: {what} {v} needs one entry per spatial dimension ({nsp})")
    if any(s < 1 for s in (*window_strides, *lhs_dilation, *rhs_dilation)):
        raise ValueError(f"{name}: strides and dilations must be >= 1")
    lspec, rspec, _ = dimension_numbers
    c_in, o = lhs.shape[lspec[1]], rhs.shape[rspec[0]]
    fg, bg = feature_group_count, batch_group_count
    if fg < 1 or bg < 1 or (fg > 1 and bg > 1):
        raise ValueError(
            f"{name}: feature_group_count {fg} and batch_group_count {bg} must be >= 1 and not "
            "both > 1"
        )
    if c_in % fg or c_in // fg != rhs.shape[rspec[1]] or o % fg:
        raise TypeError(
            f"{name}: lhs features {c_in} must equal feature_group_count ({fg}) x rhs input "
            f"features {rhs.shape[rspec[1]]}, and rhs output features {o} must be divisible by "
            f"it (lhs {lhs.str_long()}, rhs {rhs.str_long()})"
        )
    if lhs.shape[lspec[0]] % bg or o % bg:
        raise TypeError(
            f"{name}: batch_group_count {bg} must divide the lhs batch {lhs.shape[lspec[0]]} and "
            f"the rhs output features {o}"
        )
    return conv_output_shape(
        lhs.shape,
        rhs.shape,
        window_strides=window_strides,
        padding=padding,
        lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation,
        dimension_numbers=dimension_numbers,
        batch_group_count=bg,
    )


def _conv_dtype(lhs: ShapedArray, rhs: ShapedArray, **params: Any) -> np.dtype[Any]:
    del rhs  # unused
    pet = params["preferred_element_type"]
    return lhs.dtype if pet is None else np.dtype(pet)


def _conv_impl(
    lhs: Any,
    rhs: Any,
    *,
    window_strides: tuple[int, ...],
    padding: tuple[tuple[int, int], ...],
    lhs_dilation: tuple[int, ...],
    rhs_dilation: tuple[int, ...],
    dimension_numbers: ConvDimensionNumbers,
    feature_group_count: int,
    batch_group_count: int,
    precision: Any,
    preferred_element_type: Any,
) -> Any:
    del precision  # unused
    out_dtype = lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
    if dtypes.is_complex(out_dtype):
        compute: Any = np.complex128
    elif dtypes.is_integer(out_dtype):
        compute = np.int64
    else:
        compute = np.float64
    lspec, rspec, ospec = dimension_numbers
    x = np.transpose(lhs, lspec).astype(compute)  # N C *S
    w = np.transpose(rhs, rspec).astype(compute)  # O I *K
    nsp = x.ndim - 2
    # lhs dilation is interior padding of the input, rhs dilation that of the kernel; edge
    # padding may be negative (it crops).
    zero = np.zeros((), compute)
    x = pad_impl(
        x,
        zero,
        padding_config=(
            (0, 0, 0),
            (0, 0, 0),
            *((lo, hi, d - 1) for (lo, hi), d in zip(padding, lhs_dilation, strict=True)),
        ),
    )
    w = pad_impl(
        w, zero, padding_config=((0, 0, 0), (0, 0, 0), *((0, 0, d - 1) for d in rhs_dilation))
    )
    n, c = x.shape[:2]
    o = w.shape[0]
    ksz = w.shape[2:]
    out_sp = [
        (x.shape[2 + i] - ksz[i]) // window_strides[i] + 1 if x.shape[2 + i] >= ksz[i] else 0
        for i in range(nsp)
    ]
    # Windows: N C *out *K.
    if all(s > 0 for s in out_sp) and all(k > 0 for k in ksz):
        windows = np.lib.stride_tricks.sliding_window_view(x, ksz, axis=tuple(range(2, 2 + nsp)))
        windows = windows[
            (slice(None), slice(None), *(slice(None, None, s) for s in window_strides))
        ]
        windows = windows[(slice(None), slice(None), *(slice(0, s) for s in out_sp))]
    else:
        windows = np.zeros((n, c, *out_sp, *ksz), compute)
    sp = "".join(chr(ord("p") + i) for i in range(nsp))
    kk = "".join(chr(ord("h") + i) for i in range(nsp))
    fg, bg = feature_group_count, batch_group_count
    if bg > 1:
        # Batch groups: batch split into bg groups, each convolved with its slice of outputs.
        wg = windows.reshape(bg, n // bg, c, *windows.shape[2:])
        kg = w.reshape(bg, o // bg, *w.shape[1:])
        out = np.einsum(f"gnc{sp}{kk},goc{kk}->ngo{sp}", wg, kg)
        out = out.reshape(n // bg, o, *out_sp)
    else:
        wg = windows.reshape(n, fg, c // fg, *windows.shape[2:])
        kg = w.reshape(fg, o // fg, *w.shape[1:])
        out = np.einsum(f"ngc{sp}{kk},goc{kk}->ngo{sp}", wg, kg).reshape(n, o, *out_sp)
    inverse = np.argsort(ospec)
    with silent():
        return np.transpose(out, inverse).astype(out_dtype)


conv_general_dilated_p = standard_primitive(
    "conv_general_dilated", _conv_shape, _conv_dtype, _conv_impl
)

ALL: list[Primitive] = [conv_general_dilated_p]
