"""pullback_api: the public surface of pullback.

The transformations (`jit`, `grad`, `vmap`, ...) and the `numpy`, `lax` and `random`
namespaces arrive with the packages below this one; `tree_util` is complete.
"""

from pullback_api import tree_util as tree_util
from pullback_api.tree_util import Partial as Partial

__version__ = "0.1.0"

__all__ = ["Partial", "tree_util"]
