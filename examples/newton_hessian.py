"""Newton's method with the exact Hessian: minimize the Rosenbrock function."""

from __future__ import annotations

import pullback.numpy as jnp

import pullback as pb


def rosenbrock(v):
    x, y = v[0], v[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


@pb.jit
def newton_step(v):
    g = pb.grad(rosenbrock)(v)
    h = pb.hessian(rosenbrock)(v)
    # Solve the 2x2 system h d = g in closed form.
    det = h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]
    d = jnp.stack([h[1, 1] * g[0] - h[0, 1] * g[1], -h[1, 0] * g[0] + h[0, 0] * g[1]]) / det
    return v - d


def main() -> None:
    v = jnp.array([-1.2, 1.0])
    for i in range(8):
        v = newton_step(v)
        print(f"step {i + 1}: x = {v.tolist()}  f = {float(rosenbrock(v)):.3e}")
    print("reached the minimum (1, 1):", bool(jnp.allclose(v, 1.0, atol=1e-4)))


if __name__ == "__main__":
    main()
