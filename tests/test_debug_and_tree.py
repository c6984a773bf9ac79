"""pullback.debug (print/callback under every transformation) and the pullback.tree names."""

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as pb
from pullback import tree


def _loss(x, seen):
    pb.debug.callback(lambda v, tag: seen.append((tag, np.array(v))), x, tag="x")
    return jnp.sum(x**2)


def test_callback_eager_and_under_jit():
    seen = []
    x = jnp.arange(3.0)
    assert float(_loss(x, seen)) == 5.0
    assert float(pb.jit(lambda v: _loss(v, seen))(x)) == 5.0
    pb.effects_barrier()
    assert [t for t, _ in seen] == ["x", "x"]
    for _, v in seen:
        np.testing.assert_array_equal(v, [0.0, 1.0, 2.0])


@pytest.mark.parametrize("jit", [False, True])
def test_callback_under_grad_sees_primal_values_once(jit):
    seen = []
    g = pb.grad(lambda v: _loss(v, seen))
    g = pb.jit(g) if jit else g
    np.testing.assert_allclose(g(jnp.arange(3.0)), [0.0, 2.0, 4.0])
    pb.effects_barrier()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0][1], [0.0, 1.0, 2.0])
    # Nothing staged is lost: the callback is an effect of the staged program.
    jaxpr = pb.make_jaxpr(pb.grad(lambda v: _loss(v, [])))(jnp.arange(3.0))
    assert "io_callback" in str(jaxpr)


def test_callback_under_vmap_runs_once_per_example():
    seen = []
    xs = jnp.arange(6.0).reshape(2, 3)
    out = pb.vmap(lambda v: _loss(v, seen))(xs)
    np.testing.assert_allclose(out, [5.0, 50.0])
    assert [v.tolist() for _, v in seen] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_print_formats_values(capsys):
    x = jnp.asarray([1.0, 2.0])
    pb.debug.print("x={} total={t}", x, t=jnp.sum(x))
    pb.jit(lambda v: pb.debug.print("jit {}", v * 2))(x)
    pb.effects_barrier()
    assert capsys.readouterr().out.splitlines() == ["x=[1. 2.] total=3.0", "jit [2. 4.]"]


def test_debug_errors():
    with pytest.raises(TypeError, match="fmt must be a str"):
        pb.debug.print(3)
    with pytest.raises(TypeError, match="expected a callable"):
        pb.debug.callback(3, 1.0)
    with pytest.raises(TypeError, match="io_callback cannot be differentiated"):
        pb.grad(lambda v: pb.io_callback(lambda a: a, v, v))(1.0)


def test_tree_names_are_tree_util():
    t = {"a": 1, "b": (2, 3)}
    assert tree.map(lambda x: x * 10, t) == {"a": 10, "b": (20, 30)}
    assert tree.leaves(t) == [1, 2, 3]
    leaves, treedef = tree.flatten(t)
    assert tree.unflatten(treedef, leaves) == t
    assert tree.structure(t) == treedef
    assert tree.reduce(lambda a, b: a + b, t) == 6
    assert tree.all(t)
    assert tree.broadcast((1, 2), ((3, 4), {"a": 5})) == ((1, 1), {"a": 2})
    assert [pb.tree_util.keystr(p) for p, _ in tree.leaves_with_path({"a": 1})] == ["['a']"]
    assert tree.map is pb.tree_util.tree_map
