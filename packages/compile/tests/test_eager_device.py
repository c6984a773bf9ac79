"""Eager single-operation executables (the accelerator path), exercised on the CPU device with
`eager_on_device`: every op record against the reference implementation."""

import numpy as np
import pytest
from pullback_compile import Array, device_put, eager_cache_size, eager_on_device
from pullback_ir import dtypes, lax
from pullback_ir.testing import OP_RECORDS


def _cases():
    out = []
    for rec in OP_RECORDS:
        if rec.axis_size is not None:
            continue  # collectives need a mapped axis
        if not rec.make_args(np.random.default_rng(7), rec.dtypes[0])[0]:
            continue  # no operand names a device (iota runs where its consumer does)
        out.append(pytest.param(rec, id=f"{rec.primitive.name}-{len(out)}"))
    return out


@pytest.mark.parametrize("rec", _cases())
def test_single_op_executables_match_the_reference(rec):
    dt = rec.dtypes[0]
    args, params = rec.make_args(np.random.default_rng(7), dt)
    params = {**rec.params, **params}
    expected = rec.primitive.bind(*[np.asarray(a) for a in args], **params)
    with eager_on_device():
        got = rec.primitive.bind(*[device_put(np.asarray(a)) for a in args], **params)
    for g, e in zip(got, expected, strict=True):
        assert isinstance(g, Array)
        assert g._buf is not None  # computed on the device
        assert g._host is None
        e = np.asarray(e)
        assert g.shape == e.shape
        assert g.dtype == e.dtype
        if dtypes.is_inexact(e.dtype):
            tol = {1: 0.25, 2: 2e-2, 4: 1e-4, 8: 1e-10}[
                e.dtype.itemsize // (2 if e.dtype.kind == "c" else 1)
            ]
            np.testing.assert_allclose(np.asarray(g).astype(np.complex128),
                                       e.astype(np.complex128), rtol=tol, atol=tol)  # fmt: skip
        else:
            np.testing.assert_array_equal(np.asarray(g), e)


def test_chains_stay_on_the_device_and_executables_are_cached():
    x = device_put(np.arange(4, dtype=np.float32))
    with eager_on_device():
        y = lax.sin(x)
        n = eager_cache_size()
        z = lax.mul(lax.sin(y), y)
        assert eager_cache_size() == n + 1  # sin hit the cache, mul compiled once
        assert z._host is None
    np.testing.assert_allclose(z, np.sin(np.sin(np.arange(4))) * np.sin(np.arange(4)), rtol=1e-6)
    # Outside the block CPU values take the reference interpreter again.
    assert type(lax.sin(np.ones(2, np.float32))) is np.ndarray
