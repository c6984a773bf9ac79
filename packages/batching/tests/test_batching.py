"""vmap against a Python loop for every primitive, plus vmap's parameters and errors."""

import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from pullback_batching import vmap
from pullback_batching.core import batch_rules
from pullback_ir import lax, primitives
from pullback_ir.primitives import callbacks as cb
from pullback_ir.primitives.collectives import STACKED_IMPLS
from pullback_ir.staging import make_jaxpr
from pullback_ir.testing import OP_RECORDS

B = 3


def test_every_primitive_has_a_batching_rule():
    missing = [p.name for p in primitives.ALL if p not in batch_rules]
    assert missing == []


def _cases():
    out = []
    for rec in OP_RECORDS:
        if rec.axis_size is not None:
            continue
        for dt in rec.dtypes[:2]:
            out.append(pytest.param(rec, dt, id=f"{rec.primitive.name}-{np.dtype(dt).name}"))
    return out


def _put_axis(x, axis):
    return np.moveaxis(x, 0, axis)


def _close(a, b, dt):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    if np.issubdtype(a.dtype, np.inexact):
        tol = 1e-2 if a.dtype.itemsize <= 2 else 1e-5
        np.testing.assert_allclose(a.astype(np.float64) if not np.iscomplexobj(a) else a,
                                   b.astype(np.float64) if not np.iscomplexobj(b) else b,
                                   rtol=tol, atol=tol)  # fmt: skip
    else:
        np.testing.assert_array_equal(a, b)


# Random axes per primitive: a few examples each by default, many under HYPOTHESIS_PROFILE=slow.
EXAMPLES = 200 if os.environ.get("HYPOTHESIS_PROFILE") == "slow" else 6


@pytest.mark.parametrize(("rec", "dt"), _cases())
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_vmap_matches_loop(rec, dt, data):
    seed = data.draw(st.integers(0, 2**16), label="seed")
    args0, params = rec.make_args(np.random.default_rng(seed), dt)
    per_example = [args0] + [
        rec.make_args(np.random.default_rng(seed + 1 + b), dt)[0] for b in range(B - 1)
    ]
    if any([np.shape(a) for a in ex] != [np.shape(a) for a in args0] for ex in per_example):
        pytest.skip("the record's argument shapes depend on the seed")
    n = len(args0)
    in_axes = []
    for i in range(n):
        mapped = data.draw(st.booleans(), label=f"mapped[{i}]") if n > 1 else True
        if mapped:
            nd = np.ndim(args0[i]) + 1
            in_axes.append(data.draw(st.integers(-nd, nd - 1), label=f"in_axes[{i}]"))
        else:
            in_axes.append(None)
    if n and all(a is None for a in in_axes):
        in_axes[0] = 0
    batched_args = [
        np.asarray(args0[i])
        if ax is None
        else _put_axis(np.stack([np.asarray(ex[i]) for ex in per_example]), ax)
        for i, ax in enumerate(in_axes)
    ]
    expected = []
    for b in range(B):
        ex = [args0[i] if ax is None else per_example[b][i] for i, ax in enumerate(in_axes)]
        expected.append(rec.primitive.bind(*ex, **params))
    n_out = len(expected[0])
    out_axes = [
        data.draw(
            st.integers(-np.ndim(expected[0][k]) - 1, np.ndim(expected[0][k])),
            label=f"out_axes[{k}]",
        )
        for k in range(n_out)
    ]
    if rec.primitive is cb.pure_callback_p:
        # The record's host function (a cumsum) handles one example at a time.
        params = {**params, "vmap_method": "sequential"}
    if rec.primitive is cb.io_callback_p and params["ordered"]:
        with pytest.raises(ValueError, match="ordered io_callback"):
            vmap(lambda *xs: rec.primitive.bind(*xs, **params), in_axes=tuple(in_axes))(
                *batched_args
            )
        params = {**params, "ordered": False}
    f = vmap(lambda *xs: list(rec.primitive.bind(*xs, **params)), in_axes=tuple(in_axes),
             out_axes=out_axes, axis_size=B if not n else None)  # fmt: skip
    got = f(*batched_args)
    for k in range(n_out):
        want = _put_axis(np.stack([np.asarray(e[k]) for e in expected]), out_axes[k])
        _close(got[k], want, dt)


COLLECTIVES = [
    pytest.param(rec, id=f"{rec.primitive.name}-{i}")
    for i, rec in enumerate(OP_RECORDS)
    if rec.axis_size is not None
]


