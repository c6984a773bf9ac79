import functools
import operator
import pickle

from pullback_pytrees import Partial, tree_flatten, tree_leaves, tree_map, tree_structure


def scale(x, factor, *, offset=0):
    return x * factor + offset


def test_partial_is_a_pytree_with_args_and_keywords_as_children():
    p = Partial(scale, 2.0, offset=1.0)
    assert p(3.0) == 7.0
    leaves, treedef = tree_flatten(p)
    assert leaves == [2.0, 1.0]
    q = treedef.unflatten([3.0, 0.5])
    assert isinstance(q, Partial)
    assert q(2.0) == 6.5


def test_partial_function_is_static_structure():
    assert tree_structure(Partial(scale, 1.0)) == tree_structure(Partial(scale, 5.0))
    assert tree_structure(Partial(scale, 1.0)) != tree_structure(Partial(operator.mul, 1.0))


def test_partial_of_functools_partial_keeps_inner_arguments_static():
    inner = functools.partial(scale, offset=100.0)
    p = Partial(inner, 2.0)
    assert tree_leaves(p) == [2.0]
    assert p(1.0) == 102.0
    assert tree_map(lambda x: x * 2, p)(1.0) == 104.0


def test_partial_pickles():
    p = Partial(scale, 3.0)
    assert pickle.loads(pickle.dumps(p))(2.0) == 6.0
