"""Control flow, callbacks, collectives and named scopes: tracing, evaluation and errors."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from pullback_ir import ShapeDtypeStruct, check_jaxpr, dce_jaxpr, lax, make_jaxpr
from pullback_ir.effects import IO, ORDERED_IO
from pullback_ir.errors import InvalidJaxprError
from pullback_ir.primitives import control as cf
from pullback_ir.trace import named_scope

f32 = np.float32


def test_golden_scan_with_nested_cond():
    def f(xs):
        def body(c, x):
            y = lax.cond(x > 0.0, lambda a: a * 2.0, lambda a: lax.sin(a), c)
            return y + x, y

        return lax.scan(body, f32(0), xs)

    text = str(make_jaxpr(f)(np.ones(3, f32)))
    assert text == (
        "{ lambda ; a:f32[3]. let\n"
        "    b:f32[] c:f32[3] = scan[\n"
        "      _split_transpose=False\n"
        "      jaxpr={ lambda ; d:f32[] e:f32[]. let\n"
        "            f:bool[] = gt e 0.0:f32[]\n"
        "            g:i32[] = convert_element_type[\n"
        "              new_dtype=int32\n"
        "              weak_type=False\n"
        "            ] f\n"
        "            h:f32[] = cond[\n"
        "              branches=(\n"
        "                { lambda ; i:f32[]. let\n"
        "                    j:f32[] = sin i\n"
        "                  in (j,) }\n"
        "                { lambda ; k:f32[]. let\n"
        "                    l:f32[] = mul k 2.0:f32[]\n"
        "                  in (l,) }\n"
        "              )\n"
        "            ] g d\n"
        "            m:f32[] = add h e\n"
        "          in (m, h) }\n"
        "      length=3\n"
        "      linear=(False, False)\n"
        "      num_carry=1\n"
        "      num_consts=0\n"
        "      reverse=False\n"
        "      unroll=1\n"
        "    ] 0.0:f32[] a\n"
        "  in (b, c) }"
    )


def test_golden_cond_inside_cond_with_closure_const():
    w = np.arange(3, dtype=f32)

    def f(p, x):
        inner = lambda v: lax.cond(p, lambda u: u * w, lambda u: u, v)  # noqa: E731
        return lax.cond(p, inner, lambda v: -v, x)

    text = str(make_jaxpr(f)(True, np.ones(3, f32)))
    assert text == (
        "{ lambda a:f32[3]; b:bool[] c:f32[3]. let\n"
        "    d:i32[] = convert_element_type[\n"
        "      new_dtype=int32\n"
        "      weak_type=False\n"
        "    ] b\n"
        "    e:f32[3] = cond[\n"
        "      branches=(\n"
        "        { lambda ; f:bool[] g:f32[3] h:f32[3]. let\n"
        "            i:f32[3] = neg h\n"
        "          in (i,) }\n"
        "        { lambda ; j:bool[] k:f32[3] l:f32[3]. let\n"
        "            m:i32[] = convert_element_type[\n"
        "              new_dtype=int32\n"
        "              weak_type=False\n"
        "            ] j\n"
        "            n:f32[3] = cond[\n"
        "              branches=(\n"
        "                { lambda ; o:f32[3] p:f32[3]. let\n"
        "                  in (p,) }\n"
        "                { lambda ; q:f32[3] r:f32[3]. let\n"
        "                    s:f32[3] = mul r q\n"
        "                  in (s,) }\n"
        "              )\n"
        "            ] m k l\n"
        "          in (n,) }\n"
        "      )\n"
        "    ] d b a c\n"
        "  in (e,) }"
    )


@given(st.lists(st.floats(-3, 3, width=32), min_size=1, max_size=6), st.booleans())
def test_scan_matches_python_loop(values, reverse):
    xs = {"a": np.array(values, f32), "b": np.arange(len(values), dtype=np.int32)}

    def body(c, x):
        s, n = c
        s2 = s * f32(0.5) + x["a"]
        return (s2, n + x["b"]), s2 * 2.0

    (s, n), ys = lax.scan(body, (f32(1), np.int32(0)), xs, reverse=reverse)
    order = range(len(values) - 1, -1, -1) if reverse else range(len(values))
    carry, count, want = f32(1), 0, [0.0] * len(values)
    for i in order:
        carry = f32(carry * f32(0.5) + f32(values[i]))
        count += i
        want[i] = carry * 2.0
    np.testing.assert_allclose(s, carry, rtol=1e-6)
    assert int(n) == count
    np.testing.assert_allclose(ys, np.array(want, f32), rtol=1e-6)


def test_scan_with_length_and_no_xs_and_none_outputs():
    carry, ys = lax.scan(lambda c, _: (c + 1, None), np.int32(0), None, length=5)
    assert int(carry) == 5
    assert ys is None


def test_scan_errors_name_the_problem():
    xs = {"a": np.ones(3, f32), "b": np.ones(4, f32)}
    with pytest.raises(
        ValueError,
        match=r"different leading axis sizes: xs\['a'\]\.shape\[0\]=3, xs\['b'\]\.shape\[0\]=4",
    ):
        lax.scan(lambda c, x: (c, x), f32(0), xs)
    with pytest.raises(ValueError, match="no values to scan over"):
        lax.scan(lambda c, x: (c, x), f32(0), None)
    with pytest.raises(TypeError, match=r"must return a pair \(carry, y\)"):
        lax.scan(lambda c, x: c, f32(0), np.ones(3, f32))
    with pytest.raises(
        TypeError, match=r"carry component \[0\] has type f32\[\] on input but f32\[2\]"
    ):
        lax.scan(lambda c, x: ((c[0] * np.ones(2, f32),), x), (f32(0),), np.ones(3, f32))
    with pytest.raises(ValueError, match=r"xs has type float32\[\], but scanned values need"):
        lax.scan(lambda c, x: (c, x), f32(0), f32(1))


def test_weakly_typed_carry_becomes_strong():
    # The init 0.0 is weak; the body makes it a strong float32: traced again as strong.
    out, _ = lax.scan(lambda c, x: (c + x, None), 0.0, np.ones(3, f32))
    assert out.dtype == f32
    assert float(out) == 3.0


def test_cond_and_switch_evaluate_the_chosen_branch():
    x = np.array([1.0, -2.0], f32)
    assert np.array_equal(lax.cond(True, lambda v: v * 2, lambda v: v, x), x * 2)
    assert np.array_equal(lax.cond(np.int32(0), lambda v: v * 2, lambda v: v, x), x)
    branches = [lambda v: v, lambda v: v + 1, lambda v: v * 10]
    for i, want in [(-5, x), (1, x + 1), (2, x * 10), (99, x * 10)]:
        np.testing.assert_array_equal(lax.switch(i, branches, x), want)


def test_cond_with_pytree_operands_and_outputs():
    ops = {"w": np.ones(2, f32), "b": f32(3)}
    out = lax.cond(False, lambda d: (d["w"], d["b"]), lambda d: (d["w"] * 0, -d["b"]), ops)
    assert isinstance(out, tuple)
    np.testing.assert_array_equal(out[0], np.zeros(2, f32))
    assert float(out[1]) == -3.0


def test_cond_promotes_weak_outputs():
    jaxpr = make_jaxpr(lambda p, x: lax.cond(p, lambda v: v, lambda v: 0.0, x))(True, f32(1))
    assert jaxpr.out_avals[0].dtype == f32
    assert not jaxpr.out_avals[0].weak_type


def test_cond_errors():
    x = np.ones(2, f32)
    with pytest.raises(TypeError, match=r"predicate must be a scalar, got bool\[2\]"):
        lax.cond(np.array([True, False]), lambda v: v, lambda v: v, x)
    with pytest.raises(TypeError, match="different tree structure"):
        lax.cond(True, lambda v: (v, v), lambda v: v, x)
    with pytest.raises(TypeError, match=r"output 0 has types \(i32\[2\], f32\[2\]\)"):
        lax.cond(True, lambda v: v, lambda v: np.ones(2, np.int32), x)
    with pytest.raises(TypeError, match="index must be an integer scalar"):
        lax.switch(1.5, [lambda v: v, lambda v: v], x)
    with pytest.raises(ValueError, match="must not be empty"):
        lax.switch(0, [], x)


def test_while_and_fori_loop_match_python():
    def collatz_steps(n):
        def body(c):
            m, k = c
            m2 = lax.select(lax.eq(lax.rem(m, 2), 0), lax.div(m, 2), m * 3 + 1)
            return m2, k + 1

        return lax.while_loop(lambda c: lax.ne(c[0], 1), body, (n, np.int32(0)))[1]

    assert int(collatz_steps(np.int32(27))) == 111
    total = lax.fori_loop(2, 7, lambda i, acc: acc + i, np.int32(0))
    assert int(total) == sum(range(2, 7))
    assert int(lax.fori_loop(5, 2, lambda i, acc: acc + i, np.int32(0))) == 0


def test_fori_loop_is_a_scan_with_concrete_bounds_and_a_while_otherwise():
    concrete = make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, v: v * 2.0, x))(f32(1))
    assert [e.primitive for e in concrete.eqns] == [cf.scan_p]
    traced = make_jaxpr(lambda n, x: lax.fori_loop(0, n, lambda i, v: v * 2.0, x))(
        np.int32(3), f32(1)
    )
    assert cf.while_p in [e.primitive for e in traced.eqns]
    with pytest.raises(ValueError, match="unroll needs concrete"):
        make_jaxpr(lambda n: lax.fori_loop(0, n, lambda i, v: v, 0.0, unroll=2))(np.int32(3))


def test_while_loop_errors():
    with pytest.raises(
        TypeError,
        match=r"cond_fun must return a boolean scalar, but got output type\(s\) \(f32\[\]\)",
    ):
        lax.while_loop(lambda c: c, lambda c: c, f32(1))
    with pytest.raises(TypeError, match="same tree structure"):
        lax.while_loop(lambda c: c < 3, lambda c: (c, c), f32(1))


def test_closure_over_an_outer_tracer_becomes_a_const_operand():
    def f(x):
        return lax.scan(lambda c, y: (c + x * y, None), f32(0), np.ones(3, f32))[0]

    jaxpr = make_jaxpr(f)(f32(2))
    (eqn,) = jaxpr.eqns
    assert eqn.params["num_consts"] == 1
    assert eqn.invars[0] is jaxpr.jaxpr.invars[0]
    assert float(f(f32(2))) == 6.0


def test_check_jaxpr_recurses_into_branches():
    jaxpr = make_jaxpr(lambda p, x: lax.cond(p, lambda v: v + 1.0, lambda v: v, x))(True, f32(1))
    branch = jaxpr.eqns[1].params["branches"][1]
    # Corrupt the branch: make its equation read an undefined variable.
    from pullback_ir.avals import ShapedArray
    from pullback_ir.jaxpr import Var

    branch.jaxpr.eqns[0].invars[0] = Var(ShapedArray((), f32))
    with pytest.raises(InvalidJaxprError, match="reads an undefined variable"):
        check_jaxpr(jaxpr)


def test_pure_callback_checks_results_and_is_removed_when_unused():
    x = np.arange(3, dtype=f32)
    out = lax.pure_callback(lambda a: a * 2, ShapeDtypeStruct((3,), f32), x)
    np.testing.assert_array_equal(out, x * 2)
    with pytest.raises(
        TypeError,
        match=r"callback result 0 has shape \(4,\), but result_shape_dtypes declares float32\[3\]",
    ):
        lax.pure_callback(lambda a: np.ones(4, f32), ShapeDtypeStruct((3,), f32), x)
    with pytest.raises(TypeError, match="dtype int32"):
        lax.pure_callback(lambda a: np.ones(3, np.int32), ShapeDtypeStruct((3,), f32), x)
    with pytest.raises(ValueError, match="vmap_method must be one of"):
        lax.pure_callback(lambda a: a, x, x, vmap_method="bogus")

    def f(a):
        lax.pure_callback(lambda v: v, ShapeDtypeStruct((3,), f32), a)
        lax.io_callback(lambda v: v, ShapeDtypeStruct((3,), f32), a, ordered=True)
        return a

    jaxpr = make_jaxpr(f)(x)
    assert jaxpr.effects == frozenset({ORDERED_IO})
    pruned, _ = dce_jaxpr(jaxpr.jaxpr, [True])
    assert [e.primitive.name for e in pruned.eqns] == ["io_callback"]


def test_io_callback_runs_in_order_and_unordered_effect():
    seen = []
    x = np.arange(2, dtype=f32)

    def log(v):
        seen.append(v.copy())
        return v

    lax.io_callback(log, ShapeDtypeStruct((2,), f32), x)
    lax.io_callback(log, ShapeDtypeStruct((2,), f32), x + 1)
    assert [v.tolist() for v in seen] == [[0.0, 1.0], [1.0, 2.0]]
    jaxpr = make_jaxpr(lambda a: lax.io_callback(log, a, a))(x)
    assert jaxpr.effects == frozenset({IO})


def test_collectives_need_a_bound_axis():
    with pytest.raises(NameError, match=r"unbound axis name: 'i'"):
        lax.psum(f32(1), "i")
    with pytest.raises(NameError, match=r"unbound axis name: 'j'"):
        make_jaxpr(lambda x: lax.psum(x, "j"), axis_env=[("i", 2)])(f32(1))


def test_collectives_stage_under_axis_env():
    def f(x):
        g = lax.all_gather(x, "i")
        return lax.pmean(x, "i"), g, lax.ppermute(x, "i", [(0, 1), (1, 0)])

    jaxpr, shapes = make_jaxpr(f, axis_env=[("i", 2)], return_shape=True)(np.ones(3, f32))
    assert [e.primitive.name for e in jaxpr.eqns] == ["all_gather", "psum", "div", "ppermute"]
    assert shapes[1].shape == (2, 3)
    assert jaxpr.eqns[0].params["axis_size"] == 2


def test_named_scope_and_named_call_are_recorded():
    def f(x):
        with named_scope("layer1"), named_scope("dense"):
            y = lax.sin(x)
        return lax.named_call(lambda v: v * 2.0, name="double")(y)

    jaxpr = make_jaxpr(f)(f32(1))
    assert jaxpr.eqns[0].name_stack == ("layer1", "dense")
    assert jaxpr.eqns[1].primitive.name == "named_call"
    assert jaxpr.eqns[1].params["name"] == "double"
    with pytest.raises(TypeError, match="name must be a str"), named_scope(3):
        pass
