"""Train a small MLP on synthetic regression data with jit-compiled SGD.

The README's demo (`hatch run demo:run`): a progress bar while training, then the loss curve
as a text plot (also saved as loss_curve.png when matplotlib is installed).
"""

from __future__ import annotations

import argparse
import sys
import time

import pullback.numpy as jnp

import pullback as pb
from pullback import random

SIZES = (8, 64, 64, 1)


def init_params(key, sizes=SIZES):
    keys = random.split(key, len(sizes) - 1)
    return [
        {"w": random.normal(k, (m, n)) * jnp.sqrt(2.0 / m), "b": jnp.zeros(n)}
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def predict(params, x):
    for layer in params[:-1]:
        x = pb.nn.gelu(x @ layer["w"] + layer["b"])
    return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y):
    return jnp.mean((predict(params, x) - y) ** 2)


@pb.jit
def sgd_step(params, x, y, lr):
    loss, grads = pb.value_and_grad(loss_fn)(params, x, y)
    params = pb.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
    return params, loss


def make_data(key, n=2048, d=SIZES[0]):
    kx, kw, kn = random.split(key, 3)
    x = random.normal(kx, (n, d))
    w = random.normal(kw, (d, 1))
    y = jnp.sin(x @ w) + 0.1 * x[:, :1] ** 2 + 0.05 * random.normal(kn, (n, 1))
    return x, y


def progress(i, total, loss, width=30):
    done = int(width * (i + 1) / total)
    bar = "#" * done + "-" * (width - done)
    sys.stdout.write(f"\r  [{bar}] step {i + 1:4d}/{total}  loss {loss:.4f}")
    sys.stdout.flush()


def text_plot(values, height=8, width=60):
    """The curve as rows of '*' (log scale), one column per chunk of steps."""
    import math

    step = max(1, len(values) // width)
    cols = [min(values[i : i + step]) for i in range(0, len(values), step)][:width]
    logs = [math.log10(max(v, 1e-12)) for v in cols]
    lo, hi = min(logs), max(logs)
    span = (hi - lo) or 1.0
    rows = []
    for r in range(height, -1, -1):
        mark = [round((v - lo) / span * height) == r for v in logs]
        rows.append(
            f"  {10 ** (lo + span * r / height):9.4f} |" + "".join("*" if m else " " for m in mark)
        )
    rows.append("            +" + "-" * len(cols))
    rows.append(f"             step 0{' ' * max(1, len(cols) - 14)}step {len(values)}")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()

    kdata, kinit = random.split(random.PRNGKey(0))
    x, y = make_data(kdata)
    params = init_params(kinit)
    n = x.shape[0]
    print(f"pullback {pb.__version__} on {pb.devices()[0]}: MLP {'-'.join(map(str, SIZES))}, "
          f"{n} examples, batch {args.batch}")  # fmt: skip
    initial = float(loss_fn(params, x, y))
    losses = []
    start = time.perf_counter()
    for i in range(args.steps):
        lo = (i * args.batch) % n
        params, loss = sgd_step(params, x[lo : lo + args.batch], y[lo : lo + args.batch], args.lr)
        losses.append(float(loss))
        if i % 10 == 0 or i == args.steps - 1:
            progress(i, args.steps, losses[-1])
    elapsed = time.perf_counter() - start
    final = float(loss_fn(params, x, y))
    print(f"\n  {args.steps} steps in {elapsed:.2f} s (the first one compiles)")
    print(f"  loss on all data: {initial:.4f} -> {final:.4f}")
    print("\nloss curve (log scale):")
    print(text_plot(losses))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.semilogy(losses)
        plt.xlabel("step")
        plt.ylabel("loss")
        plt.savefig("loss_curve.png")
        print("saved loss_curve.png")
    except ImportError:
        pass


if __name__ == "__main__":
    main()
