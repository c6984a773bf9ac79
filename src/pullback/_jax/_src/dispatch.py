"""`jax._src.dispatch`: waiting for the runtime's pending side effects."""

from __future__ import annotations

from pullback_compile import effects_barrier

__all__ = ["wait_for_tokens"]


def wait_for_tokens() -> None:
    """Wait until every side effect (callbacks) launched so far has run."""
    effects_barrier()
