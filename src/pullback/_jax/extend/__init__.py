"""`jax.extend`: the extension points libraries use to define primitives and their rules."""

from pullback._jax.extend import (
    core as core,
    linear_util as linear_util,
    source_info_util as source_info_util,
)

__all__ = ["core", "linear_util", "source_info_util"]
