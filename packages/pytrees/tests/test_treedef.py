import pickle
from collections import OrderedDict, defaultdict, namedtuple

import pytest
from pullback_pytrees import tree_flatten, tree_structure

Pair = namedtuple("Pair", ["first", "second"])


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (1, "PyTreeDef(*)"),
        (None, "PyTreeDef(None)"),
        ((1,), "PyTreeDef((*,))"),
        ((1, [2, None]), "PyTreeDef((*, [*, None]))"),
        ({"b": 1, "a": (2, 3)}, "PyTreeDef({'a': (*, *), 'b': *})"),
        (Pair(1, 2), "PyTreeDef(CustomNode(namedtuple[Pair], [*, *]))"),
        (OrderedDict([("z", 1), ("a", 2)]), "PyTreeDef(OrderedDict({'z': *, 'a': *}))"),
        (defaultdict(int, {"k": 1}), "PyTreeDef(defaultdict(<class 'int'>, {'k': *}))"),
    ],
)
def test_repr(tree, text):
    assert repr(tree_structure(tree)) == text


def test_equality_and_hash_follow_structure_not_leaves():
    a = tree_structure({"x": [1, 2], "y": None})
    b = tree_structure({"y": None, "x": ["p", "q"]})
    assert a == b
    assert hash(a) == hash(b)
    assert a != tree_structure({"x": [1, 2], "y": 3})
    assert a != tree_structure({"x": (1, 2), "y": None})
    assert tree_structure((1, 2)) != tree_structure([1, 2])
    assert tree_structure(Pair(1, 2)) != tree_structure((1, 2))
    assert len({a, b, tree_structure(1)}) == 2
    assert a != "not a treedef"


def test_pickle_roundtrip():
    tree = {"a": Pair(1, [2, None]), "b": OrderedDict(c=3), "d": defaultdict(list, e=4)}
    leaves, treedef = tree_flatten(tree)
    restored = pickle.loads(pickle.dumps(treedef))
    assert restored == treedef
    assert hash(restored) == hash(treedef)
    assert restored.unflatten(leaves) == tree


def test_counts():
    t = tree_structure({"a": [1, 2], "b": (None, 3)})
    assert t.num_leaves == 3
    # dict, list, 2 leaves, tuple, None, leaf
    assert t.num_nodes == 7
    assert tree_structure(None).num_nodes == 1
    assert tree_structure(None).num_leaves == 0
    assert tree_structure(5).num_nodes == 1


def test_children_and_node_data():
    t = tree_structure({"a": [1, 2], "b": 3})
    assert t.children() == [tree_structure([0, 0]), tree_structure(0)]
    assert t.node_data() == (dict, ("a", "b"))
    assert tree_structure(Pair(1, 2)).node_data() == (Pair, None)
    assert tree_structure(7).node_data() is None
    assert tree_structure(7).children() == []


def test_flatten_up_to():
    t = tree_structure(((0, 0), 0))
    assert t.flatten_up_to((([1], {"a": 2}), (3, 4))) == [[1], {"a": 2}, (3, 4)]
    with pytest.raises(
        ValueError,
        match=r"flatten_up_to: the tree .* key path \[0\]: "
        r"expected a tuple of length 2, got a list of length 2",
    ):
        t.flatten_up_to(([1, 2], 3))


def test_flatten_up_to_ordered_dict_takes_the_structures_key_order():
    t = tree_structure(OrderedDict([("b", 0), ("a", 0)]))
    assert t.flatten_up_to(OrderedDict([("a", 1), ("b", 2)])) == [2, 1]


def test_compose():
    outer = tree_structure((0, 0))
    inner = tree_structure({"w": 0, "b": [0, 0]})
    composed = outer.compose(inner)
    assert composed == tree_structure(({"w": 0, "b": [0, 0]}, {"w": 0, "b": [0, 0]}))
    assert composed.num_leaves == 6


def test_repeated_unflatten_uses_generated_code_with_the_same_result():
    import collections

    from pullback_pytrees import register_pytree_node
    from pullback_pytrees.treedef import _builders, generated_builder

    class Box:
        def __init__(self, a, b, tag):
            self.a, self.b, self.tag = a, b, tag

        def __eq__(self, other):
            return (type(other) is Box
                    and (self.a, self.b, self.tag) == (other.a, other.b, other.tag))  # fmt: skip

    register_pytree_node(Box, lambda x: ((x.a, x.b), x.tag), lambda tag, c: Box(*c, tag))
    Pt = collections.namedtuple("Pt", "x y")
    tree = {
        "box": Box([1, (2,)], {"k": None}, tag=("t", 3)),
        "od": collections.OrderedDict([("z", 4), ("a", Pt(5, [6]))]),
        "dd": collections.defaultdict(list, {"q": 7}),
        "t": (8,),
        "n": None,
        "e": [],
    }
    leaves, td = tree_flatten(tree)
    builder = generated_builder(td._node)
    assert builder is not None
    assert builder(leaves) == tree
    assert type(builder(leaves)["dd"]) is collections.defaultdict
    for _ in range(5):  # (the cached builder takes over after a few calls)
        out = td.unflatten(list(range(len(leaves))))
        assert out["box"] == Box([0, (1,)], {"k": None}, ("t", 3))
        assert out["od"] == collections.OrderedDict([("z", 3), ("a", Pt(4, [5]))])
        assert list(out["od"]) == ["z", "a"]
        assert out["t"] == (6,)
        assert out["e"] == []
        assert out["dd"] == {"q": 2}
    assert td._node in _builders
    # Unhashable aux data: no generated code, the same result.
    odd = Box(1, 2, tag=["unhashable"])
    l2, td2 = tree_flatten(odd)
    for _ in range(5):
        assert td2.unflatten(l2) == odd
    with pytest.raises(ValueError, match="leaves"):
        td.unflatten([1])
