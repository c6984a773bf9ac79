"""Generated matchers and builders agree with tree_flatten / tree_unflatten."""

from collections import OrderedDict, namedtuple

import pytest
from hypothesis import given, strategies as st
from pullback_pytrees import tree_flatten, tree_structure, tree_unflatten
from pullback_pytrees.codegen import describe, make_builder, make_matcher

leaves = st.integers() | st.floats(allow_nan=False) | st.text(max_size=3)
simple_trees = st.recursive(
    leaves | st.none(),
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.lists(kids, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=2), kids, max_size=3)
    ),
    max_leaves=10,
)


@given(simple_trees)
def test_matcher_and_builder_round_trip(tree):
    flat, treedef = tree_flatten(tree)
    match, build = make_matcher(treedef), make_builder(treedef)
    assert match is not None
    assert build is not None
    assert match(tree) == flat
    assert build(flat) == tree_unflatten(treedef, flat)
    assert type(build(flat)) is type(tree)


def test_matcher_rejects_other_structures():
    match = make_matcher(tree_structure(([1, 2], {"a": 3, "b": None})))
    assert match(([0, 1], {"a": 2, "b": None})) == [0, 1, 2]
    for other in [([0], {"a": 2, "b": None}), ((0, 1), {"a": 2, "b": None}),
                  ([0, 1], {"a": 2, "c": None}), ([0, 1], {"a": 2, "b": 5}), "x"]:  # fmt: skip
        assert match(other) is None


point = namedtuple("point", "x y")
other_point = namedtuple("other_point", "x y")


def test_namedtuples_are_generated():
    tree = [point(1, {"a": point(2, None)}), (3,)]
    flat, treedef = tree_flatten(tree)
    match, build = make_matcher(treedef), make_builder(treedef)
    assert match(tree) == flat == [1, 2, 3]
    rebuilt = build([4, 5, 6])
    assert rebuilt == [point(4, {"a": point(5, None)}), (6,)]
    assert type(rebuilt[0]) is point
    assert type(rebuilt[0].y["a"]) is point
    assert match([other_point(1, {"a": point(2, None)}), (3,)]) is None
    assert match([(1, {"a": point(2, None)}), (3,)]) is None
    shape = describe(treedef)
    assert shape[1][0][0] is point


def test_other_node_kinds_are_not_generated():
    assert make_matcher(tree_structure(OrderedDict(a=1))) is None
    assert make_builder(tree_structure(OrderedDict(a=1))) is None
    assert describe(tree_structure(OrderedDict(a=1))) is False


@pytest.mark.parametrize("tree", [(1,), [], {}, None, ((),), {"k": (1,)}])
def test_edge_cases(tree):
    flat, treedef = tree_flatten(tree)
    assert make_builder(treedef)(flat) == tree
    assert make_matcher(treedef)(tree) == flat
