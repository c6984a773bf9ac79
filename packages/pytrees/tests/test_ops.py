import operator
from collections import OrderedDict, defaultdict, namedtuple

import pytest
from pullback_pytrees import (
    PyTreeDef,
    all_leaves,
    broadcast_prefix,
    tree_all,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_reduce,
    tree_structure,
    tree_transpose,
    tree_unflatten,
    treedef_children,
    treedef_is_leaf,
    treedef_tuple,
)

Point = namedtuple("Point", ["x", "y"])


class NotANode(list):
    """An unregistered list subclass: a leaf, as in JAX."""


@pytest.mark.parametrize(
    ("tree", "leaves"),
    [
        (1, [1]),
        ((), []),
        ([], []),
        ({}, []),
        (None, []),
        ((1, 2.0, "a"), [1, 2.0, "a"]),
        ([1, [2, [3, [4]]]], [1, 2, 3, 4]),
        ({"b": 2, "a": 1, "c": [3]}, [1, 2, 3]),
        ((1, None, 2), [1, 2]),
        (Point(1, (2, 3)), [1, 2, 3]),
        (OrderedDict([("b", 1), ("a", 2)]), [1, 2]),
        (defaultdict(list, {"z": 1, "y": 2}), [2, 1]),
        (NotANode([1, 2]), [NotANode([1, 2])]),
        ({"k": Point(None, [1])}, [1]),
    ],
)
def test_flatten_unflatten_roundtrip(tree, leaves):
    got, treedef = tree_flatten(tree)
    assert got == leaves
    assert treedef.num_leaves == len(leaves)
    rebuilt = tree_unflatten(treedef, got)
    assert rebuilt == tree
    assert type(rebuilt) is type(tree)


def test_dict_flattens_in_sorted_key_order_and_rebuilds_sorted():
    leaves, treedef = tree_flatten({"b": 1, "a": 2})
    assert leaves == [2, 1]
    assert list(tree_unflatten(treedef, [5, 6])) == ["a", "b"]


def test_ordered_dict_keeps_insertion_order_and_defaultdict_its_factory():
    od = tree_map(lambda x: x + 1, OrderedDict([("b", 1), ("a", 2)]))
    assert list(od.items()) == [("b", 2), ("a", 3)]
    dd = tree_map(lambda x: x, defaultdict(list, {"a": 1}))
    assert dd.default_factory is list
    assert dd["missing"] == []


def test_none_is_an_empty_node_unless_is_leaf_says_otherwise():
    assert tree_leaves([None, 1]) == [1]
    assert tree_leaves([None, 1], is_leaf=lambda x: x is None) == [None, 1]
    assert tree_map(lambda x: x * 2, {"a": None, "b": 3}) == {"a": None, "b": 6}


def test_is_leaf_stops_descent():
    tree = {"a": (1, 2), "b": [3, (4, 5)]}
    leaves = tree_leaves(tree, is_leaf=lambda x: isinstance(x, tuple))
    assert leaves == [(1, 2), 3, (4, 5)]
    out = tree_map(
        lambda x: len(x) if isinstance(x, tuple) else x,
        tree,
        is_leaf=lambda x: isinstance(x, tuple),
    )
    assert out == {"a": 2, "b": [3, 2]}


def test_tree_map_several_trees_and_prefix_semantics():
    assert tree_map(operator.add, (1, [2]), (10, [20])) == (11, [22])
    # the rest trees may be deeper than the first one: each leaf matches a subtree
    assert tree_map(lambda a, b: (a, b), (1, 2), ([3, 4], {"k": 5})) == ((1, [3, 4]), (2, {"k": 5}))


def test_tree_map_error_names_key_path_and_both_structures():
    with pytest.raises(
        ValueError,
        match=r"tree 1 of \*rest .* at key path \['b'\]\[1\]: "
        r"expected a list of length 1, got a list of length 2",
    ):
        tree_map(lambda a, b: a, {"a": 1, "b": (1, [2])}, {"a": 1, "b": (1, [2, 3])})
    with pytest.raises(
        ValueError,
        match=r"at key path \['b'\]: expected a tuple of length 2, got a tuple of length 3",
    ):
        tree_map(lambda a, b: a, {"a": 1, "b": (1, 2)}, {"a": 1, "b": (1, 2, 4)})
    with pytest.raises(
        ValueError, match=r"expected structure: PyTreeDef\(\{'a': \*, 'b': \(\*, \*\)\}\)"
    ):
        tree_map(lambda a, b: a, {"a": 1, "b": (1, 2)}, {"a": 1, "b": [1, 2]})
    with pytest.raises(ValueError, match=r"received structure: PyTreeDef\(\{'a': \*, 'c': \*\}\)"):
        tree_map(lambda a, b: a, {"a": 1, "b": 2}, {"a": 1, "c": 2})
    with pytest.raises(ValueError, match=r"tree 2 of \*rest .* the root: expected None, got a int"):
        tree_map(lambda *a: a, None, None, 3)