@pytest.mark.parametrize("rec", COLLECTIVES)
def test_collectives_match_stacked_reference(rec):
    dt = rec.dtypes[0]
    args, params = rec.make_args(np.random.default_rng(0), dt)
    stacked = STACKED_IMPLS[rec.primitive](*args, **{"axis_size": rec.axis_size, **params})
    name = params.get("axis_name", (params.get("axes") or ("i",))[0])
    if params.get("axis_index_groups") is not None:
        with pytest.raises(NotImplementedError, match="axis_index_groups"):
            vmap(lambda *xs: rec.primitive.bind(*xs, **params), axis_name=name)(*args)
        return
    f = vmap(lambda *xs: list(rec.primitive.bind(*xs, **params)), axis_name=name,
             axis_size=rec.axis_size if not args else None)  # fmt: skip
    got = f(*args)
    for g, s in zip(got, stacked, strict=True):
        _close(g, s, dt)


# --- vmap parameters and errors ----------------------------------------------------------------


def test_in_axes_pytree_prefix_and_none():
    x = {"a": np.arange(6.0, dtype=np.float32).reshape(3, 2), "b": np.ones(3, np.float32)}
    f = vmap(lambda p, s: lax.add(p["a"], p["b"]) * s, in_axes=({"a": 1, "b": None}, None))
    out = f(x, np.float32(2.0))
    np.testing.assert_allclose(out, (x["a"].T + 1) * 2)


def test_out_axes_and_negative_axes():
    x = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    out = vmap(lambda a: lax.neg(a), in_axes=-1, out_axes=1)(x)
    np.testing.assert_allclose(out, np.moveaxis(-x, 2, 1))
    s, t = vmap(lambda a: (a, lax.reduce_sum(a, (0,))), out_axes=(-1, 0))(x)
    np.testing.assert_allclose(s, np.moveaxis(x, 0, -1))
    np.testing.assert_allclose(t, x.sum(1))


def test_out_axes_none_for_a_mapped_output_raises():
    with pytest.raises(ValueError, match="out_axes is None"):
        vmap(lambda a: a * 2, out_axes=None)(np.ones(3, np.float32))
    # Fine for an unmapped output.
    out = vmap(lambda a: (a, np.float32(1.0)), out_axes=(0, None))(np.ones(3, np.float32))
    assert out[1] == 1.0


def test_axis_size_required_without_mapped_inputs():
    with pytest.raises(ValueError, match="axis_size"):
        vmap(lambda a: a, in_axes=None)(np.ones(3, np.float32))
    out = vmap(lambda a: a, in_axes=None, axis_size=4)(np.ones(3, np.float32))
    assert out.shape == (4, 3)


def test_inconsistent_sizes_list_each_argument():
    with pytest.raises(
        ValueError, match=r"args\[0\]\['x'\]: axis size 2\n  args\[1\]: axis size 3"
    ):
        vmap(lambda p, y: p["x"] + y)({"x": np.ones(2, np.float32)}, np.ones(3, np.float32))


def test_out_of_range_axis_names_the_argument():
    with pytest.raises(ValueError, match=r"axis 2.*args\[0\]"):
        vmap(lambda a: a, in_axes=2)(np.ones((3, 2), np.float32))


def test_in_axes_structure_mismatch():
    with pytest.raises(ValueError, match="len\\(in_axes\\)=2"):
        vmap(lambda a: a, in_axes=(0, 0))(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="tree prefix"):
        vmap(lambda p: p, in_axes=({"z": 0},))({"a": np.ones(3, np.float32)})


def test_nested_vmap_with_distinct_names_and_collectives():
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)

    def f(v):
        return (
            lax.psum(v, "i")
            + lax.psum(v, "j") * 10
            + lax.convert_element_type(lax.axis_index("i"), np.float32) * 100
        )

    out = vmap(vmap(f, axis_name="j"), axis_name="i")(x)
    expected = x.sum(0, keepdims=True) + x.sum(1, keepdims=True) * 10 + np.arange(2)[:, None] * 100
    np.testing.assert_allclose(out, expected)
    # pmean and psum over a tuple of names.
    out = vmap(vmap(lambda v: lax.psum(v, ("i", "j")), axis_name="j"), axis_name="i")(x)
    np.testing.assert_allclose(out, np.full((2, 3), x.sum()))
    out = vmap(lambda v: lax.pmean(v, "i"), axis_name="i")(x)
    np.testing.assert_allclose(out, np.broadcast_to(x.mean(0), (2, 3)))


def test_spmd_axis_name_is_accepted():
    out = vmap(lambda a: a + 1, spmd_axis_name="data")(np.ones(2, np.float32))
    np.testing.assert_allclose(out, 2)


