"""optax.lbfgs with its zoom linesearch (optax.value_and_grad_from_state) minimizing the
Rosenbrock function, and optax.tree utilities."""

import json

import jax
import jax.numpy as jnp
import optax


def rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


opt = optax.lbfgs()
x = jnp.array([-1.2, 1.0, 0.5, -0.3])
state = opt.init(x)
value_and_grad = optax.value_and_grad_from_state(rosenbrock)


@jax.jit
def step(x, state):
    value, grad = value_and_grad(x, state=state)
    updates, state = opt.update(grad, state, x, value=value, grad=grad, value_fn=rosenbrock)
    return optax.apply_updates(x, updates), state, value


values = []
for i in range(30):
    x, state, value = step(x, state)
    values.append(float(value))
tree = {"a": jnp.arange(3.0), "b": jnp.ones((2, 2))}
print(
    "RESULT "
    + json.dumps(
        {
            "values": values[::5] + [values[-1]],
            "x": [float(v) for v in x],
            "tree_norm": float(optax.tree.norm(tree)),
            "tree_vdot": float(optax.tree.vdot(tree, tree)),
            "tree_sum": float(optax.tree.sum(tree)),
        }
    )
)
