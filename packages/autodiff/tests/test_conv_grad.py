"""Transposes of conv_general_dilated (reverse mode) across strides, padding, dilations,
groups and layouts, checked by the JVP/VJP inner-product identity and against the JVP."""

import itertools

import numpy as np
import pytest
from pullback_autodiff.testing import check_vjp
from pullback_ir import lax

CONFIGS = [
    # (lhs spatial, kernel spatial, strides, padding, lhs_dil, rhs_dil, fg, bg)
    ((7,), (3,), (1,), ((0, 0),), (1,), (1,), 1, 1),
    ((7,), (3,), (2,), ((1, 2),), (1,), (1,), 1, 1),
    ((8,), (3,), (3,), ((2, 0),), (1,), (2,), 1, 1),
    ((5,), (2,), (1,), ((1, 1),), (2,), (1,), 1, 1),
    ((6,), (3,), (2,), ((-1, 1),), (1,), (1,), 1, 1),
    ((5, 6), (2, 3), (1, 2), ((1, 0), (0, 2)), (1, 1), (1, 1), 1, 1),
    ((5, 6), (3, 2), (2, 1), ((1, 1), (2, 0)), (2, 1), (1, 2), 1, 1),
    ((6, 5), (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 1), (1, 1), 2, 1),
    ((6, 5), (3, 2), (2, 1), ((1, 1), (0, 1)), (1, 2), (2, 1), 2, 1),
    ((6, 5), (2, 2), (1, 1), ((0, 1), (1, 0)), (1, 1), (1, 1), 1, 2),
    ((7,), (3,), (2,), ((1, 1),), (1,), (1,), 1, 2),
]
LAYOUTS = [("NCH", "OIH", "NCH"), ("NHC", "HIO", "NHC"), ("CHN", "IHO", "HNC")]


def _layout(spec, nsp):
    if nsp == 1:
        return spec
    return spec.replace("H", "HW")


@pytest.mark.parametrize(
    ("config", "layout"), list(itertools.product(CONFIGS, LAYOUTS)),
    ids=lambda v: str(v).replace(" ", ""),
)  # fmt: skip
def test_conv_transposes(config, layout):
    from pullback_ir.config import enable_x64

    sp, ksp, strides, padding, lhs_dil, rhs_dil, fg, bg = config
    nsp = len(sp)
    names = tuple(_layout(s, nsp) for s in layout)
    n, c, o = 2 * bg, 2 * fg, 2 * fg * bg
    rng = np.random.default_rng(0)
    logical_lhs = (n, c, *sp)
    logical_rhs = (o, c // fg, *ksp)

    def shape_for(spec, logical, first, second):
        dims = {first: logical[0], second: logical[1]}
        sp_names = "HW"[:nsp]
        dims.update({s: logical[2 + i] for i, s in enumerate(sp_names)})
        return tuple(dims[ch] for ch in spec)

    lhs = rng.standard_normal(shape_for(names[0], logical_lhs, "N", "C"))
    rhs = rng.standard_normal(shape_for(names[1], logical_rhs, "O", "I"))

    def f(x, w):
        return lax.conv_general_dilated(
            x, w, strides, padding, lhs_dilation=lhs_dil, rhs_dilation=rhs_dil,
            dimension_numbers=names, feature_group_count=fg, batch_group_count=bg,
        )  # fmt: skip

    with enable_x64():
        check_vjp(f, [lhs, rhs], atol=1e-9, rtol=1e-9)
