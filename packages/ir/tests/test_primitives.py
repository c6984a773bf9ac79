"""Every primitive: its shape/dtype rule agrees with its reference implementation, and the
implementation agrees with an independent definition on random inputs of each dtype."""

import math

import numpy as np
import pytest
from pullback_ir import dtypes, primitives
from pullback_ir.primitives import callbacks as cb, elementwise as ew
from pullback_ir.primitives.collectives import STACKED_IMPLS
from pullback_ir.testing import OP_RECORDS, tolerance

CASES = [(rec, np.dtype(dt)) for rec in OP_RECORDS for dt in rec.dtypes]


def _id(case):
    rec, dt = case
    return f"{rec.primitive.name}-{dt.name}"


# `check` has no outputs and refuses to lower (it only means something inside checkify), so the
# per-primitive sweeps (JVP, batching, lowering against the reference) do not apply to it:
# test_check_primitive below and tests/test_checkify.py test it.
NO_OP_RECORD = {cb.check_p}


def test_every_primitive_has_an_op_record():
    covered = {rec.primitive for rec in OP_RECORDS} | NO_OP_RECORD
    missing = [p.name for p in primitives.ALL if p not in covered]
    assert missing == []


def test_check_primitive():
    from pullback_ir.avals import ShapedArray
    from pullback_ir.errors import CheckError
    from pullback_pytrees import tree_flatten

    tree = tree_flatten(((0,), {"k": 0}))[1]
    params = {"msg": "bad {} {k}", "fmt_tree": tree}
    assert cb.check_p.bind(np.bool_(True), np.float32(1), np.int32(2), **params) == []
    with pytest.raises(CheckError, match=r"bad 1.5 2 \(`check` failed\)"):
        cb.check_p.bind(np.bool_(False), np.float32(1.5), np.int32(2), **params)
    assert issubclass(CheckError, ValueError)
    b = ShapedArray((), np.dtype(np.bool_))
    assert cb.check_p.abstract_eval(b, **params) == []
    with pytest.raises(TypeError, match="must be a boolean"):
        cb.check_p.abstract_eval(ShapedArray((), np.dtype(np.float32)), **params)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_shape_rule_matches_reference_impl(case):
    rec, dt = case
    rng = np.random.default_rng(hash(rec.primitive.name) % 2**32)
    args, params = rec.make_args(rng, dt)
    if rec.axis_size is not None:
        # A collective: the abstract value of one member against the stacked reference.
        out_avals = rec.primitive.abstract_eval(*[_aval(a[0]) for a in args], **params)
        outs = STACKED_IMPLS[rec.primitive](*args, **{"axis_size": rec.axis_size, **params})
        assert [o.shape[1:] for o in outs] == [a.shape for a in out_avals]
        assert [o.shape[0] for o in outs] == [rec.axis_size] * len(outs)
        assert [o.dtype for o in outs] == [a.dtype for a in out_avals]
        with pytest.raises(NameError, match="unbound axis name"):
            rec.primitive.bind(*[a[0] for a in args], **params)
        return
    out_avals = rec.primitive.abstract_eval(*[_aval(a) for a in args], **params)
    raws = rec.primitive.impl(*args, **params)
    assert len(raws) == len(out_avals)
    for raw, out_aval in zip(raws, out_avals, strict=True):
        assert np.asarray(raw).shape == out_aval.shape
    # The eager path returns exactly the abstract dtype.
    for out, out_aval in zip(rec.primitive.bind(*args, **params), out_avals, strict=True):
        assert out.dtype == out_aval.dtype
        assert out.shape == out_aval.shape


def _aval(x):
    from pullback_ir.avals import ShapedArray

    x = np.asarray(x)
    return ShapedArray(x.shape, x.dtype)


def _exact(x):
    x = np.asarray(x)
    if dtypes.is_complex(x.dtype):
        return x.astype(np.complex128)
    if dtypes.is_float(x.dtype):
        return x.astype(np.float64)
    return x.astype(object) if dtypes.is_integer(x.dtype) else x


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_reference_impl_against_independent_definition(case):
    rec, dt = case
    rng = np.random.default_rng(1 + hash(rec.primitive.name) % 2**32)
    args, params = rec.make_args(rng, dt)
    if rec.axis_size is not None:
        outs = STACKED_IMPLS[rec.primitive](*args, **{"axis_size": rec.axis_size, **params})
    else:
        outs = rec.primitive.bind(*args, **params)
    wants = rec.reference(*[_exact(a) for a in args], **params)
    if len(outs) == 1:
        wants = [wants]
    assert len(wants) == len(outs)
    for out, want in zip(outs, wants, strict=True):
        _check_close(rec, dt, out, want)


def _check_close(rec, dt, out, want):
    erf_inv = rec.primitive is ew.erf_inv_p
    got = np.vectorize(math.erf)(out.astype(np.float64)) if erf_inv else out
    if dtypes.is_integer(out.dtype):
        want = _wrap(want, out.dtype)
    want = np.asarray(want).astype(
        np.complex128
        if dtypes.is_complex(out.dtype)
        else np.float64
        if out.dtype != np.bool_
        else bool
    )
    got = np.asarray(got).astype(want.dtype)
    assert got.shape == want.shape
    rtol = tolerance(dt, rec.rtol_scale) if rec.primitive is not ew.convert_element_type_p else 0
    if rtol == 0 or not dtypes.is_inexact(out.dtype):
        np.testing.assert_array_equal(got, want)
    else:
        atol = rtol * max(1.0, float(np.max(np.abs(want)))) if want.size else 0
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _wrap(values, dtype):
    # Integer arithmetic wraps around in two's complement, as on every backend.
    bits = dtype.itemsize * 8
    flat = [int(v) % 2**bits for v in np.asarray(values, dtype=object).ravel()]
    if dtypes.is_signed(dtype):
        flat = [v - 2**bits if v >= 2 ** (bits - 1) else v for v in flat]
    return np.array(flat, dtype=np.float64).reshape(np.shape(values))


@pytest.mark.parametrize("dt", [np.float32, np.int32])
def test_broadcast_scalars_in_binary_ops(dt):
    (out,) = ew.add_p.bind(np.ones((2, 3), dt), np.asarray(2, dt))
    np.testing.assert_array_equal(out, np.full((2, 3), 3, dt))
    with pytest.raises(TypeError, match=r"add: operands must have equal shapes \(or be scalars\)"):
        ew.add_p.bind(np.ones((2, 3), dt), np.ones(3, dt))


def test_population_count_of_negative_ints_counts_twos_complement_bits():
    (out,) = ew.population_count_p.bind(np.array([-1, -128, 3], np.int8))
    np.testing.assert_array_equal(out, np.array([8, 1, 2], np.int8))
