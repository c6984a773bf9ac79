"""pullback demo (placeholder until the public API lands): pytrees of model parameters."""

from pullback.tree_util import keystr, tree_flatten_with_path, tree_map, tree_structure

import pullback as pb


def main() -> None:
    params = {
        "layer0": {"w": [[0.1, -0.2], [0.3, 0.4]], "b": [0.0, 0.0]},
        "layer1": {"w": [[0.5], [-0.6]], "b": [0.1]},
    }
    grads = tree_map(lambda w: 0.1 * w, params, is_leaf=lambda x: isinstance(x, float))
    print(f"pullback {pb.__version__}: parameter structure")
    print(" ", tree_structure(params, is_leaf=lambda x: isinstance(x, list)))
    step = tree_map(lambda p, g: p - 0.5 * g, params, grads, is_leaf=lambda x: isinstance(x, float))
    for path, value in tree_flatten_with_path(step)[0]:
        print(f"  {keystr(path):24s} {value:+.3f}")


if __name__ == "__main__":
    main()
