"""Hypothesis properties over random nested trees, custom nodes included."""

import pickle
from collections import OrderedDict, namedtuple

import pytest
from hypothesis import given, strategies as st
from pullback_pytrees import (
    GetAttrKey,
    keystr,
    register_pytree_node,
    register_pytree_with_keys,
    tree_flatten,
    tree_flatten_with_path,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

Pt = namedtuple("Pt", ["a", "b"])


class Box:
    """A custom node with aux data."""

    def __init__(self, label, items):
        self.label, self.items = label, items

    def __eq__(self, other):
        return type(other) is Box and (self.label, self.items) == (other.label, other.items)

    def __repr__(self):
        return f"Box({self.label!r}, {self.items!r})"


class Cell:
    """A custom node with named keys."""

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is Cell and self.value == other.value

    def __repr__(self):
        return f"Cell({self.value!r})"


register_pytree_node(
    Box, lambda b: (list(b.items), b.label), lambda label, ch: Box(label, list(ch))
)
register_pytree_with_keys(
    Cell, lambda c: (((GetAttrKey("value"), c.value),), None), lambda _, ch: Cell(ch[0])
)

leaf = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=3), st.booleans())
keys = st.text(min_size=1, max_size=4)


def _containers(children):
    return st.one_of(
        st.tuples(children, children),
        st.lists(children, max_size=4).map(tuple),
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        st.dictionaries(keys, children, max_size=4).map(
            lambda d: OrderedDict(sorted(d.items(), reverse=True))
        ),
        st.builds(Pt, children, children),
        st.builds(Box, st.sampled_from(["x", "y"]), st.lists(children, max_size=3)),
        st.builds(Cell, children),
    )


trees = st.recursive(st.one_of(leaf, st.none()), _containers, max_leaves=25)


@given(trees)
def test_unflatten_inverts_flatten(tree):
    leaves, treedef = tree_flatten(tree)
    assert tree_unflatten(treedef, leaves) == tree
    assert treedef.num_leaves == len(leaves)


@given(trees)
def test_structure_is_stable_under_leaf_replacement(tree):
    leaves, treedef = tree_flatten(tree)
    replaced = tree_unflatten(treedef, list(range(len(leaves))))
    assert tree_structure(replaced) == treedef
    assert hash(tree_structure(replaced)) == hash(treedef)
    assert tree_leaves(replaced) == list(range(len(leaves)))


@given(trees)
def test_map_identity_and_composition(tree):
    assert tree_map(lambda x: x, tree) == tree
    leaves = tree_leaves(tree)
    indexed = tree_unflatten(tree_structure(tree), range(len(leaves)))
    paired = tree_map(lambda i, x: f"{i}|{x!r}", indexed, tree)
    assert tree_leaves(paired) == [f"{i}|{x!r}" for i, x in enumerate(leaves)]


@given(trees)
def test_paths_agree_with_leaves_and_are_distinct(tree):
    pairs, treedef = tree_flatten_with_path(tree)
    assert [x for _, x in pairs] == tree_leaves(tree)
    assert treedef == tree_structure(tree)
    rendered = [keystr(p) for p, _ in pairs]
    assert len(set(rendered)) == len(rendered)


@given(trees)
def test_pickle_and_flatten_up_to(tree):
    _, treedef = tree_flatten(tree)
    assert pickle.loads(pickle.dumps(treedef)) == treedef
    assert treedef.flatten_up_to(tree) == tree_leaves(tree)


@pytest.mark.slow
@given(trees, trees)
def test_compose_counts(outer_tree, inner_tree):
    outer, inner = tree_structure(outer_tree), tree_structure(inner_tree)
    composed = outer.compose(inner)
    assert composed.num_leaves == outer.num_leaves * inner.num_leaves
    stacked = tree_unflatten(outer, [inner_tree] * outer.num_leaves)
    assert tree_structure(stacked) == composed


@given(trees)
def test_is_leaf_structures_agree_between_flatten_variants(tree):
    def is_leaf(x):
        return isinstance(x, list)

    leaves, treedef = tree_flatten(tree, is_leaf=is_leaf)
    pairs, treedef_with_path = tree_flatten_with_path(tree, is_leaf=is_leaf)
    assert treedef == treedef_with_path
    assert hash(treedef) == hash(treedef_with_path)
    assert [x for _, x in pairs] == leaves
    assert tree_unflatten(treedef, leaves) == tree
