"""Per-example gradient norms with vmap(grad) (e.g. for DP-SGD clipping), jit-compiled."""

from __future__ import annotations

import pullback.numpy as jnp

import pullback as pb
from pullback import random


def loss(params, x, y):
    h = jnp.tanh(x @ params["w1"] + params["b1"])
    return jnp.mean((h @ params["w2"] - y) ** 2)


@pb.jit
def per_example_grad_norms(params, xs, ys):
    grads = pb.vmap(pb.grad(loss), in_axes=(None, 0, 0))(params, xs[:, None], ys[:, None])
    sq = sum(
        jnp.sum(g.reshape(g.shape[0], -1) ** 2, axis=1) for g in pb.tree_util.tree_leaves(grads)
    )
    return jnp.sqrt(sq)


def main() -> None:
    k1, k2, k3, k4 = random.split(random.PRNGKey(0), 4)
    params = {"w1": random.normal(k1, (5, 16)) * 0.5, "b1": jnp.zeros(16),
              "w2": random.normal(k2, (16, 1)) * 0.5}  # fmt: skip
    xs = random.normal(k3, (8, 5))
    ys = random.normal(k4, (8, 1))
    norms = per_example_grad_norms(params, xs, ys)
    for i, n in enumerate(norms.tolist()):
        print(f"example {i}: |grad| = {n:.4f}")
    # The same numbers from a Python loop over examples.
    loop = [float(jnp.sqrt(sum(jnp.sum(g**2) for g in pb.tree_util.tree_leaves(
        pb.grad(loss)(params, xs[i:i + 1], ys[i:i + 1]))))) for i in range(8)]  # fmt: skip
    print(
        "max difference to the loop:",
        max(abs(a - b) for a, b in zip(norms.tolist(), loop, strict=True)),
    )


if __name__ == "__main__":
    main()
