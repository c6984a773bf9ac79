"""Messages for pytree structure mismatches: where the trees part, and both structures."""

from __future__ import annotations

from typing import Any

from pullback_pytrees.keypaths import KeyPath, keystr

__all__: list[str] = []


def describe(x: Any) -> str:
    """A short description of the node at the top of `x`, for error messages."""
    if x is None:
        return "None"
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return f"a namedtuple {type(x).__qualname__}"
    if type(x) in (tuple, list):
        return f"a {type(x).__name__} of length {len(x)}"
    if isinstance(x, dict):
        return f"a {type(x).__name__} with keys {list(x)!r}"
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"a {type(x).__qualname__} ({text})"


def structure_mismatch(
    what: str, path: KeyPath, expected: str, got: str, expected_structure: str, got_structure: str
) -> ValueError:
    """Build the error for a tree that does not match an expected structure (or prefix)."""
    where = keystr(path) or "the root"
    return ValueError(
        f"{what} does not match the expected pytree structure at key path {where}: "
        f"expected {expected}, got {got}.\n"
        f"  expected structure: {expected_structure}\n"
        f"  received structure: {got_structure}"
    )
