import pullback_pytrees
from pullback_api import tree_util


def test_tree_util_reexports_the_whole_pytree_api():
    assert set(tree_util.__all__) == set(pullback_pytrees.__all__)
    for name in tree_util.__all__:
        assert getattr(tree_util, name) is getattr(pullback_pytrees, name)
