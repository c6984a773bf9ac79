"""Set operations, index tricks, windows, vectorize and the array-API aliases, against NumPy."""

from __future__ import annotations

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb

A, B = np.array([3, 1, 2, 7, 7]), np.array([2, 1, 5])

CASES = {
    "isin": (lambda: jnp.isin(jnp.arange(5), jnp.array([1, 3])), np.isin(np.arange(5), [1, 3])),
    "isin invert": (lambda: jnp.isin(jnp.arange(4), jnp.array([1]), invert=True),
                    np.isin(np.arange(4), [1], invert=True)),
    "union1d": (lambda: jnp.union1d(A, B), np.union1d(A, B)),
    "intersect1d": (lambda: jnp.intersect1d(A, B), np.intersect1d(A, B)),
    "setdiff1d": (lambda: jnp.setdiff1d(A, B), np.setdiff1d(A, B)),
    "setxor1d": (lambda: jnp.setxor1d(A, B), np.setxor1d(A, B)),
    "union1d sized jit": (lambda: pb.jit(lambda a, b: jnp.union1d(a, b, size=6, fill_value=0))(
        jnp.asarray(A), jnp.asarray(B)), [1, 2, 3, 5, 7, 0]),
    "setdiff1d sized jit": (lambda: pb.jit(lambda a, b: jnp.setdiff1d(a, b, size=3))(
        jnp.asarray(A), jnp.asarray(B)), [3, 7, 3]),
    "mgrid": (lambda: jnp.mgrid[0:2, 0:3], np.mgrid[0:2, 0:3]),
    "mgrid complex step": (lambda: jnp.mgrid[0:1:3j], np.mgrid[0:1:3j]),
    "ogrid": (lambda: jnp.ogrid[0:2, 0:3][1], np.ogrid[0:2, 0:3][1]),
    "r_": (lambda: jnp.r_[jnp.array([1, 2]), 0, 4:6], np.r_[np.array([1, 2]), 0, 4:6]),
    "c_": (lambda: jnp.c_[jnp.array([1, 2]), jnp.array([3, 4])],
           np.c_[np.array([1, 2]), np.array([3, 4])]),
    "ix_": (lambda: jnp.arange(12).reshape(3, 4)[jnp.ix_(jnp.array([0, 2]), jnp.array([1, 3]))],
            np.arange(12).reshape(3, 4)[np.ix_([0, 2], [1, 3])]),
    "s_": (lambda: jnp.arange(5)[jnp.s_[1:3]], np.arange(5)[np.s_[1:3]]),
    "hamming": (lambda: jnp.hamming(7), np.hamming(7)),
    "hanning": (lambda: jnp.hanning(7), np.hanning(7)),
    "blackman": (lambda: jnp.blackman(7), np.blackman(7)),
    "bartlett": (lambda: jnp.bartlett(6), np.bartlett(6)),
    "kaiser": (lambda: jnp.kaiser(6, 3.0), np.kaiser(6, 3.0)),
    "window of 1": (lambda: jnp.hamming(1), np.hamming(1)),
    "vectorize": (lambda: jnp.vectorize(lambda a, b: a * 2 + b)(jnp.arange(3.0), 1.0),
                  np.arange(3.0) * 2 + 1),
    "vectorize signature": (lambda: jnp.vectorize(jnp.dot, signature="(n),(n)->()")(
        jnp.ones((4, 3)), jnp.arange(3.0)), np.full(4, 3.0)),
    "vectorize excluded": (lambda: jnp.vectorize(lambda a, p: a**p, excluded={1})(
        jnp.arange(3.0), 2), np.arange(3.0) ** 2),
    "concat": (lambda: jnp.concat([jnp.ones(2), jnp.zeros(1)]), [1, 1, 0]),
    "permute_dims": (lambda: jnp.permute_dims(jnp.arange(6).reshape(2, 3), (1, 0)),
                     np.arange(6).reshape(2, 3).T),
    "matrix_transpose": (lambda: jnp.matrix_transpose(jnp.arange(6).reshape(1, 2, 3)),
                         np.swapaxes(np.arange(6).reshape(1, 2, 3), -1, -2)),
    "vecmat": (lambda: jnp.vecmat(jnp.arange(2.0), jnp.arange(6.0).reshape(2, 3)),
               np.arange(2.0) @ np.arange(6.0).reshape(2, 3)),
    "diagflat": (lambda: jnp.diagflat(jnp.array([[1, 2]]), 1), np.diagflat([[1, 2]], 1)),
    "tril_indices_from": (lambda: jnp.tril_indices_from(jnp.ones((3, 4)), 1)[1],
                          np.tril_indices_from(np.ones((3, 4)), 1)[1]),
    "triu_indices_from": (lambda: jnp.triu_indices_from(jnp.ones((3, 3)))[0],
                          np.triu_indices_from(np.ones((3, 3)))[0]),
    "diag_indices_from": (lambda: jnp.diag_indices_from(jnp.ones((3, 3)))[0], [0, 1, 2]),
    "ediff1d": (lambda: jnp.ediff1d(jnp.array([1, 4, 9]), to_end=0, to_begin=-1),
                np.ediff1d([1, 4, 9], to_end=0, to_begin=-1)),
    "fromfunction": (lambda: jnp.fromfunction(lambda i, j: i * 10 + j, (2, 3)),
                     np.fromfunction(lambda i, j: i * 10 + j, (2, 3))),
    "apply_along_axis": (lambda: jnp.apply_along_axis(jnp.sum, 1, jnp.arange(6.0).reshape(2, 3)),
                         np.apply_along_axis(np.sum, 1, np.arange(6.0).reshape(2, 3))),
    "apply_along_axis outer": (
        lambda: jnp.apply_along_axis(lambda v: jnp.outer(v, v), 0, jnp.arange(6.0).reshape(2, 3)),
        np.apply_along_axis(lambda v: np.outer(v, v), 0, np.arange(6.0).reshape(2, 3))),
    "apply_over_axes": (lambda: jnp.apply_over_axes(jnp.sum, jnp.arange(24.0).reshape(2, 3, 4),
                                                    [0, 2]),
                        np.apply_over_axes(np.sum, np.arange(24.0).reshape(2, 3, 4), [0, 2])),
    "compress": (lambda: jnp.compress(jnp.array([True, False, True]),
                                      jnp.arange(6).reshape(3, 2), axis=0),
                 np.compress([True, False, True], np.arange(6).reshape(3, 2), axis=0)),
    "compress sized": (lambda: pb.jit(lambda c: jnp.compress(c, jnp.arange(4), size=3))(
        jnp.array([True, False, True, False])), [0, 2, 0]),
    "extract": (lambda: jnp.extract(jnp.arange(5) > 2, jnp.arange(5)), [3, 4]),
    "unwrap": (lambda: jnp.unwrap(jnp.array([0.0, 3.0, 6.5, 0.5, -6.0])),
               np.unwrap([0.0, 3.0, 6.5, 0.5, -6.0])),
    "lexsort": (lambda: jnp.lexsort((jnp.array([1, 5, 1, 4, 3]), jnp.array([4, 4, 9, 9, 4]))),
                np.lexsort(([1, 5, 1, 4, 3], [4, 4, 9, 9, 4]))),
    "block": (lambda: jnp.block([[jnp.ones((2, 2)), jnp.zeros((2, 1))],
                                 [jnp.zeros((1, 2)), jnp.ones((1, 1))]]),
              np.block([[np.ones((2, 2)), np.zeros((2, 1))], [np.zeros((1, 2)), np.ones((1, 1))]])),
    "block 1-d": (lambda: jnp.block([jnp.ones(2), jnp.zeros(1)]), [1, 1, 0]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_numpy(name):
    fn, want = CASES[name]
    got = np.asarray(fn())
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got.astype(float), want.astype(float), rtol=1e-6, atol=1e-6)


def test_predicates_and_unstack():
    assert jnp.iscomplexobj(jnp.ones(2, jnp.complex64))
    assert not jnp.iscomplexobj(np.ones(2))
    assert jnp.isrealobj(1.0)
    parts = jnp.unstack(jnp.arange(6).reshape(3, 2), axis=1)
    assert len(parts) == 2
    np.testing.assert_array_equal(parts[1], [1, 3, 5])
    assert bool(jnp.array_equiv(jnp.ones(3), 1.0))
    assert not bool(jnp.array_equiv(jnp.ones(3), jnp.ones(2)))


def test_errors():
    with pytest.raises(ValueError, match="signature"):
        jnp.vectorize(jnp.dot, signature="(n)(n)->")
    with pytest.raises(pb.errors.ConcretizationTypeError):
        pb.jit(jnp.intersect1d)(jnp.arange(3), jnp.arange(2))
    with pytest.raises(ValueError, match="2-dimensional"):
        jnp.tril_indices_from(jnp.ones(3))
