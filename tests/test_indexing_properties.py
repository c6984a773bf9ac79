"""NumPy indexing and `.at[]` updates against NumPy on hypothesis-drawn shapes and indices."""

import numpy as np
import pullback.numpy as jnp
from hypothesis import given, settings, strategies as st

import pullback as pb


@st.composite
def array_and_index(draw, allow_strided=True):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    idx = []
    dims = list(shape)
    used_ellipsis = False
    n_adv = 0
    while dims:
        n = dims.pop(0)
        kind = draw(st.sampled_from(["int", "slice", "array", "none", "ellipsis", "full"]))
        if kind == "int":
            idx.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n, n))
            stop = draw(st.none() | st.integers(-n, n))
            step = draw(st.sampled_from([None, 1, 2, -1, -2] if allow_strided else [None, 1]))
            idx.append(slice(start, stop, step))
        elif kind == "array" and n_adv < 2:
            n_adv += 1
            size = draw(st.integers(1, 3))
            idx.append(np.asarray(draw(st.lists(st.integers(-n, n - 1), min_size=size,
                                                max_size=size)), np.int32))  # fmt: skip
        elif kind == "none":
            idx.append(None)
            dims.insert(0, n)
        elif kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            idx.append(Ellipsis)
            dims.clear()
        else:
            idx.append(slice(None))
    if n_adv == 2:  # both arrays must broadcast: make them the same length
        arrays = [i for i in idx if isinstance(i, np.ndarray)]
        m = min(len(a) for a in arrays)
        idx = [i[:m] if isinstance(i, np.ndarray) else i for i in idx]
    return x, tuple(idx)


@settings(deadline=None)
@given(array_and_index())
def test_getitem_matches_numpy(case):
    x, idx = case
    expected = x[idx]
    np.testing.assert_array_equal(jnp.asarray(x)[idx], expected)
    np.testing.assert_array_equal(pb.jit(lambda a: a[idx])(x), expected)


@settings(deadline=None)
@given(array_and_index(allow_strided=False), st.sampled_from(["set", "add", "max"]))
def test_at_updates_match_numpy(case, op):
    x, idx = case
    if any(i is None for i in idx):
        return  # NumPy's in-place forms reject new axes; covered by getitem
    shape = x[idx].shape
    v = (np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) + 100) if shape else 7.0
    expected = x.copy()
    if op == "set":
        expected[idx] = v
    else:
        {"add": np.add, "max": np.maximum}[op].at(expected, idx, v)
    got = getattr(jnp.asarray(x).at[idx], op)(v)
    np.testing.assert_array_equal(got, expected)
