"""Small expressions evaluated with pullback against what JAX 0.10.2 gave for them.

The expressions and JAX's results (values, dtypes, shapes, or the exception class raised)
are recorded by benchmarks/make_expression_goldens.py into tests/data; here the same text is
evaluated with pullback's modules in the same names. Issue 16, items 1, 3, 4 and 5.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import numpy as np
import pullback.numpy as jnp
import pytest

import pullback as jax
from pullback import lax

GOLD = json.loads((Path(__file__).parent / "data" / "jax_expression_goldens.json").read_text())


def _eval(expr: str) -> object:
    return eval(expr, {"jax": jax, "jnp": jnp, "lax": lax, "np": np, "x": jnp.arange(10)})


@pytest.mark.parametrize("expr", sorted(GOLD))
def test_expression_matches_jax(expr):
    want = GOLD[expr]
    if "raises" in want:
        with pytest.raises(Exception) as info:  # noqa: PT011  (the class is checked below)
            _eval(expr)
        # the builtin class JAX raised (TypeError, IndexError, ...) and JAX's own class name
        builtin = next(c for c in want["raises"] if hasattr(builtins, c))
        names = [c.__name__ for c in type(info.value).__mro__]
        assert builtin in names, (expr, names, want["raises"])
        assert want["raises"][0] in names, (expr, names, want["raises"])
        return
    leaves = jax.tree_util.tree_leaves(_eval(expr))
    assert len(leaves) == len(want["leaves"]), expr
    for got, w in zip(leaves, want["leaves"], strict=True):
        g = np.asarray(got)
        assert str(g.dtype) == w["dtype"], (expr, g.dtype, w["dtype"])
        assert list(g.shape) == w["shape"], (expr, g.shape, w["shape"])
        np.testing.assert_array_equal(g, np.asarray(w["value"], dtype=g.dtype), err_msg=expr)
