"""Pytrees: a registered dataclass of parameters, tree_map over several trees, key paths,
flattening and unflattening, and a training step over the custom node."""

import dataclasses
import json

import jax
import jax.numpy as jnp
from jax import random


@jax.tree_util.register_pytree_node_class
@dataclasses.dataclass
class Linear:
    w: jax.Array
    b: jax.Array
    name: str = "linear"

    def tree_flatten(self):
        return (self.w, self.b), self.name

    @classmethod
    def tree_unflatten(cls, name, children):
        return cls(*children, name=name)

    def __call__(self, x):
        return x @ self.w + self.b


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Model:
    layers: list
    scale: float = dataclasses.field(metadata=dict(static=True), default=1.0)

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = jnp.tanh(layer(x))
        return self.scale * self.layers[-1](x)


k1, k2 = random.split(random.PRNGKey(0))
model = Model(
    [
        Linear(random.normal(k1, (3, 4)) * 0.5, jnp.zeros(4), "l1"),
        Linear(random.normal(k2, (4, 1)) * 0.5, jnp.zeros(1), "l2"),
    ],
    scale=2.0,
)
x = jnp.linspace(-1, 1, 12).reshape(4, 3)
y = jnp.sum(x, axis=1, keepdims=True)


def loss(m):
    return jnp.mean((m(x) - y) ** 2)


@jax.jit
def step(m):
    g = jax.grad(loss)(m)
    return jax.tree_util.tree_map(lambda p, q: p - 0.1 * q, m, g)


for _ in range(20):
    model = step(model)
leaves, treedef = jax.tree_util.tree_flatten(model)
paths = [jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(model)[0]]
doubled = jax.tree_util.tree_unflatten(treedef, [2 * leaf for leaf in leaves])
out = {
    "loss": float(loss(model)),
    "num_leaves": len(leaves),
    "paths": paths,
    "names": [layer.name for layer in model.layers],
    "scale": model.scale,
    "sum_sizes": int(sum(leaf.size for leaf in jax.tree_util.tree_leaves(model))),
    "doubled_b": doubled.layers[1].b.tolist(),
    "structure_equal": jax.tree_util.tree_structure(model) == treedef,
    "reduced": float(jax.tree_util.tree_reduce(lambda a, b: a + jnp.sum(b), model, 0.0)),
}
print("RESULT " + json.dumps(out))
