"""Every lowering against the reference interpreter on random inputs of each dtype."""

import numpy as np
import pytest
from pullback_compile.compiled import compile_jaxpr
from pullback_compile.lowering import lower_jaxpr, lowering_rules
from pullback_ir import dtypes, lax, primitives
from pullback_ir.staging import make_jaxpr
from pullback_ir.testing import OP_RECORDS


def _missing():
    return sorted(p.name for p in primitives.ALL if p not in lowering_rules)


def test_every_primitive_has_a_lowering():
    assert _missing() == []


def _cases():
    out = []
    for rec in OP_RECORDS:
        if rec.primitive not in lowering_rules or rec.axis_size is not None:
            continue
        for dt in rec.dtypes:
            out.append(pytest.param(rec, dt, id=f"{rec.primitive.name}-{np.dtype(dt).name}"))
    return out


def _tolerance(dt):
    dt = np.dtype(dt)
    if not dtypes.is_inexact(dt):
        return 0.0
    size = dt.itemsize // (2 if dt.kind == "c" else 1)
    return {1: 2e-1, 2: 2e-2, 4: 2e-5, 8: 1e-12}[size] * 10


@pytest.mark.parametrize(("rec", "dt"), _cases())
def test_lowering_matches_reference(rec, dt):
    rng = np.random.default_rng(hash(rec.primitive.name) % 2**32)
    args, params = rec.make_args(rng, dt)
    args = [np.asarray(a) for a in args]
    closed = make_jaxpr(lambda *xs: rec.primitive.bind(*xs, **params))(*args)
    expected = rec.primitive.bind(*args, **params)
    got = compile_jaxpr(closed)(*args)
    for g, e in zip(got, expected, strict=True):
        e = np.asarray(e)
        assert g.shape == e.shape
        assert g.dtype == e.dtype
        tol = _tolerance(e.dtype)
        if tol:
            np.testing.assert_allclose(
                g.astype(np.complex128 if dtypes.is_complex(e.dtype) else np.float64),
                e.astype(np.complex128 if dtypes.is_complex(e.dtype) else np.float64),
                rtol=tol, atol=tol,
            )  # fmt: skip
        else:
            np.testing.assert_array_equal(g, e)


def test_module_text_and_a_small_program():
    def f(x, w):
        return lax.tanh(lax.dot(x, w)) * 2.0

    x = np.ones((2, 3), np.float32)
    w = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    closed = make_jaxpr(f)(x, w)
    text = lower_jaxpr(closed, "f")
    assert text.startswith("module @jit_f")
    assert '"stablehlo.dot_general"' in text
    assert "func.func public @main" in text
    np.testing.assert_allclose(compile_jaxpr(closed)(x, w)[0], f(x, w), rtol=1e-6)


def test_argument_checks():
    closed = make_jaxpr(lambda x: lax.neg(x))(np.ones(3, np.float32))
    c = compile_jaxpr(closed)
    with pytest.raises(TypeError, match=r"argument 0: expected f32\[3\]"):
        c(np.ones(4, np.float32))


def test_a_primitive_without_a_lowering_is_named():
    from pullback_ir import MissingRuleError, Primitive

    mystery_p = Primitive("mystery", abstract_eval=lambda x: [x], impl=lambda x: [x])
    closed = make_jaxpr(lambda x: mystery_p.bind(x)[0])(np.ones(2, np.float32))
    with pytest.raises(MissingRuleError, match="'mystery' has no lowering rule"):
        lower_jaxpr(closed)
