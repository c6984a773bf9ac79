"""Record what JAX gives for small expressions, for tests/test_jax_expressions.py.

Run: `python -m hatch -e jax010 run python benchmarks/make_expression_goldens.py`.

Each expression is evaluated with `jax`, `jnp`, `lax`, `np` and `x = jnp.arange(10)` in scope;
the file maps it to its value, dtype and shape, or to the exception class it raised. The test
evaluates the same expressions with pullback in the same names (tests never import jax).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

EXPRESSIONS = [
    # out-of-bounds indexing (issue 16, item 3)
    "x[11]", "x[-11]", "x[jnp.array([11, -1, -11])]", "x[np.array([3, 12])]",
    "x.reshape(2, 5)[2, 7]", "x.reshape(2, 5)[:, 9]",
    "x.at[11].set(5)", "x.at[-11].set(5)", "x.at[jnp.array([11, -11, 2])].set(5)",
    "x.at[jnp.array([11, 3])].add(5)", "x.at[12].get(mode='fill', fill_value=-1)",
    "x.at[jnp.array([11, -1, -11])].get(mode='fill', fill_value=-1)",
    "x.astype(jnp.float32).at[11].get(mode='fill')",
    "x.astype(jnp.uint8).at[11].get(mode='fill')",
    "x.at[11].get(mode='clip')", "x.at[jnp.array([11, 1])].get()",
    "jnp.take(x, jnp.array([11, -1, -11]))", "jnp.take(x, jnp.array([11, -1, -11]), mode='fill')",
    "jnp.take(x, jnp.array([11, -1, -11]), mode='clip')",
    "jnp.take(x, jnp.array([11, -1, -11]), mode='wrap')",
    "jnp.take(x.astype(jnp.float32), jnp.array([11, -1]))",
    "jnp.take(x, jnp.array([11]), mode='fill', fill_value=7)",
    "jnp.take(x.reshape(2, 5), jnp.array([0, 6]), axis=1)",
    "jnp.take_along_axis(x, jnp.array([11, -1]), axis=0)",
    "jnp.take_along_axis(x, jnp.array([11, -1]), axis=0, mode='clip')",
    # .at[] with strided and reversed slices
    "x.at[::2].set(0)", "x.at[1::3].add(5)", "x.at[::-2].min(0)", "x.at[8:1:-3].max(7)",
    "x.astype(jnp.float32).at[::2].apply(jnp.sin)", "x.at[1:8:3].get()",
    "x.reshape(2, 5).at[:, ::2].mul(3)",
    "x.reshape(2, 5).at[::-1, 1::2].set(jnp.array([[1, 2], [3, 4]]))",
    "x.at[::3].set(jnp.array([9, 8, 7, 6]))",
    # canonical dtypes of NumPy operands (item 1)
    "jnp.ones(2) - np.ones(2)", "np.arange(3)[:, None] == jnp.arange(3)",
    "jnp.ones(2, jnp.float16) + np.float32(1)", "jnp.ones(2, jnp.int8) + np.int64(1)",
    "jax.vmap(lambda v: jnp.dot(v, v))(np.ones((2, 3)))",
    "lax.add(np.ones(2), np.ones(2))",
    # operators and errors (item 4)
    "x << 2", "3 << x[:4]", "x >> 1", "divmod(x, 3)", "jnp.dot(jnp.ones(3), jnp.ones(4))",
    "jnp.ones((2, 3)) @ jnp.ones(4)", "jnp.sum([1, 2, 3])", "jnp.mean((1.0, 2.0))",
    "jax.jit(lambda v: v[v > 3])(x)",
    # logaddexp (item 5)
    "jax.grad(jnp.logaddexp, argnums=(0, 1))(1.0, 1.0)", "jnp.logaddexp(jnp.ones(3), 1.0)",
    "jnp.logaddexp(jnp.array([-jnp.inf, jnp.inf, 3e38]), jnp.array([-jnp.inf, jnp.inf, 3e38]))",
]  # fmt: skip


def _record(value: object) -> object:
    leaves = jax.tree_util.tree_leaves(value)
    return [
        {"value": np.asarray(v).tolist(), "dtype": str(np.asarray(v).dtype),
         "shape": list(np.shape(v))}
        for v in leaves
    ]  # fmt: skip


def main() -> None:
    out: dict[str, object] = {}
    x = jnp.arange(10)
    for expr in EXPRESSIONS:
        try:
            out[expr] = {"leaves": _record(eval(expr, {"jax": jax, "jnp": jnp, "lax": lax,
                                                       "np": np, "x": x}))}  # fmt: skip
        except Exception as e:
            out[expr] = {"raises": [c.__name__ for c in type(e).__mro__]}
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/jax_expression_goldens.json")
    path.write_text(json.dumps(out, indent=1, allow_nan=True) + "\n")
    print(f"wrote {path} (jax {jax.__version__}, {len(out)} expressions)")


if __name__ == "__main__":
    main()
