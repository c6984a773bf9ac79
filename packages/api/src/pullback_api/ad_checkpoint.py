"""`pullback.ad_checkpoint`: rematerialization (`checkpoint`) and its policies and names."""

from __future__ import annotations

from typing import Any

from pullback_autodiff import checkpoint_name, checkpoint_policies

from pullback_api._transforms import checkpoint, remat

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "print_saved_residuals",
           "remat"]  # fmt: skip


def print_saved_residuals(f: Any, *args: Any, **kwargs: Any) -> None:
    """Print the values reverse mode keeps from `f`'s forward pass at `args` (one per line).

    Each line gives the residual's type and where it comes from: an argument of `f`, or
    the primitive that computed it.
    """
    for aval, source in saved_residuals(f, *args, **kwargs):
        print(f"{aval} {source}")


def saved_residuals(f: Any, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
    """The (type, source) of each residual `vjp(f, *args)` saves for the backward pass."""
    from pullback_autodiff.linearize import linearize_flat
    from pullback_ir import dtypes
    from pullback_ir.avals import aval_of
    from pullback_pytrees import keystr, tree_flatten, tree_flatten_with_path, tree_unflatten

    from pullback_api._transforms import to_arrays

    args = to_arrays(args)
    leaves, treedef = tree_flatten(args)
    paths = [keystr(p) for p, _ in tree_flatten_with_path(args)[0]]
    mask = [dtypes.is_inexact(aval_of(x).dtype) for x in leaves]

    def flat(*xs: Any) -> list[Any]:
        return tree_flatten(f(*tree_unflatten(treedef, xs), **kwargs))[0]

    _, linear, _ = linearize_flat(flat, leaves, mask)
    found = []
    for c in linear.consts:
        where = next((i for i, x in enumerate(leaves) if x is c), None)
        source = (
            f"from the argument args{paths[where]}"
            if where is not None
            else "computed in the forward pass"
        )
        found.append((aval_of(c).str_short(), source))
    return found