def test_tree_map_error_inside_namedtuple_uses_attribute_key():
    with pytest.raises(
        ValueError, match=r"at key path \.y: expected a list of length 1, got a list of length 2"
    ):
        tree_map(lambda a, b: a, Point(1, [2]), Point(1, [2, 3]))
    with pytest.raises(ValueError, match=r"expected a namedtuple Point, got a tuple of length 2"):
        tree_map(lambda a, b: a, Point(1, 2), (1, 2))


def test_unflatten_wrong_leaf_count():
    treedef = tree_structure((1, 2))
    with pytest.raises(ValueError, match=r"PyTreeDef\(\(\*, \*\)\) has 2 leaves but 3 were given"):
        tree_unflatten(treedef, [1, 2, 3])
    with pytest.raises(ValueError, match="2 leaves but 1 were given"):
        tree_unflatten(treedef, iter([1]))


def test_unsortable_dict_keys_give_a_clear_error():
    with pytest.raises(TypeError, match="dict keys must be mutually comparable"):
        tree_flatten({1: "a", "b": 2})


def test_tree_reduce_and_tree_all():
    assert tree_reduce(operator.add, [1, (2, 3)]) == 6
    assert tree_reduce(operator.add, [], 7) == 7
    assert tree_reduce(operator.mul, {"a": 2, "b": [3]}, 10) == 60
    with pytest.raises(TypeError, match="no leaves and no initializer"):
        tree_reduce(operator.add, [None, ()])
    assert tree_all([True, {"a": 1}])
    assert not tree_all([True, {"a": 0}])
    assert tree_all([])


def test_tree_transpose():
    outer = tree_structure([0, 0, 0])
    inner = tree_structure({"a": 0, "b": 0})
    tree = [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]
    assert tree_transpose(outer, inner, tree) == {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert tree_transpose(outer, None, tree) == {"a": [1, 3, 5], "b": [2, 4, 6]}
    with pytest.raises(TypeError, match="not outer_treedef composed with inner_treedef"):
        tree_transpose(outer, inner, [{"a": 1, "b": 2}, {"a": 3}, {"a": 5, "b": 6}])


def test_broadcast_prefix():
    assert broadcast_prefix(0, [1, (2, 3)]) == [0, 0, 0]
    assert broadcast_prefix((0, None), ([1, 2], {"a": 3}), is_leaf=lambda x: x is None) == [
        0,
        0,
        None,
    ]
    with pytest.raises(ValueError, match=r"key path \[1\]: expected None, got a dict"):
        broadcast_prefix((0, None), ([1, 2], {"a": 3}))
    assert broadcast_prefix({"a": 1, "b": 2}, {"a": (5, 6), "b": None}) == [1, 1]
    with pytest.raises(
        ValueError, match=r"vmap in_axes: the full tree .* root: expected a tuple of length 2"
    ):
        broadcast_prefix((0, 1), (1, 2, 3), what="vmap in_axes")


def test_all_leaves_and_treedef_helpers():
    assert all_leaves([1, "a", 2.0])
    assert not all_leaves([1, [2]])
    assert all_leaves([[1], 2], is_leaf=lambda x: isinstance(x, list))
    t = tree_structure(((1, 2), [3]))
    assert [c.num_leaves for c in treedef_children(t)] == [2, 1]
    assert treedef_is_leaf(tree_structure(1))
    assert not treedef_is_leaf(tree_structure(None))
    tup = treedef_tuple([tree_structure(1), tree_structure({"a": [1, 2]})])
    assert tup == tree_structure((0, {"a": [0, 0]}))
    assert tup.num_leaves == 3
    assert isinstance(tup, PyTreeDef)
