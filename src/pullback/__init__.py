"""pullback: composable program transformations for numerical Python.

`import pullback as pb` gives the whole public surface; this meta-package re-exports
`pullback_api`, and makes its namespaces importable as `pullback.<name>`
(`import pullback.numpy as jnp`, `from pullback.tree_util import tree_map`).
"""

import sys as _sys

from pullback_api import *  # noqa: F403
from pullback_api import (
    __all__ as _api_all,
    ad_checkpoint as ad_checkpoint,
    config as config,
    core as core,
    debug as debug,
    dtypes as dtypes,
    errors as errors,
    experimental as experimental,
    flatten_util as flatten_util,
    lax as lax,
    monitoring as monitoring,
    nn as nn,
    numpy as numpy,
    ops as ops,
    random as random,
    scipy as scipy,
    sharding as sharding,
    stages as stages,
    test_util as test_util,
    tree as tree,
    tree_util as tree_util,
    typing as typing,
)

__version__ = "0.1.0"


def alias_jax() -> None:
    """Make `import jax` (and `jax.numpy`, `jax.lax`, ...) give pullback from now on.

    What `python -m pullback SCRIPT` does for a whole script, as one call at the top of a
    program, before anything imports jax: then the program and the libraries it imports
    (optax, chex, equinox, flax) run on pullback unchanged.

    Raises:
        RuntimeError: if the real jax is already imported.
    """
    from pullback import _jax_alias

    _jax_alias.enable()


__all__ = [*_api_all, "alias_jax"]

# Every public submodule of pullback_api is importable as pullback.<name> (`import
# pullback.numpy as jnp`, `from pullback.ops import segment_sum`), but `config`, whose public
# name is the config object, not the module.
for _name, _module in list(_sys.modules.items()):
    _parts = _name.split(".")
    _public = not any(p.startswith("_") for p in _parts)
    if _parts[0] == "pullback_api" and len(_parts) > 1 and _parts[1] != "config" and _public:
        _sys.modules[".".join([__name__, *_parts[1:]])] = _module
