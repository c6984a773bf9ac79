"""reduce_window and the convolution shortcuts (conv, conv_with_general_padding,
conv_transpose) against direct NumPy definitions, eagerly and staged, with their derivatives
from the primitives they are built of."""

import itertools

import numpy as np
import pytest
from pullback_ir import lax, make_jaxpr
from pullback_ir.interpreter import eval_jaxpr

RNG = np.random.default_rng(0)


def _staged(f, *args):
    closed = make_jaxpr(f)(*args)
    return eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _reference_reduce_window(x, init, op, window, strides, pads, base, wdil):
    """XLA's definition: dilate, pad with init, and fold each window into init."""
    nd = x.ndim
    dil_shape = [(n - 1) * b + 1 if n else 0 for n, b in zip(x.shape, base, strict=True)]
    dil = np.full(dil_shape, init, x.dtype)
    dil[tuple(slice(None, None, b) for b in base)] = x
    padded = np.full([n + lo + hi for n, (lo, hi) in zip(dil_shape, pads, strict=True)], init,
                     x.dtype)  # fmt: skip
    padded[tuple(slice(lo, lo + n) for n, (lo, _) in zip(dil_shape, pads, strict=True))] = dil
    eff = [(k - 1) * d + 1 for k, d in zip(window, wdil, strict=True)]
    out_shape = [(n - e) // s + 1 for n, e, s in zip(padded.shape, eff, strides, strict=True)]
    out = np.empty(out_shape, x.dtype)
    for idx in itertools.product(*map(range, out_shape)):
        acc = np.asarray(init, x.dtype)
        for off in itertools.product(*map(range, window)):
            pos = tuple(i * s + o * d for i, s, o, d in zip(idx, strides, off, wdil, strict=True))
            acc = op(acc, padded[pos])
        out[idx] = acc
    assert out.ndim == nd
    return out


CASES = [
    # window, strides, padding, base_dilation, window_dilation
    ((2, 2), (2, 2), "VALID", None, None),
    ((3, 3), (1, 1), "SAME", None, None),
    ((3, 2), (2, 1), [(1, 0), (0, 2)], None, None),
    ((2, 2), (1, 1), "VALID", (2, 1), None),
    ((2, 3), (1, 2), [(0, 1), (1, 1)], None, (2, 1)),
    ((1, 4), (1, 3), "SAME", (1, 2), (1, 1)),
]


@pytest.mark.parametrize(("window", "strides", "padding", "base", "wdil"), CASES)
@pytest.mark.parametrize(
    ("name", "init", "np_op"),
    [("add", 0.0, np.add), ("max", -np.inf, np.maximum), ("min", np.inf, np.minimum),
     ("add", 1.5, np.add), ("custom", 0.0, lambda a, b: a + b * b)],
)  # fmt: skip
def test_reduce_window_matches_xla_definition(window, strides, padding, base, wdil, name, init,
                                              np_op):  # fmt: skip
    x = RNG.standard_normal((5, 7)).astype(np.float32)
    comp = {"add": lax.add, "max": lax.max, "min": lax.min,
            "custom": lambda a, b: lax.add(a, lax.mul(b, b))}[name]  # fmt: skip
    b = base or (1, 1)
    d = wdil or (1, 1)
    if isinstance(padding, str):
        dil = [(n - 1) * bb + 1 for n, bb in zip(x.shape, b, strict=True)]
        eff = [(k - 1) * dd + 1 for k, dd in zip(window, d, strict=True)]
        pads = lax.padtype_to_pads(dil, eff, strides, padding)
    else:
        pads = padding
    expected = _reference_reduce_window(x, init, np_op, window, strides, pads, b, d)

    def f(v):
        return lax.reduce_window(v, init, comp, window, strides, padding, base, wdil)

    np.testing.assert_allclose(f(x), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_staged(f, x)[0], expected, rtol=1e-5, atol=1e-5)


def test_monoids_reduce_one_dimension_at_a_time():
    x = np.zeros((8, 8), np.float32)
    jaxpr = make_jaxpr(lambda v: lax.reduce_window(v, -np.inf, lax.max, (3, 3), (1, 1), "SAME"))(x)
    prims = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert prims.count("slice") == 6
    assert prims.count("max") == 4  # (3 - 1) per dimension; the identity init adds nothing
    jaxpr = make_jaxpr(lambda v: lax.reduce_window(v, 0.0, lambda a, b: a * b + 1.0, (3, 3),
                                                   (1, 1), "SAME"))(x)  # fmt: skip
    assert [e.primitive.name for e in jaxpr.jaxpr.eqns].count("slice") == 9


def test_reduce_window_of_tuples_and_ints():
    x = RNG.integers(-9, 9, (4, 6)).astype(np.int32)
    y = RNG.standard_normal((4, 6)).astype(np.float32)

    def both(acc, v):
        return lax.max(acc[0], v[0]), lax.add(acc[1], v[1])

    mx, sm = lax.reduce_window((x, y), (np.int32(-(2**31)), np.float32(0)), both, (2, 3),
                               (2, 3), "VALID")  # fmt: skip
    np.testing.assert_array_equal(mx, x.reshape(2, 2, 2, 3).max(axis=(1, 3)))
    np.testing.assert_allclose(sm, y.reshape(2, 2, 2, 3).sum(axis=(1, 3)), rtol=1e-6)


def test_reduce_window_errors():
    x = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match="window_strides must be 2 positive integers"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1,), "VALID")
    with pytest.raises(ValueError, match="padding has 1 pairs for an operand of rank 2"):
        lax.reduce_window(x, 0.0, lax.add, (2, 2), (1, 1), [(0, 0)])
    with pytest.raises(TypeError, match="2 operands but 1 init values"):
        lax.reduce_window((x, x), (0.0,), lax.add, (2, 2), (1, 1), "VALID")


