"""pullback: composable program transformations for numerical Python.

`import pullback as pb` gives the whole public surface; this meta-package re-exports
`pullback_api`, and makes its namespaces importable as `pullback.<name>`
(`import pullback.numpy as jnp`, `from pullback.tree_util import tree_map`).
"""

import sys

from pullback_api import *  # noqa: F403
from pullback_api import (
    __all__ as _api_all,
    config as config,
    lax as lax,
    nn as nn,
    numpy as numpy,
    random as random,
    tree_util as tree_util,
)

__version__ = "0.1.0"

__all__ = list(_api_all)

for _name in ("numpy", "lax", "random", "nn", "tree_util"):
    sys.modules[f"{__name__}.{_name}"] = globals()[_name]
sys.modules[f"{__name__}.numpy.linalg"] = numpy.linalg
