"""`lax.conv_general_dilated_patches` against patches cut out by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pullback as pb
from pullback import lax


def _patches_by_hand(x, filt, strides, pads, rhs_dil):  # type: ignore[no-untyped-def]
    # NCHW input, (c, kh, kw)-ordered patch features, explicit (low, high) pads.
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))
    kh, kw = filt
    eh, ew = (kh - 1) * rhs_dil[0] + 1, (kw - 1) * rhs_dil[1] + 1
    oh = (xp.shape[2] - eh) // strides[0] + 1
    ow = (xp.shape[3] - ew) // strides[1] + 1
    out = np.zeros((n, c * kh * kw, oh, ow), x.dtype)
    for i, j in itertools.product(range(oh), range(ow)):
        for ci, a, b in itertools.product(range(c), range(kh), range(kw)):
            out[:, ci * kh * kw + a * kw + b, i, j] = xp[
                :, ci, i * strides[0] + a * rhs_dil[0], j * strides[1] + b * rhs_dil[1]
            ]
    return out


@pytest.mark.parametrize(
    ("filt", "strides", "pads", "rhs_dil"),
    [((2, 2), (1, 1), ((0, 0), (0, 0)), (1, 1)),
     ((3, 2), (2, 1), ((1, 1), (0, 2)), (1, 1)),
     ((2, 3), (1, 2), ((2, 0), (1, 1)), (2, 1))],
)  # fmt: skip
def test_patches_match_hand_cut_patches(filt, strides, pads, rhs_dil):  # type: ignore[no-untyped-def]
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 7)).astype(np.float32)
    want = _patches_by_hand(x, filt, strides, pads, rhs_dil)
    got = lax.conv_general_dilated_patches(x, filt, strides, pads, rhs_dilation=rhs_dil)
    np.testing.assert_array_equal(np.asarray(got), want)
    jitted = pb.jit(
        lambda v: lax.conv_general_dilated_patches(v, filt, strides, pads, rhs_dilation=rhs_dil)
    )(x)
    np.testing.assert_array_equal(np.asarray(jitted), want)


def test_patches_in_other_layouts_and_their_gradient():
    x = np.random.default_rng(1).normal(size=(2, 3, 5, 5)).astype(np.float32)
    nchw = lax.conv_general_dilated_patches(x, (2, 3), (1, 1), "SAME")
    nhwc = lax.conv_general_dilated_patches(
        np.transpose(x, (0, 2, 3, 1)), (2, 3), (1, 1), "SAME",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )  # fmt: skip
    np.testing.assert_array_equal(np.asarray(nhwc), np.transpose(np.asarray(nchw), (0, 2, 3, 1)))
    # Each input element appears in as many patches as windows cover it: the gradient of
    # the patches' sum counts them.
    g = pb.grad(lambda v: lax.conv_general_dilated_patches(v, (2, 2), (1, 1), "VALID").sum())(x)
    rows = np.array([1, 2, 2, 2, 1])  # (1 at the edges, 2 inside)
    np.testing.assert_array_equal(np.asarray(g)[0, 0], rows[:, None] * rows[None, :])
    with pytest.raises(TypeError, match="one extent for each"):
        lax.conv_general_dilated_patches(x, (2,), (1, 1), "VALID")


def test_local_convolution_is_patches_times_kernels_per_position():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 6, 5)).astype(np.float32)
    patches = np.asarray(lax.conv_general_dilated_patches(x, (3, 2), (1, 2), "SAME"))
    _, f, oh, ow = patches.shape
    w = rng.normal(size=(4, f, oh, ow)).astype(np.float32)  # OIHW, spatial = output positions
    want = np.einsum("nfij,ofij->noij", patches, w)
    got = lax.conv_general_dilated_local(x, w, (1, 2), "SAME", (3, 2))
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    # The same in NHWC / HWIO / NHWC.
    got_nhwc = lax.conv_general_dilated_local(
        np.transpose(x, (0, 2, 3, 1)), np.transpose(w, (2, 3, 1, 0)), (1, 2), "SAME", (3, 2),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )  # fmt: skip
    np.testing.assert_allclose(
        np.asarray(got_nhwc), np.transpose(want, (0, 2, 3, 1)), rtol=1e-5, atol=1e-5
    )
    # Under jit and grad: d/dw of the sum is the patches summed over the batch.
    gw = pb.grad(lambda k: lax.conv_general_dilated_local(x, k, (1, 2), "SAME", (3, 2)).sum())(w)
    np.testing.assert_allclose(
        np.asarray(gw), np.broadcast_to(patches.sum(0), w.shape), rtol=1e-5, atol=1e-5
    )
    with pytest.raises(ValueError, match="one value or a pair"):
        lax.conv_general_dilated_local(x, w, (1, 2), "SAME", (3, 2), precision=(None,) * 3)
