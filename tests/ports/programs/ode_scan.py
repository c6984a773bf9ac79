"""ODE integration with RK4 in lax.scan (a damped pendulum), and the gradient of the final
state with respect to the damping parameter, checked against jvp."""

import json

import jax
import jax.numpy as jnp
from jax import lax


def dynamics(state, t, damping):
    theta, omega = state
    return jnp.stack([omega, -jnp.sin(theta) - damping * omega])


def rk4_step(state, t, dt, damping):
    k1 = dynamics(state, t, damping)
    k2 = dynamics(state + 0.5 * dt * k1, t + 0.5 * dt, damping)
    k3 = dynamics(state + 0.5 * dt * k2, t + 0.5 * dt, damping)
    k4 = dynamics(state + dt * k3, t + dt, damping)
    return state + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate(y0, damping, dt=0.05, steps=100):
    def body(state, t):
        new = rk4_step(state, t, dt, damping)
        return new, new[0]

    ts = jnp.arange(steps) * dt
    final, thetas = lax.scan(body, y0, ts)
    return final, thetas


y0 = jnp.asarray([1.0, 0.0])
final, thetas = jax.jit(integrate)(y0, 0.3)
grad_final = jax.grad(lambda d: integrate(y0, d)[0][0])(0.3)
_, tangent = jax.jvp(lambda d: integrate(y0, d)[0][0], (0.3,), (1.0,))
batch = jax.vmap(lambda d: integrate(y0, d)[0])(jnp.asarray([0.0, 0.5, 1.0]))
print(
    "RESULT "
    + json.dumps(
        {
            "final": final.tolist(),
            "thetas_tail": thetas[-3:].tolist(),
            "grad": float(grad_final),
            "jvp": float(tangent),
            "batch": batch.tolist(),
        }
    )
)
