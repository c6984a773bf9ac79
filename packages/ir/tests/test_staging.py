import numpy as np
import pullback_ir as ir
import pytest
from pullback_ir import lax

f32 = np.float32


def test_golden_printout_with_params_consts_and_literals():
    c = np.arange(3, dtype=f32)

    def f(x, y):
        z = lax.mul(lax.sin(x), 2.0) + c
        return lax.reduce_sum(z, [0]), lax.convert_element_type(y, np.int32)

    text = str(ir.make_jaxpr(f)(np.ones(3, f32), np.float32(1.5)))
    assert text == (
        "{ lambda a:f32[3]; b:f32[3] c:f32[]. let\n"
        "    d:f32[3] = sin b\n"
        "    e:f32[3] = mul d 2.0:f32[]\n"
        "    f:f32[3] = add e a\n"
        "    g:f32[] = reduce_sum[axes=(0,)] f\n"
        "    h:i32[] = convert_element_type[\n"
        "      new_dtype=int32\n"
        "      weak_type=False\n"
        "    ] c\n"
        "  in (g, h) }"
    )


def test_omnistaging_records_constant_only_computations():
    jaxpr = ir.make_jaxpr(lambda x: x + lax.cos(np.ones(2, f32)))(np.zeros(2, f32))
    assert [e.primitive.name for e in jaxpr.eqns] == ["cos", "add"]
    assert len(jaxpr.consts) == 1


def test_pytree_arguments_and_outputs_and_static_argnums():
    def f(params, n):
        return {"out": params["w"] * n, "n": n}

    closed, shapes = ir.make_jaxpr(f, static_argnums=1, return_shape=True)(
        {"w": np.ones(2, f32)}, 3
    )
    assert [v.aval.str_short() for v in closed.jaxpr.invars] == ["f32[2]"]
    assert shapes["out"].shape == (2,)
    assert shapes["n"].dtype == np.int32


def test_shape_dtype_struct_arguments():
    closed = ir.make_jaxpr(lambda x: x.T)(ir.ShapeDtypeStruct((2, 5), np.float32))
    assert closed.out_avals[0].str_short() == "f32[5,2]"


def test_nested_closure_over_outer_tracer_becomes_a_const():
    def outer(x):
        inner = ir.make_jaxpr(lambda y: y * x)(1.0)
        assert len(inner.consts) == 1
        assert isinstance(inner.consts[0], ir.Tracer)
        return inner.consts[0]

    closed = ir.make_jaxpr(outer)(np.float32(2))
    assert closed.jaxpr.outvars[0] is closed.jaxpr.invars[0]


def test_concretization_errors():
    with pytest.raises(
        ir.TracerBoolConversionError, match=r"bool\(\) of a traced array .* static argument"
    ):
        ir.make_jaxpr(lambda x: 1.0 if x > 0 else 2.0)(1.0)
    with pytest.raises(TypeError, match="as an index"):
        ir.make_jaxpr(lambda x: [1, 2][x])(np.int32(0))
    with pytest.raises(ir.TracerArrayConversionError, match="converted to a NumPy array"):
        ir.make_jaxpr(lambda x: np.asarray(x))(1.0)
    with pytest.raises(ir.ConcretizationTypeError, match=r"float\(\)"):
        ir.make_jaxpr(lambda x: float(x))(1.0)


def test_leaked_tracer_detected():
    leaked = []

    def f(x):
        leaked.append(x * 2)
        return x

    ir.make_jaxpr(f)(1.0)
    with pytest.raises(ir.UnexpectedTracerError, match="escaped through a side effect"):
        ir.make_jaxpr(lambda y: y + leaked[0])(1.0)
    with pytest.raises(ir.UnexpectedTracerError):
        lax.sin(leaked[0])
    with pytest.raises(ir.UnexpectedTracerError):
        ir.make_jaxpr(lambda y: y)(leaked[0])


def test_shape_errors_name_operation_and_types():
    with pytest.raises(
        TypeError, match=r"add: operands must have the same dtype, got float32\[3\], int32\[3\]"
    ):
        ir.make_jaxpr(lambda x, y: lax.add(x, y))(np.ones(3, f32), np.ones(3, np.int32))
    with pytest.raises(
        TypeError, match=r"sin: argument x has type int32\[2\].*floating-point or complex"
    ):
        lax.sin(np.ones(2, np.int32))
    with pytest.raises(
        TypeError, match=r"dot_general: lhs float32\[2,3\] dimension 1 and rhs float32\[4\]"
    ):
        lax.dot(np.ones((2, 3), f32), np.ones(4, f32))


def test_eval_jaxpr_matches_eager():
    def f(x, y):
        return lax.tanh(x) @ y + lax.reduce_max(y, [0, 1])

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 3)).astype(f32), rng.normal(size=(3, 4)).astype(f32)
    closed = ir.make_jaxpr(f)(x, y)
    (out,) = ir.eval_closed_jaxpr(closed, x, y)
    np.testing.assert_allclose(out, f(x, y), rtol=1e-6)


def test_check_jaxpr_catches_ill_typed_equations():
    closed = ir.make_jaxpr(lambda x: lax.sin(lax.cos(x)))(np.ones(3, f32))
    ir.check_jaxpr(closed)
    closed.jaxpr.eqns[1].outvars[0].aval = ir.ShapedArray((4,), f32)
    with pytest.raises(
        ir.InvalidJaxprError,
        match=r"equation 1 \(sin\) outputs \(f32\[4\]\), expected \(f32\[3\]\)",
    ):
        ir.check_jaxpr(closed)
    closed2 = ir.make_jaxpr(lambda x: lax.sin(lax.cos(x)))(np.ones(3, f32))
    closed2.jaxpr.eqns.reverse()
    with pytest.raises(ir.InvalidJaxprError, match=r"reads an undefined variable\n  >> "):
        ir.check_jaxpr(closed2)


def test_dce_removes_unused_equations_and_inputs():
    def f(x, y):
        _unused = lax.exp(y)
        return lax.sin(x), lax.cos(y)

    closed = ir.make_jaxpr(f)(np.ones(2, f32), np.ones(2, f32))
    jaxpr, used_inputs = ir.dce_jaxpr(closed.jaxpr, [True, False])
    assert used_inputs == [True, False]
    assert [e.primitive.name for e in jaxpr.eqns] == ["sin"]
    ir.check_jaxpr(jaxpr)
    jaxpr2, used2 = ir.dce_jaxpr(closed.jaxpr, [False, False], instantiate=True)
    assert jaxpr2.eqns == []
    assert used2 == [True, True]
