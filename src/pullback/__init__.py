"""pullback: composable program transformations for numerical Python.

`import pullback as pb` gives the whole public surface; this meta-package only re-exports
`pullback_api`, and makes its namespaces importable as `pullback.<name>`.
"""

import sys

from pullback_api import Partial as Partial, tree_util as tree_util

__version__ = "0.1.0"

__all__ = ["Partial", "tree_util"]

# `import pullback.tree_util` and `from pullback.tree_util import tree_map` work as in JAX.
sys.modules[__name__ + ".tree_util"] = tree_util
