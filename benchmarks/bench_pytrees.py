"""Pytree flatten/unflatten/map against jax.tree_util (C++), each in its own process.

Issue goal: within 3x of JAX on small trees.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _harness import main


def _nested_dict_1000() -> dict[str, object]:
    # 10 groups x 10 layers x {w, b, scale: 5-list, ...}: exactly 1000 leaves, 4 levels deep.
    return {
        f"group{g}": {
            f"layer{i}": {"w": float(i), "b": (1.0, 2.0), "extra": [0.0] * 7} for i in range(10)
        }
        for g in range(10)
    }


def cases(impl: str) -> dict[str, Callable[[], object]]:
    if impl == "jax":
        import jax.tree_util as tu
    else:
        import pullback_pytrees as tu  # type: ignore[no-redef]

    small = (1.0, 2.0, 3.0, 4.0, 5.0)
    big = _nested_dict_1000()
    leaves_small, def_small = tu.tree_flatten(small)
    leaves_big, def_big = tu.tree_flatten(big)
    assert len(leaves_big) == 1000

    def flatten_unflatten_small() -> object:
        leaves, treedef = tu.tree_flatten(small)
        return tu.tree_unflatten(treedef, leaves)

    def flatten_unflatten_big() -> object:
        leaves, treedef = tu.tree_flatten(big)
        return tu.tree_unflatten(treedef, leaves)

    return {
        "flatten+unflatten tuple[5]": flatten_unflatten_small,
        "flatten tuple[5]": lambda: tu.tree_flatten(small),
        "unflatten tuple[5]": lambda: tu.tree_unflatten(def_small, leaves_small),
        "tree_map(+1) tuple[5]": lambda: tu.tree_map(lambda x: x + 1, small),
        "flatten+unflatten dict[1000 leaves]": flatten_unflatten_big,
        "flatten dict[1000 leaves]": lambda: tu.tree_flatten(big),
        "unflatten dict[1000 leaves]": lambda: tu.tree_unflatten(def_big, leaves_big),
        "tree_map(+1) dict[1000 leaves]": lambda: tu.tree_map(lambda x: x, big),
        "treedef == and hash, dict[1000]": lambda: def_big == tu.tree_structure(big),
    }


if __name__ == "__main__":
    main(__file__, cases)
