import dataclasses

import pytest
from pullback_pytrees import (
    FlattenedIndexKey,
    GetAttrKey,
    keystr,
    register_dataclass,
    register_pytree_node,
    register_pytree_node_class,
    register_pytree_with_keys,
    register_static,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_map,
    tree_structure,
)


class Tagged:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __eq__(self, other):
        return isinstance(other, Tagged) and (self.tag, self.value) == (other.tag, other.value)

    __hash__ = None


register_pytree_node(Tagged, lambda t: ((t.value,), t.tag), lambda tag, ch: Tagged(tag, ch[0]))


def test_custom_node_children_and_aux():
    tree = [Tagged("w", (1, 2)), Tagged("b", 3)]
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1, 2, 3]
    assert treedef.unflatten([10, 20, 30]) == [Tagged("w", (10, 20)), Tagged("b", 30)]
    assert "CustomNode(Tagged['w'], [(*, *)])" in repr(treedef)
    # aux data is part of the structure
    assert tree_structure(Tagged("w", 1)) != tree_structure(Tagged("b", 1))
    assert tree_structure(Tagged("w", 1)) == tree_structure(Tagged("w", 5))


def test_custom_node_without_keys_uses_flattened_index_keys():
    ((path, _),) = tree_flatten_with_path(Tagged("t", 7))[0]
    assert path == (FlattenedIndexKey(0),)
    assert keystr(path) == "[<flat index 0>]"


def test_custom_aux_mismatch_is_reported():
    with pytest.raises(
        ValueError, match=r"expected a Tagged node with aux data 'a' and 1 children, got"
    ):
        tree_map(lambda x, y: x, Tagged("a", 1), Tagged("b", 1))


def test_duplicate_registration_rejected():
    with pytest.raises(ValueError, match="Duplicate pytree node type registration for Tagged"):
        register_pytree_node(Tagged, lambda t: ((), None), lambda a, c: None)
    with pytest.raises(ValueError, match="Duplicate"):
        register_pytree_node(tuple, lambda t: ((), None), lambda a, c: None)
    with pytest.raises(TypeError, match="nodetype must be a class"):
        register_pytree_node("Tagged", lambda t: ((), None), lambda a, c: None)


def test_registering_a_type_already_seen_as_a_leaf():
    class Late:
        def __init__(self, v):
            self.v = v

    (before,) = tree_leaves([Late(1)])
    assert isinstance(before, Late)
    register_pytree_node(Late, lambda x: ((x.v,), None), lambda _, c: Late(*c))
    assert tree_leaves([Late(1)]) == [1]


def test_register_with_keys():
    class Linear:
        def __init__(self, w, b):
            self.w, self.b = w, b

    register_pytree_with_keys(
        Linear,
        lambda m: (((GetAttrKey("w"), m.w), (GetAttrKey("b"), m.b)), None),
        lambda _, c: Linear(*c),
    )
    pairs, treedef = tree_flatten_with_path({"layer": Linear([1, 2], 3)})
    assert [keystr(p) for p, _ in pairs] == ["['layer'].w[0]", "['layer'].w[1]", "['layer'].b"]
    assert tree_leaves(Linear([1, 2], 3)) == [1, 2, 3]
    rebuilt = treedef.unflatten([4, 5, 6])["layer"]
    assert (rebuilt.w, rebuilt.b) == ([4, 5], 6)


def test_register_static():
    @register_static
    class Activation:
        def __init__(self, name):
            self.name = name

        def __eq__(self, other):
            return isinstance(other, Activation) and other.name == self.name

        def __hash__(self):
            return hash(self.name)

    tree = {"act": Activation("relu"), "w": 1.0}
    leaves, treedef = tree_flatten(tree)
    assert leaves == [1.0]
    assert treedef.unflatten([2.0])["act"] == Activation("relu")
    assert tree_structure({"act": Activation("tanh"), "w": 1.0}) != treedef


def test_register_dataclass_inferred_fields():
    @register_dataclass
    @dataclasses.dataclass
    class Params:
        w: object
        b: object
        name: str = dataclasses.field(default="p", metadata={"static": True})

    p = Params(w=[1, 2], b=3, name="layer0")
    pairs, treedef = tree_flatten_with_path(p)
    assert [(keystr(k), v) for k, v in pairs] == [(".w[0]", 1), (".w[1]", 2), (".b", 3)]
    rebuilt = treedef.unflatten([7, 8, 9])
    assert rebuilt == Params(w=[7, 8], b=9, name="layer0")
    assert tree_structure(Params(1, 2, "x")) != tree_structure(Params(1, 2, "y"))


def test_register_dataclass_explicit_fields_and_errors():
    @dataclasses.dataclass
    class Opt:
        lr: float
        state: object
        step: int = 0

    register_dataclass(Opt, data_fields=["state"], meta_fields=["lr"], drop_fields=["step"])
    assert tree_leaves(Opt(0.1, (1, 2), 5)) == [1, 2]
    assert tree_map(lambda x: x * 10, Opt(0.1, (1, 2), 5)) == Opt(0.1, (10, 20), 0)

    @dataclasses.dataclass
    class Bad:
        a: int
        b: int

    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        register_dataclass(Bad, data_fields=["a", "c"], meta_fields=[])
    with pytest.raises(TypeError, match="give both data_fields and meta_fields"):
        register_dataclass(Bad, data_fields=["a", "b"])

    class Plain:
        pass

    with pytest.raises(TypeError, match="Plain is not a dataclass"):
        register_dataclass(Plain)


def test_register_pytree_node_class():
    @register_pytree_node_class
    class Wrapped:
        def __init__(self, inner, meta):
            self.inner, self.meta = inner, meta

        def tree_flatten(self):
            return (self.inner,), self.meta

        @classmethod
        def tree_unflatten(cls, meta, children):
            return cls(children[0], meta)

    out = tree_map(lambda x: -x, Wrapped([1, 2], "m"))
    assert isinstance(out, Wrapped)
    assert (out.inner, out.meta) == ([-1, -2], "m")
