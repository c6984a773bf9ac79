"""Checkpoint policies: which intermediate values of a `checkpoint`ed function to save.

A policy is called as `policy(primitive, *input_avals, **params) -> bool` on each equation
whose output the backward pass needs; True saves the output as a residual, False recomputes
it in the backward pass. Inputs of the checkpointed function are always saved. The default
(`policy=None`) is `nothing_saveable`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pullback_ir.primitive import Primitive
from pullback_ir.primitives import control as cf, linalg

__all__ = [
    "Policy",
    "dots_saveable",
    "dots_with_no_batch_dims_saveable",
    "everything_saveable",
    "nothing_saveable",
    "save_any_names_but_these",
    "save_anything_except_these_names",
    "save_from_both_policies",
    "save_only_these_names",
]

Policy = Callable[..., bool]


def everything_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save every intermediate (no recomputation; as if there were no checkpoint)."""
    del prim, avals, params  # unused
    return True


def nothing_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save only the inputs; recompute everything else in the backward pass."""
    del prim, avals, params  # unused
    return False


def dots_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save the results of matrix multiplications (`dot_general`); recompute the rest."""
    del avals, params  # unused
    return prim is linalg.dot_general_p


#: The older name of `dots_saveable`.
checkpoint_dots = dots_saveable


def dots_with_no_batch_dims_saveable(prim: Primitive, *avals: Any, **params: Any) -> bool:
    """Save the results of `dot_general`s without batch dimensions (plain matmuls)."""
    del avals  # unused
    if prim is not linalg.dot_general_p:
        return False
    (_, _), (lhs_batch, rhs_batch) = params["dimension_numbers"]
    return not lhs_batch and not rhs_batch


#: The older name of `dots_with_no_batch_dims_saveable`.
checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable


def save_only_these_names(*names: str) -> Policy:
    """Save only the values named with `checkpoint_name(x, name)` for `name` in `names`."""
    wanted = frozenset(names)

    def policy(prim: Primitive, *avals: Any, **params: Any) -> bool:
        del avals  # unused
        return prim is cf.name_p and params["name"] in wanted

    return policy


def save_any_names_but_these(*names: str) -> Policy:
    """Save every named value (`checkpoint_name`) except those named in `names`."""
    excluded = frozenset(names)

    def policy(prim: Primitive, *avals: Any, **params: Any) -> bool:
        del avals  # unused
        return prim is cf.name_p and params["name"] not in excluded

    return policy


def save_anything_except_these_names(*names: str) -> Policy:
    """Save every intermediate except the values named in `names`."""
    excluded = frozenset(names)

    def policy(prim: Primitive, *avals: Any, **params: Any) -> bool:
        del avals  # unused
        return not (prim is cf.name_p and params["name"] in excluded)

    return policy


def save_from_both_policies(left: Policy, right: Policy) -> Policy:
    """Save what either policy saves."""

    def policy(prim: Primitive, *avals: Any, **params: Any) -> bool:
        return left(prim, *avals, **params) or right(prim, *avals, **params)

    return policy