def test_pure_callback_without_vmap_method_raises():
    def f(x):
        return lax.pure_callback(lambda a: a * 2, x, x)

    with pytest.raises(NotImplementedError, match="vmap_method"):
        vmap(f)(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("method", ["sequential", "expand_dims", "broadcast_all"])
def test_pure_callback_vmap_methods(method):
    seen = []

    def host(a, b):
        seen.append((a.shape, b.shape))
        return a * b

    def f(x, y):
        return lax.pure_callback(host, x, x, y, vmap_method=method)

    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    y = np.arange(3.0, dtype=np.float32)
    out = vmap(f, in_axes=(0, None))(x, y)
    np.testing.assert_allclose(out, x * y)
    expected_shapes = {
        "sequential": [((3,), (3,))] * 2,
        "expand_dims": [((2, 3), (1, 3))],
        "broadcast_all": [((2, 3), (2, 3))],
    }[method]
    assert seen == expected_shapes


def test_vmap_of_matmul_is_one_dot_general():
    w = np.ones((4, 5), np.float32)
    jaxpr = make_jaxpr(vmap(lambda x: lax.dot(x, w)))(np.ones((7, 4), np.float32))
    prims = [e.primitive.name for e in jaxpr.jaxpr.eqns]
    assert prims == ["dot_general"]
    jaxpr = make_jaxpr(vmap(lambda x, w: lax.dot(x, w)))(
        np.ones((7, 3, 4), np.float32), np.ones((7, 4, 5), np.float32)
    )
    (eqn,) = jaxpr.jaxpr.eqns
    assert eqn.params["dimension_numbers"][1] == ((0,), (0,))
    assert all(e.primitive.name not in ("while", "scan") for e in jaxpr.jaxpr.eqns)


def test_keyword_arguments_are_mapped():
    out = vmap(lambda a, *, b: a * b)(np.ones(3, np.float32), b=np.arange(3.0, dtype=np.float32))
    np.testing.assert_allclose(out, np.arange(3.0))


def test_cond_with_batched_predicate_becomes_select():
    xs = np.array([-1.0, 2.0, -3.0], np.float32)
    f = vmap(lambda x: lax.cond(x > 0, lambda v: v * 10.0, lambda v: v - 1.0, x))
    np.testing.assert_allclose(f(xs), np.where(xs > 0, xs * 10, xs - 1))
    names = [e.primitive.name for e in make_jaxpr(f)(xs).jaxpr.eqns]
    assert "cond" not in names
    assert "select_n" in names
    # An unbatched predicate keeps the cond.
    g = vmap(lambda x, p: lax.cond(p, lambda v: v * 10.0, lambda v: v, x), in_axes=(0, None))
    assert "cond" in [e.primitive.name for e in make_jaxpr(g)(xs, True).jaxpr.eqns]
    np.testing.assert_allclose(g(xs, True), xs * 10)


def test_while_with_batched_predicate_runs_each_example_to_its_own_end():
    limits = np.array([1, 5, 3], np.int32)

    def count(limit):
        return lax.while_loop(lambda c: c[0] < limit, lambda c: (c[0] + 1, c[1] * 2.0),
                              (np.int32(0), np.float32(1.0)))  # fmt: skip

    n, v = vmap(count)(limits)
    np.testing.assert_array_equal(n, limits)
    np.testing.assert_allclose(v, 2.0**limits)


def test_scan_with_batched_xs_and_unbatched_carry():
    xs = np.arange(12.0, dtype=np.float32).reshape(3, 4)  # batch 3, length 4

    def cumulative(row):
        return lax.scan(lambda c, x: (c + x, c * x), np.float32(0.0), row)

    carry, ys = vmap(cumulative)(xs)
    for b in range(3):
        c, y = cumulative(xs[b])
        np.testing.assert_allclose(carry[b], c)
        np.testing.assert_allclose(ys[b], y)


@pytest.mark.parametrize(
    "batched",
    [(True, False, False), (False, True, False), (True, False, True), (False, False, True),
     (True, True, True)],
)  # fmt: skip
def test_select_n_and_clamp_with_scalar_operands_match_the_loop(batched):
    # Per-example scalars: a batched operand beside unbatched rank-0 ones (vmap of grad of
    # jnp.where over scalars makes these).
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(4).astype(np.float32) for _ in range(3)]
    pred = xs[0] > 0
    args = [pred if batched[0] else np.bool_(True), xs[1] if batched[1] else np.float32(2.0),
            xs[2] if batched[2] else np.float32(-1.0)]  # fmt: skip
    in_axes = [0 if b else None for b in batched]
    out = vmap(lambda w, a, b: lax.select(w, a, b), in_axes=in_axes, axis_size=4)(*args)
    loop = [np.where(args[0][i] if batched[0] else args[0], args[1][i] if batched[1] else args[1],
                     args[2][i] if batched[2] else args[2]) for i in range(4)]  # fmt: skip
    np.testing.assert_array_equal(np.asarray(out), np.stack(loop))
    lo = xs[0] if batched[0] else np.float32(-0.5)
    hi = xs[2] + 2 if batched[2] else np.float32(0.5)
    x = xs[1] if batched[1] else np.float32(0.25)
    out = vmap(lambda a, b, c: lax.clamp(a, b, c), in_axes=in_axes, axis_size=4)(lo, x, hi)
    loop = [np.clip(x[i] if batched[1] else x, lo[i] if batched[0] else lo,
                    hi[i] if batched[2] else hi) for i in range(4)]  # fmt: skip
    np.testing.assert_allclose(np.asarray(out), np.stack(loop))
