import importlib

import pullback_api

import pullback as pb


def test_meta_package_reexports_api():
    for name in pullback_api.__all__:
        assert getattr(pb, name) is getattr(pullback_api, name)
    # and adds the JAX alias, which lives beside the meta-package
    assert set(pb.__all__) == {*pullback_api.__all__, "alias_jax"}


def test_namespaces_import_as_submodules():
    tu = importlib.import_module("pullback.tree_util")
    assert tu is pullback_api.tree_util
    from pullback.tree_util import tree_map

    assert tree_map(lambda x: x + 1, {"a": (1, 2)}) == {"a": (2, 3)}


def test_nested_namespaces_import_as_submodules():
    for name in ("numpy.linalg", "scipy", "scipy.special", "scipy.stats", "scipy.stats.norm"):
        module = importlib.import_module(f"pullback.{name}")
        assert module is importlib.import_module(f"pullback_api.{name}")
    from pullback.scipy.stats.norm import cdf

    assert float(cdf(0.0)) == 0.5


def test_lax_helpers_return_arrays():
    import numpy as np

    x = pb.numpy.arange(6.0).reshape(2, 3)
    out = pb.lax.dynamic_slice_in_dim(x, 1, 2, axis=1)
    from pullback_compile import Array as ConcreteArray

    assert type(out) is ConcreteArray
    assert isinstance(out, pb.Array)
    np.testing.assert_array_equal(out, [[1.0, 2.0], [4.0, 5.0]])
