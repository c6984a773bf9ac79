from collections import OrderedDict, namedtuple

import pytest
from pullback_pytrees import (
    DictKey,
    FlattenedIndexKey,
    GetAttrKey,
    SequenceKey,
    keystr,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves_with_path,
    tree_map_with_path,
)

Point = namedtuple("Point", ["x", "y"])


def test_key_types_print_equal_and_hash():
    assert [
        str(k) for k in (SequenceKey(1), DictKey("a"), GetAttrKey("w"), FlattenedIndexKey(2))
    ] == [
        "[1]",
        "['a']",
        ".w",
        "[<flat index 2>]",
    ]
    assert SequenceKey(1) == SequenceKey(1)
    assert SequenceKey(1) != SequenceKey(2)
    assert len({DictKey("a"), DictKey("a"), DictKey(1)}) == 2
    assert repr(DictKey("a")) == "DictKey(key='a')"


def test_keystr_modes():
    path = (DictKey("params"), SequenceKey(0), GetAttrKey("w"))
    assert keystr(path) == "['params'][0].w"
    assert keystr(path, simple=True, separator="/") == "params/0/w"
    assert keystr(()) == ""


def test_flatten_with_path_matches_flatten():
    tree = {"a": Point(1, [2, 3]), "b": (None, OrderedDict(z=4, y=5)), "c": 6}
    pairs, treedef = tree_flatten_with_path(tree)
    leaves, treedef2 = tree_flatten(tree)
    assert [x for _, x in pairs] == leaves
    assert treedef == treedef2
    assert [keystr(p) for p, _ in pairs] == [
        "['a'].x",
        "['a'].y[0]",
        "['a'].y[1]",
        "['b'][1]['z']",
        "['b'][1]['y']",
        "['c']",
    ]
    assert tree_leaves_with_path(tree) == pairs


def test_flatten_with_path_is_leaf():
    pairs, _ = tree_flatten_with_path({"a": (1, 2)}, is_leaf=lambda x: isinstance(x, tuple))
    assert pairs == [((DictKey("a"),), (1, 2))]


def test_tree_map_with_path():
    out = tree_map_with_path(
        lambda p, x, y: (keystr(p), x + y), {"a": [1], "b": 2}, {"a": [10], "b": 20}
    )
    assert out == {"a": [("['a'][0]", 11)], "b": ("['b']", 22)}
    with pytest.raises(
        ValueError, match=r"tree_map_with_path: tree 1 of \*rest .* key path \['a'\]"
    ):
        tree_map_with_path(lambda p, x, y: x, {"a": [1]}, {"a": (1,)})
