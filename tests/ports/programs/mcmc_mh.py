"""Random-walk Metropolis-Hastings for a 2-D Gaussian, with keys split inside lax.scan,
and several chains run with vmap."""

import json

import jax
import jax.numpy as jnp
from jax import lax, random


def log_prob(x):
    cov = jnp.asarray([[1.0, 0.8], [0.8, 1.0]])
    return -0.5 * x @ jnp.linalg.solve(cov, x)


def mh_step(state, key):
    x, lp = state
    k1, k2 = random.split(key)
    proposal = x + 0.5 * random.normal(k1, x.shape)
    lp_new = log_prob(proposal)
    accept = jnp.log(random.uniform(k2)) < lp_new - lp
    x = jnp.where(accept, proposal, x)
    lp = jnp.where(accept, lp_new, lp)
    return (x, lp), (x, accept)


@jax.jit
def run_chain(key, x0):
    keys = random.split(key, 500)
    _, (samples, accepted) = lax.scan(mh_step, (x0, log_prob(x0)), keys)
    return samples, accepted


samples, accepted = run_chain(random.PRNGKey(0), jnp.zeros(2))
chains = jax.vmap(run_chain, in_axes=(0, None))(random.split(random.PRNGKey(1), 3), jnp.zeros(2))
print(
    "RESULT "
    + json.dumps(
        {
            "mean": jnp.mean(samples[100:], axis=0).tolist(),
            "acceptance": float(jnp.mean(accepted)),
            "last": samples[-1].tolist(),
            "chain_means": jnp.mean(chains[0][:, 100:], axis=1).tolist(),
        }
    )
)
