"""One MAML meta-training loop on sine regression: grad through an inner SGD step, jitted."""

from __future__ import annotations

import pullback.numpy as jnp

import pullback as pb
from pullback import random


def init(key):
    k1, k2, k3 = random.split(key, 3)
    b1 = random.uniform(k1, (40,), minval=-3.0, maxval=3.0)
    return [{"w": random.normal(k1, (1, 40)), "b": b1},
            {"w": random.normal(k2, (40, 40)) * jnp.sqrt(2.0 / 40), "b": jnp.zeros(40)},
            {"w": random.normal(k3, (40, 1)) * jnp.sqrt(1.0 / 40), "b": jnp.zeros(1)}]  # fmt: skip


def net(params, x):
    for layer in params[:-1]:
        x = pb.nn.relu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def mse(params, x, y):
    return jnp.mean((net(params, x) - y) ** 2)


def adapt(params, x, y, inner_lr=0.01):
    g = pb.grad(mse)(params, x, y)
    return pb.tree_util.tree_map(lambda p, gp: p - inner_lr * gp, params, g)


def maml_loss(params, xs_tr, ys_tr, xs_te, ys_te):
    # Average over tasks of the loss after one adaptation step on that task.
    losses = pb.vmap(lambda a, b, c, d: mse(adapt(params, a, b), c, d))(xs_tr, ys_tr, xs_te, ys_te)
    return jnp.mean(losses)


@pb.jit
def meta_step(params, batch, lr=0.003):
    loss, g = pb.value_and_grad(maml_loss)(params, *batch)
    return pb.tree_util.tree_map(lambda p, gp: p - lr * gp, params, g), loss


def tasks(key, n_tasks=8, k=10):
    ka, kp, kx1, kx2 = random.split(key, 4)
    amp = random.uniform(ka, (n_tasks, 1, 1), minval=0.5, maxval=2.0)
    phase = random.uniform(kp, (n_tasks, 1, 1), maxval=3.14)
    x1 = random.uniform(kx1, (n_tasks, k, 1), minval=-5.0, maxval=5.0)
    x2 = random.uniform(kx2, (n_tasks, k, 1), minval=-5.0, maxval=5.0)
    return x1, amp * jnp.sin(x1 + phase), x2, amp * jnp.sin(x2 + phase)


def main(steps: int = 60) -> None:
    key = random.PRNGKey(0)
    params = init(key)
    for i in range(steps):
        key, sub = random.split(key)
        params, loss = meta_step(params, tasks(sub))
        if i % 10 == 0 or i == steps - 1:
            print(f"meta step {i:3d}: post-adaptation loss {float(loss):.4f}")


if __name__ == "__main__":
    import sys

    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
