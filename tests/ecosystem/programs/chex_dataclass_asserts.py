"""chex: a dataclass train state, shape/type/tree asserts inside and outside jit."""

import json

import chex
import jax
import jax.numpy as jnp
import optax


@chex.dataclass
class TrainState:
    params: chex.ArrayTree
    opt_state: optax.OptState
    step: chex.Array


def model(params, x):
    return jnp.tanh(x @ params["w"] + params["b"])


opt = optax.adam(0.05)
key = jax.random.PRNGKey(0)
params = {"w": jax.random.normal(key, (4, 2)) * 0.5, "b": jnp.zeros(2)}
state = TrainState(params=params, opt_state=opt.init(params), step=jnp.array(0))
x = jax.random.normal(jax.random.PRNGKey(1), (16, 4))
y = jnp.sin(x[:, :2])


@jax.jit
def train_step(state, x, y):
    chex.assert_rank(x, 2)
    chex.assert_shape(x, (None, 4))
    chex.assert_type(state.step, int)

    def loss(p):
        out = model(p, x)
        chex.assert_equal_shape([out, y])
        return jnp.mean((out - y) ** 2)

    l, g = jax.value_and_grad(loss)(state.params)
    chex.assert_trees_all_equal_shapes(g, state.params)
    updates, opt_state = opt.update(g, state.opt_state)
    new = state.replace(
        params=optax.apply_updates(state.params, updates), opt_state=opt_state, step=state.step + 1
    )
    return new, l


losses = []
for _ in range(30):
    state, l = train_step(state, x, y)
    losses.append(float(l))

errors = []
try:
    chex.assert_shape(x, (16, 5))
except AssertionError:
    errors.append("shape")
try:
    chex.assert_trees_all_close({"a": jnp.ones(2)}, {"a": jnp.ones(2) + 1e-3})
except AssertionError:
    errors.append("close")
chex.assert_trees_all_close({"a": jnp.ones(2)}, {"a": jnp.ones(2) + 1e-7})
chex.assert_tree_all_finite(state.params)
try:
    chex.assert_tree_all_finite({"a": jnp.array([1.0, jnp.nan])})
except AssertionError:
    errors.append("finite")
flat = state.replace(step=jnp.array(7))
leaves = jax.tree_util.tree_leaves(flat)

print(
    "RESULT "
    + json.dumps(
        {
            "losses": [*losses[::5], losses[-1]],
            "step": int(state.step),
            "errors": errors,
            "num_leaves": len(leaves),
            "is_dataclass_pytree": isinstance(jax.tree.map(lambda v: v, state), TrainState),
        }
    )
)
