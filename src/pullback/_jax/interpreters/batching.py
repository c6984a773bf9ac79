"""`jax.interpreters.batching`: batching rules with JAX's signatures, on pullback's table.

`primitive_batchers[p] = rule` with `rule(args, dims, **params) -> (out, out_dim)`;
`axis_primitive_batchers[p] = rule` with `rule(axis_data, args, dims, **params)`. An unbatched
argument or result has dimension `not_mapped` (None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pullback_batching.core import AxisData, batch_rules

from pullback._jax._rules import Registry, single

__all__ = ["AxisData", "axis_primitive_batchers", "not_mapped", "primitive_batchers"]

not_mapped = None


def _wrap(prim: Any, call: Callable[..., Any]) -> Callable[..., Any]:
    one = single(prim)

    def rule(axis: AxisData, args: Sequence[Any], dims: Sequence[Any], **params: Any) -> Any:
        out, out_dims = call(axis, list(args), list(dims), **params)
        return ([out], [out_dims]) if one else (list(out), list(out_dims))

    return rule


primitive_batchers = Registry(
    "primitive_batchers", batch_rules,
    lambda prim, r: _wrap(prim, lambda axis, a, d, **p: r(a, d, **p)),
)  # fmt: skip
axis_primitive_batchers = Registry(
    "axis_primitive_batchers", batch_rules, lambda prim, r: _wrap(prim, r)
)
