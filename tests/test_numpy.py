"""pullback.numpy against NumPy on random inputs, eagerly and under jit; JAX's promotion;
indexing and `.at` updates; errors."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb

RNG = np.random.default_rng(0)


def f32(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


def i32(*shape, lo=-5, hi=6):
    return RNG.integers(lo, hi, shape).astype(np.int32)


def _is_data(a):
    return isinstance(a, np.ndarray) or (
        isinstance(a, list) and a and all(isinstance(v, np.ndarray) for v in a)
    )


def _check(ours, theirs, args, kwargs=None, rtol=1e-5, atol=1e-6, jit=True):
    kwargs = kwargs or {}
    expected = theirs(*args, **kwargs)
    got = ours(*args, **kwargs)
    _same(got, expected, rtol, atol)
    if jit:
        # Arrays are traced; shapes, axes and other Python values stay static.
        data = [i for i, a in enumerate(args) if _is_data(a)]

        def run(*traced):
            full = list(args)
            for i, t in zip(data, traced, strict=True):
                full[i] = t
            return ours(*full, **kwargs)

        _same(pb.jit(run)(*[args[i] for i in data]), expected, rtol, atol)


def _same(got, expected, rtol, atol):
    if isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same(g, e, rtol, atol)
        return
    e = np.asarray(expected)
    g = np.asarray(got)
    assert g.shape == e.shape, (g.shape, e.shape)
    if e.dtype.kind in "fc":
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(g, e)


UNARY = ["sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "arcsinh", "exp", "expm1",
         "negative", "absolute", "sign", "floor", "ceil", "rint", "trunc", "square",
         "isfinite", "isnan", "deg2rad", "rad2deg", "sinc", "cbrt", "exp2",
         "logical_not"]  # fmt: skip


@pytest.mark.parametrize("name", UNARY)
def test_unary_float(name):
    _check(getattr(jnp, name), getattr(np, name), (f32(3, 4),), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["log", "log1p", "log2", "log10", "sqrt", "reciprocal", "arccos",
                                  "arcsin", "arctanh"])  # fmt: skip
def test_unary_positive_domain(name):
    x = f32(5, lo=0.05, hi=0.95)
    _check(getattr(jnp, name), getattr(np, name), (x,), rtol=2e-5)


def test_integer_inputs_promote_to_float():
    x = i32(4, lo=1)
    assert jnp.sin(x).dtype == np.float32
    assert jnp.sqrt(x).dtype == np.float32
    assert jnp.negative(x).dtype == np.int32
    _check(jnp.exp, np.exp, (x,), rtol=1e-5)


BINARY = ["add", "subtract", "multiply", "maximum", "minimum", "arctan2", "hypot",
          "logaddexp", "copysign", "equal", "not_equal", "less", "less_equal", "greater",
          "greater_equal", "true_divide"]  # fmt: skip


@pytest.mark.parametrize("name", BINARY)
def test_binary_float_with_broadcasting(name):
    _check(getattr(jnp, name), getattr(np, name), (f32(3, 4), f32(4)), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "bitwise_and",
                                  "bitwise_or", "bitwise_xor", "left_shift", "right_shift",
                                  "add", "multiply", "maximum"])  # fmt: skip
def test_binary_int(name):
    a, b = i32(10), i32(10, lo=1, hi=5)
    if name == "floor_divide" or name == "remainder" or name == "fmod":
        b = np.where(RNG.random(10) < 0.5, -b, b).astype(np.int32)
    _check(getattr(jnp, name), getattr(np, name), (a, b))


def test_power_forms():
    x = f32(6, lo=0.1, hi=2.0)
    _check(jnp.power, np.power, (x, 3))
    _check(jnp.power, np.power, (x, f32(6, lo=-1, hi=2)), rtol=1e-5)
    _check(jnp.power, np.power, (i32(6, lo=0, hi=4), i32(6, lo=0, hi=5)))


def test_promotion_follows_jax():
    f = jnp.ones(3, jnp.float32)
    i = jnp.ones(3, jnp.int32)
    assert (f + 1).dtype == np.float32
    assert (i + 1.0).dtype == np.float32  # weak float scalar: default float
    assert (i + 1).dtype == np.int32
    assert jnp.add(jnp.ones(2, jnp.bfloat16), jnp.ones(2, jnp.float16)).dtype == np.float32
    assert jnp.add(jnp.ones(2, jnp.int8), jnp.ones(2, jnp.uint8)).dtype == np.int16
    assert jnp.array(1.0).weak_type
    assert not jnp.array([1.0]).weak_type
    with pb.enable_x64() if hasattr(pb, "enable_x64") else _x64():
        assert jnp.arange(3).dtype == np.int64
        assert jnp.array(1.5).dtype == np.float64
    assert jnp.arange(3).dtype == np.int32


class _x64:
    def __enter__(self):
        pb.config.update("jax_enable_x64", True)

    def __exit__(self, *a):
        pb.config.update("jax_enable_x64", False)


REDUCTIONS = ["sum", "prod", "max", "min", "mean", "var", "std", "all", "any", "argmax",
              "argmin", "ptp", "median", "nansum", "count_nonzero"]  # fmt: skip


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(name, axis, keepdims):
    x = f32(3, 4, lo=0.5, hi=1.5) if name == "prod" else f32(3, 4)
    if name in ("all", "any"):
        x = x > 0
    if name in ("argmax", "argmin") and axis is None and keepdims:
        return
    _check(getattr(jnp, name), getattr(np, name), (x,), {"axis": axis, "keepdims": keepdims},
           rtol=1e-5, atol=1e-5)  # fmt: skip


def test_reductions_with_where_dtype_initial_ddof():
    x = f32(4, 5)
    w = x > 0
    _check(jnp.sum, np.sum, (x,), {"axis": 1, "where": w})
    _check(jnp.max, np.max, (x,), {"axis": 0, "where": w, "initial": -10.0})
    _check(jnp.mean, np.mean, (x,), {"axis": 1, "where": w}, rtol=1e-5)
    _check(jnp.var, np.var, (x,), {"axis": 0, "ddof": 1}, rtol=1e-5)
    assert jnp.sum(np.ones(3, np.int8)).dtype == np.int32
    assert jnp.mean(np.arange(4, dtype=np.int32)).dtype == np.float32
    _check(jnp.cumsum, np.cumsum, (x,), {"axis": 1})
    _check(jnp.cumprod, np.cumprod, (f32(6, lo=0.5, hi=1.5),))
    _check(jnp.average, np.average, (x,), {"axis": 1, "weights": f32(5, lo=0.1, hi=1)})


def test_logsumexp_is_stable():
    x = np.array([1000.0, 1000.0, -np.inf], np.float32)
    np.testing.assert_allclose(jnp.logsumexp(x), 1000 + np.log(2), rtol=1e-6)
    _check(jnp.logsumexp, lambda a, axis: np.log(np.sum(np.exp(a), axis=axis)), (f32(3, 4),),
           {"axis": 1}, rtol=1e-5)  # fmt: skip


PRODUCTS = [
    ("matmul", (f32(3, 4), f32(4, 5))), ("matmul", (f32(2, 3, 4), f32(4, 5))),
    ("matmul", (f32(4), f32(2, 4, 3))), ("matmul", (f32(5, 4), f32(4))),
    ("dot", (f32(3, 4), f32(4))), ("dot", (f32(2, 3, 4), f32(4, 2))), ("vdot", (f32(6), f32(6))),
    ("inner", (f32(2, 3), f32(4, 3))), ("outer", (f32(3), f32(4))),
    ("tensordot", (f32(2, 3, 4), f32(3, 4, 5))), ("kron", (f32(2, 3), f32(2, 2))),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), PRODUCTS, ids=lambda v: v if isinstance(v, str) else "")
def test_products(name, args):
    _check(getattr(jnp, name), getattr(np, name), args, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("spec", "shapes"), [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(4, 4)]), ("ii", [(4, 4)]), ("ij->ji", [(3, 4)]), ("ij->", [(3, 4)]),
    ("i,i->", [(5,), (5,)]), ("i,j->ij", [(3,), (4,)]), ("...ij,...jk", [(2, 3, 4), (2, 4, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("bi,bi->b", [(3, 4), (3, 4)]),
])  # fmt: skip
def test_einsum(spec, shapes):
    args = [f32(*s) for s in shapes]
    _check(lambda *a: jnp.einsum(spec, *a), lambda *a: np.einsum(spec, *a), args, rtol=1e-5,
           atol=1e-5)  # fmt: skip


SHAPE_CASES = [
    ("reshape", (f32(2, 6), (3, -1)), {}), ("ravel", (f32(2, 3),), {}),
    ("transpose", (f32(2, 3, 4), (2, 0, 1)), {}), ("swapaxes", (f32(2, 3, 4), 0, 2), {}),
    ("moveaxis", (f32(2, 3, 4), 0, -1), {}), ("expand_dims", (f32(2, 3), 1), {}),
    ("squeeze", (f32(1, 3, 1),), {}), ("broadcast_to", (f32(3), (2, 3)), {}),
    ("concatenate", ([f32(2, 3), f32(1, 3)],), {"axis": 0}),
    ("stack", ([f32(3), f32(3)],), {"axis": 1}),
    ("vstack", ([f32(3), f32(3)],), {}), ("hstack", ([f32(2), f32(3)],), {}),
    ("tile", (f32(2, 3), (2, 1)), {}), ("repeat", (f32(2, 3), 2), {"axis": 1}),
    ("repeat", (f32(3), [1, 0, 2]), {}), ("flip", (f32(2, 3),), {"axis": 1}),
    ("roll", (f32(5),), {"shift": 2}), ("roll", (f32(2, 3),), {"shift": -1, "axis": 1}),
    ("pad", (f32(2, 3), ((1, 0), (2, 1))), {}), ("pad", (f32(4), 2), {"mode": "edge"}),
    ("pad", (f32(4), 2), {"mode": "reflect"}), ("diagonal", (f32(3, 4),), {"offset": 1}),
    ("trace", (f32(3, 3),), {}), ("diag", (f32(3),), {"k": -1}), ("diag", (f32(3, 3),), {}),
    ("tril", (f32(3, 4),), {}), ("triu", (f32(3, 4),), {"k": 1}),
    ("atleast_2d", (f32(3),), {}), ("column_stack", ([f32(3), f32(3)],), {}),
    ("where", (f32(4) > 0, f32(4), f32(4)), {}), ("clip", (f32(5), -0.5, 0.5), {}),
    ("sort", (f32(3, 4),), {"axis": 1}), ("argsort", (f32(3, 4),), {"axis": 0}),
    ("take", (f32(5), np.array([4, 0, 2])), {}),
    ("take", (f32(3, 4), np.array([1, 3])), {"axis": 1}),
    ("take_along_axis", (f32(3, 4), np.argsort(f32(3, 4), axis=1)), {"axis": 1}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "kwargs"), SHAPE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SHAPE_CASES)])  # fmt: skip
def test_shape_ops(name, args, kwargs):
    _check(getattr(jnp, name), getattr(np, name), args, kwargs)


def test_split():
    x = f32(6, 2)
    for got, want in zip(jnp.split(x, 3), np.split(x, 3), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(jnp.split(x, [1, 4], axis=0), np.split(x, [1, 4]), strict=True):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="equal parts"):
        jnp.split(x, 4)


def test_creation():
    np.testing.assert_array_equal(jnp.zeros((2, 3)), np.zeros((2, 3)))
    assert jnp.zeros(3).dtype == np.float32
    assert jnp.ones(2, jnp.int32).dtype == np.int32
    np.testing.assert_array_equal(jnp.full((2,), 7), [7, 7])
    np.testing.assert_allclose(jnp.linspace(0, 1, 5), np.linspace(0, 1, 5))
    np.testing.assert_array_equal(jnp.arange(2, 10, 3), np.arange(2, 10, 3))
    assert jnp.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_array_equal(jnp.eye(3, k=1), np.eye(3, k=1))
    np.testing.assert_array_equal(jnp.zeros_like(np.ones((2, 2), np.int8)), np.zeros((2, 2)))
    assert jnp.zeros_like(np.ones(2, np.int8)).dtype == np.int8
    g = jnp.meshgrid(jnp.arange(3), jnp.arange(2))
    for a, b in zip(g, np.meshgrid(np.arange(3), np.arange(2)), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="negative dimensions"):
        jnp.zeros((-1, 2))
    with pytest.raises(ValueError, match="cannot reshape"):
        jnp.reshape(jnp.ones(6), (4, -1))


INDEXES = [
    (1,), (-1,), (slice(1, 3),), (slice(None, None, -1),), (slice(None, None, 2), 1),
    (Ellipsis, 0), (None, 1), (1, None, slice(0, 2)), (np.array([0, 2, 2]),),
    (np.array([[0], [2]]), np.array([1, 3])), (slice(None), np.array([3, -1])),
    (np.array([0, 1]), slice(1, 3), np.array([1, 0])), (np.array([True, False, True]),),
    (np.array([1, 0]), Ellipsis), (slice(1, None), np.array([[0, 1], [2, 3]])),
    (0, np.array([1, 2]), slice(None)),
]  # fmt: skip


@pytest.mark.parametrize("idx", INDEXES, ids=[str(i) for i in range(len(INDEXES))])
def test_getitem_matches_numpy(idx):
    x = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    expected = x[idx]
    np.testing.assert_array_equal(jnp.asarray(x)[idx], expected)
    jitted = pb.jit(lambda a: a[idx]) if not any(
        isinstance(i, np.ndarray) and i.dtype == bool for i in idx
    ) else None  # fmt: skip
    if jitted is not None:
        np.testing.assert_array_equal(jitted(x), expected)


def test_boolean_mask_needs_concrete_values():
    x = jnp.arange(6.0)
    np.testing.assert_array_equal(x[x > 2], [3, 4, 5])
    with pytest.raises(IndexError, match="boolean indices must be concrete"):  # (as in JAX)
        pb.jit(lambda a: a[a > 2])(x)
    np.testing.assert_array_equal(pb.jit(lambda a: jnp.where(a > 2, a, 0))(x), [0, 0, 0, 3, 4, 5])


AT_CASES = [
    ((1,), "set", 9.0), ((slice(1, 3),), "add", 1.0), ((np.array([0, 0, 2]),), "add", 1.0),
    ((np.array([0, 2]), 1), "multiply", 2.0), ((Ellipsis, 0), "min", -1.0),
    ((np.array([1, 2]), slice(None)), "max", 0.5), ((np.array([5]),), "set", 3.0),
]  # fmt: skip


@pytest.mark.parametrize(("idx", "op", "v"), AT_CASES, ids=[str(i) for i in range(len(AT_CASES))])
def test_at_updates(idx, op, v):
    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 5
    expected = x.copy()
    ufunc = {"set": None, "add": np.add, "multiply": np.multiply, "min": np.minimum,
             "max": np.maximum}[op]  # fmt: skip
    in_bounds = not (isinstance(idx[0], np.ndarray) and idx[0].max() >= 4)
    if in_bounds:
        if ufunc is None:
            expected[idx] = v
        else:
            ufunc.at(expected, idx, v)
    fn = lambda a: getattr(a.at[idx], op)(v)  # noqa: E731
    np.testing.assert_allclose(fn(jnp.asarray(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(pb.jit(fn)(x), expected, rtol=1e-6)
    assert np.asarray(x).flags.writeable  # the input is untouched


def test_at_get_and_grad_through_updates():
    x = jnp.arange(4.0)
    np.testing.assert_array_equal(x.at[np.array([3, 1])].get(), [3, 1])
    g = pb.grad(lambda a: jnp.sum(a.at[1].set(0.0) ** 2))(x)
    np.testing.assert_allclose(g, [0, 0, 4, 6])


def test_methods_on_arrays_and_tracers():
    x = jnp.asarray(f32(3, 4))
    h = np.asarray(x)
    np.testing.assert_allclose(x.mean(axis=0), h.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(x.T.sum(1), h.T.sum(1), rtol=1e-6)
    np.testing.assert_array_equal(x.argmax(axis=1), h.argmax(axis=1))
    np.testing.assert_allclose(x.reshape(2, 6), h.reshape(2, 6))
    np.testing.assert_allclose(x.transpose(1, 0), h.T)
    np.testing.assert_allclose(pb.jit(lambda a: a.std() + a.max() + a.flatten()[0])(x),
                               h.std() + h.max() + h.flatten()[0], rtol=1e-5)  # fmt: skip
    np.testing.assert_allclose(x // 0.5, h // 0.5)
    np.testing.assert_allclose(x % 0.7, h % 0.7, rtol=1e-5, atol=1e-6)
    assert x.real.shape == (3, 4)


def test_linalg_norm():
    x = f32(3, 4)
    for kw in [{}, {"ord": 1, "axis": 1}, {"ord": np.inf, "axis": 0}, {"axis": (0, 1)},
               {"ord": 1}, {"ord": "fro"}, {"ord": np.inf}]:  # fmt: skip
        _check(lambda a, kw=kw: jnp.linalg.norm(a, **kw),
               lambda a, kw=kw: np.linalg.norm(a, **kw), (x,), rtol=1e-5)  # fmt: skip


def test_nonzero_and_argwhere():
    x = np.array([[0, 1], [2, 0]], np.int32)
    for g, e in zip(jnp.nonzero(x), np.nonzero(x), strict=True):
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(jnp.argwhere(x), np.argwhere(x))
    sized = pb.jit(lambda a: jnp.nonzero(a, size=3, fill_value=-1))(x)
    np.testing.assert_array_equal(sized[0], [0, 1, -1])
    np.testing.assert_array_equal(sized[1], [1, 0, -1])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        jnp.sum(jnp.ones((2, 2)), axis=2)
    with pytest.raises(TypeError, match=r"contracting dimensions .* got \(3,\) and \(2,\)"):
        jnp.matmul(jnp.ones((2, 3)), jnp.ones((2, 3)))  # (a TypeError, as in JAX)
    with pytest.raises(TypeError, match="incompatible shapes"):
        jnp.add(jnp.ones(3), jnp.ones(4))
    with pytest.raises(IndexError, match="out of bounds for axis 0 with size 0"):
        jnp.zeros(0)[0]  # (a static index past a nonempty axis clamps, as in JAX)
    with pytest.raises(ValueError, match="same shape"):
        jnp.stack([jnp.ones(2), jnp.ones(3)])


# --- the rest of the everyday surface (numpy/_more.py) ----------------------------------------

F = f32(4, 5)
NANS = np.where(RNG.uniform(size=(4, 5)) < 0.3, np.nan, F).astype(np.float32)
SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.5, -2.0], np.float32)
SORTED = np.sort(f32(9))


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("angle", (np.array([1 + 1j, -1, 1j], np.complex64),), {}),
        ("angle", (np.array([1 + 1j, -1], np.complex64),), {"deg": True}),
        ("angle", (np.array([-3.0, 0.0, 2.0], np.float32),), {}),
        ("imag", (np.array([-3.0, 0.0, 2.0], np.float32),), {}),
        ("fabs", (F,), {}),
        ("float_power", (F, np.float32(2.0)), {}),
        ("fmax", (NANS, F[::-1]), {}),
        ("fmin", (NANS, NANS[::-1]), {}),
        ("heaviside", (np.array([-1.0, 0.0, 2.0], np.float32), np.float32(0.5)), {}),
        ("signbit", (SPECIAL,), {}),
        ("signbit", (i32(6),), {}),
        ("isposinf", (SPECIAL,), {}),
        ("isneginf", (SPECIAL,), {}),
        ("iscomplex", (np.array([1 + 0j, 1j], np.complex64),), {}),
        ("isreal", (np.array([1 + 0j, 1j], np.complex64),), {}),
        ("ldexp", (F, i32(4, 5)), {}),
        ("modf", (F * 3,), {}),
        ("gcd", (i32(7, lo=-30, hi=30), i32(7, lo=-30, hi=30)), {}),
        ("lcm", (i32(7, lo=-12, hi=12), i32(7, lo=-12, hi=12)), {}),
        ("nan_to_num", (SPECIAL,), {}),
        ("nan_to_num", (SPECIAL,), {"nan": 9.0, "posinf": 1.0, "neginf": -1.0}),
        ("append", (F, F[:1]), {"axis": 0}),
        ("append", (F, F[:2]), {}),
        ("rot90", (F,), {}),
        ("rot90", (f32(2, 3, 4),), {"k": 3, "axes": (2, 0)}),
        ("rot90", (F,), {"k": 2}),
        ("rollaxis", (f32(2, 3, 4), 2), {}),
        ("rollaxis", (f32(2, 3, 4), 0, 3), {}),
        ("resize", (F, (3, 9)), {}),
        ("vander", (f32(4),), {}),
        ("vander", (f32(4),), {"N": 3, "increasing": True}),
        ("logspace", (0.0, 2.0, 5), {}),
        ("geomspace", (1.0, 1000.0, 4), {}),
        ("geomspace", (-1.0, -16.0, 5), {"endpoint": False}),
        ("searchsorted", (SORTED, f32(3, 4)), {}),
        (
            "searchsorted",
            (np.array([1, 2, 2, 2, 3], np.float32), np.array([2.0, 0.0, 9.0], np.float32)),
            {"side": "right"},
        ),
        ("digitize", (f32(10), SORTED), {}),
        ("digitize", (f32(10), SORTED[::-1]), {"right": True}),
        ("interp", (f32(12, lo=-3, hi=3), SORTED, f32(9)), {}),
        ("interp", (f32(12, lo=-3, hi=3), SORTED, f32(9)), {"left": -9.0, "right": 9.0}),
        (
            "interp",
            (f32(12, lo=-400, hi=400), np.array([-180, -90, 0, 90, 170], np.float32), f32(5)),
            {"period": 360.0},
        ),
        ("diff", (F,), {}),
        ("diff", (F,), {"n": 2, "axis": 0}),
        ("diff", (F,), {"prepend": 0.0, "append": F[:, :1]}),
        ("diff", (np.array([True, False, False, True]),), {}),
        ("quantile", (F, 0.3), {}),
        ("quantile", (F, np.array([0.0, 0.25, 1.0], np.float32)), {"axis": 1, "keepdims": True}),
        ("percentile", (F, 40.0), {"axis": 0, "method": "lower"}),
        ("percentile", (F, 40.0), {"axis": (0, 1), "method": "higher"}),
        ("quantile", (F, 0.55), {"axis": 1, "method": "nearest"}),
        ("quantile", (F, 0.55), {"axis": 1, "method": "midpoint"}),
        ("nanquantile", (NANS, np.array([0.1, 0.9], np.float32)), {"axis": 1}),
        ("nanpercentile", (NANS, 50.0), {"axis": 0}),
        ("nanmedian", (NANS,), {"axis": 1}),
        ("nanprod", (NANS,), {"axis": 0}),
        ("nancumsum", (NANS,), {"axis": 1}),
        ("nancumprod", (NANS,), {}),
        ("nanargmax", (NANS,), {"axis": 1}),
        ("nanargmin", (NANS,), {}),
        ("nanvar", (NANS,), {"axis": 1, "ddof": 1}),
        ("nanstd", (NANS,), {}),
        ("trapezoid", (F,), {}),
        ("trapezoid", (F, SORTED[:5]), {"axis": 1}),
        ("trapezoid", (F,), {"dx": 0.5, "axis": 0}),
        ("gradient", (F,), {}),
        ("gradient", (F, 0.5), {"axis": 1}),
        ("cov", (F,), {}),
        ("cov", (F, F[::-1]), {"rowvar": False, "bias": True}),
        ("cov", (F,), {"fweights": np.array([1, 2, 1, 3, 1]), "aweights": f32(5, lo=0.1, hi=1)}),
        ("corrcoef", (F,), {}),
        ("corrcoef", (F[0], F[1]), {}),
        ("polyval", (f32(4), F), {}),
        ("convolve", (f32(7), f32(3)), {}),
        ("convolve", (f32(7), f32(4)), {"mode": "same"}),
        ("convolve", (f32(3), f32(7)), {"mode": "valid"}),
        ("convolve", (f32(3), f32(6)), {"mode": "same"}),
        ("convolve", (i32(5), i32(3)), {}),
        ("correlate", (f32(7), f32(3)), {}),
        ("correlate", (f32(3), f32(5)), {"mode": "full"}),
        (
            "correlate",
            (np.array([1 + 2j, 3, -1j], np.complex64), np.array([1j, 2], np.complex64)),
            {"mode": "full"},
        ),
        ("cross", (f32(4, 3), f32(4, 3)), {}),
        ("cross", (f32(3, 4), f32(3, 4)), {"axisa": 0, "axisb": 0, "axisc": 0}),
    ],
)
def test_more_against_numpy(name, args, kwargs):
    _check(getattr(jnp, name), getattr(np, name), args, kwargs, rtol=2e-5, atol=2e-5)


def test_cross_of_2_vectors():
    a, b = f32(5, 2), f32(5, 2)  # NumPy 2 deprecates this case; the formula is the z component
    _check(jnp.cross, lambda u, v: u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0], (a, b))
    # A 2-vector crossed with a 3-vector is the 3-vector cross with a zero third component.
    a3 = np.concatenate([a, np.zeros((5, 1), np.float32)], axis=1)
    b3 = f32(5, 3)
    _check(jnp.cross, lambda u, v: np.cross(a3, v), (a, b3), rtol=1e-6, atol=1e-6)


def test_index_grids_and_unravel_index():
    for ours, theirs in [
        (jnp.diag_indices(3), np.diag_indices(3)),
        (jnp.diag_indices(2, 3), np.diag_indices(2, 3)),
        (jnp.tril_indices(4, -1), np.tril_indices(4, -1)),
        (jnp.triu_indices(3, 1, 5), np.triu_indices(3, 1, 5)),
        (jnp.indices((2, 3)), np.indices((2, 3))),
        (jnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)),
    ]:
        _same(ours, theirs, 0, 0)
    flat = np.array([0, 5, 11, 7], np.int32)
    _check(lambda i: jnp.unravel_index(i, (3, 4)), lambda i: np.unravel_index(i, (3, 4)), (flat,))
    x = np.arange(9.0, dtype=np.float32).reshape(3, 3)
    np.testing.assert_array_equal(x[jnp.tril_indices(3)], x[np.tril_indices(3)])


def test_fill_diagonal_is_functional():
    for shape, wrap in [((3, 3), False), ((5, 3), True), ((5, 3), False), ((3, 3, 3), False)]:
        a = np.zeros(shape, np.float32)
        expected = a.copy()
        np.fill_diagonal(expected, [7.0, 8.0], wrap=wrap)
        got = jnp.fill_diagonal(a, jnp.asarray([7.0, 8.0]), wrap=wrap, inplace=False)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(a, 0)
    with pytest.raises(ValueError, match="inplace=False"):
        jnp.fill_diagonal(np.zeros((2, 2)), 1.0)


def test_splits():
    a = f32(4, 6, 2)
    for name, sections in [("hsplit", 3), ("vsplit", [1, 3]), ("dsplit", 2)]:
        _same(getattr(jnp, name)(a, sections), getattr(np, name)(a, sections), 0, 0)
    v = f32(6)
    _same(jnp.hsplit(v, 2), np.hsplit(v, 2), 0, 0)


@pytest.mark.parametrize("weights", [False, True])
def test_bincount_and_histogram(weights):
    x = np.array([0, 1, 1, 3, 2, 1, 7], np.int32)
    w = f32(7) if weights else None
    _same(jnp.bincount(x, w), np.bincount(x, w), 1e-6, 1e-6)
    _same(jnp.bincount(x, w, minlength=10), np.bincount(x, w, minlength=10), 1e-6, 1e-6)
    got = pb.jit(lambda v: jnp.bincount(v, length=5))(x)
    np.testing.assert_array_equal(got, np.bincount(x)[:5])
    with pytest.raises(TypeError, match="pass length="):
        pb.jit(jnp.bincount)(x)
    data = f32(50)
    hw = f32(50, lo=0, hi=1) if weights else None
    for bins, rng, density in [(10, None, None), (4, (-1.0, 1.0), True), (SORTED, None, None)]:
        expected = np.histogram(data, bins, rng, weights=hw, density=density)
        _same(jnp.histogram(data, bins, rng, weights=hw, density=density), expected, 1e-5, 1e-5)
        f = pb.jit(lambda d, b=bins, r=rng, ws=hw, de=density: jnp.histogram(d, b, r, ws, de))
        _same(f(data), expected, 1e-5, 1e-5)


def test_unique():
    x = np.array([[3, 1, 2], [3, 3, 0]], np.int32)
    expected = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    got = jnp.unique(x, return_index=True, return_inverse=True, return_counts=True)
    _same(got, [e.reshape(x.shape) if i == 2 else e for i, e in enumerate(expected)], 0, 0)
    np.testing.assert_array_equal(jnp.unique(x), np.unique(x))
    f = pb.jit(lambda v: jnp.unique(v, size=6, fill_value=-1))
    np.testing.assert_array_equal(f(x), [0, 1, 2, 3, -1, -1])
    counts = pb.jit(lambda v: jnp.unique(v, return_counts=True, size=3)[1])(x)
    np.testing.assert_array_equal(counts, [1, 1, 1])  # 0, 1, 2 (3 is cut off)
    nan = np.array([np.nan, 1.0, np.nan], np.float32)
    np.testing.assert_array_equal(jnp.unique(nan), np.unique(nan))
    with pytest.raises(TypeError, match="pass size="):
        pb.jit(jnp.unique)(x)


def test_piecewise():
    x = f32(9)
    conds = [x < -0.5, x > 0.5]
    funcs = [lambda v: -v, lambda v: v * 2, 7.0]
    expected = np.piecewise(x, conds, funcs)
    np.testing.assert_allclose(jnp.piecewise(x, conds, funcs), expected)
    f = pb.jit(lambda v: jnp.piecewise(v, [v < -0.5, v > 0.5], funcs))
    np.testing.assert_allclose(f(x), expected)


def test_more_gradients_are_finite_and_correct():
    x = jnp.asarray(f32(6))
    g = pb.grad(lambda v: jnp.sum(jnp.nan_to_num(v * 2.0)))(x)
    np.testing.assert_allclose(g, 2.0)
    g = pb.grad(lambda v: jnp.quantile(v, 0.5))(jnp.asarray([3.0, 1.0, 2.0]))
    np.testing.assert_allclose(g, [0.0, 0.0, 1.0])
    g = pb.grad(lambda v: jnp.interp(0.25, jnp.asarray([0.0, 1.0]), v))(jnp.asarray([1.0, 3.0]))
    np.testing.assert_allclose(g, [0.75, 0.25])
    g = pb.grad(lambda v: jnp.sum(jnp.convolve(v, jnp.asarray([1.0, 2.0]))))(x)
    np.testing.assert_allclose(g, 3.0)


def test_more_errors_name_the_argument():
    with pytest.raises(ValueError, match="searchsorted: a must be 1-d"):
        jnp.searchsorted(F, 0.0)
    with pytest.raises(ValueError, match="side must be 'left' or 'right'"):
        jnp.searchsorted(SORTED, 0.0, side="middle")
    with pytest.raises(NotImplementedError, match="method 'hazen' is not supported"):
        jnp.quantile(F, 0.5, method="hazen")
    with pytest.raises(ValueError, match="interp: xp and fp must be 1-d of the same length"):
        jnp.interp(0.0, SORTED, SORTED[:3])
    with pytest.raises(ValueError, match="convolve: mode must be"):
        jnp.convolve(SORTED, SORTED, mode="middle")
    with pytest.raises(TypeError, match="gcd: integer arguments are required"):
        jnp.gcd(F, F)


@pytest.mark.parametrize(
    ("start", "stop", "num", "kwargs"),
    [
        (0.0, 1.0, 7, {}),
        (np.array([0.0, 1.0], np.float32), np.array([2.0, -1.0], np.float32), 5, {"axis": 1}),
        (np.array([0.0, 1.0], np.float32), np.float32(3.0), 4, {"axis": 0}),
        (1.0, 2.0, 4, {"endpoint": False}),
        (0.0, 10.0, 6, {"dtype": np.int32}),
        (0.1, 0.7, 1, {}),
    ],
)
def test_linspace_with_traced_ends_matches_numpy(start, stop, num, kwargs):
    expected = np.linspace(start, stop, num, **kwargs)
    f = pb.jit(lambda s, e: jnp.linspace(s, e, num, **kwargs))
    got = f(jnp.asarray(start, np.float32), jnp.asarray(stop, np.float32))
    _same(got, expected.astype(np.asarray(got).dtype), 1e-6, 1e-6)
    if kwargs.get("endpoint", True) and num > 1 and "dtype" not in kwargs:
        last = np.take(np.asarray(got), -1, kwargs.get("axis", 0))
        np.testing.assert_array_equal(last, np.broadcast_to(np.float32(stop), np.shape(start)))


def test_imag_of_a_real_array_is_positive_zero():
    out = np.asarray(jnp.imag(np.array([-3.0, 2.0], np.float32)))
    assert not np.signbit(out).any()
    np.testing.assert_allclose(jnp.angle(np.array([-1, 1], np.int32)), [np.pi, 0.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["copysign", "gcd", "lcm"])
def test_binary_functions_with_a_python_scalar(name):
    x = np.array([[1, -2, 3], [4, 5, -6]], np.int32)
    for y in (3, -2):
        _check(getattr(jnp, name), getattr(np, name), (x, y))
