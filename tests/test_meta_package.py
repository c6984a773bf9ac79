import importlib

import pullback_api

import pullback as pb


def test_meta_package_reexports_api():
    for name in pb.__all__:
        assert getattr(pb, name) is getattr(pullback_api, name)


def test_namespaces_import_as_submodules():
    tu = importlib.import_module("pullback.tree_util")
    assert tu is pullback_api.tree_util
    from pullback.tree_util import tree_map

    assert tree_map(lambda x: x + 1, {"a": (1, 2)}) == {"a": (2, 3)}