def _reference_conv1d_transpose(x, w, s, pads):
    """Dilate x by s, pad, and correlate with w (NCH / OIH layouts, one example, one feature)."""
    dil = np.zeros((len(x) - 1) * s + 1, x.dtype)
    dil[::s] = x
    lo, hi = pads
    padded = np.concatenate([np.zeros(lo, x.dtype), dil, np.zeros(hi, x.dtype)])
    k = len(w)
    return np.array([np.dot(padded[i : i + k], w) for i in range(len(padded) - k + 1)])


@pytest.mark.parametrize(("k", "s"), [(3, 1), (3, 2), (2, 3), (4, 2)])
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_conv_transpose_shapes_and_values(k, s, padding):
    n = 5
    x = RNG.standard_normal(n).astype(np.float32)
    w = RNG.standard_normal(k).astype(np.float32)
    out = lax.conv_transpose(x.reshape(1, 1, n), w.reshape(1, 1, k), (s,), padding)
    out = np.asarray(out).reshape(-1)
    expected_len = n * s if padding == "SAME" else n * s + max(k - s, 0)
    assert out.shape == (expected_len,)
    pads = lax._conv_transpose_pads(k, s, padding)
    np.testing.assert_allclose(out, _reference_conv1d_transpose(x, w, s, pads), rtol=1e-5,
                               atol=1e-5)  # fmt: skip


def test_conv_transpose_with_transposed_kernel_is_the_conv_input_gradient():
    from pullback_ir.lax import conv_general_dilated

    x = RNG.standard_normal((2, 3, 9, 9)).astype(np.float32)  # N C H W
    w = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)  # O I H W
    y = conv_general_dilated(x, w, (2, 2), "VALID")  # (2, 4, 4, 4)
    ct = RNG.standard_normal(np.shape(y)).astype(np.float32)
    got = lax.conv_transpose(ct, w, (2, 2), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW"),
                             transpose_kernel=True)  # fmt: skip
    # <conv(x, w), ct> is linear in x; its gradient is the transposed convolution of ct.
    grad = np.zeros_like(x)
    for n, o, i, j in itertools.product(range(2), range(4), range(4), range(4)):
        grad[n, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3] += ct[n, o, i, j] * w[o]
    np.testing.assert_allclose(got, grad, rtol=1e-4, atol=1e-4)


def test_conv_shortcuts_equal_conv_general_dilated():
    x = RNG.standard_normal((1, 2, 6, 6)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    expected = lax.conv_general_dilated(x, w, (1, 1), "SAME")
    np.testing.assert_allclose(lax.conv(x, w, (1, 1), "SAME"), expected, rtol=1e-6)
    np.testing.assert_allclose(
        lax.conv_with_general_padding(x, w, (2, 1), [(1, 1), (0, 2)], (1, 2), (2, 1)),
        lax.conv_general_dilated(x, w, (2, 1), [(1, 1), (0, 2)], (1, 2), (2, 1)),
        rtol=1e-6,
    )


def test_string_padding_works_while_staged():
    # padtype_to_pads once called lax.max on Python ints, which staged them under a trace.
    x = RNG.standard_normal((1, 1, 5, 5)).astype(np.float32)
    w = RNG.standard_normal((1, 1, 3, 3)).astype(np.float32)
    (out,) = _staged(lambda a, b: lax.conv_general_dilated(a, b, (2, 2), "SAME"), x, w)
    np.testing.assert_allclose(out, lax.conv_general_dilated(x, w, (2, 2), "SAME"), rtol=1e-6)
    assert lax.padtype_to_pads((5, 5), (3, 3), (2, 2), "SAME") == [(1, 1), (1, 1)]
