"""Data-parallel training with pmap over 4 virtual CPU devices: gradients averaged with pmean."""

from __future__ import annotations

import os

os.environ.setdefault("PULLBACK_NUM_CPU_DEVICES", "4")  # before pullback creates its client

import pullback.numpy as jnp

import pullback as pb
from pullback import lax, random


def loss(params, x, y):
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def train_step(params, x, y):
    grads = pb.grad(loss)(params, x, y)
    grads = lax.pmean(grads, axis_name="devices")  # all-reduce across the devices
    return pb.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)


def main(steps: int = 50) -> None:
    n = pb.device_count()
    print(f"{n} devices: {pb.devices()}")
    kx, kw = random.split(random.PRNGKey(0))
    true_w = random.normal(kw, (3, 1))
    x = random.normal(kx, (n, 64, 3))  # one shard of the batch per device
    y = x @ true_w + 0.5
    params = {"w": jnp.zeros((n, 3, 1)), "b": jnp.zeros((n, 1))}  # replicated
    step = pb.pmap(train_step, axis_name="devices")
    for i in range(steps):
        params = step(params, x, y)
        if i % 10 == 0 or i == steps - 1:
            full = loss(pb.tree_util.tree_map(lambda p: p[0], params), x.reshape(-1, 3),
                        y.reshape(-1, 1))  # fmt: skip
            print(f"step {i:3d}: loss {float(full):.5f}")
    print("learned w:", params["w"][0].ravel().tolist(), "true:", true_w.ravel().tolist())
    print("replicas agree:", bool(jnp.all(params["w"] == params["w"][0])))


if __name__ == "__main__":
    main()
